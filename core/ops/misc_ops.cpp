// Identity, Dropout (inference only) and Cast.
#include <cstdint>
#include <optional>
#include <string>

#include "core/ops/op_helpers.h"
#include "core/ops/register_ops.h"

namespace nest {
namespace {

// ---------------------------------------------------------------------------------------------
// Identity

void inferIdentity(InferContext& ctx) { ctx.setOutput(0, ctx.input(0)); }

void kernelIdentity(KernelContext& ctx) { ctx.setOutput(0, ctx.input(0)); }

// ---------------------------------------------------------------------------------------------
// Dropout: output = input; the optional mask is all true.

void inferDropout(InferContext& ctx) {
  const TensorType& x = ctx.input(0);
  if (!isFloat(x.elem))
    ctx.fail("element type " + std::string(elemTypeName(x.elem)) + " is not accepted by Dropout");
  const float ratio = ctx.attrs().getFloat("ratio", 0.5f);
  const bool training = ctx.attrs().getInt("training_mode", 0) != 0;
  if (training && !(ratio >= 0.0f && ratio < 1.0f))
    ctx.fail("ratio " + std::to_string(ratio) + " must be in [0, 1)");
  if (training && ratio > 0.0f) ctx.unsupported("training-mode dropout is random; only inference is supported");
  ctx.setOutput(0, x);
  if (ctx.numOutputs() > 1) ctx.setOutput(1, TensorType(ElemType::Bool, x.shape));
}

void kernelDropout(KernelContext& ctx) {
  ctx.setOutput(0, ctx.input(0));
  if (ctx.numOutputs() > 1) {
    Tensor& mask = ctx.output(1);
    uint8_t* m = mask.mutableData<uint8_t>();
    const int64_t n = mask.numElements();
    for (int64_t i = 0; i < n; ++i) m[i] = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// Cast: attribute "to" is an ONNX TensorProto data type number.

std::optional<ElemType> onnxDataType(int64_t to, std::string& name) {
  switch (to) {
    case 1: return ElemType::F32;
    case 2: return ElemType::U8;
    case 3: return ElemType::I8;
    case 4: return ElemType::U16;
    case 5: return ElemType::I16;
    case 6: return ElemType::I32;
    case 7: return ElemType::I64;
    case 9: return ElemType::Bool;
    case 10: return ElemType::F16;
    case 11: return ElemType::F64;
    case 12: return ElemType::U32;
    case 13: return ElemType::U64;
    case 8: name = "string"; break;
    case 14: name = "complex64"; break;
    case 15: name = "complex128"; break;
    case 16: name = "bfloat16"; break;
    case 17: name = "float8e4m3fn"; break;
    case 18: name = "float8e4m3fnuz"; break;
    case 19: name = "float8e5m2"; break;
    case 20: name = "float8e5m2fnuz"; break;
    case 21: name = "uint4"; break;
    case 22: name = "int4"; break;
    default: break;
  }
  return std::nullopt;
}

void inferCast(InferContext& ctx) {
  if (!ctx.attrs().has("to")) ctx.fail("attribute 'to' is missing");
  const int64_t to = ctx.attrs().getInt("to");
  std::string name;
  const std::optional<ElemType> elem = onnxDataType(to, name);
  if (!elem) {
    if (!name.empty()) ctx.unsupported("cast to " + name + " (ONNX data type " + std::to_string(to) + ") is not supported");
    ctx.fail("attribute 'to' = " + std::to_string(to) + " is not an ONNX data type");
  }
  ctx.setOutput(0, TensorType(*elem, ctx.input(0).shape));
}

void kernelCast(KernelContext& ctx) {
  const Tensor& in = ctx.input(0);
  const ElemType to = ctx.outputType(0).elem;
  if (in.elem() == to) {
    Tensor t = in;
    t.setQuant(std::nullopt);
    ctx.setOutput(0, t);
    return;
  }
  ctx.setOutput(0, convertTensor(in, to));
}

}  // namespace

void registerMiscOps(OpTable& t) {
  {
    OpDef d;
    d.name = "Identity";
    d.category = "tensor";
    d.infer = inferIdentity;
    d.kernel = kernelIdentity;
    d.kind = OpKind::UnaryElementwise;
    d.view = true;
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "Dropout";
    d.category = "control";
    d.minOutputs = 1;
    d.maxOutputs = 2;
    d.attrs = {{"ratio", AttrKind::Float}};  // Dropout-7..10 attribute
    d.params = {{1, "ratio", AttrKind::Float, true}, {2, "training_mode", AttrKind::Int}};
    d.infer = inferDropout;
    d.kernel = kernelDropout;
    d.view = true;  // inference: result 0 is the operand (the mask is all true)
    t.add(std::move(d));
  }
  {
    OpDef d;
    d.name = "Cast";
    d.category = "tensor";
    d.attrs = {{"to", AttrKind::Int}};
    d.infer = inferCast;
    d.kernel = kernelCast;
    d.kind = OpKind::UnaryElementwise;
    t.add(std::move(d));
  }
}

}  // namespace nest
