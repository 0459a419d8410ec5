// Conv3D forward, backward-data and backward-weights on oneDNN, with
// activations in tfjs's NDHWC layout (zero-copy) and filters in tfjs's
// [kD, kH, kW, in, out] layout (oneDNN `dhwio`), reordered to the layout the
// primitive prefers. Primitives are cached per shape, stride, padding,
// dilation and thread count.
#include "common.h"
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <omp.h>

namespace tfo {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct Geometry {
  memory::dims src, wei, dst, strides, dil, pl, pr;
};

// dims: N D H W Ci | oD oH oW Co | kD kH kW | sD sH sW | dD dH dW | pF pT pL | pBk pBo pR
Geometry geometry(const std::vector<int64_t> &v) {
  if (v.size() != 24) throw std::runtime_error("conv3d: expected 24 geometry integers");
  Geometry g;
  g.src = {v[0], v[4], v[1], v[2], v[3]};
  g.dst = {v[0], v[8], v[5], v[6], v[7]};
  g.wei = {v[8], v[4], v[9], v[10], v[11]};
  g.strides = {v[12], v[13], v[14]};
  g.dil = {v[15] - 1, v[16] - 1, v[17] - 1};
  g.pl = {v[18], v[19], v[20]};
  g.pr = {v[21], v[22], v[23]};
  return g;
}

// Whether forward and backward-data run on oneDNN's preferred (blocked,
// nCdhw8c on AVX2) activation layout, with the NDHWC tensors reordered in and
// out around the primitive. Measured on r3d_18: the blocked jit:avx2 kernels
// are 1.3-1.8x faster than the NDHWC ones and a reorder costs ~2 ms per 25 MB.
// TFJS_ONEDNN_BLOCKED=0 keeps NDHWC throughout.
bool blockedLayouts() {
  static const bool on = [] {
    const char *e = std::getenv("TFJS_ONEDNN_BLOCKED");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

// Reorder scratch shared by all primitives (one call runs at a time): slot 0
// holds the reordered input, slot 1 the blocked output.
std::vector<float> *scratchBuffers() {
  static std::vector<float> bufs[2];
  return bufs;
}

float *scratch(int slot, size_t bytes) {
  auto &b = scratchBuffers()[slot];
  const size_t n = (bytes + sizeof(float) - 1) / sizeof(float);
  if (b.size() < n) {
    std::vector<float>().swap(b);
    b.resize(n);
  }
  return b.data();
}

void releaseScratch() {
  for (int i = 0; i < 2; i++) std::vector<float>().swap(scratchBuffers()[i]);
}

// Whether bf16 backward-weights runs on the blocked layout (default) or
// NDHWC bf16 (TFJS_ONEDNN_BF16_BWDW_BLOCKED=0). Either needs a reorder, since
// the f32 tensors are converted to bf16 on the way in.
bool bf16BwdWeightsBlocked() {
  static const bool on = [] {
    const char *e = std::getenv("TFJS_ONEDNN_BF16_BWDW_BLOCKED");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

// Descriptors shared by the three primitives of one geometry. `lowp`: bf16
// activations and weights on the primitive side (fp32 accumulation inside
// oneDNN's bf16 kernels); the caller's tensors stay f32 and are converted in
// the reorders that also change the layout. `dstDt`: data type of the
// primitive's destination (f32 for the forward output; the backward passes'
// diff_dst is an input, bf16 when lowp).
struct Base {
  convolution_forward::primitive_desc fwd;
  memory::desc srcMd, dstMd, userWMd;  // the caller's layouts: NDHWC, DHWIO, f32
  memory::desc primSrcMd, primDstMd;   // activation descs the primitives are created with: 'any' when blocked
  dt act;                              // primitive-side activation / weight type
  Base(const Geometry &g, bool blocked, bool lowp, dt dstDt) {
    act = lowp ? dt::bf16 : dt::f32;
    srcMd = memory::desc(g.src, dt::f32, tag::ndhwc);
    dstMd = memory::desc(g.dst, dt::f32, tag::ndhwc);
    userWMd = memory::desc(g.wei, dt::f32, tag::dhwio);
    primSrcMd = memory::desc(g.src, act, blocked ? tag::any : tag::ndhwc);
    primDstMd = memory::desc(g.dst, dstDt, blocked ? tag::any : tag::ndhwc);
    memory::desc wAny(g.wei, act, tag::any);
    auto d = convolution_forward::desc(prop_kind::forward_training, algorithm::convolution_direct, primSrcMd, wAny, primDstMd, g.strides, g.dil, g.pl, g.pr);
    fwd = convolution_forward::primitive_desc(d, engine());
  }
};

// A layout change between the caller's memory and the primitive's, or none.
struct Relayout {
  bool needed = false;
  memory::desc md;  // the primitive's side
  reorder prim;
  Relayout() = default;
  Relayout(const memory::desc &user, const memory::desc &inner, bool toInner) : needed(user != inner), md(inner) {
    if (needed) prim = toInner ? reorder(reorder::primitive_desc(engine(), user, engine(), inner)) : reorder(reorder::primitive_desc(engine(), inner, engine(), user));
  }
  // Memory the primitive reads: the user's (as is) or a reordered copy in scratch slot.
  memory in(dnnl::stream &s, memory user, int slot) {
    if (!needed) return user;
    memory m(md, engine(), scratch(slot, md.get_size()));
    prim.execute(s, user, m);
    return m;
  }
  // Memory the primitive writes: the user's or scratch to be copied out by `out`.
  memory target(memory user, int slot) {
    return needed ? memory(md, engine(), scratch(slot, md.get_size())) : user;
  }
  void out(dnnl::stream &s, memory inner, memory user) {
    if (needed) prim.execute(s, inner, user);
  }
};

struct Fwd {
  Base base;
  convolution_forward prim;
  bool reorderW;
  reorder wReorder;
  memory wMem;
  Relayout src, dst;
  explicit Fwd(const Geometry &g) : base(g, blockedLayouts(), lowPrecision(), dt::f32) {
    prim = convolution_forward(base.fwd);
    reorderW = base.fwd.weights_desc() != base.userWMd;
    if (reorderW) {
      wMem = memory(base.fwd.weights_desc(), engine());
      wReorder = reorder(reorder::primitive_desc(engine(), base.userWMd, engine(), base.fwd.weights_desc()));
    }
    src = Relayout(base.srcMd, base.fwd.src_desc(), true);
    dst = Relayout(base.dstMd, base.fwd.dst_desc(), false);
  }
};

struct BwdData {
  Base base;
  convolution_backward_data::primitive_desc pd;
  convolution_backward_data prim;
  bool reorderW;
  reorder wReorder;
  memory wMem;
  Relayout ddst, dsrc;
  explicit BwdData(const Geometry &g) : base(g, blockedLayouts(), lowPrecision(), lowPrecision() ? dt::bf16 : dt::f32) {
    memory::desc wAny(g.wei, base.act, tag::any);
    // diff_src (the output) stays f32 in bf16 mode too.
    memory::desc diffSrc(g.src, dt::f32, blockedLayouts() ? tag::any : tag::ndhwc);
    auto d = convolution_backward_data::desc(algorithm::convolution_direct, diffSrc, wAny, base.primDstMd, g.strides, g.dil, g.pl, g.pr);
    pd = convolution_backward_data::primitive_desc(d, engine(), base.fwd);
    prim = convolution_backward_data(pd);
    reorderW = pd.weights_desc() != base.userWMd;
    if (reorderW) {
      wMem = memory(pd.weights_desc(), engine());
      wReorder = reorder(reorder::primitive_desc(engine(), base.userWMd, engine(), pd.weights_desc()));
    }
    ddst = Relayout(base.dstMd, pd.diff_dst_desc(), true);
    dsrc = Relayout(base.srcMd, pd.diff_src_desc(), false);
  }
};

struct BwdWeights {
  Base base;
  convolution_backward_weights::primitive_desc pd;
  convolution_backward_weights prim;
  bool reorderW;
  reorder wReorder;
  memory wMem;
  Relayout src, ddst;  // f32 NDHWC -> the primitive's (bf16 only; fp32 runs on the tensors as they are)
  // fp32: plain NDHWC: oneDNN's blocked f32 backward-weights kernel measured
  // 1.7x slower than the NDHWC one on r3d_18's first stage on AVX2 (and the
  // default there is im2col + GEMM). bf16: the inputs are converted anyway,
  // so into the blocked layout (TFJS_ONEDNN_BF16_BWDW_BLOCKED=0: NDHWC bf16).
  // `blocked`: activations on oneDNN's preferred layout (reordered in).
  BwdWeights(const Geometry &g, bool blocked)
      : base(g, blocked, lowPrecision(), lowPrecision() ? dt::bf16 : dt::f32) {
    memory::desc wAny(g.wei, dt::f32, tag::any);  // weight gradient in f32
    auto d = convolution_backward_weights::desc(algorithm::convolution_direct, base.primSrcMd, wAny, base.primDstMd, g.strides, g.dil, g.pl, g.pr);
    pd = convolution_backward_weights::primitive_desc(d, engine(), base.fwd);
    prim = convolution_backward_weights(pd);
    reorderW = pd.diff_weights_desc() != base.userWMd;
    if (reorderW) {
      wMem = memory(pd.diff_weights_desc(), engine());
      wReorder = reorder(reorder::primitive_desc(engine(), pd.diff_weights_desc(), engine(), base.userWMd));
    }
    src = Relayout(base.srcMd, pd.src_desc(), true);
    ddst = Relayout(base.dstMd, pd.diff_dst_desc(), true);
  }
};

// Runs a forward or backward-data primitive: weights `uw` through the cached
// weight reorder (when the primitive wants another layout), the activation
// `in` through `inRel` into scratch slot 0, the result into slot 1 and out
// through `outRel` (or in place when no layout change is needed).
template <typename C>
void runRelayout(C &c, const primitive &prim, Relayout &inRel, Relayout &outRel, memory in, memory uw, memory out, int argIn, int argOut) {
  auto &s = stream();
  if (c.reorderW) c.wReorder.execute(s, uw, c.wMem);
  memory i = inRel.in(s, in, 0), o = outRel.target(out, 1);
  prim.execute(s, {{argIn, i}, {DNNL_ARG_WEIGHTS, c.reorderW ? c.wMem : uw}, {argOut, o}});
  outRel.out(s, o, out);
  s.wait();
}

std::unordered_map<std::string, std::unique_ptr<Fwd>> fwdCache;
std::unordered_map<std::string, std::unique_ptr<BwdData>> bwdDataCache;
std::unordered_map<std::string, std::unique_ptr<BwdWeights>> bwdWeightsCache;

// Backward-weights primitive for `v`, blocked or NDHWC (cached separately).
BwdWeights &bwdWeights(const std::vector<int64_t> &v, bool blocked) {
  std::string k = key(v) + (blocked ? "B" : "P");
  auto it = bwdWeightsCache.find(k);
  if (it != bwdWeightsCache.end()) return *it->second;
  auto p = std::make_unique<BwdWeights>(geometry(v), blocked);
  BwdWeights &ref = *p;
  bwdWeightsCache.emplace(k, std::move(p));
  return ref;
}

// Default layout of the backward-weights primitive: bf16 blocked (the
// inputs are converted anyway); fp32 NDHWC.
bool bwdWeightsBlockedDefault() { return lowPrecision() && bf16BwdWeightsBlocked(); }

template <typename T>
T &lookup(std::unordered_map<std::string, std::unique_ptr<T>> &cache, const std::vector<int64_t> &v) {
  std::string k = key(v);
  auto it = cache.find(k);
  if (it != cache.end()) return *it->second;
  auto p = std::make_unique<T>(geometry(v));
  T &ref = *p;
  cache.emplace(k, std::move(p));
  return ref;
}

void checkLen(Napi::Env env, size_t have, const memory::dims &d, const char *what) {
  size_t want = 1;
  for (auto x : d) want *= static_cast<size_t>(x);
  if (have != want) throw Napi::RangeError::New(env, std::string("conv3d: ") + what + " has " + std::to_string(have) + " elements, expected " + std::to_string(want));
}

void forwardGemm(const float *x, const float *w, float *y, const std::vector<int64_t> &v);
int bwdWeightsMode();

// Whether oneDNN dispatches to AVX-512 (or newer) kernels here, and the
// AVX-512 dispatch rules below are on (TFJS_ONEDNN_AVX512_RULES=0: the AVX2
// rules everywhere).
bool avx512Rules() {
  static const bool on = [] {
    const char *e = std::getenv("TFJS_ONEDNN_AVX512_RULES");
    if (e && std::strcmp(e, "0") == 0) return false;
    const unsigned isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa()), core = static_cast<unsigned>(dnnl_cpu_isa_avx512_core);
    return (isa & core) == core;
  }();
  return on;
}

bool allStrided(const std::vector<int64_t> &v) { return v[12] > 1 && v[13] > 1 && v[14] > 1; }

// Whether the forward in 'auto' mode runs as im2col + GEMM. fp32 only (bf16
// runs oneDNN's bf16 kernels). Measured per r3d_18 layer at 2x16x112x112
// (CPU ms, 2 threads):
// - AVX2 (oneDNN's jit:avx2): GEMM wins for 1x1x1 strided shortcuts at any
//   size and for 3x3x3 strided convs with many output positions; oneDNN's
//   blocked kernel wins on the small late-stage ones.
// - AVX-512 (jit:avx512_core): GEMM wins on every strided conv (stage entries
//   24-31 vs 40-66, shortcuts 0-9 vs 22-30) and on the smallest stride-1 one
//   (2x2x7x7x512: 21 vs 27-40); oneDNN wins or ties on the larger stride-1 ones.
bool forwardAutoGemm(const std::vector<int64_t> &v) {
  if (lowPrecision() || bwdWeightsMode() != 1) return false;
  const bool pointwise = v[9] == 1 && v[10] == 1 && v[11] == 1;
  const int64_t positions = v[0] * v[5] * v[6] * v[7];
  if (avx512Rules()) return allStrided(v) || positions < 1024;
  return allStrided(v) && (blockedLayouts() ? (pointwise || positions >= 8192) : positions >= 1024);
}

// Whether the backward-weights in 'auto' mode (fp32) runs as im2col + GEMM.
// AVX2: always (oneDNN 2.6 has no fast 3D kernel there). AVX-512: oneDNN's
// jit:avx512_core NDHWC kernel wins on the stem (50 vs 78 CPU ms) and the
// stride-1 3x3x3 convs of stages 2-3 (64 vs 80, 33 vs 71), ties on stage 1
// and 4; GEMM wins on every conv strided in all axes (45 vs 130 on stage 2's
// entry), so: GEMM for those, the primitive elsewhere.
bool backwardWeightsAutoGemm(const std::vector<int64_t> &v) {
  if (lowPrecision() || bwdWeightsMode() != 1) return false;
  if (avx512Rules()) return allStrided(v);
  return true;
}

// conv3dForward(x, w, y, geometry)
Napi::Value Conv3dForward(const Napi::CallbackInfo &info) {
  size_t nx, nw, ny;
  float *x = f32(info, 0, &nx), *w = f32(info, 1, &nw), *y = f32(info, 2, &ny);
  auto v = ints(info, 3);
  try {
    Geometry g = geometry(v);
    checkLen(info.Env(), nx, g.src, "x");
    checkLen(info.Env(), nw, g.wei, "filter");
    checkLen(info.Env(), ny, g.dst, "y");
    // Forward: im2col + GEMM where it measured faster than oneDNN 2.6's
    // jit:avx2 kernel (some of r3d_18's stage-entry and shortcut convs, see
    // below), the oneDNN primitive elsewhere; `mode` 'gemm' / 'onednn' forces one.
    std::string fmode = info.Length() > 4 && info[4].IsString() ? info[4].As<Napi::String>().Utf8Value() : "auto";
    if (fmode == "gemm" || (fmode == "auto" && forwardAutoGemm(v))) {
      forwardGemm(x, w, y, v);
      return info.Env().Undefined();
    }
    Fwd &c = lookup(fwdCache, v);
    runRelayout(c, c.prim, c.src, c.dst, memory(c.base.srcMd, engine(), x), memory(c.base.userWMd, engine(), w), memory(c.base.dstMd, engine(), y), DNNL_ARG_SRC, DNNL_ARG_DST);
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN conv3d forward: ") + e.what());
  }
  return info.Env().Undefined();
}

// conv3dBackwardData(dy, w, dx, geometry)
Napi::Value Conv3dBackwardData(const Napi::CallbackInfo &info) {
  size_t ndy, nw, ndx;
  float *dy = f32(info, 0, &ndy), *w = f32(info, 1, &nw), *dx = f32(info, 2, &ndx);
  auto v = ints(info, 3);
  try {
    BwdData &c = lookup(bwdDataCache, v);
    Geometry g = geometry(v);
    checkLen(info.Env(), ndy, g.dst, "dy");
    checkLen(info.Env(), nw, g.wei, "filter");
    checkLen(info.Env(), ndx, g.src, "dx");
    runRelayout(c, c.prim, c.ddst, c.dsrc, memory(c.base.dstMd, engine(), dy), memory(c.base.userWMd, engine(), w), memory(c.base.srcMd, engine(), dx), DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_SRC);
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN conv3d backward data: ") + e.what());
  }
  return info.Env().Undefined();
}

// Backward-weights as im2col + GEMM. With tfjs's filter layout
// [kD, kH, kW, Ci, Co] = a (K x Co) row-major matrix, K = kD*kH*kW*Ci:
//   dW = col^T * dY,  col (P x K): row p = the input patch of output
//   position p (zeros where it falls in padding), dY (P x Co) as stored.
// P is taken in chunks so the col buffer stays bounded; each chunk is one
// multi-threaded oneDNN sgemm accumulating into dW (beta 0 then 1).
// oneDNN 2.6 on AVX2 has no JIT backward-weights kernel for 3D convolutions
// and falls back to a slow gemm-based one; this path measures 2-3x faster.
std::vector<float> &colBuffer() {
  static std::vector<float> buf;
  return buf;
}

// Rows of an im2col block: its Rb x K floats stay within ~384 KB (a core's
// L2 share), between 32 and 512 rows.
int64_t colBlockRows(int64_t K) { return std::max<int64_t>(32, std::min<int64_t>(512, (int64_t{96} << 10) / std::max<int64_t>(K, 1))); }

// The shared col buffer, grown to `per` floats for each of `nt` threads.
float *perThreadCol(size_t per, int nt) {
  auto &buf = colBuffer();
  if (buf.size() < per * nt) buf.resize(per * nt);
  return buf.data();
}

void checkGemm(dnnl::status st) {
  if (st != dnnl::status::success) throw std::runtime_error("sgemm failed with status " + std::to_string(static_cast<int>(st)));
}

void im2colRows(const float *x, float *col, const std::vector<int64_t> &v, int64_t p0, int64_t rows) {
  const int64_t D = v[1], H = v[2], W = v[3], Ci = v[4];
  const int64_t oD = v[5], oH = v[6], oW = v[7];
  const int64_t kD = v[9], kH = v[10], kW = v[11];
  const int64_t sD = v[12], sH = v[13], sW = v[14];
  const int64_t dD = v[15], dH = v[16], dW = v[17];
  const int64_t pF = v[18], pT = v[19], pL = v[20];
  const int64_t K = kD * kH * kW * Ci;
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < rows; r++) {
    int64_t p = p0 + r;
    const int64_t ow = p % oW; p /= oW;
    const int64_t oh = p % oH; p /= oH;
    const int64_t od = p % oD; const int64_t n = p / oD;
    float *dst = col + r * K;
    for (int64_t a = 0; a < kD; a++) {
      const int64_t id = od * sD - pF + a * dD;
      const bool inD = id >= 0 && id < D;
      for (int64_t b = 0; b < kH; b++) {
        const int64_t ih = oh * sH - pT + b * dH;
        const bool inH = inD && ih >= 0 && ih < H;
        for (int64_t c = 0; c < kW; c++, dst += Ci) {
          const int64_t iw = ow * sW - pL + c * dW;
          if (inH && iw >= 0 && iw < W) {
            std::memcpy(dst, x + (((n * D + id) * H + ih) * W + iw) * Ci, sizeof(float) * Ci);
          } else {
            std::memset(dst, 0, sizeof(float) * Ci);
          }
        }
      }
    }
  }
}

void backwardWeightsGemm(const float *x, const float *dy, float *dw, const std::vector<int64_t> &v) {
  const int64_t N = v[0], oD = v[5], oH = v[6], oW = v[7], Co = v[8];
  const int64_t K = v[9] * v[10] * v[11] * v[4];
  const int64_t P = N * oD * oH * oW;
  const bool pointwise = v[9] == 1 && v[10] == 1 && v[11] == 1 && v[12] == 1 && v[13] == 1 && v[14] == 1 && v[18] == 0 && v[19] == 0 && v[20] == 0;
  if (pointwise) {  // 1x1x1 stride 1: col is x itself
    checkGemm(dnnl::sgemm('T', 'N', K, Co, P, 1.f, x, K, dy, Co, 0.f, dw, Co));
    return;
  }
  // Many rows: each thread takes blocks of rows whose col block stays in its
  // cache, runs a single-threaded sgemm into its own dW, and the per-thread
  // dWs are summed at the end.
  const int nt = threads();
  const int64_t Rb = colBlockRows(K);
  static const bool noPar = std::getenv("TFO_NOPAR") != nullptr;
  if (!noPar && nt > 1 && P >= Rb * nt * 8) {
    const size_t per = static_cast<size_t>(Rb * K + K * Co);
    float *buf = perThreadCol(per, nt);
    const int64_t blocks = (P + Rb - 1) / Rb;
    std::vector<dnnl::status> st(nt, dnnl::status::success);
#pragma omp parallel num_threads(nt)
    {
      const int t = omp_get_thread_num();
      float *col = buf + per * t;
      float *acc = col + Rb * K;
      bool first = true;
#pragma omp for schedule(static)
      for (int64_t bl = 0; bl < blocks; bl++) {
        const int64_t p0 = bl * Rb, rows = std::min(Rb, P - p0);
        im2colRows(x, col, v, p0, rows);
        auto s = dnnl::sgemm('T', 'N', K, Co, rows, 1.f, col, K, dy + p0 * Co, Co, first ? 0.f : 1.f, acc, Co);
        if (s != dnnl::status::success) st[t] = s;
        first = false;
      }
      if (first) std::memset(acc, 0, sizeof(float) * K * Co);
    }
    for (auto s : st) checkGemm(s);
    const int64_t KC = K * Co;
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < KC; i++) {
      float sum = 0.f;
      for (int t = 0; t < nt; t++) sum += buf[per * t + Rb * K + i];
      dw[i] = sum;
    }
    return;
  }
  // Chunk of rows: col buffer at most ~8M floats (32 MB), at least 64 rows.
  int64_t R = std::max<int64_t>(64, (int64_t{8} << 20) / std::max<int64_t>(K, 1));
  R = std::min(R, P);
  auto &col = colBuffer();
  if (static_cast<int64_t>(col.size()) < R * K) col.resize(static_cast<size_t>(R * K));
  for (int64_t p0 = 0; p0 < P; p0 += R) {
    const int64_t rows = std::min(R, P - p0);
    im2colRows(x, col.data(), v, p0, rows);
    checkGemm(dnnl::sgemm('T', 'N', K, Co, rows, 1.f, col.data(), K, dy + p0 * Co, Co, p0 == 0 ? 0.f : 1.f, dw, Co));
  }
}

// Forward as im2col + GEMM: y (P x Co) = col (P x K) * W (K x Co), row
// blocks spread over the threads, each with its own cache-sized col block and
// a single-threaded sgemm writing its rows of y directly.
void forwardGemm(const float *x, const float *w, float *y, const std::vector<int64_t> &v) {
  const int64_t N = v[0], oD = v[5], oH = v[6], oW = v[7], Co = v[8];
  const int64_t K = v[9] * v[10] * v[11] * v[4];
  const int64_t P = N * oD * oH * oW;
  const int nt = threads();
  const int64_t Rb = colBlockRows(K);
  const size_t per = static_cast<size_t>(Rb * K);
  float *buf = perThreadCol(per, nt);
  const int64_t blocks = (P + Rb - 1) / Rb;
  std::vector<dnnl::status> st(nt, dnnl::status::success);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num();
    float *col = buf + per * t;
#pragma omp for schedule(static)
    for (int64_t bl = 0; bl < blocks; bl++) {
      const int64_t p0 = bl * Rb, rows = std::min(Rb, P - p0);
      im2colRows(x, col, v, p0, rows);
      auto s = dnnl::sgemm('N', 'N', rows, Co, K, 1.f, col, K, w, Co, 0.f, y + p0 * Co, Co);
      if (s != dnnl::status::success) st[t] = s;
    }
  }
  for (auto s : st) checkGemm(s);
}

// 0 = oneDNN convolution primitives only (TFJS_ONEDNN_CONV_GEMM=0), 1 = the
// im2col + GEMM paths where they are faster (default); overridable per call.
int bwdWeightsMode() {
  static int mode = [] {
    const char *e = std::getenv("TFJS_ONEDNN_CONV_GEMM");
    return (e && std::strcmp(e, "0") == 0) ? 0 : 1;
  }();
  return mode;
}

// conv3dBackwardWeights(x, dy, dw, geometry, mode?) mode: 'gemm' | 'onednn' (default layout) | 'onednn-blocked' | 'onednn-plain'
Napi::Value Conv3dBackwardWeights(const Napi::CallbackInfo &info) {
  size_t nx, ndy, ndw;
  float *x = f32(info, 0, &nx), *dy = f32(info, 1, &ndy), *dw = f32(info, 2, &ndw);
  auto v = ints(info, 3);
  // bf16: the oneDNN primitive (bf16 kernels) unless 'gemm' (fp32) is forced.
  int mode = backwardWeightsAutoGemm(v) ? 1 : 0;
  bool blocked = bwdWeightsBlockedDefault();
  if (info.Length() > 4 && info[4].IsString()) {
    const std::string m = info[4].As<Napi::String>().Utf8Value();
    mode = m == "gemm" ? 1 : 0;
    if (m == "onednn-blocked") blocked = true;
    if (m == "onednn-plain") blocked = false;
  }
  try {
    Geometry g = geometry(v);
    checkLen(info.Env(), nx, g.src, "x");
    checkLen(info.Env(), ndy, g.dst, "dy");
    checkLen(info.Env(), ndw, g.wei, "dfilter");
    if (mode == 1) {
      backwardWeightsGemm(x, dy, dw, v);
      return info.Env().Undefined();
    }
    BwdWeights &c = bwdWeights(v, blocked);
    memory src(c.base.srcMd, engine(), x), ddst(c.base.dstMd, engine(), dy), uw(c.base.userWMd, engine(), dw);
    auto &s = stream();
    memory isrc = c.src.in(s, src, 0), iddst = c.ddst.in(s, ddst, 1);
    c.prim.execute(s, {{DNNL_ARG_SRC, isrc}, {DNNL_ARG_DIFF_DST, iddst}, {DNNL_ARG_DIFF_WEIGHTS, c.reorderW ? c.wMem : uw}});
    if (c.reorderW) c.wReorder.execute(s, c.wMem, uw);
    s.wait();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN conv3d backward weights: ") + e.what());
  }
  catch (const std::runtime_error &e) {
    throw Napi::Error::New(info.Env(), std::string("conv3d backward weights: ") + e.what());
  }
  return info.Env().Undefined();
}

// conv3dImpl(geometry) -> names of the implementations oneDNN picked (fwd, bwd data, bwd weights).
Napi::Value Conv3dImpl(const Napi::CallbackInfo &info) {
  auto v = ints(info, 0);
  auto o = Napi::Object::New(info.Env());
  try {
    o.Set("forward", lookup(fwdCache, v).base.fwd.impl_info_str());
    o.Set("backwardData", lookup(bwdDataCache, v).pd.impl_info_str());
    o.Set("backwardWeights", bwdWeights(v, bwdWeightsBlockedDefault()).pd.impl_info_str());
    // What the kernels run by default ('auto'): the primitive or im2col + sgemm.
    o.Set("forwardPath", forwardAutoGemm(v) ? "im2col+sgemm" : "onednn");
    o.Set("backwardWeightsPath", backwardWeightsAutoGemm(v) ? "im2col+sgemm" : "onednn");
    o.Set("precision", lowPrecision() ? "bf16" : "fp32");
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN conv3d: ") + e.what());
  }
  return o;
}

}  // namespace

size_t clearConvCache() {
  size_t n = fwdCache.size() + bwdDataCache.size() + bwdWeightsCache.size();
  fwdCache.clear();
  bwdDataCache.clear();
  bwdWeightsCache.clear();
  std::vector<float>().swap(colBuffer());
  releaseScratch();
  return n;
}

void initConv(Napi::Env env, Napi::Object exports) {
  exportAll(env, exports, {{"conv3dForward", Conv3dForward}, {"conv3dBackwardData", Conv3dBackwardData}, {"conv3dBackwardWeights", Conv3dBackwardWeights}, {"conv3dImpl", Conv3dImpl}});
}

}  // namespace tfo
