// Entry point of the addon: engine, stream, threads, cache control.
#include "common.h"
#include <omp.h>

namespace tfo {

static int g_threads = 0;
static bool g_lowp = false;
bool lowPrecision() { return g_lowp; }
void setLowPrecision(bool on) { g_lowp = on; }

dnnl::engine &engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream &stream() {
  static dnnl::stream s(engine());
  return s;
}
int threads() {
  if (g_threads <= 0) g_threads = omp_get_max_threads();
  return g_threads;
}
void setThreads(int n) {
  if (n <= 0) n = omp_get_num_procs();
  g_threads = n;
  omp_set_num_threads(n);
}

static Napi::Value SetThreads(const Napi::CallbackInfo &info) {
  setThreads(static_cast<int>(i64(info, 0)));
  return Napi::Number::New(info.Env(), threads());
}
static Napi::Value GetThreads(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), threads()); }
static Napi::Value NumProcs(const Napi::CallbackInfo &info) { return Napi::Number::New(info.Env(), omp_get_num_procs()); }
static Napi::Value ClearCache(const Napi::CallbackInfo &info) {
  return Napi::Number::New(info.Env(), static_cast<double>(clearConvCache() + clearMatmulPoolCache()));
}
static Napi::Value Version(const Napi::CallbackInfo &info) {
  const dnnl_version_t *v = dnnl_version();
  return Napi::String::New(info.Env(), std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
}

// Name of the ISA oneDNN dispatches to (respects ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA).
static const char *isaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "sse41";
    case dnnl::cpu_isa::avx: return "avx";
    case dnnl::cpu_isa::avx2: return "avx2";
    case dnnl::cpu_isa::avx2_vnni: return "avx2_vnni";
    case dnnl::cpu_isa::avx512_mic: return "avx512_mic";
    case dnnl::cpu_isa::avx512_mic_4ops: return "avx512_mic_4ops";
    case dnnl::cpu_isa::avx512_core: return "avx512_core";
    case dnnl::cpu_isa::avx512_core_vnni: return "avx512_core_vnni";
    case dnnl::cpu_isa::avx512_core_bf16: return "avx512_core_bf16";
    case dnnl::cpu_isa::avx512_core_amx: return "avx512_core_amx";
    default: return "all";
  }
}

// cpuIsa() -> { isa: name, nativeBf16: whether the ISA has bf16 dot products (AVX512_BF16 or AMX) }
static Napi::Value CpuIsa(const Napi::CallbackInfo &info) {
  const auto isa = dnnl::get_effective_cpu_isa();
  const unsigned bits = static_cast<unsigned>(isa), bf16 = static_cast<unsigned>(dnnl_cpu_isa_avx512_core_bf16);
  auto o = Napi::Object::New(info.Env());
  o.Set("isa", isaName(isa));
  o.Set("nativeBf16", (bits & bf16) == bf16);
  return o;
}
static Napi::Value SetPrecision(const Napi::CallbackInfo &info) {
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(info.Env(), "setPrecision: expected 'fp32' or 'bf16'");
  const std::string p = info[0].As<Napi::String>().Utf8Value();
  if (p != "fp32" && p != "bf16") throw Napi::RangeError::New(info.Env(), "setPrecision: expected 'fp32' or 'bf16', got '" + p + "'");
  setLowPrecision(p == "bf16");
  return info.Env().Undefined();
}
static Napi::Value GetPrecision(const Napi::CallbackInfo &info) { return Napi::String::New(info.Env(), lowPrecision() ? "bf16" : "fp32"); }

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  setThreads(omp_get_num_procs());
  exportAll(env, exports, {{"setThreads", SetThreads}, {"getThreads", GetThreads}, {"numProcs", NumProcs}, {"clearCache", ClearCache}, {"version", Version}, {"cpuIsa", CpuIsa}, {"setPrecision", SetPrecision}, {"getPrecision", GetPrecision}});
  initConv(env, exports);
  initEltwise(env, exports);
  initMatmulPool(env, exports);
  initPeak(env, exports);
  initBatchNorm(env, exports);
  return exports;
}

}  // namespace tfo

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tfo::Init(env, exports); }
NODE_API_MODULE(tfjs_onednn, InitAddon)
