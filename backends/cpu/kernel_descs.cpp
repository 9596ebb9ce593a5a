#include "backends/cpu/kernel_descs.h"

#include "core/error.h"
#include "core/ops/attention_layout.h"
#include "core/ops/op_helpers.h"

namespace nest::cpu {

nest_act activationOf(const lir::Instr& in) {
  nest_act a{NEST_ACT_NONE, {0.0f, 0.0f}};
  const std::string name = in.params.getString("activation", "");
  if (name.empty()) return a;
  if (name == "Relu") a.kind = NEST_ACT_RELU;
  else if (name == "Clip") a.kind = NEST_ACT_CLIP;
  else if (name == "LeakyRelu") a.kind = NEST_ACT_LEAKY_RELU;
  else if (name == "Sigmoid") a.kind = NEST_ACT_SIGMOID;
  else if (name == "HardSwish") a.kind = NEST_ACT_HARD_SWISH;
  else failInternal("CPU codegen: no runtime activation for '" + name + "'");
  Floats p = in.params.getFloats("activation_params");
  for (size_t i = 0; i < p.size() && i < 2; ++i) a.params[i] = p[i];
  return a;
}

nest_conv2d_desc convDesc(const lir::Function& f, const lir::Instr& in) {
  const Shape& x = f.buffer(in.inputs[0]).type.shape;
  const Shape& y = f.buffer(in.outputs[0]).type.shape;
  Ints k = in.params.getInts("kernel"), s = in.params.getInts("strides"), d = in.params.getInts("dilations");
  Ints p = in.params.getInts("pads");
  nest_conv2d_desc c{};
  const bool oneD = x.size() == 3;  // lowered as height 1
  c.N = x[0]; c.C = x[1]; c.H = oneD ? 1 : x[2]; c.W = x.back();
  c.M = y[1]; c.OH = oneD ? 1 : y[2]; c.OW = y.back();
  c.KH = k[0]; c.KW = k[1];
  c.stride_h = s[0]; c.stride_w = s[1];
  c.dilation_h = d[0]; c.dilation_w = d[1];
  c.pad_top = p[0]; c.pad_left = p[1]; c.pad_bottom = p[2]; c.pad_right = p[3];
  c.group = in.params.getInt("group", 1);
  c.act = activationOf(in);
  return c;
}

nest_pool2d_desc poolDesc(const lir::Function& f, const lir::Instr& in) {
  const Shape& x = f.buffer(in.inputs[0]).type.shape;
  const Shape& y = f.buffer(in.outputs[0]).type.shape;
  Ints k = in.params.getInts("kernel"), s = in.params.getInts("strides"), d = in.params.getInts("dilations");
  Ints p = in.params.getInts("pads");
  nest_pool2d_desc c{};
  const bool oneD = x.size() == 3;  // lowered as height 1
  c.N = x[0]; c.C = x[1]; c.H = oneD ? 1 : x[2]; c.W = x.back();
  c.OH = oneD ? 1 : y[2]; c.OW = y.back();
  c.KH = k[0]; c.KW = k[1];
  c.stride_h = s[0]; c.stride_w = s[1];
  c.dilation_h = d[0]; c.dilation_w = d[1];
  c.pad_top = p[0]; c.pad_left = p[1]; c.pad_bottom = p[2]; c.pad_right = p[3];
  c.count_include_pad = static_cast<int32_t>(in.params.getInt("count_include_pad", 0));
  return c;
}

// B's logical shape: packing replaces the operand by a flat buffer and records the shape.
static Shape bShape(const lir::Function& f, const lir::Instr& in) {
  return in.params.has("b_shape") ? in.params.getInts("b_shape") : f.buffer(in.inputs[1]).type.shape;
}

bool matmulFlattens(const lir::Function& f, const lir::Instr& in) {
  return in.kernel == "matmul" && bShape(f, in).size() == 2 && f.buffer(in.inputs[0]).type.rank() >= 2;
}

nest_gemm_desc gemmDesc(const lir::Function& f, const lir::Instr& in) {
  nest_gemm_desc g{};
  const Shape& a = f.buffer(in.inputs[0]).type.shape;
  const Shape b = bShape(f, in);
  if (in.kernel == "gemm") {
    g.trans_a = static_cast<int32_t>(in.params.getInt("trans_a", 0));
    g.trans_b = static_cast<int32_t>(in.params.getInt("trans_b", 0));
    g.M = g.trans_a ? a[1] : a[0];
    g.K = g.trans_a ? a[0] : a[1];
    g.N = g.trans_b ? b[0] : b[1];
    g.alpha = in.params.getFloat("alpha", 1.0f);
    g.beta = in.params.getFloat("beta", 1.0f);
    if (in.inputs.size() > 2 && in.inputs[2] >= 0) {
      std::vector<int64_t> st = ops::broadcastStrides(f.buffer(in.inputs[2]).type.shape, {g.M, g.N});
      g.c_stride_m = st[0];
      g.c_stride_n = st[1];
    }
    g.act = activationOf(in);
    return g;
  }
  // matmul: numpy semantics; a 1-D operand is a row (A) or column (B) vector.
  const int64_t ra = static_cast<int64_t>(a.size()), rb = static_cast<int64_t>(b.size());
  g.K = a[ra - 1];
  g.M = ra >= 2 ? a[ra - 2] : 1;
  g.N = rb >= 2 ? b[rb - 1] : 1;
  if (matmulFlattens(f, in)) g.M = numElements(a) / std::max<int64_t>(g.K, 1);
  g.alpha = 1.0f;
  g.beta = 0.0f;
  g.act = {NEST_ACT_NONE, {0.0f, 0.0f}};
  return g;
}

namespace {

// The formula's operands Q, KT, V, Y (and the mask, when there is one) of an attention
// instruction: shapes and strides into the stored buffers; the mask's strides over the scores.
struct AttentionViews {
  ops::AttentionView op[4];
  std::vector<int64_t> mask;
};

AttentionViews attentionViews(const lir::Function& f, const lir::Instr& in) {
  const size_t rank = f.buffer(in.inputs[0]).type.shape.size();
  auto perm = [&](int which) {
    Ints p = in.params.getInts(ops::kAttentionPermAttrs[which]);
    if (p.empty())
      for (size_t i = 0; i < rank; ++i) p.push_back(static_cast<int64_t>(i));
    return p;
  };
  AttentionViews v;
  for (int k = 0; k < 3; ++k) v.op[k] = ops::attentionView(f.buffer(in.inputs[k]).type.shape, perm(k));
  Shape y = v.op[0].shape;
  y.back() = v.op[2].shape.back();
  v.op[3] = ops::attentionView(ops::attentionStoredResult(y, perm(3)), perm(3));
  if (in.inputs.size() > 3 && in.inputs[3] >= 0) {
    Shape scores = v.op[0].shape;
    scores.back() = v.op[1].shape.back();
    v.mask = ops::broadcastStrides(f.buffer(in.inputs[3]).type.shape, scores);
  }
  return v;
}

}  // namespace

nest_attention_desc attentionDesc(const lir::Function& f, const lir::Instr& in) {
  const AttentionViews v = attentionViews(f, in);
  const Shape &q = v.op[0].shape, &kt = v.op[1].shape, &vv = v.op[2].shape;
  const size_t r = q.size();
  nest_attention_desc d{};
  d.sq = q[r - 2];
  d.d = q.back();
  d.sk = kt.back();
  d.dv = vv.back();
  d.batch = numElements(q) / std::max<int64_t>(d.sq * d.d, 1);
  d.scale = in.params.getFloat("scale", 1.0f);
  if (!v.mask.empty()) {
    d.mask_row_stride = v.mask[r - 2];
    d.mask_col_stride = v.mask[r - 1];
  }
  d.q_row_stride = v.op[0].strides[r - 2], d.q_col_stride = v.op[0].strides[r - 1];
  d.kt_row_stride = v.op[1].strides[r - 2], d.kt_col_stride = v.op[1].strides[r - 1];
  d.v_row_stride = v.op[2].strides[r - 2], d.v_col_stride = v.op[2].strides[r - 1];
  d.y_row_stride = v.op[3].strides[r - 2], d.y_col_stride = v.op[3].strides[r - 1];
  return d;
}

std::vector<int64_t> attentionOffsets(const lir::Function& f, const lir::Instr& in) {
  const AttentionViews v = attentionViews(f, in);
  const Shape& q = v.op[0].shape;
  const size_t nb = q.size() - 2;
  std::vector<int64_t> offsets, idx(nb, 0);
  const int64_t count = numElements(Shape(q.begin(), q.end() - 2));
  for (int64_t b = 0; b < count; ++b) {
    for (int k = 0; k < 5; ++k) {
      int64_t off = 0;
      if (k < 4 || !v.mask.empty())
        for (size_t a = 0; a < nb; ++a) off += idx[a] * (k < 4 ? v.op[k].strides[a] : v.mask[a]);
      offsets.push_back(off);
    }
    for (size_t a = nb; a-- > 0;) {
      if (++idx[a] < q[a]) break;
      idx[a] = 0;
    }
  }
  return offsets;
}

nest_rnn_desc rnnDesc(const lir::Function& f, const lir::Instr& in) {
  nest_rnn_desc d{};
  const Shape& x = f.buffer(in.inputs.at(0)).type.shape;
  const Shape& r = f.buffer(in.inputs.at(2)).type.shape;
  d.cell = static_cast<int32_t>(in.params.getInt("cell"));
  d.batch_first = static_cast<int32_t>(in.params.getInt("batch_first", 0));
  d.S = x[d.batch_first ? 1 : 0];
  d.N = x[d.batch_first ? 0 : 1];
  d.I = x[2];
  d.H = r[2];
  d.directions = static_cast<int32_t>(in.params.getInt("directions"));
  d.reverse = static_cast<int32_t>(in.params.getInt("reverse", 0));
  d.has_clip = in.params.has("clip") ? 1 : 0;
  d.clip = in.params.getFloat("clip", 0);
  d.input_forget = static_cast<int32_t>(in.params.getInt("input_forget", 0));
  d.linear_before_reset = static_cast<int32_t>(in.params.getInt("linear_before_reset", 0));
  const Ints kinds = in.params.getInts("act_kinds");
  const Floats alpha = in.params.getFloats("act_alpha"), beta = in.params.getFloats("act_beta");
  const size_t per = kinds.size() / static_cast<size_t>(d.directions);
  if (per == 0 || per > 3 || kinds.size() != per * static_cast<size_t>(d.directions) || alpha.size() != kinds.size() ||
      beta.size() != kinds.size())
    failInternal("rnn instruction: " + std::to_string(kinds.size()) + " activations for " + std::to_string(d.directions) +
                 " directions");
  for (size_t k = 0; k < kinds.size(); ++k)
    d.act[k / per][k % per] = nest_rnn_act{static_cast<int32_t>(kinds[k]), alpha[k], beta[k]};
  return d;
}

}  // namespace nest::cpu
