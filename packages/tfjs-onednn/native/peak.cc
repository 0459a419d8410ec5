// Measured FP32 peak: independent FMA chains on the widest vectors the
// compiler targets (-march=native), one chain set per OpenMP thread.
#include "common.h"
#include <omp.h>
#include <chrono>
#include <ctime>
#include <cstring>

namespace tfo {
namespace {

#if defined(__AVX512F__)
constexpr int kLanes = 16;
#else
constexpr int kLanes = 8;
#endif
typedef float vec __attribute__((vector_size(kLanes * 4)));
constexpr int kChains = 12;

double threadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// peakGflops(threads, milliseconds) -> { wall: GFLOP/s over wall time, cpu:
// sum over threads of FLOPs per second of that thread's own CPU time (the
// peak of the cores when not shared) }.
Napi::Value PeakGflops(const Napi::CallbackInfo &info) {
  const int nt = static_cast<int>(i64(info, 0));
  const double ms = f64(info, 1);
  double total = 0, perCpu = 0;
  auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel num_threads(nt) reduction(+ : total, perCpu)
  {
    vec acc[kChains];
    vec a, b;
    for (int l = 0; l < kLanes; l++) { a[l] = 0.999999f; b[l] = 1e-7f; }
    for (int c = 0; c < kChains; c++) for (int l = 0; l < kLanes; l++) acc[c][l] = static_cast<float>(c + l);
    long iters = 0;
    const double c0 = threadCpuSeconds();
    const long block = 1 << 16;
    while (true) {
      for (long i = 0; i < block; i++) {
#pragma GCC unroll 12
        for (int c = 0; c < kChains; c++) acc[c] = acc[c] * a + b;
      }
      iters += block;
      double el = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (el >= ms) break;
    }
    float sink = 0;
    for (int c = 0; c < kChains; c++) for (int l = 0; l < kLanes; l++) sink += acc[c][l];
    if (sink == 12345.f) iters++;  // keep the chains alive
    total += static_cast<double>(iters);
    perCpu += static_cast<double>(iters) * kChains * kLanes * 2.0 / (threadCpuSeconds() - c0);
  }
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double flops = total * kChains * kLanes * 2.0;
  auto o = Napi::Object::New(info.Env());
  o.Set("wall", flops / el / 1e9);
  o.Set("cpu", perCpu / 1e9);
  return o;
}

// gemmPeak(dtype 'bf16' | 'f32', size, milliseconds) -> { wall, cpu, impl }:
// GFLOP/s of a size x size x size oneDNN matmul (bf16 inputs with f32
// accumulation and output, or f32) repeated for about `ms`, at the current
// thread count; `cpu` uses the process CPU time scaled by the thread count
// (the cores' rate when not shared); `impl` is oneDNN's implementation name.
Napi::Value GemmPeak(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "gemmPeak: dtype must be 'bf16' or 'f32'");
  const std::string dtype = info[0].As<Napi::String>().Utf8Value();
  if (dtype != "bf16" && dtype != "f32") throw Napi::RangeError::New(info.Env(), "gemmPeak: dtype must be 'bf16' or 'f32'");
  const int64_t n = i64(info, 1);
  const double ms = f64(info, 2);
  if (n < 16 || n > 8192) throw Napi::RangeError::New(info.Env(), "gemmPeak: size must be in [16, 8192]");
  using namespace dnnl;
  using dt = memory::data_type;
  using tag = memory::format_tag;
  try {
    const dt in = dtype == "bf16" ? dt::bf16 : dt::f32;
    memory::desc a({n, n}, in, tag::ab), bAny({n, n}, in, tag::any), c({n, n}, dt::f32, tag::ab);
    matmul::primitive_desc pd(matmul::desc(a, bAny, c), engine());
    matmul prim(pd);
    memory ma(a, engine()), mb(pd.weights_desc(), engine()), mc(c, engine());
    // Small values (bf16 zeros would be a special case for no kernel, but keep them finite).
    if (in == dt::f32) {
      float *pa = static_cast<float *>(ma.get_data_handle());
      for (int64_t i = 0; i < n * n; i++) pa[i] = 1e-3f * static_cast<float>(i % 7);
    } else {
      uint16_t *pa = static_cast<uint16_t *>(ma.get_data_handle());
      for (int64_t i = 0; i < n * n; i++) pa[i] = 0x3a83;  // ~1e-3
    }
    std::memset(mb.get_data_handle(), 0, pd.weights_desc().get_size());
    auto &s = stream();
    prim.execute(s, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    s.wait();
    long iters = 0;
    timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    auto t0 = std::chrono::steady_clock::now();
    double el = 0;
    do {
      prim.execute(s, {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
      s.wait();
      iters++;
      el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (el * 1000 < ms);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    const double cpu = (c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) * 1e-9;
    const double flop = 2.0 * n * n * n * iters;
    auto o = Napi::Object::New(info.Env());
    o.Set("wall", flop / el / 1e9);
    o.Set("cpu", flop / cpu / 1e9 * threads());
    o.Set("impl", pd.impl_info_str());
    return o;
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN gemm peak: ") + e.what());
  }
}

}  // namespace

void initPeak(Napi::Env env, Napi::Object exports) {
  exports.Set("peakGflops", Napi::Function::New(env, PeakGflops));
  exports.Set("gemmPeak", Napi::Function::New(env, GemmPeak));
  exports.Set("vectorLanes", Napi::Number::New(env, kLanes));
}

}  // namespace tfo
