#include "core/onnx_import.h"

#include <google/protobuf/arena.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl.h>
#include <google/protobuf/text_format.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"
#include "core/onnx_import_forms.h"
#include "core/onnx_quant_lowering.h"
#include "core/onnx_tensor.h"
#include "core/op_table.h"
#include "core/protobuf_diagnosis.h"
#include "core/resource_limits.h"
#include "core/verifier.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

// Values computed during import only to resolve parameter operands (never stored in the graph
// unless they are already constants). Small outputs of nodes whose operands are known.
constexpr int64_t kMaxKnownElements = 1 << 16;

// The model's bytes, parsed into `arena` (a big model's many small messages are made and freed in bulk).
const onnx::ModelProto& parseModelProto(const std::string& bytes, OnnxFormat format, const std::string& source,
                                        google::protobuf::Arena& arena) {
  onnx::ModelProto& model = *google::protobuf::Arena::CreateMessage<onnx::ModelProto>(&arena);
  if (format == OnnxFormat::Text) {
    google::protobuf::TextFormat::Parser parser;
    struct Collector : google::protobuf::io::ErrorCollector {
      std::string first;
      void AddError(int line, int column, const std::string& message) override {
        if (first.empty()) first = "line " + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
      }
    } errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(bytes, &model))
      failBadInput(source + " is not a valid ONNX text model: " + errors.first);
  } else if (!model.ParseFromString(bytes)) {
    const std::string damage = describeProtobufDamage(bytes);
    failBadInput(source + " is not a valid ONNX model: " +
                 (damage.empty() ? "its protobuf is damaged inside (a nested message does not parse)" : damage));
  }
  if (!model.has_graph()) failBadInput(source + " has no graph");
  return model;
}

// The model file's bytes and its format (by extension).
std::string readModelFile(const fs::path& file, OnnxFormat& format) {
  if (!fs::exists(file)) failBadInput("model file " + file.string() + " does not exist");
  if (fs::is_directory(file)) failBadInput(file.string() + " is a directory, not a model file");
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot open model file " + file.string());
  std::string ext = file.extension().string();
  format = ext == ".onnxtxt" || ext == ".pbtxt" || ext == ".txt" || ext == ".prototxt" ? OnnxFormat::Text
                                                                                       : OnnxFormat::Binary;
  // Read in one piece (a string stream would copy a big model's bytes twice).
  std::string bytes;
  std::error_code sizeError;
  const auto size = fs::file_size(file, sizeError);
  if (!sizeError) {
    bytes.resize(static_cast<size_t>(size));
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    bytes.resize(static_cast<size_t>(in.gcount()));
  }
  if (sizeError || in.peek() != std::char_traits<char>::eof()) {  // size unknown or the file grew
    in.clear();
    in.seekg(0);
    std::stringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  return bytes;
}

// External data of a model file lives beside it ("." for a bare file name).
fs::path modelFolder(const fs::path& file) { return file.has_parent_path() ? file.parent_path() : fs::path("."); }

// Subgraphs (If branches, ...) nested deeper than the limit are refused before any recursion over them.
void checkSubgraphDepth(const onnx::GraphProto& g, int depth, const std::string& source) {
  for (const auto& n : g.node())
    for (const auto& a : n.attribute()) {
      if (a.has_g() || a.graphs_size()) checkNestingDepth(depth + 1, source);
      if (a.has_g()) checkSubgraphDepth(a.g(), depth + 1, source);
      for (const auto& sub : a.graphs()) checkSubgraphDepth(sub, depth + 1, source);
    }
}

// Nodes in the graph and all its subgraphs.
int64_t totalNodeCount(const onnx::GraphProto& g) {
  int64_t n = g.node_size();
  for (const auto& node : g.node())
    for (const auto& a : node.attribute()) {
      if (a.has_g()) n += totalNodeCount(a.g());
      for (const auto& sub : a.graphs()) n += totalNodeCount(sub);
    }
  return n;
}

bool isDefaultDomain(const std::string& d) { return d.empty() || d == "ai.onnx"; }

// Values a subgraph reads from enclosing scopes: implicit operands of the node holding it.
void outerReferences(const onnx::GraphProto& g, std::set<std::string>& out) {
  std::unordered_set<std::string> local;
  for (const auto& i : g.initializer()) local.insert(i.name());
  for (const auto& i : g.input()) local.insert(i.name());
  for (const auto& n : g.node()) local.insert(n.output().begin(), n.output().end());
  auto read = [&](const std::string& v) {
    if (!v.empty() && !local.count(v)) out.insert(v);
  };
  for (const auto& n : g.node()) {
    for (const auto& in : n.input()) read(in);
    for (const auto& a : n.attribute()) {
      std::set<std::string> inner;
      if (a.has_g()) outerReferences(a.g(), inner);
      for (const auto& sub : a.graphs()) outerReferences(sub, inner);
      for (const std::string& v : inner) read(v);
    }
  }
  for (const auto& o : g.output()) read(o.name());
}

// Every value a node reads: its operands and, for If (and other nodes with subgraphs), the
// outer-scope values its subgraphs use.
std::vector<std::string> nodeReads(const onnx::NodeProto& n) {
  std::vector<std::string> reads(n.input().begin(), n.input().end());
  std::set<std::string> implicit;
  for (const auto& a : n.attribute()) {
    if (a.has_g()) outerReferences(a.g(), implicit);
    for (const auto& sub : a.graphs()) outerReferences(sub, implicit);
  }
  reads.insert(reads.end(), implicit.begin(), implicit.end());
  return reads;
}

Attribute convertAttribute(const onnx::AttributeProto& a, AttrKind kind, const std::string& where,
                           const fs::path& baseDir) {
  auto bad = [&](const char* expected) -> Attribute {
    failBadInput(where + ": attribute '" + a.name() + "' should be " + expected);
  };
  switch (kind) {
    case AttrKind::Int:
      if (a.type() == onnx::AttributeProto::INT || a.has_i()) return static_cast<int64_t>(a.i());
      return bad("an integer");
    case AttrKind::Float:
      if (a.type() == onnx::AttributeProto::FLOAT || a.has_f()) return a.f();
      if (a.type() == onnx::AttributeProto::INT) return static_cast<float>(a.i());
      return bad("a float");
    case AttrKind::String:
      if (a.type() == onnx::AttributeProto::STRING || a.has_s()) return a.s();
      return bad("a string");
    case AttrKind::Ints:
      if (a.type() == onnx::AttributeProto::INTS || a.ints_size()) return Ints(a.ints().begin(), a.ints().end());
      if (a.type() == onnx::AttributeProto::INT) return Ints{a.i()};
      return bad("a list of integers");
    case AttrKind::Floats:
      if (a.type() == onnx::AttributeProto::FLOATS || a.floats_size()) return Floats(a.floats().begin(), a.floats().end());
      if (a.type() == onnx::AttributeProto::INTS) return Floats(a.ints().begin(), a.ints().end());
      return bad("a list of floats");
    case AttrKind::Strings:
      if (a.type() == onnx::AttributeProto::STRINGS || a.strings_size()) return Strings(a.strings().begin(), a.strings().end());
      return bad("a list of strings");
    case AttrKind::Tensor:
      if (a.type() == onnx::AttributeProto::TENSOR || a.has_t()) return tensorFromProto(a.t(), baseDir, where + " attribute " + a.name());
      if (a.type() == onnx::AttributeProto::FLOAT) return Tensor::scalarF32(a.f());
      return bad("a tensor");
    case AttrKind::Graph:
      return bad("a graph (If and Loop are imported by their own code)");
  }
  return bad("?");
}

// A Constant node's value (value, value_float, value_floats, value_int, value_ints).
Tensor constantNodeValue(const onnx::NodeProto& n, const fs::path& baseDir, const std::string& where) {
  for (const auto& a : n.attribute()) {
    if (a.name() == "value") return tensorFromProto(a.t(), baseDir, where);
    if (a.name() == "value_float") return Tensor::scalarF32(a.f());
    if (a.name() == "value_floats")
      return Tensor::fromVector<float>(ElemType::F32, {a.floats_size()}, std::vector<float>(a.floats().begin(), a.floats().end()));
    if (a.name() == "value_int") return Tensor::fromVector<int64_t>(ElemType::I64, {}, {a.i()});
    if (a.name() == "value_ints")
      return Tensor::fromVector<int64_t>(ElemType::I64, {a.ints_size()}, std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    if (a.name() == "sparse_value" || a.name() == "value_string" || a.name() == "value_strings")
      failUnsupported(where + ": Constant with attribute '" + a.name() + "' is not supported");
  }
  failBadInput(where + ": Constant node without a value");
}

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const std::string& name, const fs::path& baseDir, const ImportOptions& options)
      : model_(model), baseDir_(baseDir), options_(options) {
    for (const auto& o : model.opset_import())
      if (isDefaultDomain(o.domain())) opset_ = o.version();
    if (model.opset_import_size() == 0) opset_ = 1;  // IR version 1/2 models
    graph_.name = model.graph().name().empty() ? name : model.graph().name();
  }

  // An importer for one body of a node decided at run time (If's branches, Loop's body): the
  // same model, opset and folder, its own graph; input options apply to the top graph only.
  Importer(const Importer& parent, const std::string& name)
      : model_(parent.model_), baseDir_(parent.baseDir_), options_(noOptions()), opset_(parent.opset_) {
    graph_.name = name;
  }

  ImportResult run() {
    const onnx::GraphProto& g = model_.graph();
    checkSubgraphDepth(g, 0, "the model");
    checkNodeCount(totalNodeCount(g), "the model");
    checkSupported(g);
    graph_.nodes.reserve(static_cast<size_t>(g.node_size()));
    for (const auto& init : g.initializer()) {
      Tensor t = tensorFromProto(init, baseDir_, "initializer '" + init.name() + "'");
      graph_.setConstant(init.name(), t);
      known_[init.name()] = t;
    }
    for (const auto& in : g.input()) {
      if (graph_.isConstant(in.name())) continue;  // initializer also listed as input
      graphInputs_.insert(in.name());
      graph_.inputs.push_back(in.name());
      graph_.setType(in.name(), inputType(in));
    }
    for (const onnx::NodeProto* n : topologicalOrder(g)) importNode(*n);
    for (const auto& out : g.output()) {
      if (!graph_.hasValue(out.name()))
        failBadInput("graph output '" + out.name() + "' is not produced by any node");
      graph_.outputs.push_back(out.name());
    }
    bindRequestedInputs();
    lowerOnnxQuantOps(graph_);  // QuantizeLinear & co. with constant parameters -> internal forms
    dropUnusedConstants();
    verifyGraph(graph_);
    return {std::move(graph_), opset_, std::move(bound_), std::move(boundUses_)};
  }

 private:
  // One error for the whole model listing every unsupported op type (one node name each).
  void checkSupported(const onnx::GraphProto& g) {
    std::map<std::string, std::string> unsupported;
    for (const auto& n : g.node()) {
      std::string key = isDefaultDomain(n.domain()) ? n.op_type() : n.domain() + "." + n.op_type();
      bool ok = isDefaultDomain(n.domain())
                    ? n.op_type() == "Constant" || n.op_type() == "If" || n.op_type() == "Loop" || n.op_type() == "Scan" ||
                          OpTable::instance().find(n.op_type())
                    : n.domain() == "com.microsoft" && isMicrosoftOpSupported(n.op_type());
      if (!ok && !unsupported.count(key)) unsupported[key] = n.name().empty() ? "(unnamed)" : n.name();
    }
    if (unsupported.empty()) return;
    std::string msg = "model uses " + std::to_string(unsupported.size()) + " unsupported op type" +
                      (unsupported.size() > 1 ? "s" : "") + " (opset " + std::to_string(opset_) + "):";
    for (const auto& [op, node] : unsupported) msg += "\n  " + op + " (e.g. node '" + node + "')";
    failUnsupported(msg);
  }

  TensorType inputType(const onnx::ValueInfoProto& vi) {
    const std::string& name = vi.name();
    if (!vi.type().has_tensor_type())
      failUnsupported("graph input '" + name + "' is not a tensor (sequence, map and optional inputs are not supported)");
    const auto& tt = vi.type().tensor_type();
    auto elem = elemTypeFromOnnx(tt.elem_type());
    if (!elem)
      failUnsupported("graph input '" + name + "' has element type " + onnxDataTypeName(tt.elem_type()) +
                      ", which is not supported");
    if (auto it = options_.inputShapes.find(name); it != options_.inputShapes.end()) {
      if (tt.has_shape() && tt.shape().dim_size() != static_cast<int>(it->second.size()))
        failBadInput("--input-shape " + name + "=" + shapeToString(it->second) + " has rank " +
                     std::to_string(it->second.size()) + " but the model's input has rank " +
                     std::to_string(tt.shape().dim_size()));
      return TensorType(*elem, it->second);
    }
    if (auto it = options_.inputValues.find(name); it != options_.inputValues.end())
      return TensorType(*elem, it->second.shape());
    if (!tt.has_shape())
      failBadInput("graph input '" + name + "' has no shape; fix it with --input-shape " + name + "=DIMS (e.g. 1x3x224x224)");
    Shape shape;
    for (int i = 0; i < tt.shape().dim_size(); ++i) {
      const auto& d = tt.shape().dim(i);
      if (!d.has_dim_value() || d.dim_value() < 0) {
        std::string dimName = d.has_dim_param() ? "'" + d.dim_param() + "'" : "?";
        failBadInput("graph input '" + name + "' has a dynamic dimension " + dimName + " at position " +
                     std::to_string(i) + "; fix it with --input-shape " + name + "=DIMS (e.g. 1x3x224x224)");
      }
      shape.push_back(d.dim_value());
    }
    checkTensorSize(shape, *elem, "graph input '" + name + "'");
    return TensorType(*elem, shape);
  }

  std::vector<const onnx::NodeProto*> topologicalOrder(const onnx::GraphProto& g) {
    // Views of names in the model, which outlives this function.
    std::unordered_set<std::string_view> available;
    available.reserve(static_cast<size_t>(g.initializer_size() + g.input_size() + 2 * g.node_size() + 1));
    for (const auto& i : g.initializer()) available.insert(i.name());
    for (const auto& i : g.input()) available.insert(i.name());
    available.insert("");
    auto isAvailable = [&](const std::string& v) { return available.count(v) || graph_.hasValue(v); };
    auto isReady = [&](const onnx::NodeProto& n) {
      for (const auto& in : n.input())
        if (!isAvailable(in)) return false;
      const bool subgraphs = std::any_of(n.attribute().begin(), n.attribute().end(),
                                         [](const onnx::AttributeProto& a) { return a.has_g() || a.graphs_size() > 0; });
      if (subgraphs)
        for (const auto& in : nodeReads(n))
          if (!isAvailable(in)) return false;
      return true;
    };
    std::vector<const onnx::NodeProto*> order, pending;
    order.reserve(static_cast<size_t>(g.node_size()));
    for (const auto& n : g.node()) pending.push_back(&n);
    while (!pending.empty()) {
      std::vector<const onnx::NodeProto*> next;
      for (const auto* n : pending) {
        if (isReady(*n)) {
          order.push_back(n);
          for (const auto& o : n->output()) available.insert(o);
        } else {
          next.push_back(n);
        }
      }
      if (next.size() == pending.size()) {
        const auto* n = next.front();
        for (const auto& in : nodeReads(*n))
          if (!isAvailable(in))
            failBadInput("node '" + n->name() + "' (" + n->op_type() + ") uses value '" + in +
                         "', which no node, input or initializer defines (or a cycle)");
      }
      pending = std::move(next);
    }
    return order;
  }

  std::string where(const onnx::NodeProto& n) const {
    return "node '" + (n.name().empty() ? n.output_size() ? n.output(0) : std::string("?") : n.name()) + "' (" +
           n.op_type() + ")";
  }

  // The value of an operand needed at import time, binding a graph input from options if needed.
  const Tensor* knownValue(const std::string& value) {
    if (auto it = known_.find(value); it != known_.end()) return &it->second;
    if (graphInputs_.count(value)) {
      if (auto it = options_.inputValues.find(value); it != options_.inputValues.end()) {
        Tensor t = it->second;
        toBind_.insert(value);
        return &(known_[value] = t);
      }
    }
    return nullptr;
  }

  // The emitter for one ONNX node: every IR node made from it is created by emitNode.
  class NodeEmitter final : public ImportEmitter {
   public:
    NodeEmitter(Importer& im, const onnx::NodeProto& n) : im_(im), n_(n), where_(im.where(n)) {}
    void emit(const std::string& op, std::vector<std::string> inputs, std::vector<std::string> outputs,
              Attributes attrs) override {
      im_.emitNode(n_, op, std::move(inputs), std::move(outputs), std::move(attrs));
    }
    void addConstant(const std::string& value, const Tensor& t) override {
      im_.graph_.setConstant(value, t);
      im_.known_[value] = t;
    }
    const TensorType& typeOf(const std::string& value) const override { return im_.graph_.typeOf(value); }
    std::string freshValue(const std::string& base) const override { return im_.graph_.freshValueName(base); }
    const Tensor* known(const std::string& value) override { return im_.knownValue(value); }
    int64_t opset() const override { return im_.opset_; }
    const std::string& where() const override { return where_; }

   private:
    Importer& im_;
    const onnx::NodeProto& n_;
    std::string where_;
  };

  // Adds one IR node made from ONNX node `src`. Every node the importer creates goes through here,
  // so each carries the name of the ONNX node it came from (and, with it, its stable key); infers
  // and records the result types and propagates known values.
  void emitNode(const onnx::NodeProto& src, const std::string& op, std::vector<std::string> inputs,
                std::vector<std::string> outputs, Attributes attrs) {
    const OpDef& def = *OpTable::instance().find(op);
    Node& node = graph_.addNode(op, src.name(), std::move(inputs), std::move(outputs), std::move(attrs));
    // Every IR node of one ONNX node shares its stable key (core/node_keys.h).
    node.key = !src.name().empty() ? src.name() : src.op_type() + ":" + (src.output_size() ? src.output(0) : "");
    std::vector<const TensorType*> inTypes;
    for (const std::string& in : node.inputs) inTypes.push_back(in.empty() ? nullptr : &graph_.typeOf(in));
    std::vector<TensorType> outTypes = inferNodeTypes(def, node, inTypes);
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      checkTensorSize(outTypes[i].shape, outTypes[i].elem, "value '" + node.outputs[i] + "' of " + where(src));
      graph_.setType(node.outputs[i], outTypes[i]);
    }
    computeKnownOutputs(def, node, outTypes);
  }

  void importNode(const onnx::NodeProto& n) {
    const std::string at = where(n);
    if (n.op_type() == "Constant") {
      // (n.output(0) of a node without results is a protobuf CHECK failure, found by fuzz_onnx_text.)
      if (n.output_size() != 1 || n.output(0).empty())
        failBadInput(at + ": has " + std::to_string(n.output_size()) + " results, a Constant gives exactly one");
      Tensor t = constantNodeValue(n, baseDir_, at);
      graph_.setConstant(n.output(0), t);
      known_[n.output(0)] = t;
      return;
    }
    if (n.op_type() == "If") return inlineIf(n);
    if (n.op_type() == "Loop") return importLoop(n);
    if (n.op_type() == "Scan") return unrollScan(n);
    if (!isDefaultDomain(n.domain())) {  // com.microsoft (checkSupported admits no other domain)
      for (const std::string& o : n.output())
        if (!o.empty() && graph_.hasValue(o)) failBadInput(at + ": value '" + o + "' is defined twice");
      NodeEmitter em(*this, n);
      std::vector<std::string> inputs(n.input().begin(), n.input().end()), outputs(n.output().begin(), n.output().end());
      while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
      importMicrosoftOp(em, n.op_type(), inputs, outputs);
      return;
    }
    const OpDef& def = *OpTable::instance().find(n.op_type());
    ImportedNode imported;
    imported.op = def.name;
    Attributes& attrs = imported.attrs;
    for (const auto& a : n.attribute()) {
      std::string name = a.name();
      if (def.name == "Pad" && name == "paddings") name = "pads";  // Pad-1 spelling
      if (def.name == "BatchNormalization" && name == "spatial" && opset_ < 9)  // BatchNormalization-7 and older
        attrs.set(name, static_cast<int64_t>(a.i()));
      for (const AttrSpec& spec : def.attrs)
        if (spec.name == name) attrs.set(name, convertAttribute(a, spec.kind, at, baseDir_));
    }
    std::vector<ParamInput> params = def.params;
    if (def.name == "Resize" && opset_ < 11) params = {{1, "scales", AttrKind::Floats}};  // Resize-10: (X, scales)
    std::set<int> paramIndexes;
    for (const ParamInput& p : params) {
      paramIndexes.insert(p.index);
      if (p.index >= n.input_size() || n.input(p.index).empty()) continue;
      const std::string& value = n.input(p.index);
      const Tensor* t = knownValue(value);
      if (t && toBind_.count(value) && !boundUses_.count(value)) boundUses_[value] = def.name + " " + p.attr;
      if (!t && p.dataOnly) {
        imported.runtimeParams[p.attr] = value;
        continue;
      }
      if (!t)
        failUnsupported(at + ": operand " + std::to_string(p.index) + " ('" + p.attr + "', value '" + value +
                        "') must be known at compile time, but it is computed at run time; only static shapes are "
                        "supported");
      if (t->numElements() == 0) continue;
      switch (p.kind) {
        case AttrKind::Ints: attrs.set(p.attr, t->toInts()); break;
        case AttrKind::Int: attrs.set(p.attr, t->getInt(0)); break;
        case AttrKind::Float: attrs.set(p.attr, static_cast<float>(t->getDouble(0))); break;
        case AttrKind::Floats: {
          Floats f;
          for (double d : t->toDoubles()) f.push_back(static_cast<float>(d));
          attrs.set(p.attr, f);
          break;
        }
        case AttrKind::Tensor: attrs.set(p.attr, *t); break;
        default: failInternal(def.name + ": parameter kind not supported");
      }
    }
    std::vector<std::string>& inputs = imported.inputs;
    for (int i = 0; i < n.input_size(); ++i)
      if (!paramIndexes.count(i)) inputs.push_back(n.input(i));
    while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
    std::vector<std::string>& outputs = imported.outputs;
    outputs.assign(n.output().begin(), n.output().end());
    while (!outputs.empty() && outputs.back().empty()) outputs.pop_back();
    for (std::string& o : outputs)
      if (o.empty()) o = graph_.freshValueName((n.name().empty() ? n.op_type() : n.name()) + "_unused");
    int nIn = static_cast<int>(inputs.size()), nOut = static_cast<int>(outputs.size());
    if (nIn < def.minInputs || (def.maxInputs >= 0 && nIn > def.maxInputs))
      failBadInput(at + ": has " + std::to_string(nIn) + " data operands, the op takes " +
                   std::to_string(def.minInputs) + (def.maxInputs < 0 ? " or more" : " to " + std::to_string(def.maxInputs)));
    if (nOut < def.minOutputs || (def.maxOutputs >= 0 && nOut > def.maxOutputs))
      failBadInput(at + ": has " + std::to_string(nOut) + " results, the op gives " + std::to_string(def.minOutputs) +
                   (def.maxOutputs < 0 ? " or more" : " to " + std::to_string(def.maxOutputs)));
    for (const std::string& o : outputs)
      if (graph_.hasValue(o)) failBadInput(at + ": value '" + o + "' is defined twice");

    NodeEmitter em(*this, n);
    alignLegacyBroadcast(n, em, inputs);
    applyOpsetDefaults(imported, opset_, at);
    if (expandImportForm(em, imported)) return;
    em.emit(imported.op, std::move(imported.inputs), std::move(imported.outputs), std::move(imported.attrs));
  }

  // Thrown by unrollLoop when the trip count or a condition is computed at run time (or the loop is
  // too long to unroll): importLoop then undoes the partial unrolling and imports a runtime Loop.
  struct DecidedAtRunTime {};

  static const ImportOptions& noOptions() {
    static const ImportOptions none;
    return none;
  }

  // A Loop is unrolled when its trip count and conditions are known at import (unrollLoop);
  // otherwise, or when its body holds nested control flow, it runs in the interpreter (runtimeLoop).
  void importLoop(const onnx::NodeProto& n) {
    const onnx::GraphProto* body = nullptr;
    for (const auto& a : n.attribute())
      if (a.name() == "body" && a.has_g()) body = &a.g();
    if (body && hasNestedSubgraphs(*body)) return runtimeLoop(n, *body);
    Graph savedGraph = graph_;
    std::unordered_map<std::string, Tensor> savedKnown = known_;
    std::set<std::string> savedBind = toBind_;
    std::map<std::string, std::string> savedUses = boundUses_;
    try {
      unrollLoop(n);
      return;
    } catch (const DecidedAtRunTime&) {
      graph_ = std::move(savedGraph);
      known_ = std::move(savedKnown);
      toBind_ = std::move(savedBind);
      boundUses_ = std::move(savedUses);
    }
    runtimeLoop(n, *body);
  }

  // The values of the enclosing graph that `bodies` read, in name order: those known at import
  // (constants and values computed from them) become constants of each body; the others are
  // captured (operands of the node, inputs of the bodies after their own).
  std::vector<std::string> capturedValues(const std::vector<const onnx::GraphProto*>& bodies, const std::string& at,
                                          std::map<std::string, Tensor>& knownOuter) {
    std::set<std::string> reads;
    for (const onnx::GraphProto* b : bodies) outerReferences(*b, reads);
    std::vector<std::string> captured;
    for (const std::string& v : reads) {
      if (!graph_.hasValue(v)) failBadInput(at + ": its body reads value '" + v + "', which is not defined before it");
      // known_, not knownValue: a graph input the caller gave a value for stays an input here.
      if (auto it = known_.find(v); it != known_.end()) knownOuter[v] = it->second;
      else captured.push_back(v);
    }
    return captured;
  }

  // Imports `body` as a graph of its own: inputs `formal` (its own, with their types), then the
  // captured values (typed as in this graph), known outer values as constants.
  GraphAttr importRuntimeBody(const onnx::GraphProto& body, const std::string& name,
                              const std::vector<std::pair<std::string, TensorType>>& formal,
                              const std::vector<std::string>& captured, const std::map<std::string, Tensor>& knownOuter,
                              const std::string& at) {
    Importer sub(*this, name);
    Graph& g = sub.graph_;
    for (const auto& [v, type] : formal) {
      g.inputs.push_back(v);
      g.setType(v, type);
    }
    for (const std::string& v : captured) {
      g.inputs.push_back(v);
      g.setType(v, graph_.typeOf(v));
    }
    for (const auto& [v, t] : knownOuter) {
      g.setConstant(v, t);
      sub.known_[v] = t;
    }
    sub.checkSupported(body);
    for (const auto& init : body.initializer()) {
      Tensor t = tensorFromProto(init, baseDir_, at + " " + name + " initializer '" + init.name() + "'");
      g.setConstant(init.name(), t);
      sub.known_[init.name()] = t;
    }
    for (const onnx::NodeProto* inner : sub.topologicalOrder(body)) sub.importNode(*inner);
    for (const auto& out : body.output()) {
      if (!g.hasValue(out.name()))
        failBadInput(at + ": " + name + " result '" + out.name() + "' is not produced by any node");
      g.outputs.push_back(out.name());
    }
    lowerOnnxQuantOps(g);
    sub.dropUnusedConstants();
    verifyGraph(g);
    return std::make_shared<const Graph>(std::move(g));
  }

  // Results of a node decided at run time: the ONNX node's, unnamed ones given fresh names.
  std::vector<std::string> runtimeResults(const onnx::NodeProto& n, int count) {
    std::vector<std::string> outputs;
    for (int i = 0; i < count; ++i) {
      std::string o = i < n.output_size() ? n.output(i) : std::string();
      if (o.empty()) o = graph_.freshValueName((n.name().empty() ? n.op_type() : n.name()) + "_unused");
      else if (graph_.hasValue(o)) failBadInput(where(n) + ": value '" + o + "' is defined twice");
      outputs.push_back(o);
    }
    return outputs;
  }

  // An If whose condition is computed at run time: both branches become graphs of their own
  // (core/ops/control_flow_ops.cpp), run by the interpreter. Static shapes: both must give the same
  // types.
  void runtimeIf(const onnx::NodeProto& n) {
    const std::string at = where(n);
    const onnx::GraphProto *thenB = nullptr, *elseB = nullptr;
    for (const auto& a : n.attribute()) {
      if (a.name() == "then_branch" && a.has_g()) thenB = &a.g();
      if (a.name() == "else_branch" && a.has_g()) elseB = &a.g();
    }
    if (!thenB) failBadInput(at + ": has no then_branch");
    if (!elseB) failBadInput(at + ": has no else_branch");
    for (const auto& [b, name] : {std::pair{thenB, "then_branch"}, std::pair{elseB, "else_branch"}})
      if (b->output_size() != n.output_size())
        failBadInput(at + ": " + name + " has " + std::to_string(b->output_size()) + " results, the If " +
                     std::to_string(n.output_size()));
    const TensorType& cond = graph_.typeOf(n.input(0));
    if (cond.elem != ElemType::Bool || cond.numElements() != 1)
      failBadInput(at + ": the condition '" + n.input(0) + "' must be a bool with one element, got " + typeToString(cond));
    std::map<std::string, Tensor> knownOuter;
    const std::vector<std::string> captured = capturedValues({thenB, elseB}, at, knownOuter);
    const std::string base = n.name().empty() ? "if" : n.name();
    GraphAttr thenG = importRuntimeBody(*thenB, base + "/then_branch", {}, captured, knownOuter, at);
    GraphAttr elseG = importRuntimeBody(*elseB, base + "/else_branch", {}, captured, knownOuter, at);
    for (int i = 0; i < n.output_size(); ++i) {
      const TensorType& t = thenG->typeOf(thenG->outputs[static_cast<size_t>(i)]);
      const TensorType& e = elseG->typeOf(elseG->outputs[static_cast<size_t>(i)]);
      if (!(t == e))
        failUnsupported(at + ": the condition '" + n.input(0) + "' is computed at run time and the branches give result '" +
                        n.output(i) + "' different types (then_branch " + typeToString(t) + ", else_branch " +
                        typeToString(e) + "); only static shapes are supported");
    }
    std::vector<std::string> inputs{n.input(0)};
    inputs.insert(inputs.end(), captured.begin(), captured.end());
    Attributes attrs;
    attrs.set("then_branch", thenG);
    attrs.set("else_branch", elseG);
    emitNode(n, "If", std::move(inputs), runtimeResults(n, n.output_size()), std::move(attrs));
  }

  // A Loop whose trip count or condition is computed at run time (or that is too long to unroll, or
  // holds nested control flow): the body becomes a graph of its own, run by the interpreter. The
  // loop-carried values keep their types; scan outputs, whose length is then known only at run
  // time, are refused.
  void runtimeLoop(const onnx::NodeProto& n, const onnx::GraphProto& body) {
    const std::string at = where(n);
    const int carried = n.input_size() - 2;
    if (carried < 0) failBadInput(at + ": takes the trip count, the condition and the loop-carried values (got " +
                                  std::to_string(n.input_size()) + " operands)");
    if (body.input_size() != carried + 2)
      failBadInput(at + ": the body takes " + std::to_string(body.input_size()) + " inputs, expected " +
                   std::to_string(carried + 2) + " (iteration number, condition, " + std::to_string(carried) +
                   " loop-carried values)");
    const int scans = body.output_size() - 1 - carried;
    if (scans < 0 || n.output_size() > carried + scans)
      failBadInput(at + ": the body has " + std::to_string(body.output_size()) + " results for " +
                   std::to_string(carried) + " loop-carried values and " + std::to_string(n.output_size()) + " Loop results");
    if (scans > 0)
      failUnsupported(at + ": runs in the interpreter (its trip count or condition is computed at run time, it runs more "
                      "than " + std::to_string(kMaxUnrolledIterations) + " iterations or its body holds control flow), so "
                      "its scan output '" + (n.output_size() > carried ? n.output(carried) : body.output(1 + carried).name()) +
                      "' would have a length known only at run time; only static shapes are supported");
    for (int i = 0; i < 2; ++i) {
      if (n.input(i).empty()) continue;
      const TensorType& t = graph_.typeOf(n.input(i));
      const bool ok = t.numElements() == 1 && t.elem == (i == 0 ? ElemType::I64 : ElemType::Bool);
      if (!ok)
        failBadInput(at + ": the " + (i == 0 ? "trip count '" : "condition '") + n.input(i) + "' must be " +
                     (i == 0 ? "an i64" : "a bool") + " with one element, got " + typeToString(t));
    }
    auto declaredVector = [&](int i) {
      const auto& tt = body.input(i).type().tensor_type();
      return tt.has_shape() && tt.shape().dim_size() == 1 ? Shape{1} : Shape{};
    };
    std::vector<std::pair<std::string, TensorType>> formal{
        {body.input(0).name(), TensorType(ElemType::I64, declaredVector(0))},
        {body.input(1).name(), TensorType(ElemType::Bool, declaredVector(1))}};
    for (int k = 0; k < carried; ++k) {
      const std::string& v = n.input(2 + k);
      if (v.empty()) failBadInput(at + ": loop-carried value " + std::to_string(k) + " has no initial value");
      formal.emplace_back(body.input(2 + k).name(), graph_.typeOf(v));
    }
    std::map<std::string, Tensor> knownOuter;
    const std::vector<std::string> captured = capturedValues({&body}, at, knownOuter);
    const std::string base = n.name().empty() ? "loop" : n.name();
    GraphAttr bodyG = importRuntimeBody(body, base + "/body", formal, captured, knownOuter, at);
    const TensorType& condOut = bodyG->typeOf(bodyG->outputs[0]);
    if (condOut.elem != ElemType::Bool || condOut.numElements() != 1)
      failBadInput(at + ": the body's condition result '" + bodyG->outputs[0] + "' must be a bool with one element, got " +
                   typeToString(condOut));
    for (int k = 0; k < carried; ++k) {
      const TensorType& in = graph_.typeOf(n.input(2 + k));
      const TensorType& out = bodyG->typeOf(bodyG->outputs[static_cast<size_t>(1 + k)]);
      if (!(in == out))
        failUnsupported(at + ": loop-carried value '" + body.input(2 + k).name() + "' enters as " + typeToString(in) +
                        " but the body gives " + typeToString(out) + "; only static shapes are supported");
    }
    if (carried == 0) return;  // computes nothing
    std::vector<std::string> inputs(n.input().begin(), n.input().end());
    inputs.insert(inputs.end(), captured.begin(), captured.end());
    Attributes attrs;
    attrs.set("body", bodyG);
    emitNode(n, "Loop", std::move(inputs), runtimeResults(n, carried), std::move(attrs));
  }

  // If: the condition must be known at import (static shapes make most exported ones so); the
  // taken branch is imported in place of the node, its results renamed to the If's by Identity.
  void inlineIf(const onnx::NodeProto& n) {
    const std::string at = where(n);
    if (n.input_size() != 1 || n.input(0).empty()) failBadInput(at + ": If takes exactly one operand (the condition)");
    const Tensor* cond = knownValue(n.input(0));
    if (!cond) return runtimeIf(n);
    if (cond->numElements() != 1)
      failBadInput(at + ": the condition must have one element, got shape " + shapeToString(cond->shape()));
    const bool taken = cond->getDouble(0) != 0.0;
    const char* branchName = taken ? "then_branch" : "else_branch";
    const onnx::GraphProto* branch = nullptr;
    for (const auto& a : n.attribute())
      if (a.name() == branchName && a.has_g()) branch = &a.g();
    if (!branch) failBadInput(at + ": has no " + branchName);
    if (branch->output_size() != n.output_size())
      failBadInput(at + ": " + branchName + " has " + std::to_string(branch->output_size()) + " results, the If " +
                   std::to_string(n.output_size()));
    checkSupported(*branch);
    for (const auto& init : branch->initializer()) {
      Tensor t = tensorFromProto(init, baseDir_, at + " " + branchName + " initializer '" + init.name() + "'");
      graph_.setConstant(init.name(), t);
      known_[init.name()] = t;
    }
    for (const onnx::NodeProto* inner : topologicalOrder(*branch)) importNode(*inner);
    NodeEmitter em(*this, n);
    for (int i = 0; i < n.output_size(); ++i) {
      const std::string& result = branch->output(i).name();
      if (!graph_.hasValue(result))
        failBadInput(at + ": " + branchName + " result '" + result + "' is not produced by any node");
      if (n.output(i).empty()) continue;
      if (graph_.hasValue(n.output(i))) failBadInput(at + ": value '" + n.output(i) + "' is defined twice");
      em.emit("Identity", {result}, {n.output(i)}, {});
    }
  }

  // A Loop whose trip count and condition are known at import is unrolled: the body is imported
  // once per iteration with its values renamed (NAME@LOOP#i), the iteration number a constant, the
  // loop-carried values threaded from one copy to the next; scan outputs are the iterations'
  // values stacked along a new first axis (Unsqueeze, Concat). The condition of every iteration
  // must be known after importing the previous one (computed from constants and known values);
  // when it is not, or the trip count is not, or there are more than kMaxUnrolledIterations
  // iterations, it throws DecidedAtRunTime and importLoop imports a runtime Loop instead.
  static constexpr int64_t kMaxUnrolledIterations = 4096;

  void unrollLoop(const onnx::NodeProto& n) {
    const std::string at = where(n);
    const onnx::GraphProto* body = nullptr;
    for (const auto& a : n.attribute())
      if (a.name() == "body" && a.has_g()) body = &a.g();
    if (!body) failBadInput(at + ": has no body graph");
    const int carried = n.input_size() - 2;
    if (carried < 0) failBadInput(at + ": takes the trip count, the condition and the loop-carried values (got " +
                                  std::to_string(n.input_size()) + " operands)");
    if (body->input_size() != carried + 2)
      failBadInput(at + ": the body takes " + std::to_string(body->input_size()) + " inputs, expected " +
                   std::to_string(carried + 2) + " (iteration number, condition, " + std::to_string(carried) +
                   " loop-carried values)");
    const int scans = body->output_size() - 1 - carried;
    if (scans < 0 || n.output_size() > carried + scans)
      failBadInput(at + ": the body has " + std::to_string(body->output_size()) + " results for " +
                   std::to_string(carried) + " loop-carried values and " + std::to_string(n.output_size()) + " Loop results");
    checkBody(*body, at);
    std::optional<int64_t> trips;
    if (!n.input(0).empty()) {
      const Tensor* m = knownValue(n.input(0));
      if (!m) throw DecidedAtRunTime{};
      if (m->numElements() != 1) failBadInput(at + ": the trip count must have one element, got " + shapeToString(m->shape()));
      trips = m->getInt(0);
    }
    std::string cond = n.input(1);
    if (trips && *trips > kMaxUnrolledIterations && cond.empty()) throw DecidedAtRunTime{};  // too many to unroll
    std::vector<std::string> state(n.input().begin() + 2, n.input().end());
    std::vector<std::vector<std::string>> scanned(static_cast<size_t>(scans));
    const std::string loopName = n.name().empty() ? "loop" : n.name();
    const std::vector<const onnx::NodeProto*> order = topologicalOrder(*body);
    for (int64_t it = 0;; ++it) {
      if (trips && it >= *trips) break;
      if (!cond.empty()) {
        const Tensor* c = knownValue(cond);
        if (!c) throw DecidedAtRunTime{};
        if (c->numElements() != 1) failBadInput(at + ": the condition must have one element, got " + shapeToString(c->shape()));
        if (c->getDouble(0) == 0.0) break;
      }
      if (it == kMaxUnrolledIterations) throw DecidedAtRunTime{};  // too many to unroll: run it
      const std::string suffix = "@" + loopName + "#" + std::to_string(it);
      std::unordered_map<std::string, std::string> rename;
      const auto& iterType = body->input(0).type().tensor_type();
      const Shape iterShape = iterType.has_shape() && iterType.shape().dim_size() == 1 ? Shape{1} : Shape{};
      rename[body->input(0).name()] = addKnownConstant(body->input(0).name() + suffix, Tensor::fromVector<int64_t>(ElemType::I64, iterShape, {it}));
      rename[body->input(1).name()] =
          cond.empty() ? addKnownConstant(body->input(1).name() + suffix, Tensor::fromVector<uint8_t>(ElemType::Bool, {1}, {1})) : cond;
      for (int k = 0; k < carried; ++k) rename[body->input(2 + k).name()] = state[static_cast<size_t>(k)];
      const std::vector<std::string> results = importBodyCopy(*body, order, suffix, at, rename);
      cond = results[0];
      std::copy(results.begin() + 1, results.begin() + 1 + carried, state.begin());
      for (int k = 0; k < scans; ++k) scanned[static_cast<size_t>(k)].push_back(results[static_cast<size_t>(1 + carried + k)]);
    }
    NodeEmitter em(*this, n);
    emitLoopResults(em, n, state, scanned, Ints(static_cast<size_t>(scans), 0));
  }

  static bool hasNestedSubgraphs(const onnx::GraphProto& body) {
    for (const auto& inner : body.node())
      for (const auto& a : inner.attribute())
        if (a.has_g() || a.graphs_size() > 0) return true;
    return false;
  }

  // Checks a Loop / Scan body before unrolling: supported ops, no nested subgraphs (whose outer
  // references the renaming would miss).
  void checkBody(const onnx::GraphProto& body, const std::string& at) {
    for (const auto& inner : body.node())
      for (const auto& a : inner.attribute())
        if (a.has_g() || a.graphs_size() > 0)
          failUnsupported(at + ": the body's node '" + inner.name() + "' (" + inner.op_type() +
                          ") has a subgraph; nested control flow in a loop body is not supported");
    checkSupported(body);
  }

  // A constant with a fresh name from `base`, known at import. Returns its name.
  std::string addKnownConstant(const std::string& base, const Tensor& t) {
    const std::string name = graph_.freshValueName(base);
    graph_.setConstant(name, t);
    known_[name] = t;
    return name;
  }

  // Imports one copy of a Loop / Scan body: initializers and node results renamed NAME + suffix,
  // inputs read through `rename` (which already maps the body's inputs), outer-scope values as they
  // are. Returns the copy's values of the body's results, in order.
  std::vector<std::string> importBodyCopy(const onnx::GraphProto& body, const std::vector<const onnx::NodeProto*>& order,
                                          const std::string& suffix, const std::string& at,
                                          std::unordered_map<std::string, std::string>& rename) {
    for (const auto& init : body.initializer())
      rename[init.name()] =
          addKnownConstant(init.name() + suffix, tensorFromProto(init, baseDir_, at + " body initializer '" + init.name() + "'"));
    for (const onnx::NodeProto* inner : order) {
      onnx::NodeProto copy = *inner;
      copy.set_name((inner->name().empty() ? inner->op_type() : inner->name()) + suffix);
      for (int k = 0; k < copy.input_size(); ++k)
        if (auto r = rename.find(copy.input(k)); r != rename.end()) copy.set_input(k, r->second);
      for (int k = 0; k < copy.output_size(); ++k) {
        if (copy.output(k).empty()) continue;
        const std::string fresh = graph_.freshValueName(inner->output(k) + suffix);
        rename[inner->output(k)] = fresh;
        copy.set_output(k, fresh);
      }
      importNode(copy);
    }
    std::vector<std::string> results;
    for (const auto& o : body.output()) {
      auto r = rename.find(o.name());
      results.push_back(r == rename.end() ? o.name() : r->second);
    }
    return results;
  }

  // The results of an unrolled Loop / Scan: the final state values (Identity), then each scan
  // output, its iterations' values stacked on axes[k] (already in output order).
  void emitLoopResults(ImportEmitter& em, const onnx::NodeProto& n, const std::vector<std::string>& state,
                       const std::vector<std::vector<std::string>>& scanned, const Ints& axes) {
    const std::string at = where(n);
    const int states = static_cast<int>(state.size());
    for (int i = 0; i < n.output_size(); ++i) {
      const std::string& result = n.output(i);
      if (result.empty()) continue;
      if (graph_.hasValue(result)) failBadInput(at + ": value '" + result + "' is defined twice");
      if (i < states) {
        em.emit("Identity", {state[static_cast<size_t>(i)]}, {result}, {});
        continue;
      }
      const std::vector<std::string>& values = scanned[static_cast<size_t>(i - states)];
      if (values.empty())
        failUnsupported(at + ": runs no iteration, so its scan output '" + result + "' would be empty (not supported)");
      stack(em, values, axes[static_cast<size_t>(i - states)], result);
    }
  }

  // `result` = the values stacked along a new axis `axis` (Unsqueeze each, Concat).
  void stack(ImportEmitter& em, const std::vector<std::string>& values, int64_t axis, const std::string& result) {
    Attributes axes;
    axes.set("axes", Ints{axis});
    std::vector<std::string> rows;
    for (const std::string& v : values) {
      const std::string row = values.size() == 1 ? result : graph_.freshValueName(result + "#" + std::to_string(rows.size()));
      em.emit("Unsqueeze", {v}, {row}, axes);
      rows.push_back(row);
    }
    if (rows.size() > 1) {
      Attributes a;
      a.set("axis", axis);
      em.emit("Concat", rows, {result}, a);
    }
  }

  // Scan (opset 9 on) is unrolled at import: static shapes fix the number of iterations (the
  // scanned axis of the scan inputs). Iteration t reads slice t of each scan input (Gather with a
  // constant index; the last slice first for a reverse direction), imports a renamed copy of the
  // body, and threads the state; scan outputs stack the iterations' values on their axis (in
  // reverse order for a reverse direction).
  void unrollScan(const onnx::NodeProto& n) {
    const std::string at = where(n);
    if (opset_ < 9) failUnsupported(at + ": Scan-8 (with a batch axis and sequence_lens) is not supported; opset 9 on is");
    const onnx::GraphProto* body = nullptr;
    int64_t numScanInputs = -1;
    Ints inAxes, inDirs, outAxes, outDirs;
    for (const auto& a : n.attribute()) {
      if (a.name() == "body" && a.has_g()) body = &a.g();
      if (a.name() == "num_scan_inputs") numScanInputs = a.i();
      if (a.name() == "scan_input_axes") inAxes.assign(a.ints().begin(), a.ints().end());
      if (a.name() == "scan_input_directions") inDirs.assign(a.ints().begin(), a.ints().end());
      if (a.name() == "scan_output_axes") outAxes.assign(a.ints().begin(), a.ints().end());
      if (a.name() == "scan_output_directions") outDirs.assign(a.ints().begin(), a.ints().end());
    }
    if (!body) failBadInput(at + ": has no body graph");
    const int64_t m = numScanInputs, states = n.input_size() - m;
    if (m < 1 || states < 0) failBadInput(at + ": num_scan_inputs must be between 1 and the operand count");
    if (body->input_size() != n.input_size())
      failBadInput(at + ": the body takes " + std::to_string(body->input_size()) + " inputs, the Scan has " +
                   std::to_string(n.input_size()) + " operands");
    const int64_t k = body->output_size() - states;
    if (k < 0 || n.output_size() > body->output_size())
      failBadInput(at + ": the body has " + std::to_string(body->output_size()) + " results for " + std::to_string(states) +
                   " state values and " + std::to_string(n.output_size()) + " Scan results");
    auto attrAt = [&](const Ints& v, int64_t i, const char* name, int64_t count) -> int64_t {
      if (v.empty()) return 0;
      if (static_cast<int64_t>(v.size()) != count)
        failBadInput(at + ": " + name + " has " + std::to_string(v.size()) + " values, expected " + std::to_string(count));
      return v[static_cast<size_t>(i)];
    };
    auto axisIn = [&](int64_t axis, int64_t rank, const char* what) {
      if (axis < -rank || axis >= rank)
        failBadInput(at + ": " + what + " " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
      return axis < 0 ? axis + rank : axis;
    };
    checkBody(*body, at);
    int64_t steps = -1;
    std::vector<int64_t> axisOf(static_cast<size_t>(m));
    for (int64_t j = 0; j < m; ++j) {
      const std::string& x = n.input(static_cast<int>(states + j));
      if (x.empty() || !graph_.hasValue(x)) failBadInput(at + ": scan input " + std::to_string(j) + " is missing");
      const Shape& s = graph_.typeOf(x).shape;
      const int64_t axis = axisIn(attrAt(inAxes, j, "scan_input_axes", m), static_cast<int64_t>(s.size()), "scan input axis");
      axisOf[static_cast<size_t>(j)] = axis;
      if (steps >= 0 && s[static_cast<size_t>(axis)] != steps)
        failBadInput(at + ": scan inputs have different lengths along their scan axes (" + std::to_string(steps) + " and " +
                     std::to_string(s[static_cast<size_t>(axis)]) + ")");
      steps = s[static_cast<size_t>(axis)];
    }
    if (steps == 0) failUnsupported(at + ": scans zero steps, so its scan outputs would be empty (not supported)");
    if (steps > kMaxUnrolledIterations)
      failUnsupported(at + ": scans " + std::to_string(steps) + " steps, more than the " +
                      std::to_string(kMaxUnrolledIterations) + " it unrolls");
    NodeEmitter em(*this, n);
    std::vector<std::string> state(n.input().begin(), n.input().begin() + states);
    std::vector<std::vector<std::string>> scanned(static_cast<size_t>(k));
    const std::string scanName = n.name().empty() ? "scan" : n.name();
    const std::vector<const onnx::NodeProto*> order = topologicalOrder(*body);
    for (int64_t t = 0; t < steps; ++t) {
      const std::string suffix = "@" + scanName + "#" + std::to_string(t);
      std::unordered_map<std::string, std::string> rename;
      for (int64_t i = 0; i < states; ++i) rename[body->input(static_cast<int>(i)).name()] = state[static_cast<size_t>(i)];
      for (int64_t j = 0; j < m; ++j) {
        const int64_t index = attrAt(inDirs, j, "scan_input_directions", m) ? steps - 1 - t : t;
        const std::string idx = addKnownConstant("scan_index" + suffix, Tensor::fromVector<int64_t>(ElemType::I64, {}, {index}));
        const std::string slice = graph_.freshValueName(body->input(static_cast<int>(states + j)).name() + suffix);
        Attributes a;
        a.set("axis", axisOf[static_cast<size_t>(j)]);
        em.emit("Gather", {n.input(static_cast<int>(states + j)), idx}, {slice}, a);
        rename[body->input(static_cast<int>(states + j)).name()] = slice;
      }
      const std::vector<std::string> results = importBodyCopy(*body, order, suffix, at, rename);
      std::copy(results.begin(), results.begin() + states, state.begin());
      for (int64_t o = 0; o < k; ++o) scanned[static_cast<size_t>(o)].push_back(results[static_cast<size_t>(states + o)]);
    }
    Ints axes;
    for (int64_t o = 0; o < k; ++o) {
      std::vector<std::string>& values = scanned[static_cast<size_t>(o)];
      if (attrAt(outDirs, o, "scan_output_directions", k)) std::reverse(values.begin(), values.end());
      const int64_t rank = graph_.typeOf(values.front()).rank() + 1;
      axes.push_back(axisIn(attrAt(outAxes, o, "scan_output_axes", k), rank, "scan output axis"));
    }
    emitLoopResults(em, n, state, scanned, axes);
  }

  // Opset 1-6 binary ops with broadcast=1 and `axis` align B with A's dimensions from `axis` on, not
  // with A's last dimensions as numpy broadcasting does: B gets trailing 1s so that both agree.
  void alignLegacyBroadcast(const onnx::NodeProto& n, ImportEmitter& em, std::vector<std::string>& inputs) {
    const std::string& at = em.where();
    static const std::set<std::string> legacyOps = {"Add", "Sub", "Mul", "Div", "Pow", "And",
                                                    "Or", "Xor", "Equal", "Greater", "Less"};
    if (opset_ >= 7 || inputs.size() != 2 || inputs[0].empty() || inputs[1].empty() || !legacyOps.count(n.op_type()))
      return;
    int64_t broadcast = 0;
    std::optional<int64_t> axis;
    for (const auto& a : n.attribute()) {
      if (a.name() == "broadcast") broadcast = a.i();
      if (a.name() == "axis") axis = a.i();
    }
    if (broadcast != 1 || !axis) return;
    const Shape a = graph_.typeOf(inputs[0]).shape;
    const TensorType b = graph_.typeOf(inputs[1]);
    const int64_t rankA = static_cast<int64_t>(a.size()), rankB = b.rank();
    const int64_t ax = *axis < 0 ? *axis + rankA : *axis;
    if (ax < 0 || ax + rankB > rankA)
      failBadInput(at + ": broadcast axis " + std::to_string(*axis) + " cannot align a " + shapeToString(b.shape) +
                   " operand with a " + shapeToString(a) + " operand");
    if (ax + rankB == rankA) return;  // numpy alignment already
    Shape aligned = b.shape;
    aligned.insert(aligned.end(), static_cast<size_t>(rankA - ax - rankB), 1);
    const std::string name = graph_.freshValueName(inputs[1] + "_axis" + std::to_string(ax));
    auto known = known_.find(inputs[1]);
    if (graph_.isConstant(inputs[1]) && known != known_.end()) {
      Tensor t = known->second.reshaped(aligned);
      graph_.setConstant(name, t);
      known_[name] = t;
    } else {
      Attributes ra;
      ra.set("shape", Ints(aligned.begin(), aligned.end()));
      em.emit("Reshape", {inputs[1]}, {name}, ra);
    }
    inputs[1] = name;
  }

  // Propagates known values through small computations (the PyTorch exporter's shape idioms).
  void computeKnownOutputs(const OpDef& def, const Node& node, const std::vector<TensorType>& outTypes) {
    if (def.name == "Shape" || def.name == "Size") {
      // Known from the operand's static type alone, without the operand's value.
      const Shape& s = graph_.typeOf(node.inputs[0]).shape;
      if (def.name == "Size") {
        known_[node.outputs[0]] = Tensor::fromVector<int64_t>(ElemType::I64, {}, {numElements(s)});
        return;
      }
      int64_t rank = static_cast<int64_t>(s.size());
      int64_t start = node.attrs.getInt("start", 0), end = node.attrs.getInt("end", rank);
      if (start < 0) start += rank;
      if (end < 0) end += rank;
      start = std::clamp<int64_t>(start, 0, rank);
      end = std::clamp<int64_t>(end, 0, rank);
      std::vector<int64_t> dims(s.begin() + start, s.begin() + std::max(start, end));
      known_[node.outputs[0]] = Tensor::fromVector<int64_t>(ElemType::I64, {static_cast<int64_t>(dims.size())}, dims);
      return;
    }
    if (!def.kernel) return;
    std::vector<const Tensor*> ins;
    int64_t work = 0;
    for (const std::string& in : node.inputs) {
      if (in.empty()) {
        ins.push_back(nullptr);
        continue;
      }
      auto it = known_.find(in);
      if (it == known_.end()) return;
      ins.push_back(&it->second);
      work += it->second.numElements();
    }
    for (const TensorType& t : outTypes) work += t.numElements();
    if (work > kMaxKnownElements) return;
    std::vector<Tensor> outs;
    try {
      outs = runKernel(def, node, ins, outTypes);
    } catch (const Error&) {
      return;  // not needed to import; the error shows when the graph runs
    }
    for (size_t i = 0; i < outs.size(); ++i) known_[node.outputs[i]] = outs[i];
  }

  // Constants that only fed parameter operands now live in attributes.
  void dropUnusedConstants() {
    std::unordered_set<std::string_view> used(graph_.outputs.begin(), graph_.outputs.end());  // views of names in graph_
    used.reserve(graph_.nodes.size() * 2 + graph_.outputs.size());
    for (const Node& n : graph_.nodes) used.insert(n.inputs.begin(), n.inputs.end());
    std::vector<std::string> unused;
    for (const auto& [name, t] : graph_.constants())
      if (!used.count(name)) unused.push_back(name);
    for (const std::string& name : unused) graph_.removeConstant(name);
  }

  // Graph inputs whose values were needed become constants.
  void bindRequestedInputs() {
    for (const std::string& name : toBind_) {
      graph_.setConstant(name, known_.at(name));
      graph_.inputs.erase(std::find(graph_.inputs.begin(), graph_.inputs.end(), name));
      bound_.push_back(name);
    }
  }

  const onnx::ModelProto& model_;
  fs::path baseDir_;
  const ImportOptions& options_;
  int64_t opset_ = 0;
  Graph graph_;
  std::unordered_set<std::string> graphInputs_;
  std::unordered_map<std::string, Tensor> known_;
  std::set<std::string> toBind_;
  std::vector<std::string> bound_;
  std::map<std::string, std::string> boundUses_;
};

}  // namespace

ImportResult importOnnxBytes(const std::string& bytes, OnnxFormat format, const std::string& source,
                             const fs::path& baseDir, const ImportOptions& options) {
  google::protobuf::Arena arena;
  const onnx::ModelProto& model = parseModelProto(bytes, format, source, arena);
  return Importer(model, source, baseDir, options).run();
}

ImportResult importOnnxFile(const fs::path& file, const ImportOptions& options) {
  OnnxFormat format;
  const std::string bytes = readModelFile(file, format);
  google::protobuf::Arena arena;
  const onnx::ModelProto& model = parseModelProto(bytes, format, file.string(), arena);
  return Importer(model, file.stem().string(), modelFolder(file), options).run();
}

std::vector<DeclaredInput> declaredOnnxInputs(const fs::path& file) {
  OnnxFormat format;
  const std::string bytes = readModelFile(file, format);
  google::protobuf::Arena arena;
  const onnx::ModelProto& model = parseModelProto(bytes, format, file.string(), arena);
  std::set<std::string> inits;
  for (const auto& i : model.graph().initializer()) inits.insert(i.name());
  std::vector<DeclaredInput> inputs;
  for (const auto& vi : model.graph().input()) {
    if (inits.count(vi.name())) continue;
    if (!vi.type().has_tensor_type())
      failUnsupported("graph input '" + vi.name() + "' is not a tensor (sequence, map and optional inputs are not supported)");
    DeclaredInput d{vi.name(), vi.type().tensor_type().has_shape(), {}};
    if (d.hasShape)
      for (const auto& dim : vi.type().tensor_type().shape().dim())
        d.dims.push_back(dim.has_dim_value() && dim.dim_value() >= 0 ? dim.dim_value() : -1);
    inputs.push_back(std::move(d));
  }
  return inputs;
}

std::pair<std::string, Shape> parseInputShapeSpec(const std::string& spec) {
  auto eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    failBadInput("--input-shape expects NAME=DIMS such as data=1x3x224x224, got '" + spec + "'");
  Shape shape;
  const std::string dims = spec.substr(eq + 1);
  // Split on every 'x' (getline would drop an empty last field: "1x3x" must fail, not read as 1x3).
  for (size_t start = 0;;) {
    size_t end = dims.find('x', start);
    std::string dim = dims.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (dim.empty() || dim.size() > 18 || dim.find_first_not_of("0123456789") != std::string::npos)
      failBadInput("--input-shape '" + spec + "': '" + dim + "' is not a dimension");
    shape.push_back(std::stoll(dim));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {spec.substr(0, eq), shape};
}

}  // namespace nest
