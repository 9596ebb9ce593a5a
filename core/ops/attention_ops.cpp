// Attention (internal, made by the fuse-attention pass): scaled dot-product attention of one or
// more heads, Y = Softmax(Q · KT · scale + mask) · V with the softmax along the last axis.
//   Q [..., Sq, d], KT [..., d, Sk] (the keys already transposed, as exporters compute them),
//   V [..., Sk, dv], the batch dimensions `...` (batch x heads) equal on all three;
//   mask (optional) broadcast to the scores [..., Sq, Sk] and added (0 / -inf padding masks,
//   causal masks); Y [..., Sq, dv].
// The operands may be stored transposed (attributes q_perm, kt_perm, v_perm, y_perm; see
// core/ops/attention_layout.h): fold-attention-transposes reads the heads straight from a
// [S, H, D] Reshape and writes the result in that layout.
// The reference kernel accumulates in double. Float only.
#include <cmath>
#include <limits>
#include <vector>

#include "core/ops/attention_layout.h"
#include "core/ops/elem_classes.h"
#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {

namespace {

using namespace ops;

struct AttentionGeom {
  Shape batch;  // the leading dimensions shared by Q, KT, V
  int64_t sq, sk, d, dv;
  int64_t batchCount() const { return numElements(batch); }
};

AttentionGeom attentionGeometry(const Shape& q, const Shape& kt, const Shape& v) {
  return {Shape(q.begin(), q.end() - 2), q[q.size() - 2], kt.back(), q.back(), v.back()};
}

// The formula's operands Q, KT, V seen through their perms (the stored shapes when the ranks differ:
// inference then refuses them).
struct AttentionOperands {
  AttentionView q, kt, v;
  std::vector<int64_t> yPerm;
};

AttentionOperands attentionOperands(const Attributes& a, const Shape& q, const Shape& kt, const Shape& v, const Node& n) {
  const size_t rank = q.size();
  auto view = [&](const Shape& s, int which) {
    if (s.size() != rank) return AttentionView{s, stridesOf(s)};
    return attentionView(s, attentionPerm(a, which, rank, n));
  };
  return {view(q, 0), view(kt, 1), view(v, 2), attentionPerm(a, 3, rank, n)};
}

void inferAttention(InferContext& ctx) {
  for (size_t i = 0; i < 3; ++i) requireClass(ctx, i, bit(ElemType::F32));
  const AttentionOperands ops =
      attentionOperands(ctx.attrs(), ctx.input(0).shape, ctx.input(1).shape, ctx.input(2).shape, ctx.node());
  const Shape &q = ops.q.shape, &kt = ops.kt.shape, &v = ops.v.shape;
  // With layout attributes the shapes named are the formula's operands, not the stored inputs.
  const std::string as = attentionPlainLayout(ctx.attrs()) ? "" : " (as the layout attributes read them)";
  if (q.size() < 2 || kt.size() != q.size() || v.size() != q.size())
    ctx.fail("Q, KT and V must have one rank of at least 2, got " + shapeToString(q) + ", " + shapeToString(kt) +
             ", " + shapeToString(v) + as);
  if (!std::equal(q.begin(), q.end() - 2, kt.begin()) || !std::equal(q.begin(), q.end() - 2, v.begin()))
    ctx.fail("Q " + shapeToString(q) + ", KT " + shapeToString(kt) + " and V " + shapeToString(v) +
             " must have the same batch dimensions" + as);
  const AttentionGeom g = attentionGeometry(q, kt, v);
  if (kt[kt.size() - 2] != g.d) ctx.fail("KT " + shapeToString(kt) + " must be [..., d=" + std::to_string(g.d) + ", Sk]" + as);
  if (v[v.size() - 2] != g.sk) ctx.fail("V " + shapeToString(v) + " must be [..., Sk=" + std::to_string(g.sk) + ", dv]" + as);
  Shape scores = g.batch;
  scores.push_back(g.sq);
  scores.push_back(g.sk);
  if (ctx.hasInput(3)) {
    requireClass(ctx, 3, bit(ElemType::F32));
    const Shape& m = ctx.input(3).shape;
    if (broadcastShapes({scores, m}, ctx.node()) != scores)
      ctx.fail("mask " + shapeToString(m) + " does not broadcast to the scores " + shapeToString(scores));
  }
  if (!ctx.attrs().has("scale")) ctx.fail("the scale attribute is missing");
  Shape y = g.batch;
  y.push_back(g.sq);
  y.push_back(g.dv);
  ctx.setOutput(0, TensorType(ElemType::F32, attentionStoredResult(y, ops.yPerm)));
}

void kernelAttention(KernelContext& ctx) {
  const Tensor &q = ctx.input(0), &kt = ctx.input(1), &v = ctx.input(2);
  const AttentionOperands ops = attentionOperands(ctx.attrs(), q.shape(), kt.shape(), v.shape(), ctx.node());
  const AttentionGeom g = attentionGeometry(ops.q.shape, ops.kt.shape, ops.v.shape);
  const double scale = ctx.attrs().getFloat("scale", 1.0f);
  const float* qp = static_cast<const float*>(q.raw());
  const float* kp = static_cast<const float*>(kt.raw());
  const float* vp = static_cast<const float*>(v.raw());
  Shape scores = g.batch, y = g.batch;
  scores.push_back(g.sq);
  scores.push_back(g.sk);
  y.push_back(g.sq);
  y.push_back(g.dv);
  std::vector<int64_t> ms;  // the mask's strides over the scores
  const float* mp = nullptr;
  if (ctx.hasInput(3)) {
    ms = broadcastStrides(ctx.input(3).shape(), scores);
    mp = static_cast<const float*>(ctx.input(3).raw());
  }
  // Y's strides into the stored result.
  const AttentionView yv = attentionView(attentionStoredResult(y, ops.yPerm), ops.yPerm);
  const std::vector<int64_t> &qs = ops.q.strides, &ks = ops.kt.strides, &vs = ops.v.strides, &ys = yv.strides;
  float* yp = static_cast<float*>(ctx.output(0).rawMutable());
  std::vector<double> s(static_cast<size_t>(g.sk));
  const size_t nb = g.batch.size();
  std::vector<int64_t> idx(nb, 0);
  for (int64_t b = 0; b < g.batchCount(); ++b) {
    int64_t maskBase = 0, qo = 0, ko = 0, vo = 0, yo = 0;
    for (size_t k = 0; k < nb; ++k) {
      maskBase += idx[k] * (mp ? ms[k] : 0);
      qo += idx[k] * qs[k];
      ko += idx[k] * ks[k];
      vo += idx[k] * vs[k];
      yo += idx[k] * ys[k];
    }
    for (int64_t i = 0; i < g.sq; ++i) {
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t j = 0; j < g.sk; ++j) {
        double acc = 0;
        for (int64_t k = 0; k < g.d; ++k)
          acc += static_cast<double>(qp[qo + i * qs[nb] + k * qs[nb + 1]]) * kp[ko + k * ks[nb] + j * ks[nb + 1]];
        acc *= scale;
        if (mp) acc += mp[maskBase + i * ms[nb] + j * ms[nb + 1]];
        s[static_cast<size_t>(j)] = acc;
        mx = std::max(mx, acc);
      }
      double sum = 0;
      for (double& e : s) sum += (e = std::exp(e - mx));
      for (int64_t c = 0; c < g.dv; ++c) {
        double acc = 0;
        for (int64_t j = 0; j < g.sk; ++j) acc += s[static_cast<size_t>(j)] * vp[vo + j * vs[nb] + c * vs[nb + 1]];
        yp[yo + i * ys[nb] + c * ys[nb + 1]] = static_cast<float>(acc / sum);
      }
    }
    for (size_t k = nb; k-- > 0;) {
      if (++idx[k] < g.batch[k]) break;
      idx[k] = 0;
    }
  }
}

int64_t attentionMacs(const Node& n, const std::vector<const TensorType*>& in, const std::vector<const TensorType*>&) {
  const AttentionOperands ops = attentionOperands(n.attrs, in.at(0)->shape, in.at(1)->shape, in.at(2)->shape, n);
  const AttentionGeom g = attentionGeometry(ops.q.shape, ops.kt.shape, ops.v.shape);
  return g.batchCount() * g.sq * g.sk * (g.d + g.dv);
}
}  // namespace

void registerAttentionOps(OpTable& t) {
  t.add(OpDef{.name = "Attention", .category = "linear", .minInputs = 3, .maxInputs = 4,
              .attrs = {{"scale", AttrKind::Float},
                        {"q_perm", AttrKind::Ints},
                        {"kt_perm", AttrKind::Ints},
                        {"v_perm", AttrKind::Ints},
                        {"y_perm", AttrKind::Ints}}, .params = {}, .infer = inferAttention, .kernel = kernelAttention,
              .macs = attentionMacs});
}

}  // namespace nest
