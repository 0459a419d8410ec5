// Entry point of the addon: engine, stream, threads, cache control.
#include "common.h"
#include <omp.h>

namespace tfo {

static int g_threads = 0;

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

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  setThreads(omp_get_num_procs());
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads));
  exports.Set("numProcs", Napi::Function::New(env, NumProcs));
  exports.Set("clearCache", Napi::Function::New(env, ClearCache));
  exports.Set("version", Napi::Function::New(env, Version));
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
