// ONNX forms that import as more than one IR node or as another op (internal to the importer):
// old opset semantics (Softmax before 13, Resize-10, BatchNormalization-7 spatial=0) and data
// operands computed at run time (Clip's bounds). The IR keeps opset-17 semantics throughout.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// What a form expansion may do while importing one ONNX node.
class ImportEmitter {
 public:
  virtual ~ImportEmitter() = default;
  // Adds one IR node made from the ONNX node being imported (it carries that node's name and
  // key); result types are inferred and recorded and known values propagated.
  virtual void emit(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
                    Attributes attrs = {}) = 0;
  // A constant value added to the graph (and known to later nodes).
  virtual void addConstant(const std::string& value, const Tensor& t) = 0;
  virtual const TensorType& typeOf(const std::string& value) const = 0;
  virtual std::string freshValue(const std::string& base) const = 0;
  // The value of `value` when known at import time, else null.
  virtual const Tensor* known(const std::string& value) = 0;
  virtual int64_t opset() const = 0;
  // "node 'NAME' (OP)" for messages.
  virtual const std::string& where() const = 0;
};

// The node as imported: op, data operands, results, attributes (parameter operands already turned
// into attributes) and the data-only parameter operands computed at run time (ParamInput::dataOnly,
// by attribute name -> value).
struct ImportedNode {
  std::string op;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attrs;
  std::map<std::string, std::string> runtimeParams;
};

// Rewrites attributes whose defaults changed between the node's opset and 17 (Resize-10).
void applyOpsetDefaults(ImportedNode& node, int64_t opset, const std::string& where);

// Emits `node` as several IR nodes when its form needs it and returns true; false when the node
// imports as one node of its own op. Throws Unsupported naming the node for a run-time data operand
// that no form handles.
bool expandImportForm(ImportEmitter& em, const ImportedNode& node);

// The com.microsoft (onnxruntime contrib) ops the importer takes: the GELU family, imported as
// the Gelu op (ONNX opset 20 semantics). Gelu: erf form; FastGelu(X, bias?): tanh form of X + bias;
// BiasGelu(X, bias): erf form of X + bias.
bool isMicrosoftOpSupported(const std::string& opType);
// Emits a com.microsoft node (inputs and outputs as in the model, absent trailing ones dropped).
void importMicrosoftOp(ImportEmitter& em, const std::string& opType, const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs);

}  // namespace nest
