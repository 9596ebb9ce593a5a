// Graph IR -> LIR. Each supported op maps to one kernel (docs/low-level-ir.md lists them):
//   conv2d, gemm, matmul, attention, maxpool2d, avgpool2d, global_avgpool, binary, unary, compare, where, softmax,
//   convnd, poolnd, conv_transpose2d, lrn, resample, channel_affine, batchnorm, reduce, concat, gather, index_copy, index_map,
//   rnn (RNN, GRU, LSTM),
//   copy, cast, fill.
// Pure data-movement ops (Transpose, Slice, Split, Expand, Tile, DepthToSpace, SpaceToDepth,
// nearest-neighbour Resize/Upsample) are lowered by running the op's own reference kernel on a
// tensor of element indices: the result says which input element every output element reads, so
// the LIR copy has exactly the interpreter's semantics. When that map is separable per axis (it is for all of these) it is stored as one
// small table per axis (index_copy); otherwise as a full map in a weight buffer (index_map).
#include "passes/lowering/lower_to_lir.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <set>

#include "core/error.h"
#include "core/op_table.h"
#include "core/ops/attention_layout.h"
#include "core/ops/conv_kernels.h"
#include "core/ops/fused_activation.h"
#include "core/ops/op_helpers.h"
#include "core/ops/recurrent.h"
#include "core/ops/resize_taps.h"
#include "passes/lowering/lower_quant.h"

namespace nest {

using lir::BufferId;
using lir::BufferKind;
using lir::Function;
using lir::Instr;

namespace {

// Which lowering an op gets follows its op-table traits (OpDef::view, OpDef::kind): views become
// aliases, data movement an index copy, elementwise ops `binary` / `unary` instructions carrying the
// op name, reductions `reduce`. Which of those ops the runtime implements is the CPU backend's
// table (backends/cpu/cpu_support_table.h), checked in front of loweringUnsupportedReason.
// The runtime's reduce kinds, by op.
const std::map<std::string, std::string> kReduceKinds = {
    {"ReduceSum", "sum"},       {"ReduceMean", "mean"},         {"ReduceMax", "max"},
    {"ReduceMin", "min"},       {"ReduceProd", "prod"},         {"ReduceSumSquare", "sumsquare"},
    {"ReduceLogSum", "logsum"}, {"ReduceLogSumExp", "logsumexp"}, {"GlobalMaxPool", "max"}};

const OpDef* defOf(const Node& n) { return OpTable::instance().find(n.op); }

// Comparisons the runtime's `compare` kernel implements (bool results).
bool isComparison(const std::string& op) {
  return op == "Equal" || op == "Less" || op == "Greater" || op == "LessOrEqual" || op == "GreaterOrEqual";
}

bool allF32(const Graph& g, const std::vector<std::string>& values) {
  for (const std::string& v : values)
    if (!v.empty() && g.typeOf(v).elem != ElemType::F32) return false;
  return true;
}

bool anyQuantized(const Graph& g, const Node& n) {
  for (const auto* list : {&n.inputs, &n.outputs})
    for (const std::string& v : *list)
      if (!v.empty() && g.typeOf(v).quant) return true;
  return false;
}

}  // namespace

std::string loweringUnsupportedReason(const Graph& g, const Node& n) {
  if (anyQuantized(g, n)) return quantLoweringUnsupportedReason(g, n);  // lower_quant.h
  const std::string& op = n.op;
  const OpDef* def = defOf(n);
  if (!def) return "no CPU kernel for " + op;
  const bool f32 = allF32(g, n.inputs) && allF32(g, n.outputs);
  auto needF32 = [&]() -> std::string { return f32 ? "" : "only float32 operands are supported"; };
  if (op == "Pad") {
    std::string mode = n.attrs.getString("mode", "constant");
    return mode == "wrap" ? "Pad mode 'wrap' is not supported" : "";
  }
  // Views and data movement work on bytes: any element type.
  if (def->view || def->kind == OpKind::DataMovement) return "";
  if (op == "ConstantOfShape") return "";  // fill: any element type
  if (op == "Cast") {
    auto isFloatKind = [](ElemType e) { return e == ElemType::F32 || e == ElemType::F64 || e == ElemType::F16; };
    const ElemType from = g.typeOf(n.inputs[0]).elem, to = g.typeOf(n.outputs[0]).elem;
    if (from == to || (isFloatKind(from) && isFloatKind(to))) return "";
    return "Cast from " + std::string(elemTypeName(from)) + " to " + std::string(elemTypeName(to)) +
           " is not supported (only between f32, f64 and f16)";
  }
  if (op == "Resize" || op == "Upsample") {
    // Nearest-neighbour resampling moves elements (lowered like Transpose); linear and cubic
    // interpolation use the reference kernel's per-axis taps (resample).
    for (const ops::ResizeAxisTaps& t : ops::resizeAxisTaps(n, g.typeOf(n.inputs[0]).shape))
      if (t.anyExtrap) return op + " extrapolating outside the crop box (tf_crop_and_resize) is not supported";
    return n.attrs.getString("mode", "nearest") == "nearest" ? "" : needF32();
  }
  if ((op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Max" || op == "Min") && !f32 &&
      !n.attrs.has("activation")) {
    // Integer and float64 arithmetic: operands of one element type.
    const ElemType e = g.typeOf(n.outputs[0]).elem;
    if (e == ElemType::F16 || e == ElemType::Bool) return op + " on " + std::string(elemTypeName(e)) + " is not supported";
    for (const std::string& v : n.inputs)
      if (!v.empty() && g.typeOf(v).elem != e) return op + " with mixed element types is not supported";
    return "";
  }
  if (op == "Pow" && g.typeOf(n.inputs[0]).elem == ElemType::F32 && g.typeOf(n.inputs[1]).elem != ElemType::Bool)
    return "";  // float32 base, any numeric exponent
  if (op == "Pow") {
    const ElemType base = g.typeOf(n.inputs[0]).elem, exponent = g.typeOf(n.inputs[1]).elem;
    if ((base == ElemType::I32 || base == ElemType::I64) && exponent != ElemType::Bool) return "";
    return "Pow with a " + std::string(elemTypeName(base)) + " base is not supported (f32, i32 and i64 only)";
  }
  if (op == "Clip" && !f32) {
    const ElemType e = g.typeOf(n.outputs[0]).elem;
    if (!isInteger(e)) return "Clip on " + std::string(elemTypeName(e)) + " is not supported";
    for (const char* b : {"min", "max"})
      if (n.attrs.has(b) && !n.attrs.getTensor(b)) return "Clip with a non-tensor bound on integers is not supported";
    return "";
  }
  if (isComparison(op)) {
    const ElemType a = g.typeOf(n.inputs[0]).elem;
    if (a == ElemType::F16 || a == ElemType::Bool) return op + " on " + std::string(elemTypeName(a)) + " is not supported";
    return "";
  }
  if (op == "Where") return "";  // moves elements of any type
  // Elementwise ops lower to the float32 `binary` / `unary` kernels.
  if (def->kind == OpKind::Elementwise || def->kind == OpKind::UnaryElementwise) return needF32();
  if (op == "Softmax" || op == "LogSoftmax" || op == "MatMul" || op == "Gemm" || op == "GlobalAveragePool")
    return needF32();
  if (def->kind == OpKind::Reduction) return kReduceKinds.count(op) ? needF32() : "no CPU kernel for " + op;
  if (op == "BatchNormalization") {
    if (n.attrs.getInt("training_mode", 0) != 0 || (n.outputs.size() > 1 && !n.outputs[1].empty()))
      return "training-mode BatchNormalization is not supported";
    return needF32();
  }
  if (op == "LRN" || op == "Attention") return needF32();
  if (op == "LayerNormalization") {
    if (std::string r = needF32(); !r.empty()) return r;
    for (size_t k = 1; k < n.outputs.size(); ++k)
      if (!n.outputs[k].empty()) return "LayerNormalization's Mean and InvStdDev results are not supported";
    // Scale and B over exactly the normalized dimensions (what exporters emit).
    const Shape& x = g.typeOf(n.inputs[0]).shape;
    const int64_t axis = ops::normalizeAxis(n.attrs.getInt("axis", -1), static_cast<int64_t>(x.size()), n);
    int64_t cols = 1;
    for (size_t d = static_cast<size_t>(axis); d < x.size(); ++d) cols *= x[d];
    for (size_t k = 1; k < n.inputs.size(); ++k)
      if (!n.inputs[k].empty() && g.typeOf(n.inputs[k]).numElements() != cols)
        return "LayerNormalization with a Scale or B broadcast over more than the normalized dimensions is not supported";
    return "";
  }
  if (op == "RNN" || op == "GRU" || op == "LSTM") {
    // float32 data, int32 sequence_lens (operand 4; inference checked its type).
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (k != 4 && !n.inputs[k].empty() && g.typeOf(n.inputs[k]).elem != ElemType::F32)
        return "only float32 operands are supported";
    return "";
  }
  if (op == "ConvTranspose") {
    if (std::string r = needF32(); !r.empty()) return r;
    const int64_t rank = g.typeOf(n.inputs[0]).rank();
    if (rank != 4 && rank != 3) return "only 1-D and 2-D ConvTranspose are supported (got " + std::to_string(rank - 2) + "-D)";
    return "";
  }
  if (op == "Conv" || op == "MaxPool" || op == "AveragePool") {
    if (std::string r = needF32(); !r.empty()) return r;
    const int64_t rank = g.typeOf(n.inputs[0]).rank();
    if (rank < 3 || rank > 5) return "only 1-D, 2-D and 3-D " + op + " are supported (got " + std::to_string(rank - 2) + "-D)";
    if (op == "MaxPool" && n.outputs.size() > 1 && !n.outputs[1].empty()) return "MaxPool's Indices result is not supported";
    return "";
  }
  return "no CPU kernel for " + op;
}

std::vector<UnsupportedNode> unsupportedForLowering(const Graph& g) {
  std::vector<UnsupportedNode> out;
  for (const Node& n : g.nodes)
    if (std::string r = loweringUnsupportedReason(g, n); !r.empty()) out.push_back({n.id, n.describe(), r});
  return out;
}

namespace {

class Lowering {
 public:
  explicit Lowering(const Graph& g) : g_(g) { f_.name = g.name.empty() ? "model" : g.name; }

  Function run() {
    for (const std::string& in : g_.inputs) {
      BufferId b = f_.addBuffer(in, BufferKind::Input, g_.typeOf(in));
      byValue_[in] = b;
      f_.inputs.push_back(b);
    }
    graphOutputs_ = std::set<std::string>(g_.outputs.begin(), g_.outputs.end());
    for (const Node& n : g_.nodes) lowerNode(n);
    // Graph outputs: their own buffers in the mutable region. A value that is not a node result
    // (an input or a constant), or is listed twice, or whose buffer is an alias (a view), is copied.
    std::set<BufferId> used;
    for (const std::string& out : g_.outputs) {
      BufferId src = bufferOf(out);
      const lir::Buffer& b = f_.buffer(src);
      if (b.kind == BufferKind::Output && !b.isAlias() && !used.count(src)) {
        used.insert(src);
        f_.outputs.push_back(src);
        continue;
      }
      BufferId dst = f_.addBuffer(out, BufferKind::Output, g_.typeOf(out));
      Instr copy;
      copy.kernel = "copy";
      copy.inputs = {src};
      copy.outputs = {dst};
      f_.instrs.push_back(std::move(copy));
      used.insert(dst);
      f_.outputs.push_back(dst);
    }
    return std::move(f_);
  }

 private:
  const Graph& g_;
  Function f_;
  std::map<std::string, BufferId> byValue_;
  std::set<std::string> graphOutputs_;

  BufferId bufferOf(const std::string& value) {
    if (value.empty()) return -1;
    if (auto it = byValue_.find(value); it != byValue_.end()) return it->second;
    const Tensor* t = g_.constant(value);
    if (!t) failInternal("lowering: value '" + value + "' has no buffer");
    BufferId b = f_.addBuffer(value, BufferKind::Weight, t->type());
    f_.buffer(b).data = *t;
    byValue_[value] = b;
    return b;
  }

  BufferId addWeight(const std::string& name, Tensor t) {
    BufferId b = f_.addBuffer(name, BufferKind::Weight, t.type());
    f_.buffer(b).data = std::move(t);
    return b;
  }

  // A buffer for a node result: an output buffer for graph outputs, an activation otherwise.
  BufferId resultBuffer(const std::string& value) {
    BufferKind kind = graphOutputs_.count(value) ? BufferKind::Output : BufferKind::Activation;
    BufferId b = f_.addBuffer(value, kind, g_.typeOf(value));
    byValue_[value] = b;
    return b;
  }

  Instr& emit(const Node& n, std::string kernel, std::vector<BufferId> inputs, std::vector<BufferId> outputs) {
    Instr in;
    in.kernel = std::move(kernel);
    in.inputs = std::move(inputs);
    in.outputs = std::move(outputs);
    in.node = n.id;
    in.nodeName = n.name;
    f_.instrs.push_back(std::move(in));
    return f_.instrs.back();
  }

  // RNN / GRU / LSTM: one `rnn` instruction; operands X, W, R, B, sequence_lens, initial_h,
  // initial_c, P in fixed places (absent: none), the present results; the activations resolved
  // per direction (kinds in core/ops/recurrent.h's order, alpha, beta).
  void lowerRecurrent(const Node& n) {
    std::vector<BufferId> ins(8, -1);
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (!n.inputs[k].empty()) ins[k] = bufferOf(n.inputs[k]);
    std::vector<BufferId> outs;
    for (const std::string& v : n.outputs) outs.push_back(resultBuffer(v));
    Instr& in = emit(n, "rnn", ins, outs);
    in.params.set("cell", int64_t{n.op == "LSTM" ? 2 : n.op == "GRU" ? 1 : 0});
    in.params.set("directions", recurrent::numDirections(n));
    in.params.set("reverse", int64_t{n.attrs.getString("direction", "forward") == "reverse"});
    in.params.set("batch_first", n.attrs.getInt("layout", 0));
    if (n.attrs.has("clip")) in.params.set("clip", n.attrs.getFloat("clip", 0));
    in.params.set("input_forget", n.attrs.getInt("input_forget", 0));
    in.params.set("linear_before_reset", n.attrs.getInt("linear_before_reset", 0));
    Ints kinds;
    Floats alpha, beta;
    for (const std::vector<recurrent::ActivationFn>& fns : recurrent::activations(n))
      for (const recurrent::ActivationFn& a : fns) {
        kinds.push_back(static_cast<int64_t>(a.kind));
        alpha.push_back(static_cast<float>(a.alpha));
        beta.push_back(static_cast<float>(a.beta));
      }
    in.params.set("act_kinds", kinds);
    in.params.set("act_alpha", alpha);
    in.params.set("act_beta", beta);
  }

  static void copyActivation(const Node& n, Attributes& params) {
    if (auto a = ops::fusedActivationOf(n)) {
      params.set("activation", n.attrs.getString("activation", ""));
      params.set("activation_params", a->params);
    }
  }

  void lowerNode(const Node& n) {
    if (std::string r = loweringUnsupportedReason(g_, n); !r.empty()) failUnsupported(n.describe() + ": " + r);
    const std::string& op = n.op;
    if (anyQuantized(g_, n) && quantNodeHasKernel(n)) {  // integer kernels: lower_quant.h
      QuantInstr q = lowerQuantNode(g_, n);
      std::vector<BufferId> ins;
      for (const std::string& v : n.inputs) ins.push_back(bufferOf(v));
      emit(n, q.kernel, ins, {resultBuffer(n.outputs[0])}).params = std::move(q.params);
      return;
    }
    const OpDef& def = *defOf(n);  // loweringUnsupportedReason refused ops outside the table
    if (def.view) return lowerView(n);
    if (op == "ConstantOfShape") {
      // A tensor of one repeated value (weights of models whose initializers were stripped): a
      // fill at run time rather than a constant of the full size in the bundle.
      const Tensor* v = n.attrs.getTensor("value");
      Instr& in = emit(n, "fill", {}, {resultBuffer(n.outputs[0])});
      in.params.set("value", v ? v->reshaped({}) : Tensor::scalarF32(0.0f));
      return;
    }
    if ((op == "Conv" || op == "MaxPool" || op == "AveragePool") && g_.typeOf(n.inputs[0]).rank() == 5)
      return lowerDirectNd(n);
    if (op == "Conv") return lowerConv(n);
    if (op == "ConvTranspose") return lowerConvTranspose(n);
    if (op == "LRN") {
      Instr& in = emit(n, "lrn", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
      in.params.set("size", n.attrs.getInt("size"));
      in.params.set("alpha", n.attrs.getFloat("alpha", 1e-4f));
      in.params.set("beta", n.attrs.getFloat("beta", 0.75f));
      in.params.set("bias", n.attrs.getFloat("bias", 1.0f));
      return;
    }
    if (op == "MaxPool" || op == "AveragePool") return lowerPool(n);
    if (op == "GlobalAveragePool") {
      emit(n, "global_avgpool", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
      return;
    }
    if (op == "Gemm") return lowerGemm(n);
    if (op == "MatMul") {
      emit(n, "matmul", {bufferOf(n.inputs[0]), bufferOf(n.inputs[1])}, {resultBuffer(n.outputs[0])});
      return;
    }
    if (isComparison(op) || op == "Where") {
      std::vector<BufferId> ins;
      for (const std::string& v : n.inputs) ins.push_back(bufferOf(v));
      Instr& in = emit(n, op == "Where" ? "where" : "compare", ins, {resultBuffer(n.outputs[0])});
      if (op != "Where") in.params.set("op", op);
      return;
    }
    if (def.kind == OpKind::Elementwise) return lowerBinary(n);
    if (op == "Clip" && g_.typeOf(n.outputs[0]).elem != ElemType::F32) return lowerIntegerClip(n);
    if (op == "Cast") {
      if (g_.typeOf(n.inputs[0]).elem == g_.typeOf(n.outputs[0]).elem) return lowerView(n);
      emit(n, "cast", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
      return;
    }
    if (op == "Gelu" && n.attrs.getString("approximate", "none") == "none") return lowerUnary(n);  // one vector kernel
    if (op == "Swish" || op == "Gelu") return lowerComposite(n);
    if (def.kind == OpKind::UnaryElementwise) return lowerUnary(n);
    if (op == "Softmax" || op == "LogSoftmax") {
      Instr& in = emit(n, "softmax", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
      in.params.set("axis", ops::normalizeAxis(n.attrs.getInt("axis", -1), g_.typeOf(n.inputs[0]).rank(), n));
      in.params.set("log", int64_t{op == "LogSoftmax"});
      return;
    }
    if (op == "BatchNormalization") return lowerBatchNorm(n);
    if (op == "Attention") {
      std::vector<BufferId> ins;
      for (const std::string& v : n.inputs) ins.push_back(bufferOf(v));
      Instr& in = emit(n, "attention", ins, {resultBuffer(n.outputs[0])});
      in.params.set("scale", n.attrs.getFloat("scale", 1.0f));
      // The operands' layouts (core/ops/attention_layout.h), only where they are not the identity.
      if (!ops::attentionPlainLayout(n.attrs))
        for (const char* perm : ops::kAttentionPermAttrs)
          if (n.attrs.has(perm)) in.params.set(perm, n.attrs.getInts(perm));
      return;
    }
    if (op == "LayerNormalization") {
      std::vector<BufferId> ins = {bufferOf(n.inputs[0]), bufferOf(n.inputs[1])};
      if (n.inputs.size() > 2 && !n.inputs[2].empty()) ins.push_back(bufferOf(n.inputs[2]));
      Instr& in = emit(n, "layernorm", ins, {resultBuffer(n.outputs[0])});
      in.params.set("axis", ops::normalizeAxis(n.attrs.getInt("axis", -1), g_.typeOf(n.inputs[0]).rank(), n));
      in.params.set("epsilon", n.attrs.getFloat("epsilon", 1e-5f));
      return;
    }
    if (op == "RNN" || op == "GRU" || op == "LSTM") return lowerRecurrent(n);
    if (def.kind == OpKind::Reduction) return lowerReduce(n);
    if (op == "Concat") {
      std::vector<BufferId> ins;
      for (const std::string& v : n.inputs) ins.push_back(bufferOf(v));
      Instr& in = emit(n, "concat", ins, {resultBuffer(n.outputs[0])});
      in.params.set("axis", ops::normalizeAxis(n.attrs.getInt("axis", 0), g_.typeOf(n.outputs[0]).rank(), n));
      return;
    }
    if (op == "Gather") {
      if (g_.isConstant(n.inputs[1])) return lowerMove(n);  // constant indices: a data movement like Slice
      Instr& in = emit(n, "gather", {bufferOf(n.inputs[0]), bufferOf(n.inputs[1])}, {resultBuffer(n.outputs[0])});
      in.params.set("axis", ops::normalizeAxis(n.attrs.getInt("axis", 0), g_.typeOf(n.inputs[0]).rank(), n));
      return;
    }
    if (op == "Pad") return lowerPad(n);
    if ((op == "Resize" || op == "Upsample") && n.attrs.getString("mode", "nearest") != "nearest") return lowerResample(n);
    // Every other data movement (Transpose, Slice, Split, Expand, Tile, DepthToSpace, ...) and
    // nearest-neighbour resampling: an index copy.
    if (def.kind == OpKind::DataMovement || op == "Resize" || op == "Upsample") return lowerMove(n);
    failInternal("lowering: no rule for " + n.describe());
  }

  void lowerView(const Node& n) {
    if (n.op == "Dropout" && n.outputs.size() > 1 && !n.outputs[1].empty()) {
      // Inference: the mask is all true.
      Instr& in = emit(n, "fill", {}, {resultBuffer(n.outputs[1])});
      in.params.set("value", Tensor::fromVector<uint8_t>(ElemType::Bool, {}, {1}));
    }
    BufferId src = bufferOf(n.inputs[0]);
    const std::string& out = n.outputs[0];
    if (graphOutputs_.count(out)) {
      emit(n, "copy", {src}, {resultBuffer(out)});
      return;
    }
    BufferId b = f_.addBuffer(out, f_.buffer(f_.root(src)).kind, g_.typeOf(out));
    if (f_.buffer(b).kind == BufferKind::Output) f_.buffer(b).kind = BufferKind::Activation;
    f_.buffer(b).aliasOf = src;
    byValue_[out] = b;
  }

  void lowerConv(const Node& n) {
    const Shape& x = g_.typeOf(n.inputs[0]).shape;
    const Shape& w = g_.typeOf(n.inputs[1]).shape;
    ops::ConvGeom geo = ops::convGeometry(n, x, w);
    if (geo.kernel.size() == 1) {  // 1-D: a 2-D convolution of height 1
      geo.kernel.insert(geo.kernel.begin(), 1);
      geo.strides.insert(geo.strides.begin(), 1);
      geo.dilations.insert(geo.dilations.begin(), 1);
      geo.padBegin.insert(geo.padBegin.begin(), 0);
      geo.padEnd.insert(geo.padEnd.begin(), 0);
    }
    Instr& in = emit(n, "conv2d", {bufferOf(n.inputs[0]), bufferOf(n.inputs[1]), bufferOf(n.hasInput(2) ? n.inputs[2] : "")},
                     {resultBuffer(n.outputs[0])});
    in.params.set("group", geo.group);
    in.params.set("kernel", Ints{geo.kernel[0], geo.kernel[1]});
    in.params.set("strides", Ints{geo.strides[0], geo.strides[1]});
    in.params.set("dilations", Ints{geo.dilations[0], geo.dilations[1]});
    in.params.set("pads", Ints{geo.padBegin[0], geo.padBegin[1], geo.padEnd[0], geo.padEnd[1]});
    if (n.attrs.has("output_scale")) in.params.set("output_scale", n.attrs.getFloats("output_scale"));
    copyActivation(n, in.params);
  }

  // 3-D Conv and pools: direct N-D kernels (convnd, poolnd).
  void lowerDirectNd(const Node& n) {
    const Shape& x = g_.typeOf(n.inputs[0]).shape;
    const size_t nd = x.size() - 2;
    if (n.op == "Conv") {
      ops::ConvGeom geo = ops::convGeometry(n, x, g_.typeOf(n.inputs[1]).shape);
      Instr& in = emit(n, "convnd", {bufferOf(n.inputs[0]), bufferOf(n.inputs[1]), bufferOf(n.hasInput(2) ? n.inputs[2] : "")},
                       {resultBuffer(n.outputs[0])});
      in.params.set("group", geo.group);
      in.params.set("kernel", geo.kernel);
      in.params.set("strides", geo.strides);
      in.params.set("dilations", geo.dilations);
      in.params.set("pads", geo.padBegin);
      if (n.attrs.has("output_scale")) in.params.set("output_scale", n.attrs.getFloats("output_scale"));
      copyActivation(n, in.params);
      return;
    }
    Ints kernel = n.attrs.getInts("kernel_shape");
    Ints strides = n.attrs.getInts("strides", Ints(nd, 1));
    Ints dilations = n.attrs.getInts("dilations", Ints(nd, 1));
    Ints pads = ops::resolvePads(n.attrs, Shape(x.begin() + 2, x.end()), kernel, strides, dilations, n);
    Instr& in = emit(n, "poolnd", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    in.params.set("max", int64_t{n.op == "MaxPool"});
    in.params.set("kernel", kernel);
    in.params.set("strides", strides);
    in.params.set("dilations", dilations);
    in.params.set("pads", pads);
    in.params.set("count_include_pad", n.attrs.getInt("count_include_pad", 0));
  }

  void lowerConvTranspose(const Node& n) {
    ops::ConvGeom geo = ops::convTransposeGeometry(n, g_.typeOf(n.inputs[0]).shape, g_.typeOf(n.inputs[1]).shape);
    if (geo.kernel.size() == 1) {  // 1-D: height 1
      geo.kernel.insert(geo.kernel.begin(), 1);
      geo.strides.insert(geo.strides.begin(), 1);
      geo.dilations.insert(geo.dilations.begin(), 1);
      geo.padBegin.insert(geo.padBegin.begin(), 0);
    }
    Instr& in = emit(n, "conv_transpose2d",
                     {bufferOf(n.inputs[0]), bufferOf(n.inputs[1]), bufferOf(n.hasInput(2) ? n.inputs[2] : "")},
                     {resultBuffer(n.outputs[0])});
    in.params.set("group", geo.group);
    in.params.set("kernel", Ints{geo.kernel[0], geo.kernel[1]});
    in.params.set("strides", Ints{geo.strides[0], geo.strides[1]});
    in.params.set("dilations", Ints{geo.dilations[0], geo.dilations[1]});
    in.params.set("pads", Ints{geo.padBegin[0], geo.padBegin[1]});
  }

  // Linear / cubic Resize: y[o] = sum over the per-axis taps of x[idx] * prod(weights), with the
  // reference kernel's taps (zero weights dropped). tap_start: per axis, outLen + 1 positions
  // into tap_index / tap_weight.
  void lowerResample(const Node& n) {
    const Shape& x = g_.typeOf(n.inputs[0]).shape;
    std::vector<ops::ResizeAxisTaps> taps = ops::resizeAxisTaps(n, x);
    const Shape& y = g_.typeOf(n.outputs[0]).shape;
    Ints start, index;
    Floats weight;
    for (size_t d = 0; d < x.size(); ++d) {
      const ops::ResizeAxisTaps& t = taps[d];
      for (int64_t o = 0; o < y[d]; ++o) {
        start.push_back(static_cast<int64_t>(index.size()));
        for (int k = 0; k < t.k; ++k) {
          const double w = t.w[o * t.k + k];
          if (w == 0) continue;
          index.push_back(t.idx[o * t.k + k]);
          weight.push_back(static_cast<float>(w));
        }
      }
      start.push_back(static_cast<int64_t>(index.size()));
    }
    Instr& in = emit(n, "resample", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    in.params.set("tap_start", start);
    in.params.set("tap_index", index);
    in.params.set("tap_weight", weight);
  }

  void lowerPool(const Node& n) {
    const Shape& x = g_.typeOf(n.inputs[0]).shape;
    const size_t nd = x.size() - 2;
    Ints kernel = n.attrs.getInts("kernel_shape");
    Ints strides = n.attrs.getInts("strides", Ints(nd, 1));
    Ints dilations = n.attrs.getInts("dilations", Ints(nd, 1));
    Ints pads = ops::resolvePads(n.attrs, Shape(x.begin() + 2, x.end()), kernel, strides, dilations, n);
    if (nd == 1) {  // 1-D: a 2-D pool of height 1
      kernel.insert(kernel.begin(), 1);
      strides.insert(strides.begin(), 1);
      dilations.insert(dilations.begin(), 1);
      pads = {0, pads[0], 0, pads[1]};
    }
    // ceil_mode is already in the result shape; the kernels take the output size as given.
    Instr& in = emit(n, n.op == "MaxPool" ? "maxpool2d" : "avgpool2d", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    in.params.set("kernel", kernel);
    in.params.set("strides", strides);
    in.params.set("dilations", dilations);
    in.params.set("pads", pads);
    if (n.op == "AveragePool") in.params.set("count_include_pad", n.attrs.getInt("count_include_pad", 0));
  }

  void lowerGemm(const Node& n) {
    Instr& in = emit(n, "gemm", {bufferOf(n.inputs[0]), bufferOf(n.inputs[1]), bufferOf(n.hasInput(2) ? n.inputs[2] : "")},
                     {resultBuffer(n.outputs[0])});
    in.params.set("trans_a", n.attrs.getInt("transA", 0));
    in.params.set("trans_b", n.attrs.getInt("transB", 0));
    in.params.set("alpha", n.attrs.getFloat("alpha", 1.0f));
    in.params.set("beta", n.attrs.getFloat("beta", 1.0f));
    copyActivation(n, in.params);
  }

  // Binary ops, and variadic Sum/Max/Min/Mean as a chain of binary ops (Mean: a final scale).
  void lowerBinary(const Node& n) {
    std::string op = n.op == "Sum" || n.op == "Mean" ? "Add" : n.op;
    std::vector<std::string> ins;
    for (const std::string& v : n.inputs)
      if (!v.empty()) ins.push_back(v);
    const std::string& out = n.outputs[0];
    const bool mean = n.op == "Mean" && ins.size() > 1;
    if (ins.size() == 1) {
      emit(n, "copy", {bufferOf(ins[0])}, {resultBuffer(out)});
      return;
    }
    BufferId acc = bufferOf(ins[0]);
    Shape accShape = g_.typeOf(ins[0]).shape;
    for (size_t k = 1; k < ins.size(); ++k) {
      const bool last = k + 1 == ins.size() && !mean;
      Shape shape = ops::broadcastShapes({accShape, g_.typeOf(ins[k]).shape}, n);
      BufferId dst = last ? resultBuffer(out)
                          : f_.addBuffer(out + "#" + std::to_string(k), BufferKind::Activation, TensorType(ElemType::F32, shape));
      Instr& in = emit(n, "binary", {acc, bufferOf(ins[k])}, {dst});
      in.params.set("op", op);
      if (last) copyActivation(n, in.params);
      acc = dst;
      accShape = shape;
    }
    if (mean) {
      BufferId scale = addWeight(out + "#count", Tensor::scalarF32(1.0f / static_cast<float>(ins.size())));
      Instr& in = emit(n, "binary", {acc, scale}, {resultBuffer(out)});
      in.params.set("op", std::string("Mul"));
    }
  }

  // Swish and the tanh form of Gelu (made by fuse-swish / fuse-gelu) in float: their formula as unary and binary
  // kernels, in the interpreter kernel's order of operations (core/ops/activation_ops.cpp).
  void lowerComposite(const Node& n) {
    const TensorType type = g_.typeOf(n.outputs[0]);
    const BufferId x = bufferOf(n.inputs[0]);
    int step = 0;
    auto temp = [&] { return f_.addBuffer(n.outputs[0] + "#" + std::to_string(step++), BufferKind::Activation, type); };
    auto scalar = [&](float v) { return addWeight(n.outputs[0] + "#c" + std::to_string(step++), Tensor::scalarF32(v)); };
    auto unary = [&](const char* op, BufferId a, BufferId dst) {
      emit(n, "unary", {a}, {dst}).params.set("op", std::string(op));
      return dst;
    };
    auto binary = [&](const char* op, BufferId a, BufferId b, BufferId dst) {
      emit(n, "binary", {a, b}, {dst}).params.set("op", std::string(op));
      return dst;
    };
    if (n.op == "Swish") {
      const float alpha = n.attrs.getFloat("alpha", 1.0f);
      const BufferId z = alpha == 1.0f ? x : binary("Mul", scalar(alpha), x, temp());
      binary("Mul", x, unary("Sigmoid", z, temp()), resultBuffer(n.outputs[0]));
      return;
    }
    BufferId inner;
    if (n.attrs.getString("approximate", "none") == "tanh") {
      // ((0.044715 x) x) x, as C++ evaluates the kernel's 0.044715 * x * x * x.
      const BufferId cube = binary("Mul", binary("Mul", binary("Mul", scalar(0.044715f), x, temp()), x, temp()), x, temp());
      const BufferId poly = binary("Add", x, cube, temp());
      inner = unary("Tanh", binary("Mul", scalar(0.79788456080286535588f), poly, temp()), temp());
    } else {
      inner = unary("Erf", binary("Mul", x, scalar(0.70710678118654752440f), temp()), temp());
    }
    const BufferId onePlus = binary("Add", scalar(1.0f), inner, temp());
    binary("Mul", binary("Mul", scalar(0.5f), x, temp()), onePlus, resultBuffer(n.outputs[0]));
  }

  // Integer Clip: max with the lower bound, then min with the upper (numpy.clip), as binary ops.
  void lowerIntegerClip(const Node& n) {
    BufferId acc = bufferOf(n.inputs[0]);
    const TensorType type = g_.typeOf(n.outputs[0]);
    std::vector<std::pair<const char*, const Tensor*>> bounds;
    for (const char* b : {"min", "max"})
      if (n.attrs.has(b)) bounds.push_back({b, n.attrs.getTensor(b)});
    if (bounds.empty()) {
      emit(n, "copy", {acc}, {resultBuffer(n.outputs[0])});
      return;
    }
    for (size_t k = 0; k < bounds.size(); ++k) {
      const bool last = k + 1 == bounds.size();
      BufferId bound = addWeight(n.outputs[0] + "#" + bounds[k].first, bounds[k].second->reshaped({}));
      BufferId dst = last ? resultBuffer(n.outputs[0]) : f_.addBuffer(n.outputs[0] + "#lo", BufferKind::Activation, type);
      Instr& in = emit(n, "binary", {acc, bound}, {dst});
      in.params.set("op", std::string(std::string(bounds[k].first) == "min" ? "Max" : "Min"));
      acc = dst;
    }
  }

  void lowerUnary(const Node& n) {
    Instr& in = emit(n, "unary", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    in.params.set("op", n.op);
    const Attributes& a = n.attrs;
    if (n.op == "LeakyRelu") in.params.set("alpha", a.getFloat("alpha", 0.01f));
    if (n.op == "Elu") in.params.set("alpha", a.getFloat("alpha", 1.0f));
    if (n.op == "Selu") {
      in.params.set("alpha", a.getFloat("alpha", 1.67326319217681884765625f));
      in.params.set("gamma", a.getFloat("gamma", 1.05070102214813232421875f));
    }
    if (n.op == "HardSigmoid") {
      in.params.set("alpha", a.getFloat("alpha", 0.2f));
      in.params.set("beta", a.getFloat("beta", 0.5f));
    }
    if (n.op == "Clip") {
      auto bound = [&](const char* name, float def) {
        auto it = a.all().find(name);
        if (it == a.all().end()) return def;
        if (const Tensor* t = std::get_if<Tensor>(&it->second)) return static_cast<float>(t->getDouble(0));
        if (const float* f = std::get_if<float>(&it->second)) return *f;
        return static_cast<float>(std::get<int64_t>(it->second));
      };
      in.params.set("min", bound("min", -std::numeric_limits<float>::infinity()));
      in.params.set("max", bound("max", std::numeric_limits<float>::infinity()));
    }
  }

  // Inference BatchNormalization: y = x * scale[c] + shift[c], precomputed here in double
  // exactly as the reference kernel does.
  void lowerBatchNorm(const Node& n) {
    const Tensor* gamma = g_.constant(n.inputs[1]);
    const Tensor* beta = g_.constant(n.inputs[2]);
    const Tensor* mean = g_.constant(n.inputs[3]);
    const Tensor* var = g_.constant(n.inputs[4]);
    const double eps = n.attrs.getFloat("epsilon", 1e-5f);
    if (!gamma || !beta || !mean || !var) {  // parameters computed at run time
      std::vector<BufferId> ins;
      for (size_t k = 0; k < 5; ++k) ins.push_back(bufferOf(n.inputs[k]));
      Instr& in = emit(n, "batchnorm", ins, {resultBuffer(n.outputs[0])});
      in.params.set("epsilon", n.attrs.getFloat("epsilon", 1e-5f));
      return;
    }
    const int64_t c = gamma->numElements();
    std::vector<float> mul(static_cast<size_t>(c)), add(static_cast<size_t>(c));
    for (int64_t i = 0; i < c; ++i) {
      double m = gamma->getDouble(i) / std::sqrt(var->getDouble(i) + eps);
      mul[i] = static_cast<float>(m);
      add[i] = static_cast<float>(beta->getDouble(i) - mean->getDouble(i) * m);
    }
    BufferId s = addWeight(n.outputs[0] + "#scale", Tensor::fromVector<float>(ElemType::F32, {c}, mul));
    BufferId b = addWeight(n.outputs[0] + "#shift", Tensor::fromVector<float>(ElemType::F32, {c}, add));
    emit(n, "channel_affine", {bufferOf(n.inputs[0]), s, b}, {resultBuffer(n.outputs[0])});
  }

  void lowerReduce(const Node& n) {
    const int64_t rank = g_.typeOf(n.inputs[0]).rank();
    Ints axes;
    if (n.op == "GlobalMaxPool") {
      for (int64_t d = 2; d < rank; ++d) axes.push_back(d);
    } else {
      axes = n.attrs.getInts("axes", {});
      if (axes.empty() && n.attrs.getInt("noop_with_empty_axes", 0) != 0) {
        emit(n, "copy", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
        return;
      }
      if (axes.empty())
        for (int64_t d = 0; d < rank; ++d) axes.push_back(d);
      axes = ops::normalizeAxes(axes, rank, n);
    }
    Instr& in = emit(n, "reduce", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    auto kind = kReduceKinds.find(n.op);
    if (kind == kReduceKinds.end()) failInternal("lowering: no reduce kind for " + n.describe());
    in.params.set("op", kind->second);
    in.params.set("axes", axes);
  }

  // Pad: per-axis source tables from the ONNX modes (constant entries are -1 and take `value`).
  void lowerPad(const Node& n) {
    const TensorType& xt = g_.typeOf(n.inputs[0]);
    const Shape& out = g_.typeOf(n.outputs[0]).shape;
    const std::string mode = n.attrs.getString("mode", "constant");
    std::vector<int64_t> strides = ops::stridesOf(xt.shape);
    Ints tables;
    // Pad begins per axis: recovered from the pads attribute over `axes`.
    Ints pads = n.attrs.getInts("pads");
    Ints axes = n.attrs.getInts("axes");
    const int64_t rank = xt.rank();
    if (axes.empty())
      for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
    axes = ops::normalizeAxes(axes, rank, n);
    std::vector<int64_t> begin(static_cast<size_t>(rank), 0);
    for (size_t i = 0; i < axes.size() && i < pads.size(); ++i) begin[axes[i]] = pads[i];
    for (int64_t d = 0; d < rank; ++d) {
      const int64_t len = xt.shape[d];
      for (int64_t o = 0; o < out[d]; ++o) {
        int64_t i = o - begin[d], src = -1;
        if (i >= 0 && i < len) src = i;
        else if (mode == "edge") src = i < 0 ? 0 : len - 1;
        else if (mode == "reflect") {
          if (len == 1) src = 0;
          else {
            const int64_t period = 2 * (len - 1);
            int64_t k = ((i % period) + period) % period;
            src = k < len ? k : period - k;
          }
        }
        tables.push_back(src < 0 ? -1 : src * strides[d]);
      }
    }
    Instr& in = emit(n, "index_copy", {bufferOf(n.inputs[0])}, {resultBuffer(n.outputs[0])});
    in.params.set("tables", tables);
    in.params.set("base", int64_t{0});
    // The fill value, converted to the element type by the reference semantics: a one-element tensor.
    Tensor fill(TensorType(xt.elem, {}));
    auto it = n.attrs.all().find("constant_value");
    if (it == n.attrs.all().end()) it = n.attrs.all().find("value");
    if (it != n.attrs.all().end()) {
      if (const Tensor* t = std::get_if<Tensor>(&it->second)) {
        if (t->numElements() >= 1) fill = convertTensor(t->reshaped(Shape{t->numElements()}), xt.elem).reshaped({});
      } else if (const float* fv = std::get_if<float>(&it->second)) {
        fill = convertTensor(Tensor::scalarF32(*fv), xt.elem);
      }
    }
    in.params.set("fill", fill);
  }

  // Data movement through an index map computed by the op's reference kernel.
  void lowerMove(const Node& n) {
    const OpDef* def = OpTable::instance().find(n.op);
    const TensorType& xt = g_.typeOf(n.inputs[0]);
    const int64_t count = xt.numElements();
    Tensor index(TensorType(ElemType::I64, xt.shape));
    for (int64_t i = 0; i < count; ++i) index.mutableData<int64_t>()[i] = i;
    std::vector<const Tensor*> ins = {&index};
    for (size_t k = 1; k < n.inputs.size(); ++k) ins.push_back(n.inputs[k].empty() ? nullptr : g_.constant(n.inputs[k]));
    std::vector<TensorType> outTypes;
    for (const std::string& o : n.outputs) {
      TensorType t = g_.typeOf(o);
      t.elem = ElemType::I64;
      t.quant.reset();
      outTypes.push_back(t);
    }
    std::vector<Tensor> maps = runKernel(*def, n, ins, outTypes);
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      if (n.outputs[k].empty()) continue;
      emitIndexMap(n, bufferOf(n.inputs[0]), resultBuffer(n.outputs[k]), maps[k]);
    }
  }

  // Factors map[i] = base + sum_d table_d[i_d]; verified element by element, else a full map.
  void emitIndexMap(const Node& n, BufferId src, BufferId dst, const Tensor& map) {
    const Shape& shape = map.shape();
    const int64_t total = map.numElements();
    const int64_t* m = map.data<int64_t>();
    std::vector<int64_t> strides = ops::stridesOf(shape);
    Ints tables;
    const int64_t base = total ? m[0] : 0;
    for (size_t d = 0; d < shape.size(); ++d)
      for (int64_t i = 0; i < shape[d]; ++i) tables.push_back(m[i * strides[d]] - base);
    bool separable = true;
    if (total) {
      std::vector<int64_t> idx(shape.size(), 0), start(shape.size(), 0);
      for (size_t d = 1; d < shape.size(); ++d) start[d] = start[d - 1] + shape[d - 1];
      for (int64_t i = 0; i < total && separable; ++i) {
        int64_t v = base;
        for (size_t d = 0; d < shape.size(); ++d) v += tables[start[d] + idx[d]];
        separable = v == m[i];
        for (size_t d = shape.size(); d-- > 0;) {
          if (++idx[d] < shape[d]) break;
          idx[d] = 0;
        }
      }
    }
    if (separable) {
      Instr& in = emit(n, "index_copy", {src}, {dst});
      in.params.set("tables", tables);
      in.params.set("base", base);
      return;
    }
    Tensor map32(TensorType(ElemType::I64, {total}));
    std::memcpy(map32.rawMutable(), m, map.byteSize());
    BufferId w = addWeight(f_.buffer(dst).name + "#map", map32);
    emit(n, "index_map", {src, w}, {dst});
  }
};

}  // namespace

lir::Function lowerToLir(const Graph& graph) {
  std::vector<UnsupportedNode> bad = unsupportedForLowering(graph);
  if (!bad.empty()) {
    std::string msg = std::to_string(bad.size()) + " node(s) cannot be lowered:";
    for (const UnsupportedNode& u : bad) msg += "\n  " + u.node + ": " + u.reason;
    failUnsupported(msg);
  }
  return Lowering(graph).run();
}

}  // namespace nest
