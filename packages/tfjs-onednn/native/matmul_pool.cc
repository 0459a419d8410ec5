// Batched matmul and 3D pooling (max, average; forward and backward) on
// oneDNN, channels last, primitives cached per shape and thread count.
#include "common.h"
#include <memory>
#include <unordered_map>

namespace tfo {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {

struct MatMul {
  memory::desc a, b, c;    // the caller's f32 operands
  memory::desc la, lb;     // bf16 mode: the operands as the primitive reads them
  matmul::primitive_desc pd;
  matmul prim;
  bool lowp;
  reorder ra, rb;          // bf16 mode: f32 -> bf16 conversions (same strides)
  // v: Ba, Bb, M, K, N, transA, transB
  explicit MatMul(const std::vector<int64_t> &v) : lowp(lowPrecision()) {
    const int64_t Ba = v[0], Bb = v[1], M = v[2], K = v[3], N = v[4];
    const bool ta = v[5] != 0, tb = v[6] != 0;
    const memory::dims sa = ta ? memory::dims{M * K, 1, M} : memory::dims{M * K, K, 1};
    const memory::dims sb = tb ? memory::dims{K * N, 1, K} : memory::dims{K * N, N, 1};
    a = memory::desc({Ba, M, K}, dt::f32, sa);
    b = memory::desc({Bb, K, N}, dt::f32, sb);
    c = memory::desc({std::max(Ba, Bb), M, N}, dt::f32, tag::abc);
    if (lowp) {
      // bf16 inputs, f32 accumulation and output; the primitive picks its weights layout.
      la = memory::desc({Ba, M, K}, dt::bf16, sa);
      lb = memory::desc({Bb, K, N}, dt::bf16, sb);
      ra = reorder(reorder::primitive_desc(engine(), a, engine(), la));
      rb = reorder(reorder::primitive_desc(engine(), b, engine(), lb));
      pd = matmul::primitive_desc(matmul::desc(la, lb, c), engine());
    } else {
      pd = matmul::primitive_desc(matmul::desc(a, b, c), engine());
    }
    prim = matmul(pd);
  }
};

// bf16 copies of the matmul operands (one call runs at a time).
std::vector<uint16_t> &mmScratch(int slot) {
  static std::vector<uint16_t> bufs[2];
  return bufs[slot];
}

uint16_t *mmScratchFor(int slot, size_t bytes) {
  auto &b = mmScratch(slot);
  if (b.size() * 2 < bytes) b.resize((bytes + 1) / 2);
  return b.data();
}

std::unordered_map<std::string, std::unique_ptr<MatMul>> mmCache;

// matmul(a, b, c, [Ba, Bb, M, K, N, transA, transB])
Napi::Value MatMulFn(const Napi::CallbackInfo &info) {
  size_t na, nb, nc;
  float *a = f32(info, 0, &na), *b = f32(info, 1, &nb), *c = f32(info, 2, &nc);
  auto v = ints(info, 3);
  if (v.size() != 7) throw Napi::RangeError::New(info.Env(), "matmul: expected 7 integers");
  if (na != static_cast<size_t>(v[0] * v[2] * v[3]) || nb != static_cast<size_t>(v[1] * v[3] * v[4]) ||
      nc != static_cast<size_t>(std::max(v[0], v[1]) * v[2] * v[4]))
    throw Napi::RangeError::New(info.Env(), "matmul: length mismatch");
  try {
    std::string k = key(v);
    auto it = mmCache.find(k);
    if (it == mmCache.end()) it = mmCache.emplace(k, std::make_unique<MatMul>(v)).first;
    MatMul &m = *it->second;
    memory ma(m.a, engine(), a), mb(m.b, engine(), b), mc(m.c, engine(), c);
    if (m.lowp) {
      memory la(m.la, engine(), mmScratchFor(0, m.la.get_size())), lb(m.lb, engine(), mmScratchFor(1, m.lb.get_size()));
      m.ra.execute(stream(), ma, la);
      m.rb.execute(stream(), mb, lb);
      m.prim.execute(stream(), {{DNNL_ARG_SRC, la}, {DNNL_ARG_WEIGHTS, lb}, {DNNL_ARG_DST, mc}});
    } else {
      m.prim.execute(stream(), {{DNNL_ARG_SRC, ma}, {DNNL_ARG_WEIGHTS, mb}, {DNNL_ARG_DST, mc}});
    }
    stream().wait();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN matmul: ") + e.what());
  }
  return info.Env().Undefined();
}

// matmulImpl([Ba, Bb, M, K, N, transA, transB]) -> the implementation oneDNN picked (current precision).
Napi::Value MatMulImpl(const Napi::CallbackInfo &info) {
  auto v = ints(info, 0);
  if (v.size() != 7) throw Napi::RangeError::New(info.Env(), "matmulImpl: expected 7 integers");
  try {
    std::string k = key(v);
    auto it = mmCache.find(k);
    if (it == mmCache.end()) it = mmCache.emplace(k, std::make_unique<MatMul>(v)).first;
    return Napi::String::New(info.Env(), it->second->pd.impl_info_str());
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN matmul: ") + e.what());
  }
}

// Pool geometry: N D H W C | oD oH oW | kD kH kW | sD sH sW | pF pT pL | pBk pBo pR | max(1)/avg(0)
struct Pool {
  memory::desc src, dst;
  pooling_forward::primitive_desc fwd;
  pooling_forward prim;
  pooling_backward::primitive_desc bwdPd;
  pooling_backward bwd;
  bool isMax;
  explicit Pool(const std::vector<int64_t> &v) {
    const int64_t N = v[0], C = v[4];
    src = memory::desc({N, C, v[1], v[2], v[3]}, dt::f32, tag::ndhwc);
    dst = memory::desc({N, C, v[5], v[6], v[7]}, dt::f32, tag::ndhwc);
    isMax = v[20] != 0;
    auto alg = isMax ? algorithm::pooling_max : algorithm::pooling_avg_exclude_padding;
    memory::dims k{v[8], v[9], v[10]}, s{v[11], v[12], v[13]}, pl{v[14], v[15], v[16]}, pr{v[17], v[18], v[19]};
    fwd = pooling_forward::primitive_desc(pooling_forward::desc(prop_kind::forward_training, alg, src, dst, s, k, pl, pr), engine());
    prim = pooling_forward(fwd);
    bwdPd = pooling_backward::primitive_desc(pooling_backward::desc(alg, src, dst, s, k, pl, pr), engine(), fwd);
    bwd = pooling_backward(bwdPd);
  }
};

std::unordered_map<std::string, std::unique_ptr<Pool>> poolCache;

Pool &pool(const Napi::CallbackInfo &info, const std::vector<int64_t> &v) {
  if (v.size() != 21) throw Napi::RangeError::New(info.Env(), "pool3d: expected 21 integers");
  std::string k = key(v);
  auto it = poolCache.find(k);
  if (it == poolCache.end()) it = poolCache.emplace(k, std::make_unique<Pool>(v)).first;
  return *it->second;
}

// pool3dForward(x, y, geometry)
Napi::Value Pool3dForward(const Napi::CallbackInfo &info) {
  float *x = f32(info, 0), *y = f32(info, 1);
  auto v = ints(info, 2);
  try {
    Pool &p = pool(info, v);
    memory ms(p.src, engine(), x), md(p.dst, engine(), y);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, ms}, {DNNL_ARG_DST, md}};
    memory ws;
    if (p.isMax) {
      ws = memory(p.fwd.workspace_desc(), engine());
      args.insert({DNNL_ARG_WORKSPACE, ws});
    }
    p.prim.execute(stream(), args);
    stream().wait();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN pool3d: ") + e.what());
  }
  return info.Env().Undefined();
}

// pool3dBackward(x, dy, dx, geometry): max pooling recomputes the forward
// pass for its workspace (tfjs's MaxPool3DGrad gets x, not the argmax).
Napi::Value Pool3dBackward(const Napi::CallbackInfo &info) {
  float *x = f32(info, 0), *dy = f32(info, 1), *dx = f32(info, 2);
  auto v = ints(info, 3);
  try {
    Pool &p = pool(info, v);
    memory mdy(p.dst, engine(), dy), mdx(p.src, engine(), dx);
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, mdy}, {DNNL_ARG_DIFF_SRC, mdx}};
    if (p.isMax) {
      memory ms(p.src, engine(), x), tmp(p.dst, engine());
      memory ws(p.fwd.workspace_desc(), engine());
      p.prim.execute(stream(), {{DNNL_ARG_SRC, ms}, {DNNL_ARG_DST, tmp}, {DNNL_ARG_WORKSPACE, ws}});
      args.insert({DNNL_ARG_WORKSPACE, ws});
      p.bwd.execute(stream(), args);
    } else {
      p.bwd.execute(stream(), args);
    }
    stream().wait();
  } catch (const dnnl::error &e) {
    throw Napi::Error::New(info.Env(), std::string("oneDNN pool3d backward: ") + e.what());
  }
  return info.Env().Undefined();
}

}  // namespace

size_t clearMatmulPoolCache() {
  size_t n = mmCache.size() + poolCache.size();
  mmCache.clear();
  poolCache.clear();
  for (int i = 0; i < 2; i++) std::vector<uint16_t>().swap(mmScratch(i));
  return n;
}

void initMatmulPool(Napi::Env env, Napi::Object exports) {
  exportAll(env, exports, {{"matmul", MatMulFn}, {"matmulImpl", MatMulImpl}, {"pool3dForward", Pool3dForward}, {"pool3dBackward", Pool3dBackward}});
}

}  // namespace tfo
