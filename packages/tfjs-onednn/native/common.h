// Shared state and helpers of the tfjs-onednn addon: one oneDNN CPU engine and
// stream, the thread count, and argument readers for N-API calls. Every call
// is synchronous and runs on the caller's thread (plus OpenMP workers).
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <cstdint>
#include <initializer_list>
#include <utility>
#include <string>
#include <vector>

namespace tfo {

dnnl::engine &engine();
dnnl::stream &stream();
int threads();
void setThreads(int n);
// Compute precision of convolutions and matmuls: false = fp32, true = bf16
// inputs (converted inside the kernels' reorders) with fp32 accumulation and
// fp32 outputs. Process-wide; part of every primitive cache key.
bool lowPrecision();
void setLowPrecision(bool on);

// Float32Array argument -> raw pointer and length (zero-copy).
inline float *f32(const Napi::CallbackInfo &info, size_t i, size_t *len = nullptr) {
  if (i >= info.Length() || !info[i].IsTypedArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array");
  auto ta = info[i].As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_float32_array) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a Float32Array");
  auto fa = ta.As<Napi::Float32Array>();
  if (len) *len = fa.ElementLength();
  return fa.Data();
}

// Optional Float32Array argument: nullptr (and *len 0) when null, undefined or absent.
inline float *optF32(const Napi::CallbackInfo &info, size_t i, size_t *len) {
  *len = 0;
  if (i >= info.Length() || info[i].IsNull() || info[i].IsUndefined()) return nullptr;
  return f32(info, i, len);
}

inline int64_t i64(const Napi::CallbackInfo &info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().Int64Value();
}

inline double f64(const Napi::CallbackInfo &info, size_t i) {
  if (i >= info.Length() || !info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

inline std::vector<int64_t> ints(const Napi::CallbackInfo &info, size_t i) {
  if (i >= info.Length() || !info[i].IsArray()) throw Napi::TypeError::New(info.Env(), "argument " + std::to_string(i) + " must be an array of numbers");
  auto a = info[i].As<Napi::Array>();
  std::vector<int64_t> v(a.Length());
  for (uint32_t k = 0; k < a.Length(); k++) v[k] = a.Get(k).As<Napi::Number>().Int64Value();
  return v;
}

inline std::string key(const std::vector<int64_t> &v) {
  std::string s;
  for (auto x : v) { s += std::to_string(x); s += ','; }
  s += "t" + std::to_string(threads());
  if (lowPrecision()) s += "b";
  return s;
}

// y[r, c] = x[r, c] * a[c] + b[c] over `rows` rows of C channels (OpenMP; batchnorm.cc).
void scaleShiftRows(const float *x, float *y, int64_t rows, int64_t C, const float *a, const float *b);

// A native entry point, and registration of several under their names.
using NativeFn = Napi::Value (*)(const Napi::CallbackInfo &);
inline void exportAll(Napi::Env env, Napi::Object exports, std::initializer_list<std::pair<const char *, NativeFn>> fns) {
  for (const auto &f : fns) exports.Set(f.first, Napi::Function::New(env, f.second));
}

// Registration hooks of each translation unit.
void initConv(Napi::Env env, Napi::Object exports);
void initEltwise(Napi::Env env, Napi::Object exports);
void initMatmulPool(Napi::Env env, Napi::Object exports);
void initPeak(Napi::Env env, Napi::Object exports);
void initBatchNorm(Napi::Env env, Napi::Object exports);
size_t clearConvCache();
size_t clearMatmulPoolCache();

}  // namespace tfo
