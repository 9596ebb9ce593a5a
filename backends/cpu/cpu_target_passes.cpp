// The CPU target's LIR passes: fuse-residual, pack-weights and scratch (see cpu_backend.h). They call the C
// runtime (compiled into nest_backends) so that packing at compile time uses the very code the
// bundle is built from.
#include <algorithm>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/kernel_descs.h"
#include "backends/cpu/quant_kernels.h"
#include "core/error.h"

namespace nest::cpu {

using lir::Buffer;
using lir::BufferId;
using lir::BufferKind;
using lir::Function;
using lir::Instr;

namespace {

// The weight tensor behind an operand (through views), or nullptr when it is not a weight.
const Tensor* weightData(const Function& f, BufferId id) {
  if (id < 0) return nullptr;
  const Buffer& root = f.buffer(f.root(id));
  return root.kind == BufferKind::Weight && root.data.valid() ? &root.data : nullptr;
}

// A new weight buffer of `floats` floats for the packed form of `original`; pack into its data.
BufferId addPacked(Function& f, BufferId original, size_t floats) {
  const std::string name = f.buffer(original).name + "#packed";
  TensorType type(ElemType::F32, {static_cast<int64_t>(floats)});
  BufferId b = f.addBuffer(name, BufferKind::Weight, type);
  f.buffer(b).data = Tensor(type);
  return b;
}

// Whether instruction `in` reads a buffer whose storage is `root`.
bool readsRoot(const Function& f, const Instr& in, BufferId root) {
  for (BufferId b : in.inputs)
    if (b >= 0 && f.root(b) == root) return true;
  return false;
}

bool writesRoot(const Function& f, const Instr& in, BufferId root) {
  for (BufferId b : in.outputs)
    if (b >= 0 && f.root(b) == root) return true;
  return false;
}

// fuse-residual: a float Add computed in place into a conv2d's result (a ResNet block's shortcut:
// y = conv(x); y = act(y + r)) becomes one conv2d with the residual r as a fourth operand and the
// Add's activation, which the runtime applies after the sum (nest_conv2d_f32_residual) while each
// block of outputs is still in cache. Only when the Add is the conv result's first reader, r is
// written before the conv and the conv has no activation of its own.
bool fuseResidualPass(Function& f) {
  bool changed = false;
  for (size_t ci = 0; ci < f.instrs.size(); ++ci) {
    Instr& conv = f.instrs[ci];
    if (conv.kernel != "conv2d" || conv.params.getInt("residual", 0) || activationOf(conv).kind != NEST_ACT_NONE)
      continue;
    const BufferId y = conv.outputs[0], yroot = f.root(y);
    if (f.buffer(y).type.elem != ElemType::F32) continue;
    size_t ai = ci + 1;
    while (ai < f.instrs.size() && !readsRoot(f, f.instrs[ai], yroot)) ++ai;
    if (ai == f.instrs.size()) continue;
    const Instr& add = f.instrs[ai];
    if (add.kernel != "binary" || add.params.getString("op", "") != "Add" || add.inputs.size() != 2 ||
        (add.inputs[0] == y) == (add.inputs[1] == y))
      continue;
    const BufferId r = add.inputs[0] == y ? add.inputs[1] : add.inputs[0], rroot = f.root(r);
    const BufferId sum = add.outputs[0];
    if (!(f.buffer(r).type == f.buffer(y).type) || rroot == yroot || f.buffer(sum).aliasOffset != 0) continue;
    bool rReady = true;  // nothing from the conv to the Add writes r
    for (size_t k = ci; k < ai && rReady; ++k) rReady = !writesRoot(f, f.instrs[k], rroot);
    if (!rReady) continue;
    if (f.root(sum) == rroot && f.buffer(sum).aliasOf == r) {
      // In place into r (MobileNetV2's blocks): when the Add is the conv result's only reader, the
      // sum may as well live in the conv result, and r is left alone.
      bool onlyReader = std::find(f.outputs.begin(), f.outputs.end(), y) == f.outputs.end();
      for (size_t k = ai + 1; k < f.instrs.size() && onlyReader; ++k) onlyReader = !readsRoot(f, f.instrs[k], yroot);
      if (!onlyReader) continue;
      f.buffer(sum).aliasOf = y;
    }
    if (f.root(sum) != yroot) continue;
    if (conv.inputs.size() < 3) conv.inputs.resize(3, -1);  // no bias
    conv.inputs.push_back(r);
    conv.params.set("residual", int64_t{1});
    if (add.params.has("activation")) conv.params.set("activation", add.params.getString("activation", ""));
    if (add.params.has("activation_params")) conv.params.set("activation_params", add.params.getFloats("activation_params"));
    f.instrs.erase(f.instrs.begin() + static_cast<std::ptrdiff_t>(ai));
    changed = true;
  }
  return changed;
}

bool packWeightsPass(Function& f) {
  bool changed = false;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    Instr& in = f.instrs[i];
    if (in.params.getInt("packed", 0)) continue;
    const Tensor* wp = in.inputs.size() > 1 ? weightData(f, in.inputs[1]) : nullptr;
    if (!wp) continue;
    const Tensor weight = *wp;  // shares the bytes; `wp` dies when a buffer is added
    const Tensor* w = &weight;
    if (in.kernel == "conv2d") {
      nest_conv2d_desc d = convDesc(f, in);
      if (const char* bad = nest_conv2d_check(&d)) failInternal("conv2d instruction " + std::to_string(i) + ": " + bad);
      BufferId p = addPacked(f, in.inputs[1], nest_conv2d_f32_packed_size(&d));
      Floats scale = in.params.getFloats("output_scale");
      nest_conv2d_f32_pack(&d, w->data<float>(), scale.empty() ? nullptr : scale.data(), f.buffer(p).data.mutableData<float>());
      in.inputs[1] = p;
      in.params.erase("output_scale");
    } else if (in.kernel == "gemm" || (in.kernel == "matmul" && matmulFlattens(f, in))) {
      nest_gemm_desc d = gemmDesc(f, in);
      BufferId p = addPacked(f, in.inputs[1], nest_gemm_f32_packed_b_size(&d));
      nest_gemm_f32_pack_b(&d, w->data<float>(), f.buffer(p).data.mutableData<float>());
      in.params.set("b_shape", f.buffer(in.inputs[1]).type.shape);
      in.inputs[1] = p;
    } else {
      continue;
    }
    in.params.set("packed", int64_t{1});
    changed = true;
  }
  return changed;
}

size_t scratchBytes(const Function& f, const Instr& in) {
  const bool packed = in.params.getInt("packed", 0) != 0;
  if (in.kernel == "conv2d") {
    nest_conv2d_desc d = convDesc(f, in);
    if (const char* bad = nest_conv2d_check(&d)) failInternal(std::string("conv2d: ") + bad);
    size_t bytes = nest_conv2d_f32_scratch_size(&d);
    if (!packed) bytes += lir::alignUp(nest_conv2d_f32_packed_size(&d) * sizeof(float));  // packed at run time
    return bytes;
  }
  if (in.kernel == "gemm" || in.kernel == "matmul") {
    nest_gemm_desc d = gemmDesc(f, in);
    return packed ? nest_gemm_f32_packed_scratch_size(&d) : nest_gemm_f32_scratch_size(&d);
  }
  if (in.kernel == "attention") {
    nest_attention_desc d = attentionDesc(f, in);
    return nest_attention_f32_scratch_size(&d);
  }
  if (in.kernel == "softmax" && !in.params.getInt("log", 0)) {  // the row's exponentials, kept once
    const Shape& s = f.buffer(in.inputs.at(0)).type.shape;
    return static_cast<size_t>(s.at(static_cast<size_t>(in.params.getInt("axis")))) * sizeof(double);
  }
  if (in.kernel == "rnn") {
    nest_rnn_desc d = rnnDesc(f, in);
    return nest_rnn_f32_scratch_size(&d);
  }
  if (in.kernel == "maxpool2d" || in.kernel == "avgpool2d") {
    nest_pool2d_desc d = poolDesc(f, in);
    return nest_pool2d_f32_scratch_size(&d);
  }
  return 0;
}

bool scratchPass(Function& f) {
  bool changed = false;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    if (f.instrs[i].scratch >= 0) continue;
    const size_t bytes = scratchBytes(f, f.instrs[i]);
    if (bytes == 0) continue;
    BufferId s = f.addBuffer("scratch" + std::to_string(i), BufferKind::Scratch,
                             TensorType(ElemType::U8, {static_cast<int64_t>(bytes)}));
    f.instrs[i].scratch = s;
    changed = true;
  }
  return changed;
}

}  // namespace

std::vector<lir::LirPass> targetPasses() {
  // The int8 kernels' packing and scratch run inside the same passes (quant_kernels.h).
  auto both = [](bool (*a)(Function&), bool (*b)(Function&)) {
    return [a, b](Function& f) {
      const bool changed = a(f);
      return b(f) || changed;
    };
  };
  return {{"fuse-residual", fuseResidualPass},
          {"pack-weights", both(packWeightsPass, packQuantWeights)},
          {"scratch", both(scratchPass, sizeQuantScratch)}};
}

}  // namespace nest::cpu
