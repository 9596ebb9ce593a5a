// The int8 parts of the CPU target passes (quant_kernels.h): qconv2d weights (and bias, folded
// into the per-channel corrections) packed at compile time with the runtime's own pack function,
// constant [K, N] qgemm / qmatmul weights transposed to [N, K] and then packed with their bias by
// nest_q8_gemm_pack (all in pack-weights); scratch buffers sized by nest_q8_conv2d_scratch_size (in scratch).
#include "backends/cpu/quant_kernels.h"

#include "core/error.h"

namespace nest::cpu {

using lir::Buffer;
using lir::BufferId;
using lir::BufferKind;
using lir::Function;
using lir::Instr;

namespace {

std::vector<int32_t> int32s(const Ints& v) { return std::vector<int32_t>(v.begin(), v.end()); }

// The requantizing store of an instruction with result type `yt`; `mult` and `shift` receive the
// tables it points to.
nest_q8_out outDesc(const Instr& in, const TensorType& yt, std::vector<int32_t>& mult, std::vector<int32_t>& shift) {
  mult = int32s(in.params.getInts("mult"));
  shift = int32s(in.params.getInts("shift"));
  nest_q8_out o{};
  o.is_signed = yt.elem == ElemType::I8;
  o.zp = static_cast<int32_t>(yt.quant->zeroPoints.at(0));
  o.lo = static_cast<int32_t>(in.params.getInt("lo"));
  o.hi = static_cast<int32_t>(in.params.getInt("hi"));
  o.channels = static_cast<int32_t>(mult.size());
  o.mult = mult.data();
  o.shift = shift.data();
  return o;
}

const Tensor* weightData(const Function& f, BufferId id) {
  if (id < 0) return nullptr;
  const Buffer& root = f.buffer(f.root(id));
  return root.kind == BufferKind::Weight && root.data.valid() ? &root.data : nullptr;
}

// A qgemm / qmatmul whose B is a constant i8 [K, N] matrix gets it transposed to [N, K]
// (trans_b = 1): the runtime's vpdpbusd path reads B's rows as contiguous dot products.
bool transposeQuantGemmWeights(Function& f, size_t i) {
  Instr& in = f.instrs[i];
  if ((in.kernel != "qgemm" && in.kernel != "qmatmul") || in.params.getInt("trans_b", 0)) return false;
  const Tensor* wp = weightData(f, in.inputs.at(1));
  if (!wp || wp->elem() != ElemType::I8 || wp->shape().size() != 2) return false;
  const int64_t K = wp->shape()[0], N = wp->shape()[1];
  TensorType type = wp->type();
  type.shape = {N, K};
  Tensor t(type);
  const int8_t* src = wp->data<int8_t>();
  int8_t* dst = t.mutableData<int8_t>();
  for (int64_t k = 0; k < K; ++k)
    for (int64_t n = 0; n < N; ++n) dst[n * K + k] = src[k * N + n];
  BufferId p = f.addBuffer(f.buffer(in.inputs[1]).name + "#transposed", BufferKind::Weight, type);
  f.buffer(p).data = std::move(t);
  in.inputs[1] = p;
  in.params.set("trans_b", int64_t{1});
  return true;
}

// A qgemm / qmatmul whose B is a constant i8 [N, K] matrix (after transposeQuantGemmWeights) and
// whose bias, if any, is constant gets B and the bias packed by nest_q8_gemm_pack (packed = 1).
bool packQuantGemmWeights(Function& f, size_t i) {
  Instr& in = f.instrs[i];
  if ((in.kernel != "qgemm" && in.kernel != "qmatmul") || !in.params.getInt("trans_b", 0) || in.params.getInt("packed", 0))
    return false;
  const Tensor* wp = weightData(f, in.inputs.at(1));
  if (!wp || wp->elem() != ElemType::I8 || wp->shape().size() != 2) return false;
  const bool hasBias = in.inputs.size() > 2 && in.inputs[2] >= 0;
  const Tensor* bp = hasBias ? weightData(f, in.inputs[2]) : nullptr;
  if (hasBias && !bp) return false;
  std::vector<int32_t> bias;
  if (bp)
    for (int64_t v : bp->toInts()) bias.push_back(static_cast<int32_t>(v));
  const Tensor weight = *wp;
  in.params.set("b_shape", weight.shape());
  const Q8GemmDesc d = q8GemmDesc(f, in);
  const size_t bytes = nest_q8_gemm_packed_size(&d.d);
  TensorType type(ElemType::U8, {static_cast<int64_t>(bytes)});
  BufferId p = f.addBuffer(f.buffer(in.inputs[1]).name + "#q8packed", BufferKind::Weight, type);
  f.buffer(p).data = Tensor(type);
  nest_q8_gemm_pack(&d.d, weight.data<int8_t>(), bias.empty() ? nullptr : bias.data(), f.buffer(p).data.rawMutable());
  Instr& packed = f.instrs[i];
  packed.inputs = {packed.inputs[0], p};  // the bias lives in the packed corrections
  packed.params.set("packed", int64_t{1});
  return true;
}

}  // namespace

Q8GemmDesc q8GemmDesc(const Function& f, const Instr& in) {
  const TensorType& at = f.buffer(in.inputs[0]).type;
  const TensorType& yt = f.buffer(in.outputs[0]).type;
  const Shape b = in.params.has("b_shape") ? Shape(in.params.getInts("b_shape")) : f.buffer(in.inputs[1]).type.shape;
  const bool transB = in.params.getInt("trans_b", 0) != 0;
  Q8GemmDesc q;
  nest_q8_gemm_desc& d = q.d;
  d.K = at.shape.back();
  d.N = transB ? b[0] : b.back();
  d.M = at.numElements() / d.K;  // every row of A (a 2-D B is shared by all of a MatMul's batches)
  d.trans_b = transB;
  d.a_signed = at.elem == ElemType::I8;
  d.a_zp = static_cast<int32_t>(at.quant->zeroPoints.at(0));
  d.b_signed = 1;
  q.bzp = int32s(in.params.getInts("b_zp"));
  d.b_zp = q.bzp.data();
  d.out = outDesc(in, yt, q.mult, q.shift);
  return q;
}

bool packQuantWeights(Function& f) {
  bool changed = false;
  for (size_t i = 0; i < f.instrs.size(); ++i) changed |= transposeQuantGemmWeights(f, i);
  for (size_t i = 0; i < f.instrs.size(); ++i) changed |= packQuantGemmWeights(f, i);
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    if (f.instrs[i].kernel != "qconv2d" || f.instrs[i].params.getInt("packed", 0)) continue;
    const Tensor* wp = weightData(f, f.instrs[i].inputs[1]);
    if (!wp) failInternal("qconv2d instruction " + std::to_string(i) + ": the weights are not constant");
    const Tensor weight = *wp;
    std::vector<int32_t> bias;
    if (f.instrs[i].inputs.size() > 2 && f.instrs[i].inputs[2] >= 0) {
      const Tensor* b = weightData(f, f.instrs[i].inputs[2]);
      if (!b) failInternal("qconv2d instruction " + std::to_string(i) + ": the bias is not constant");
      for (int64_t v : b->toInts()) bias.push_back(static_cast<int32_t>(v));
    }
    const Q8ConvDesc d = q8ConvDesc(f, f.instrs[i]);
    const size_t bytes = nest_q8_conv2d_packed_size(&d.d);
    TensorType type(ElemType::U8, {static_cast<int64_t>(bytes)});
    BufferId p = f.addBuffer(f.buffer(f.instrs[i].inputs[1]).name + "#q8packed", BufferKind::Weight, type);
    f.buffer(p).data = Tensor(type);
    nest_q8_conv2d_pack(&d.d, weight.data<int8_t>(), bias.empty() ? nullptr : bias.data(),
                        f.buffer(p).data.rawMutable());
    Instr& in = f.instrs[i];
    in.params.set("w_shape", f.buffer(in.inputs[1]).type.shape);
    in.inputs = {in.inputs[0], p};  // the bias lives in the packed corrections
    in.params.set("packed", int64_t{1});
    changed = true;
  }
  return changed;
}

bool sizeQuantScratch(Function& f) {
  bool changed = false;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    if (f.instrs[i].kernel != "qconv2d" || f.instrs[i].scratch >= 0) continue;
    const Q8ConvDesc d = q8ConvDesc(f, f.instrs[i]);
    const size_t bytes = nest_q8_conv2d_scratch_size(&d.d);
    BufferId s = f.addBuffer("scratch" + std::to_string(i), BufferKind::Scratch,
                             TensorType(ElemType::U8, {static_cast<int64_t>(bytes)}));
    f.instrs[i].scratch = s;
    changed = true;
  }
  return changed;
}

Q8ConvDesc q8ConvDesc(const Function& f, const Instr& in) {
  const TensorType& xt = f.buffer(in.inputs[0]).type;
  const TensorType& yt = f.buffer(in.outputs[0]).type;
  const Shape& x = xt.shape;
  const Shape& y = yt.shape;
  Ints k = in.params.getInts("kernel"), s = in.params.getInts("strides"), dl = in.params.getInts("dilations");
  Ints p = in.params.getInts("pads");
  Q8ConvDesc q;
  nest_q8_conv2d_desc& c = q.d;
  c.N = x[0]; c.C = x[1]; c.H = x[2]; c.W = x[3];
  c.M = y[1]; c.OH = y[2]; c.OW = y[3];
  c.KH = k[0]; c.KW = k[1];
  c.stride_h = s[0]; c.stride_w = s[1];
  c.dilation_h = dl[0]; c.dilation_w = dl[1];
  c.pad_top = p[0]; c.pad_left = p[1]; c.pad_bottom = p[2]; c.pad_right = p[3];
  c.group = in.params.getInt("group", 1);
  c.x_signed = xt.elem == ElemType::I8;
  c.x_zp = static_cast<int32_t>(xt.quant->zeroPoints.at(0));
  q.wzp = int32s(in.params.getInts("w_zp"));
  c.w_zp = q.wzp.data();
  c.out = outDesc(in, yt, q.mult, q.shift);
  return q;
}

}  // namespace nest::cpu
