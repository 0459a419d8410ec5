// Measured FP32 peak: independent FMA chains on the widest vectors the
// compiler targets (-march=native), one chain set per OpenMP thread.
#include "common.h"
#include <omp.h>
#include <chrono>
#include <ctime>

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

}  // namespace

void initPeak(Napi::Env env, Napi::Object exports) {
  exports.Set("peakGflops", Napi::Function::New(env, PeakGflops));
  exports.Set("vectorLanes", Napi::Number::New(env, kLanes));
}

}  // namespace tfo
