#include "core/quant_lut.h"

#include <set>

#include "core/error.h"
#include "core/op_table.h"
#include "core/quant_math.h"

namespace nest {

bool isLutActivation(const std::string& op) {
  static const std::set<std::string> ops = {"HardSwish", "HardSigmoid", "Sigmoid", "Tanh", "Swish", "Gelu"};
  return ops.count(op) != 0;
}

bool isLutElem(ElemType e) {
  return e == ElemType::I8 || e == ElemType::U8 || e == ElemType::I16 || e == ElemType::U16;
}

std::vector<int64_t> activationLut(const Node& n, const TensorType& in, const TensorType& out) {
  for (const TensorType* t : {&in, &out})
    if (!isLutElem(t->elem) || !t->quant || t->quant->perChannel())
      failBadInput(n.describe() + ": a lookup-table activation needs i8 / u8 / i16 / u16 per-tensor operand and result, got " +
                   typeToString(*t));
  const OpDef* def = OpTable::instance().find(n.op);
  if (!def || !def->kernel || !isLutActivation(n.op)) failBadInput(n.describe() + ": no lookup table for " + n.op);
  int64_t qmin, qmax;
  quantizedRange(in.elem, qmin, qmax);
  const float sx = in.quant->scales[0], sy = out.quant->scales[0];
  const int64_t zx = in.quant->zeroPoints[0], zy = out.quant->zeroPoints[0];
  // Every dequantized input (256, or 65,536 for a 16-bit operand) through the op's float kernel,
  // as one tensor.
  std::vector<float> xs;
  for (int64_t q = qmin; q <= qmax; ++q) xs.push_back(dequantizeValue(q, sx, zx));
  const Tensor x = Tensor::fromVector(ElemType::F32, {static_cast<int64_t>(xs.size())}, xs);
  KernelContext ctx(n, {&x}, {x.type()});
  def->kernel(ctx);
  const Tensor y = ctx.takeOutputs().at(0);
  std::vector<int64_t> lut;
  for (float v : y.values<float>()) lut.push_back(quantizeValue(v, sy, zy, out.elem));
  return lut;
}

}  // namespace nest
