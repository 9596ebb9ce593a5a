// The op table: every op is declared once, here-through core/ops/*.cpp, with its operands,
// attributes, ONNX parameter inputs, type/shape inference (which is also its verifier) and
// reference kernel. Importer, verifier, interpreter, passes and backends all read this table.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

enum class AttrKind { Int, Float, String, Ints, Floats, Strings, Tensor, Graph };

struct AttrSpec {
  std::string name;
  AttrKind kind;
  // Not an ONNX attribute: a pass adds it (the fused `activation` / `activation_params`, Conv's
  // `output_scale`, the quantization `out_type` / `out_scale` / `out_zero_point`). It changes what
  // the op computes, so a backend must declare that it implements it or refuse the node
  // (backends/cpu/cpu_support_table.h): ignoring it would give wrong results silently.
  bool passAdded = false;
};

// How an op computes, for passes and lowering that treat ops by their kind instead of by name.
enum class OpKind {
  Other,
  UnaryElementwise,  // one operand, one result of its shape; element i of the result depends only on
                     // element i of the operand, and no attribute refers to an axis (Relu, Exp, Cast)
  Elementwise,       // several operands broadcast by position (numpy rules); element i of the result
                     // depends only on the operands' elements at i (Add, Pow, Equal, Where, PRelu)
  DataMovement,      // copies elements without arithmetic (Transpose, Slice, Concat, Gather, Reshape)
  Reduction,         // combines the elements along axes (Reduce*, ArgMax, global pools)
};
const char* opKindName(OpKind kind);

// An ONNX operand that the importer turns into attribute `attr` when its value is known: operands
// that select the computation (Reshape's shape, Slice's starts, ...), so every shape in the IR is
// static, and small data operands (Clip's min, ...).
struct ParamInput {
  int index;         // operand position in the ONNX node
  std::string attr;  // attribute it becomes
  AttrKind kind;     // Ints, Int, Float, Floats or Tensor
  // Carries data only (fixes no shape): it may be computed at run time, and the importer then
  // imports the node in an operand form (core/onnx_import_forms.cpp, e.g. Clip as Max / Min).
  bool dataOnly = false;
};

// Context handed to an op's inference: operand types in, result types out.
class InferContext {
 public:
  InferContext(const Node& node, std::vector<const TensorType*> inputs)
      : node_(node), inputs_(std::move(inputs)) {}
  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  size_t numInputs() const { return inputs_.size(); }
  bool hasInput(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  const TensorType& input(size_t i) const;
  size_t numOutputs() const { return node_.outputs.size(); }
  void setOutput(size_t i, TensorType t);
  std::vector<TensorType>& outputs() { return outputs_; }
  // Throws a BadInput error naming the node.
  [[noreturn]] void fail(const std::string& reason) const;
  [[noreturn]] void unsupported(const std::string& reason) const;
  void check(bool cond, const std::string& reason) const { if (!cond) fail(reason); }

 private:
  const Node& node_;
  std::vector<const TensorType*> inputs_;
  std::vector<TensorType> outputs_;
};

// Context handed to a reference kernel. Results are allocated from their inferred types on
// first use of output(); a kernel may instead hand over a tensor with setOutput (zero copy).
class KernelContext {
 public:
  KernelContext(const Node& node, std::vector<const Tensor*> inputs, std::vector<TensorType> outputTypes)
      : node_(node), inputs_(std::move(inputs)), types_(std::move(outputTypes)), outputs_(types_.size()) {}
  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  size_t numInputs() const { return inputs_.size(); }
  bool hasInput(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  const Tensor& input(size_t i) const;
  size_t numOutputs() const { return types_.size(); }
  const TensorType& outputType(size_t i) const { return types_.at(i); }
  Tensor& output(size_t i);
  void setOutput(size_t i, Tensor t);
  std::vector<Tensor> takeOutputs();
  [[noreturn]] void fail(const std::string& reason) const;

 private:
  const Node& node_;
  std::vector<const Tensor*> inputs_;
  std::vector<TensorType> types_;
  std::vector<Tensor> outputs_;
};

using InferFn = void (*)(InferContext&);
using KernelFn = void (*)(KernelContext&);
// Multiply-accumulate estimate of one execution (0 when not meaningful).
using MacFn = int64_t (*)(const Node&, const std::vector<const TensorType*>& inputs,
                          const std::vector<const TensorType*>& outputs);

struct OpDef {
  std::string name;
  std::string category;  // conv, linear, activation, pool, norm, elementwise, reduce, tensor, shape, quant, control
  int minInputs = 1;
  int maxInputs = 1;      // -1: variadic
  int minOutputs = 1;
  int maxOutputs = 1;     // -1: variadic
  std::vector<AttrSpec> attrs;
  std::vector<ParamInput> params;
  InferFn infer = nullptr;
  KernelFn kernel = nullptr;
  MacFn macs = nullptr;
  // Integer variant (core/ops/quantized_ops.cpp, docs/quantization.md): used instead of infer /
  // kernel when an operand carries quantization parameters. A null quantKernel with a quantInfer
  // means the plain kernel already works on the integers (data movement: Reshape, MaxPool, ...).
  InferFn quantInfer = nullptr;
  KernelFn quantKernel = nullptr;

  // Traits (docs/ARCHITECTURE.md, "The op table"), set where the op is declared. Passes and
  // lowering select ops by them rather than by lists of names, so a newly declared op with the
  // right traits is handled without touching them.
  OpKind kind = OpKind::Other;
  // Result 0 is operand 0's bytes unchanged; only the shape may differ (Reshape, Identity, ...).
  bool view = false;
  // Its meaning depends on the NCHW axis layout (Conv, pools, BatchNormalization, Resize, LRN,
  // DepthToSpace, ...): a layout change must rewrite it, not move it.
  bool layoutSensitive = false;
  // The activations that may fuse into it as its `activation` attribute (fuse-activations).
  std::vector<std::string> fusableActivations = {};

  bool fuses(const std::string& activation) const;
  // Control flow decided at run time (If, Loop): an attribute holds a subgraph the interpreter
  // runs; compiled backends refuse such nodes (core/ops/control_flow_ops.cpp).
  bool hasSubgraphs() const;
  const AttrSpec* findAttr(const std::string& name) const;  // nullptr when not declared
};

class OpTable {
 public:
  static const OpTable& instance();
  const OpDef* find(const std::string& op) const;
  const std::vector<OpDef>& all() const { return ops_; }
  void add(OpDef def);
  // Registration only: the op already added under `op` (throws Internal when there is none).
  OpDef& mutableDef(const std::string& op);

 private:
  std::vector<OpDef> ops_;
};

// Runs the op's inference on a node whose operand types are known, returning result types.
std::vector<TensorType> inferNodeTypes(const OpDef& def, const Node& node,
                                       const std::vector<const TensorType*>& inputTypes);
// Runs the op's reference kernel.
std::vector<Tensor> runKernel(const OpDef& def, const Node& node, const std::vector<const Tensor*>& inputs,
                              const std::vector<TensorType>& outputTypes);

}  // namespace nest
