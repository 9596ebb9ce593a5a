#include "core/op_table.h"

#include <algorithm>

#include "core/error.h"
#include "core/ops/register_ops.h"

namespace nest {

const TensorType& InferContext::input(size_t i) const {
  if (!hasInput(i)) fail("operand " + std::to_string(i) + " is missing");
  return *inputs_[i];
}

void InferContext::setOutput(size_t i, TensorType t) {
  if (outputs_.size() <= i) outputs_.resize(i + 1);
  outputs_[i] = std::move(t);
}

void InferContext::fail(const std::string& reason) const { failBadInput(node_.describe() + ": " + reason); }
void InferContext::unsupported(const std::string& reason) const {
  failUnsupported(node_.describe() + ": " + reason);
}

const Tensor& KernelContext::input(size_t i) const {
  if (!hasInput(i)) fail("operand " + std::to_string(i) + " is missing");
  return *inputs_[i];
}

Tensor& KernelContext::output(size_t i) {
  if (!outputs_.at(i).valid()) outputs_[i] = Tensor(types_.at(i));
  return outputs_[i];
}

void KernelContext::setOutput(size_t i, Tensor t) {
  if (t.shape() != types_.at(i).shape || t.elem() != types_.at(i).elem)
    failInternal(node_.describe() + ": kernel result " + std::to_string(i) + " is " + typeToString(t.type()) +
                 ", inferred " + typeToString(types_[i]));
  t.setQuant(types_[i].quant);
  outputs_.at(i) = std::move(t);
}

std::vector<Tensor> KernelContext::takeOutputs() {
  for (size_t i = 0; i < outputs_.size(); ++i) output(i);  // results the kernel left untouched are zeros
  return std::move(outputs_);
}

void KernelContext::fail(const std::string& reason) const { failBadInput(node_.describe() + ": " + reason); }

const char* opKindName(OpKind kind) {
  switch (kind) {
    case OpKind::Other: return "other";
    case OpKind::UnaryElementwise: return "unary elementwise";
    case OpKind::Elementwise: return "elementwise";
    case OpKind::DataMovement: return "data movement";
    case OpKind::Reduction: return "reduction";
  }
  return "?";
}

bool OpDef::fuses(const std::string& activation) const {
  return std::find(fusableActivations.begin(), fusableActivations.end(), activation) != fusableActivations.end();
}

bool OpDef::hasSubgraphs() const {
  return std::any_of(attrs.begin(), attrs.end(), [](const AttrSpec& a) { return a.kind == AttrKind::Graph; });
}

const AttrSpec* OpDef::findAttr(const std::string& attr) const {
  for (const AttrSpec& a : attrs)
    if (a.name == attr) return &a;
  return nullptr;
}

const OpTable& OpTable::instance() {
  static const OpTable table = [] {
    OpTable t;
    registerAllOps(t);
    std::sort(t.ops_.begin(), t.ops_.end(), [](const OpDef& a, const OpDef& b) { return a.name < b.name; });
    return t;
  }();
  return table;
}

const OpDef* OpTable::find(const std::string& op) const {
  auto it = std::lower_bound(ops_.begin(), ops_.end(), op, [](const OpDef& d, const std::string& n) { return d.name < n; });
  return it != ops_.end() && it->name == op ? &*it : nullptr;
}

void OpTable::add(OpDef def) { ops_.push_back(std::move(def)); }

OpDef& OpTable::mutableDef(const std::string& op) {
  for (OpDef& d : ops_)
    if (d.name == op) return d;
  failInternal("op table: no op '" + op + "' to extend");
}

namespace {

bool anyQuantized(const std::vector<const TensorType*>& types) {
  for (const TensorType* t : types)
    if (t && t->quant) return true;
  return false;
}

bool anyQuantized(const std::vector<const Tensor*>& tensors) {
  for (const Tensor* t : tensors)
    if (t && t->type().quant) return true;
  return false;
}

}  // namespace

std::vector<TensorType> inferNodeTypes(const OpDef& def, const Node& node,
                                       const std::vector<const TensorType*>& inputTypes) {
  InferContext ctx(node, inputTypes);
  if (def.quantInfer && anyQuantized(inputTypes)) def.quantInfer(ctx);
  else def.infer(ctx);
  auto& outs = ctx.outputs();
  if (outs.size() < node.outputs.size()) outs.resize(node.outputs.size());
  return std::move(outs);
}

std::vector<Tensor> runKernel(const OpDef& def, const Node& node, const std::vector<const Tensor*>& inputs,
                              const std::vector<TensorType>& outputTypes) {
  if (!def.kernel) failUnsupported(node.describe() + ": no reference kernel");
  KernelContext ctx(node, inputs, outputTypes);
  if (def.quantKernel && anyQuantized(inputs)) def.quantKernel(ctx);
  else def.kernel(ctx);
  return ctx.takeOutputs();
}

}  // namespace nest
