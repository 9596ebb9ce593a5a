// Small ONNX models built by hand for importer tests: graph and model builders, attribute
// setters, tensors, import from a temporary file, exact tensor comparison.
#pragma once
#include <onnx/onnx_pb.h>

#include <QTemporaryDir>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "backends/interpreter/interpreter.h"
#include "core/onnx_import.h"
#include "core/onnx_tensor.h"
#include "core/tensor_compare.h"
#include "tests/test_support.h"

namespace nest::testing {

namespace fs = std::filesystem;

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Checks that `msg` mentions `part` (inside test functions and helpers returning void).
#define NEST_CONTAINS(msg, part)                                                                        \
  NEST_VERIFY(contains((msg), (part)), "message does not mention '" + std::string(part) + "':\n" + (msg))

// An onnx::GraphProto built by hand: a model's graph or a subgraph attribute (If's branches).
class OnnxGraphBuilder {
 public:
  explicit OnnxGraphBuilder(onnx::GraphProto* g) : graph_(g) {}
  onnx::GraphProto& graph() { return *graph_; }

  // A graph input; a dimension of -1 is dynamic (dim_param `dynName`).
  OnnxGraphBuilder& input(const std::string& name, const Shape& dims, int elem = onnx::TensorProto::FLOAT,
                          const std::string& dynName = "N") {
    auto* vi = graph().add_input();
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0) dim->set_dim_param(dynName);
      else dim->set_dim_value(d);
    }
    return *this;
  }
  OnnxGraphBuilder& output(const std::string& name) {
    graph().add_output()->set_name(name);
    return *this;
  }
  onnx::NodeProto& node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& domain = "") {
    auto* n = graph().add_node();
    n->set_op_type(op);
    n->set_name(name);
    n->set_domain(domain);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }
  OnnxGraphBuilder& initializer(const std::string& name, const Tensor& t) {
    tensorToProto(t, name, *graph().add_initializer());
    return *this;
  }
  // A Constant node with a `value` tensor attribute.
  OnnxGraphBuilder& constant(const std::string& name, const Tensor& t) {
    auto& n = node("Constant", name + "_node", {}, {name});
    auto* a = n.add_attribute();
    a->set_name("value");
    a->set_type(onnx::AttributeProto::TENSOR);
    tensorToProto(t, name, *a->mutable_t());
    return *this;
  }

 private:
  onnx::GraphProto* graph_;
};

// An onnx::ModelProto built by hand (the model is a base so that it exists before the graph builder).
struct ModelHolder {
  onnx::ModelProto model_;
};
class ModelBuilder : private ModelHolder, public OnnxGraphBuilder {
 public:
  explicit ModelBuilder(int64_t opset, const std::string& opsetDomain = "") : OnnxGraphBuilder(model_.mutable_graph()) {
    model_.set_ir_version(7);
    model_.set_producer_name("test_importer");
    auto* o = model_.add_opset_import();
    o->set_domain(opsetDomain);
    o->set_version(opset);
    model_.mutable_graph()->set_name("g");
  }
  ModelBuilder(const ModelBuilder&) = delete;
  ModelBuilder& operator=(const ModelBuilder&) = delete;

  onnx::ModelProto& model() { return model_; }
  // The chaining calls of OnnxGraphBuilder, returning the model builder.
  ModelBuilder& input(const std::string& name, const Shape& dims, int elem = onnx::TensorProto::FLOAT,
                      const std::string& dynName = "N") {
    OnnxGraphBuilder::input(name, dims, elem, dynName);
    return *this;
  }
  ModelBuilder& output(const std::string& name) {
    OnnxGraphBuilder::output(name);
    return *this;
  }
  ModelBuilder& initializer(const std::string& name, const Tensor& t) {
    OnnxGraphBuilder::initializer(name, t);
    return *this;
  }
  ModelBuilder& constant(const std::string& name, const Tensor& t) {
    OnnxGraphBuilder::constant(name, t);
    return *this;
  }
};

inline onnx::AttributeProto* addAttr(onnx::NodeProto& n, const std::string& name, onnx::AttributeProto::AttributeType type) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
// A graph attribute (an If branch, a Loop or Scan body) of `n`, empty, to be filled.
inline onnx::GraphProto* addGraphAttr(onnx::NodeProto& n, const std::string& name) {
  return addAttr(n, name, onnx::AttributeProto::GRAPH)->mutable_g();
}
inline void setInt(onnx::NodeProto& n, const std::string& name, int64_t v) {
  addAttr(n, name, onnx::AttributeProto::INT)->set_i(v);
}
inline void setFloat(onnx::NodeProto& n, const std::string& name, float v) {
  addAttr(n, name, onnx::AttributeProto::FLOAT)->set_f(v);
}
inline void setString(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  addAttr(n, name, onnx::AttributeProto::STRING)->set_s(v);
}
inline void setInts(onnx::NodeProto& n, const std::string& name, const Ints& v) {
  auto* a = addAttr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void setFloats(onnx::NodeProto& n, const std::string& name, const Floats& v) {
  auto* a = addAttr(n, name, onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}

inline Tensor f32(const Shape& shape, const std::vector<float>& values) { return Tensor::fromVector<float>(ElemType::F32, shape, values); }
inline Tensor i64(const Shape& shape, const std::vector<int64_t>& values) {
  return Tensor::fromVector<int64_t>(ElemType::I64, shape, values);
}
// 0, 1, 2, ... scaled and shifted.
inline Tensor ramp(const Shape& shape, float scale = 1.0f, float shift = 0.0f) {
  std::vector<float> v(static_cast<size_t>(numElements(shape)));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * scale + shift;
  return f32(shape, v);
}

inline void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline fs::path writeModel(const onnx::ModelProto& m, const fs::path& file) {
  std::string bytes;
  if (!m.SerializeToString(&bytes)) throw std::runtime_error("cannot serialize the test model");
  writeBytes(file, bytes);
  return file;
}

// Writes the model into a fresh temporary folder and imports it.
inline ImportResult importModel(const onnx::ModelProto& m, const ImportOptions& options = {}) {
  QTemporaryDir dir;
  if (!dir.isValid()) throw std::runtime_error("no temporary folder");
  fs::path file = writeModel(m, fs::path(dir.path().toStdString()) / "model.onnx");
  return importOnnxFile(file, options);
}

inline std::string importError(const onnx::ModelProto& m, ErrorKind* kind, const ImportOptions& options = {}) {
  return errorOf([&] { importModel(m, options); }, kind);
}

inline const Node* findOp(const Graph& g, const std::string& op) {
  for (const Node& n : g.nodes)
    if (n.op == op) return &n;
  return nullptr;
}

inline std::vector<Tensor> runGraph(const Graph& g, const std::vector<Tensor>& inputs) {
  Interpreter interp(g);
  return interp.run(inputs);
}

// Exact comparison of two lists of tensors; an empty string when equal.
inline std::string sameTensors(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual) {
  if (expected.size() != actual.size())
    return std::to_string(expected.size()) + " tensors expected, " + std::to_string(actual.size()) + " given";
  for (size_t i = 0; i < expected.size(); ++i)
    if (auto diff = compareTensors(expected[i], actual[i], Tolerance{0.0, 0.0}))
      return "tensor " + std::to_string(i) + ": " + *diff;
  return "";
}

// Fails the test with the first difference unless the tensor lists (expected, actual) are equal.
#define NEST_SAME_TENSORS(...)                   \
  do {                                           \
    std::string diff_ = sameTensors(__VA_ARGS__); \
    NEST_VERIFY(diff_.empty(), diff_);           \
  } while (false)

// Fails the test unless `actual` agrees with `expected` within 1e-6 (absolute and relative): float
// rounding of kernels against values computed in float64 (numpy) or with exp / log.
// Exact text, both shown when they differ.
#define NEST_SAME_TEXT(actual, expected)                                                       \
  do {                                                                                         \
    const std::string a_ = (actual), e_ = (expected);                                          \
    NEST_VERIFY(a_ == e_, "got:\n  " + a_ + "\nexpected:\n  " + e_);                        \
  } while (false)

#define NEST_CLOSE(expected, actual)                                                             \
  do {                                                                                           \
    std::optional<std::string> d_ = compareTensors((expected), (actual), Tolerance{1e-6, 1e-6}); \
    NEST_VERIFY(!d_, d_.value_or(""));                                                           \
  } while (false)

}  // namespace nest::testing
