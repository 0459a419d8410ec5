// Training-mode batch norm over every axis but the last (channels last) in
// two passes forward (statistics, normalise) and two backward (reductions,
// input gradient), multithreaded over rows with per-thread double partials.
#include "common.h"
#include <omp.h>
#include <cmath>
#include <vector>
#include <algorithm>

namespace tfo {
namespace {

// Per-channel sums over rows of a [M, C] view: s1 += f1(r, c), s2 += f2(r, c).
template <typename F>
void channelSums(int64_t M, int64_t C, std::vector<double> &s1, std::vector<double> &s2, F f) {
  const int nt = threads();
  std::vector<double> part(static_cast<size_t>(nt) * 2 * C, 0.0);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), T = omp_get_num_threads();
    const int64_t r0 = M * t / T, r1 = M * (t + 1) / T;
    double *p1 = part.data() + static_cast<size_t>(t) * 2 * C, *p2 = p1 + C;
    std::vector<float> b1(C), b2(C);
    for (int64_t rb = r0; rb < r1; rb += 64) {
      const int64_t re = std::min(r1, rb + 64);
      std::fill(b1.begin(), b1.end(), 0.f);
      std::fill(b2.begin(), b2.end(), 0.f);
      float *q1 = b1.data(), *q2 = b2.data();
      for (int64_t r = rb; r < re; r++) f(r, q1, q2);
      for (int64_t c = 0; c < C; c++) {
        p1[c] += q1[c];
        p2[c] += q2[c];
      }
    }
  }
  s1.assign(C, 0.0);
  s2.assign(C, 0.0);
  for (int t = 0; t < nt; t++)
    for (int64_t c = 0; c < C; c++) {
      s1[c] += part[static_cast<size_t>(t) * 2 * C + c];
      s2[c] += part[static_cast<size_t>(t) * 2 * C + C + c];
    }
}

bool optBool(const Napi::CallbackInfo &info, size_t i) {
  return i < info.Length() && info[i].IsBoolean() && info[i].As<Napi::Boolean>().Value();
}

// y = x * a + b (+ r) (then max(., 0) when Relu), per channel over rows of [M, C].
template <bool Res, bool Relu>
void normaliseRows(const float *x, const float *r, float *y, int64_t M, int64_t C, const float *pa, const float *pb) {
#pragma omp parallel for schedule(static) num_threads(threads()) if (M * C > 32768)
  for (int64_t i = 0; i < M; i++) {
    const float *px = x + i * C;
    const float *pr = Res ? r + i * C : nullptr;
    float *py = y + i * C;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) {
      float v = px[c] * pa[c] + pb[c];
      if (Res) v += pr[c];
      if (Relu) v = v > 0.f ? v : (v != v ? v : 0.f);
      py[c] = v;
    }
  }
}

}  // namespace

void scaleShiftRows(const float *x, float *y, int64_t rows, int64_t C, const float *a, const float *b) {
  normaliseRows<false, false>(x, nullptr, y, rows, C, a, b);
}

namespace {

// bnTrainForward(x, gamma, beta, y, mean, variance, C, eps, relu?, residual?):
// biased variance; y = bn(x) (+ residual) (then ReLU when `relu`), one pass
// for the statistics and one writing y.
Napi::Value BnTrainForward(const Napi::CallbackInfo &info) {
  size_t n, ng, nb, ny, nm, nv, nr;
  float *x = f32(info, 0, &n), *g = f32(info, 1, &ng), *b = f32(info, 2, &nb), *y = f32(info, 3, &ny);
  float *mean = f32(info, 4, &nm), *var = f32(info, 5, &nv);
  const int64_t C = i64(info, 6);
  const float eps = static_cast<float>(f64(info, 7));
  const bool relu = optBool(info, 8);
  const float *res = optF32(info, 9, &nr);
  if (C <= 0 || n % C != 0 || ny != n || ng != static_cast<size_t>(C) || nb != ng || nm != ng || nv != ng || (res && nr != n))
    throw Napi::RangeError::New(info.Env(), "bnTrainForward: length mismatch");
  const int64_t M = static_cast<int64_t>(n) / C;
  // Shift by the first row for a stable one-pass variance.
  std::vector<float> shift(x, x + C);
  const float *sh = shift.data();
  std::vector<double> s1, s2;
  channelSums(M, C, s1, s2, [&](int64_t r, float *q1, float *q2) {
    const float *px = x + r * C;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) {
      const float d = px[c] - sh[c];
      q1[c] += d;
      q2[c] += d * d;
    }
  });
  std::vector<float> a(C), bb(C);
  for (int64_t c = 0; c < C; c++) {
    const double md = s1[c] / M;
    double v = s2[c] / M - md * md;
    if (v < 0) v = 0;
    mean[c] = static_cast<float>(md + sh[c]);
    var[c] = static_cast<float>(v);
    const float inv = 1.f / std::sqrt(var[c] + eps);
    a[c] = g[c] * inv;
    bb[c] = b[c] - mean[c] * a[c];
  }
  const float *pa = a.data(), *pb = bb.data();
  if (res) {
    if (relu) normaliseRows<true, true>(x, res, y, M, C, pa, pb);
    else normaliseRows<true, false>(x, res, y, M, C, pa, pb);
  } else {
    if (relu) normaliseRows<false, true>(x, nullptr, y, M, C, pa, pb);
    else normaliseRows<false, false>(x, nullptr, y, M, C, pa, pb);
  }
  return info.Env().Undefined();
}

// The gradient of a BN output through an optional ReLU: dy where the saved
// output y is positive, else 0 (PyTorch's threshold_backward on the output).
template <bool Relu>
inline float masked(const float *dy, const float *y, int64_t i) {
  if (!Relu) return dy[i];
  return y[i] > 0.f ? dy[i] : 0.f;
}

template <bool Relu>
void bnBackward(const float *dy, const float *x, const float *y, const float *mean, const float *inv, const float *g, float *dx, float *dres, float *dg, float *db, int64_t M, int64_t C) {
  std::vector<double> sDy, sDyXhat;
  channelSums(M, C, sDy, sDyXhat, [&](int64_t r, float *q1, float *q2) {
    const float *pdy = dy + r * C, *px = x + r * C, *py = Relu ? y + r * C : nullptr;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) {
      const float d = masked<Relu>(pdy, py, c);
      q1[c] += d;
      q2[c] += d * (px[c] - mean[c]) * inv[c];
    }
  });
  std::vector<float> k1(C), k2(C), k0(C);
  for (int64_t c = 0; c < C; c++) {
    dg[c] = static_cast<float>(sDyXhat[c]);
    db[c] = static_cast<float>(sDy[c]);
    k0[c] = g[c] * inv[c];
    k1[c] = static_cast<float>(sDy[c] / M);
    k2[c] = static_cast<float>(sDyXhat[c] / M);
  }
  const float *p0 = k0.data(), *p1 = k1.data(), *p2 = k2.data();
#pragma omp parallel for schedule(static) num_threads(threads())
  for (int64_t r = 0; r < M; r++) {
    const float *pdy = dy + r * C, *px = x + r * C, *py = Relu ? y + r * C : nullptr;
    float *pdx = dx + r * C, *pdr = dres ? dres + r * C : nullptr;
#pragma omp simd
    for (int64_t c = 0; c < C; c++) {
      const float d = masked<Relu>(pdy, py, c);
      const float xh = (px[c] - mean[c]) * inv[c];
      pdx[c] = p0[c] * (d - p1[c] - xh * p2[c]);
      if (pdr) pdr[c] = d;
    }
  }
}

// bnTrainBackward(dy, x, mean, variance, gamma, dx, dgamma, dbeta, C, eps, y?, dresidual?)
// `y`: the forward's output when it ended in a ReLU (the gradient is masked
// by y > 0); `dresidual`: receives the gradient of the residual input (dy
// masked as above), when the forward added one.
Napi::Value BnTrainBackward(const Napi::CallbackInfo &info) {
  size_t n, nx, nm, nv, ng, ndx, ndg, ndb, nyv, ndr;
  float *dy = f32(info, 0, &n), *x = f32(info, 1, &nx), *mean = f32(info, 2, &nm), *var = f32(info, 3, &nv), *g = f32(info, 4, &ng);
  float *dx = f32(info, 5, &ndx), *dg = f32(info, 6, &ndg), *db = f32(info, 7, &ndb);
  const int64_t C = i64(info, 8);
  const float eps = static_cast<float>(f64(info, 9));
  const float *y = optF32(info, 10, &nyv);
  float *dres = optF32(info, 11, &ndr);
  if (C <= 0 || n % C != 0 || nx != n || ndx != n || nm != static_cast<size_t>(C) || nv != nm || ng != nm || ndg != nm || ndb != nm || (y && nyv != n) || (dres && ndr != n))
    throw Napi::RangeError::New(info.Env(), "bnTrainBackward: length mismatch");
  const int64_t M = static_cast<int64_t>(n) / C;
  std::vector<float> inv(C);
  for (int64_t c = 0; c < C; c++) inv[c] = 1.f / std::sqrt(var[c] + eps);
  if (y) bnBackward<true>(dy, x, y, mean, inv.data(), g, dx, dres, dg, db, M, C);
  else bnBackward<false>(dy, x, nullptr, mean, inv.data(), g, dx, dres, dg, db, M, C);
  return info.Env().Undefined();
}

}  // namespace

void initBatchNorm(Napi::Env env, Napi::Object exports) {
  exportAll(env, exports, {{"bnTrainForward", BnTrainForward}, {"bnTrainBackward", BnTrainBackward}});
}

}  // namespace tfo
