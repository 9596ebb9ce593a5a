#include "core/onnx_export.h"

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <unordered_set>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/onnx_tensor.h"
#include "core/op_table.h"
#include "core/ops/attention_layout.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

bool isReduce(const std::string& op) { return op.rfind("Reduce", 0) == 0; }

Tensor int64Vector(const Ints& v) {
  return Tensor::fromVector<int64_t>(ElemType::I64, {static_cast<int64_t>(v.size())}, v);
}
Tensor floatVector(const Floats& v) {
  return Tensor::fromVector<float>(ElemType::F32, {static_cast<int64_t>(v.size())}, v);
}
// A scalar of element type `elem` holding `v`.
Tensor scalarOf(ElemType elem, double v) {
  return convertTensor(Tensor::fromVector<double>(ElemType::F64, {}, {v}), elem);
}

void setType(onnx::TypeProto* tp, const TensorType& t) {
  auto* tt = tp->mutable_tensor_type();
  tt->set_elem_type(elemTypeToOnnx(t.elem));
  auto* shape = tt->mutable_shape();
  for (int64_t d : t.shape) shape->add_dim()->set_dim_value(d);
}

void setAttribute(onnx::AttributeProto* a, const std::string& name, const Attribute& value) {
  a->set_name(name);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          a->set_type(onnx::AttributeProto::INT);
          a->set_i(v);
        } else if constexpr (std::is_same_v<T, float>) {
          a->set_type(onnx::AttributeProto::FLOAT);
          a->set_f(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          a->set_type(onnx::AttributeProto::STRING);
          a->set_s(v);
        } else if constexpr (std::is_same_v<T, Ints>) {
          a->set_type(onnx::AttributeProto::INTS);
          for (int64_t x : v) a->add_ints(x);
        } else if constexpr (std::is_same_v<T, Floats>) {
          a->set_type(onnx::AttributeProto::FLOATS);
          for (float x : v) a->add_floats(x);
        } else if constexpr (std::is_same_v<T, Strings>) {
          a->set_type(onnx::AttributeProto::STRINGS);
          for (const std::string& x : v) a->add_strings(x);
        } else if constexpr (std::is_same_v<T, Tensor>) {
          a->set_type(onnx::AttributeProto::TENSOR);
          tensorToProto(v, "", *a->mutable_t());
        } else {  // bodies are written by the exporter (exportControlFlow)
          failInternal("ONNX export: attribute '" + name + "' holds a graph outside If / Loop");
        }
      },
      value);
}

// One ONNX node being assembled: op type, operands by ONNX position, attributes.
struct OnnxNode {
  std::string op;
  std::string name;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  Attributes attrs;
};

// Names in use across the model: a body's values share one namespace with the enclosing graphs'
// (ONNX forbids a subgraph to shadow an outer name).
struct ExportNames {
  std::unordered_set<std::string> values;
  std::unordered_set<std::string> nodes;
};

void collectNames(const Graph& g, ExportNames& names) {
  auto use = [&](const std::string& v) { if (!v.empty()) names.values.insert(v); };
  for (const auto& v : g.inputs) use(v);
  for (const auto& v : g.outputs) use(v);
  for (const auto& [v, t] : g.constants()) use(v);
  for (const Node& n : g.nodes) {
    for (const auto& v : n.inputs) use(v);
    for (const auto& v : n.outputs) use(v);
    if (!n.name.empty()) names.nodes.insert(n.name);
    for (const auto& [name, value] : n.attrs.all())
      if (const GraphAttr* body = std::get_if<GraphAttr>(&value); body && *body) collectNames(**body, names);
  }
}

class Exporter {
 public:
  explicit Exporter(const Graph& g) : g_(g), ownNames_(std::make_unique<ExportNames>()), names_(*ownNames_) {
    collectNames(g, names_);
  }

  onnx::ModelProto run() {
    checkNoQuant();
    onnx::ModelProto model;
    model.set_ir_version(kExportIrVersion);
    model.set_producer_name("nest");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(kExportOpset);
    exportGraph(*model.mutable_graph(), {});
    return model;
  }

 private:
  // A body's exporter: names shared with the enclosing graph's.
  Exporter(const Graph& g, ExportNames& names) : g_(g), names_(names) {}

  // Writes g_ into `gp`. Inputs named in `captured` (a body's captured values) are not inputs of
  // the ONNX graph but references to the outer value named there.
  // `declared` overrides the type written for some inputs: a Loop body's condition input takes the
  // shape of the Loop's condition operand (ONNX says scalar, exporters write [1] as well, and
  // onnxruntime wants both to agree).
  void exportGraph(onnx::GraphProto& gp, const std::map<std::string, std::string>& captured,
                   const std::map<std::string, TensorType>& declared = {}) {
    gp_ = &gp;
    gp_->set_name(g_.name.empty() ? "nest" : g_.name);
    rename_ = captured;
    for (size_t i = 0; i < g_.inputs.size(); ++i) {
      const std::string& in = g_.inputs[i];
      if (captured.count(in)) continue;
      auto* vi = gp_->add_input();
      vi->set_name(in);
      auto d = declared.find(in);
      setType(vi->mutable_type(), d != declared.end() ? d->second : g_.typeOf(in));
    }
    for (const auto& [name, t] : g_.constants()) tensorToProto(t, name, *gp_->add_initializer());
    std::unordered_set<std::string> outputs(g_.outputs.begin(), g_.outputs.end());
    std::unordered_set<std::string> produced;
    for (const Node& n : g_.nodes) {
      exportNode(n);
      for (const std::string& o : n.outputs) {
        produced.insert(o);
        if (!outputs.count(o)) addValueInfo(o, g_.typeOf(o));
      }
    }
    std::unordered_set<std::string> written;
    for (const std::string& out : g_.outputs) {
      // A body result that is no node's (an input, a captured value, a constant) or that repeats
      // one goes through an Identity: ONNX runtimes want a subgraph's results produced inside it.
      std::string name = out;
      if (top_ && (!produced.count(out) || written.count(out))) {
        name = fresh(out + "_result");
        OnnxNode id;
        id.op = "Identity";
        id.name = freshNodeName(name);
        id.inputs = {out};
        id.outputs = {name};
        emit(id);
      }
      written.insert(out);
      auto* vi = gp_->add_output();
      vi->set_name(name);
      setType(vi->mutable_type(), g_.typeOf(out));
    }
  }

 private:
  void checkNoQuant() {
    auto check = [&](const std::string& value, const TensorType& t) {
      if (t.quant)
        failUnsupported("ONNX export: value '" + value + "' has quantized type " + typeToString(t) +
                        "; exporting quantized types is not supported");
    };
    for (const auto& v : g_.inputs) check(v, g_.typeOf(v));
    for (const auto& [v, t] : g_.constants()) check(v, t.type());
    for (const Node& n : g_.nodes)
      for (const auto& v : n.outputs) check(v, g_.typeOf(v));
  }

  // How an operand is spelled in the ONNX graph: a captured value by its outer name.
  std::string ref(const std::string& v) const {
    auto it = rename_.find(v);
    return it == rename_.end() ? v : it->second;
  }

  // If and Loop decided at run time: their bodies as GraphProtos; a body's captured inputs become
  // references to the node's captured operands (outer-scope values), which leave the operand list.
  void exportControlFlow(const Node& n) {
    OnnxNode o;
    o.op = n.op;
    o.name = n.name.empty() ? freshNodeName("node_" + std::to_string(n.id)) : n.name;
    o.outputs = n.outputs;
    const size_t own = n.op == "If" ? 1 : 2 + n.outputs.size();  // operands that are the ONNX node's
    for (size_t i = 0; i < own && i < n.inputs.size(); ++i) o.inputs.push_back(n.inputs[i].empty() ? "" : ref(n.inputs[i]));
    auto* np = gp_->add_node();
    np->set_op_type(o.op);
    np->set_name(o.name);
    for (const auto& in : o.inputs) np->add_input(in);
    for (const auto& out : o.outputs) np->add_output(out);
    for (const auto& [name, value] : n.attrs.all()) {
      const Graph& body = *std::get<GraphAttr>(value);
      const size_t formal = n.op == "If" ? 0 : 2 + n.outputs.size();  // the body's own inputs
      std::map<std::string, std::string> captured;
      for (size_t i = formal; i < body.inputs.size(); ++i) captured[body.inputs[i]] = ref(n.inputs[own + (i - formal)]);
      auto* a = np->add_attribute();
      a->set_name(name);
      a->set_type(onnx::AttributeProto::GRAPH);
      Exporter sub(body, names_);
      sub.checkNoQuant();
      sub.top_ = top_ ? top_ : gp_;
      std::map<std::string, TensorType> declared;
      if (n.op == "Loop" && n.hasInput(1)) declared[body.inputs.at(1)] = g_.typeOf(n.inputs[1]);
      sub.exportGraph(*a->mutable_g(), captured, declared);
    }
  }

  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int i = 1; names_.values.count(name); ++i) name = base + "_" + std::to_string(i);
    names_.values.insert(name);
    return name;
  }
  std::string freshNodeName(const std::string& base) {
    std::string name = base;
    for (int i = 1; names_.nodes.count(name); ++i) name = base + "_" + std::to_string(i);
    names_.nodes.insert(name);
    return name;
  }

  std::string addInitializer(const std::string& base, const Tensor& t) {
    std::string name = fresh(base);
    tensorToProto(t, name, *gp_->add_initializer());
    return name;
  }

  void addValueInfo(const std::string& value, const TensorType& t) {
    auto* vi = gp_->add_value_info();
    vi->set_name(value);
    setType(vi->mutable_type(), t);
  }

  void emit(const OnnxNode& n) {
    auto* np = gp_->add_node();
    np->set_op_type(n.op);
    np->set_name(n.name);
    for (const auto& in : n.inputs) np->add_input(in.empty() ? in : ref(in));
    for (const auto& out : n.outputs) np->add_output(out);
    for (const auto& [name, value] : n.attrs.all()) setAttribute(np->add_attribute(), name, value);
  }

  [[noreturn]] void unsupported(const Node& n, const std::string& why) {
    failUnsupported("ONNX export: " + n.describe() + ": " + why + " cannot be expressed in opset " +
                    std::to_string(kExportOpset));
  }

  // ONNX operand positions for opset 17 that our IR holds as attributes.
  std::vector<ParamInput> opset17Params(const Node& n, const OpDef& def) {
    if (isReduce(n.op) && n.op != "ReduceSum") return {};  // attribute `axes` until opset 18
    if (n.op == "Pad") return {{1, "pads", AttrKind::Ints}, {2, "constant_value", AttrKind::Tensor}};
    return def.params;
  }

  // Rewrites old-opset and opset-18 attribute forms into their opset-17 equivalents.
  void normalize(const Node& n, OnnxNode& o) {
    Attributes& a = o.attrs;
    const TensorType& x = n.inputs.empty() || n.inputs[0].empty() ? g_.typeOf(n.outputs[0]) : g_.typeOf(n.inputs[0]);
    if (n.op == "ScatterND") {
      const std::string reduction = a.getString("reduction", "none");
      if (reduction == "max" || reduction == "min") unsupported(n, "reduction '" + reduction + "' (opset 18)");
    }
    if (n.op == "Pad") {
      if (a.has("value")) {  // Pad-2
        if (!a.has("constant_value")) a.set("constant_value", scalarOf(x.elem, a.getFloat("value", 0.0f)));
        a.erase("value");
      }
      if (a.has("axes")) {  // Pad-18: pads for the listed axes only
        Ints axes = a.getInts("axes"), pads = a.getInts("pads");
        const int64_t r = x.rank();
        Ints full(static_cast<size_t>(2 * r), 0);
        if (pads.size() != 2 * axes.size()) unsupported(n, "pads/axes of different lengths");
        for (size_t i = 0; i < axes.size(); ++i) {
          int64_t ax = axes[i] < 0 ? axes[i] + r : axes[i];
          full[static_cast<size_t>(ax)] = pads[i];
          full[static_cast<size_t>(ax + r)] = pads[i + axes.size()];
        }
        a.set("pads", full);
        a.erase("axes");
      }
    } else if (n.op == "Clip") {
      for (const char* name : {"min", "max"}) {
        auto it = a.all().find(name);
        if (it == a.all().end()) continue;
        if (const float* f = std::get_if<float>(&it->second)) a.set(name, scalarOf(x.elem, *f));  // Clip-6
        else if (const int64_t* i = std::get_if<int64_t>(&it->second)) a.set(name, scalarOf(x.elem, static_cast<double>(*i)));
      }
    } else if (n.op == "Dropout") {
      if (a.has("ratio")) a.set("ratio", Tensor::scalarF32(a.getFloat("ratio", 0.5f)));
      if (a.has("training_mode"))
        a.set("training_mode", convertTensor(Tensor::fromVector<int64_t>(ElemType::I64, {}, {a.getInt("training_mode")}),
                                             ElemType::Bool));
    } else if (n.op == "Split") {
      a.erase("num_outputs");  // opset 18; the number of results says it
      if (!a.has("split")) {
        // Opset 17 without `split` needs equal parts; write sizes when the last part is smaller.
        int64_t axis = a.getInt("axis", 0);
        if (axis < 0) axis += x.rank();
        Ints sizes;
        for (const auto& out : n.outputs) sizes.push_back(g_.typeOf(out).shape[static_cast<size_t>(axis)]);
        if (std::any_of(sizes.begin(), sizes.end(), [&](int64_t s) { return s != sizes.front(); })) a.set("split", sizes);
      }
    } else if (isReduce(n.op) && n.op != "ReduceSum") {
      if (a.getInt("noop_with_empty_axes", 0) != 0 && a.getInts("axes").empty())
        unsupported(n, "noop_with_empty_axes on " + n.op);
      a.erase("noop_with_empty_axes");
    } else if (n.op == "Resize") {
      if (a.getInt("antialias", 0) != 0) unsupported(n, "antialias");
      a.erase("antialias");
      if (a.getString("keep_aspect_ratio_policy", "stretch") != "stretch") unsupported(n, "keep_aspect_ratio_policy");
      a.erase("keep_aspect_ratio_policy");
      if (a.has("axes")) {  // Resize-18: scales/sizes/roi for the listed axes only
        Ints axes = a.getInts("axes");
        const int64_t r = x.rank();
        for (int64_t& ax : axes) if (ax < 0) ax += r;
        if (a.has("scales")) {
          Floats s = a.getFloats("scales"), full(static_cast<size_t>(r), 1.0f);
          for (size_t i = 0; i < axes.size() && i < s.size(); ++i) full[static_cast<size_t>(axes[i])] = s[i];
          a.set("scales", full);
        }
        if (a.has("sizes")) {
          Ints s = a.getInts("sizes"), full = x.shape;
          for (size_t i = 0; i < axes.size() && i < s.size(); ++i) full[static_cast<size_t>(axes[i])] = s[i];
          a.set("sizes", full);
        }
        if (a.has("roi")) {
          Floats s = a.getFloats("roi"), full(static_cast<size_t>(2 * r), 0.0f);
          for (int64_t i = 0; i < r; ++i) full[static_cast<size_t>(r + i)] = 1.0f;
          if (s.size() != 2 * axes.size()) unsupported(n, "roi/axes of different lengths");
          for (size_t i = 0; i < axes.size(); ++i) {
            full[static_cast<size_t>(axes[i])] = s[i];
            full[static_cast<size_t>(axes[i] + r)] = s[i + axes.size()];
          }
          a.set("roi", full);
        }
        a.erase("axes");
      }
    } else if (n.op == "Upsample") {
      o.op = "Resize";
      std::string mode = a.getString("mode", "nearest");
      if (mode == "bilinear") mode = "linear";
      a.set("mode", mode);
      a.set("coordinate_transformation_mode", std::string("asymmetric"));
      if (mode == "nearest") a.set("nearest_mode", std::string("floor"));
    }
  }

  // A parameter attribute as an initializer of the opset-17 operand's type.
  Tensor paramTensor(const Node& n, const ParamInput& p, const Attribute& value) {
    if (const Tensor* t = std::get_if<Tensor>(&value)) return *t;
    if (const Ints* v = std::get_if<Ints>(&value)) return int64Vector(*v);
    if (const Floats* v = std::get_if<Floats>(&value)) return floatVector(*v);
    if (const float* v = std::get_if<float>(&value)) return Tensor::scalarF32(*v);
    if (const int64_t* v = std::get_if<int64_t>(&value)) return Tensor::fromVector<int64_t>(ElemType::I64, {}, {*v});
    failInternal("ONNX export: " + n.describe() + ": parameter '" + p.attr + "' has an unexpected attribute type");
  }

  // Operands the ONNX op requires even when our IR leaves the attribute out (empty values).
  static bool requiredParam(const std::string& op, const std::string& attr) {
    return (op == "Reshape" && attr == "shape") || (op == "Expand" && attr == "shape") ||
           (op == "Tile" && attr == "repeats") || (op == "ConstantOfShape" && attr == "shape") ||
           (op == "Pad" && attr == "pads") || (op == "Slice" && (attr == "starts" || attr == "ends"));
  }

  // Conv's output_scale (y = conv(x, W) * s + b) becomes weights W * s, per output channel.
  void foldOutputScale(const Node& n, OnnxNode& o) {
    const Tensor* w = g_.constant(n.inputs.at(1));
    if (!w) unsupported(n, "output_scale on a Conv whose weights are not a constant");
    const Floats s = o.attrs.getFloats("output_scale");
    o.attrs.erase("output_scale");
    const int64_t per = w->numElements() / static_cast<int64_t>(s.size());
    Tensor scaled(w->type());
    for (int64_t i = 0; i < w->numElements(); ++i) {
      double v = w->getDouble(i) * s[i / per];
      if (w->elem() == ElemType::F32) scaled.mutableData<float>()[i] = static_cast<float>(v);
      else if (w->elem() == ElemType::F64) scaled.mutableData<double>()[i] = v;
      else scaled.mutableData<uint16_t>()[i] = floatToHalf(static_cast<float>(v));
    }
    o.inputs[1] = addInitializer(n.inputs[1] + "_scaled", scaled);
  }

  // Swish (internal) and Gelu (opset 20) written as their formula in opset-17 ops, in the order
  // of the interpreter's kernels (core/ops/activation_ops.cpp).
  void exportComposite(const Node& n) {
    const std::string base = n.name.empty() ? "node_" + std::to_string(n.id) : n.name;
    const std::string x = n.inputs.at(0), y = n.outputs.at(0);
    const TensorType& type = g_.typeOf(y);
    auto scalar = [&](const char* name, float v) { return addInitializer(base + "_" + name, scalarOf(type.elem, v)); };
    auto node = [&](const char* op, std::vector<std::string> ins, const std::string& out) {
      OnnxNode o;
      o.op = op;
      o.name = freshNodeName(base + "_" + op);
      o.inputs = std::move(ins);
      o.outputs = {out.empty() ? fresh(base + "_" + op) : out};
      emit(o);
      if (out.empty()) addValueInfo(o.outputs[0], type);
      return o.outputs[0];
    };
    if (n.op == "Swish") {
      const float alpha = n.attrs.getFloat("alpha", 1.0f);
      const std::string z = alpha == 1.0f ? x : node("Mul", {scalar("alpha", alpha), x}, "");
      node("Mul", {x, node("Sigmoid", {z}, "")}, y);
      return;
    }
    std::string inner;
    if (n.attrs.getString("approximate", "none") == "tanh") {
      const std::string cube = node("Mul", {node("Mul", {node("Mul", {scalar("c", 0.044715f), x}, ""), x}, ""), x}, "");
      const std::string poly = node("Add", {x, cube}, "");
      inner = node("Tanh", {node("Mul", {scalar("k", 0.79788456080286535588f), poly}, "")}, "");
    } else {
      inner = node("Erf", {node("Mul", {x, scalar("rsqrt2", 0.70710678118654752440f)}, "")}, "");
    }
    const std::string onePlus = node("Add", {scalar("one", 1.0f), inner}, "");
    node("Mul", {node("Mul", {scalar("half", 0.5f), x}, ""), onePlus}, y);
  }

  // Attention (internal, fuse-attention) as the opset-17 ops it was fused from:
  // MatMul(Q, KT) -> Mul(scale) -> [Add(mask)] -> Softmax(last axis) -> MatMul(., V), with a
  // Transpose before each operand and after the result whose perm (core/ops/attention_layout.h)
  // is not the identity.
  void exportAttention(const Node& n) {
    const std::string base = n.name.empty() ? "node_" + std::to_string(n.id) : n.name;
    const size_t rank = g_.typeOf(n.inputs[0]).shape.size();
    Ints perms[4];
    ops::AttentionView operands[3];
    for (int k = 0; k < 4; ++k) perms[k] = ops::attentionPerm(n.attrs, k, rank, n);
    for (int k = 0; k < 3; ++k) operands[k] = ops::attentionView(g_.typeOf(n.inputs[k]).shape, perms[k]);
    Shape scores = operands[0].shape, y = operands[0].shape;
    scores.back() = operands[1].shape.back();
    y.back() = operands[2].shape.back();
    auto node = [&](const char* op, std::vector<std::string> ins, const std::string& out, const Shape& shape,
                    Attributes attrs = {}) {
      OnnxNode o;
      o.op = op;
      o.name = freshNodeName(base + "_" + op);
      o.inputs = std::move(ins);
      o.outputs = {out.empty() ? fresh(base + "_" + op) : out};
      o.attrs = std::move(attrs);
      emit(o);
      if (out.empty()) addValueInfo(o.outputs[0], TensorType(ElemType::F32, shape));
      return o.outputs[0];
    };
    auto isIdentity = [](const Ints& p) {
      for (size_t i = 0; i < p.size(); ++i)
        if (p[i] != static_cast<int64_t>(i)) return false;
      return true;
    };
    auto transpose = [&](const std::string& x, const Ints& perm, const Shape& shape, const std::string& out) {
      Attributes a;
      a.set("perm", perm);
      return node("Transpose", {x}, out, shape, a);
    };
    std::string in[3];
    for (int k = 0; k < 3; ++k)
      in[k] = isIdentity(perms[k]) ? n.inputs[k] : transpose(n.inputs[k], perms[k], operands[k].shape, "");
    std::string s = node("MatMul", {in[0], in[1]}, "", scores);
    s = node("Mul", {s, addInitializer(base + "_scale", scalarOf(ElemType::F32, n.attrs.getFloat("scale", 1.0f)))}, "",
             scores);
    if (n.inputs.size() > 3 && !n.inputs[3].empty()) s = node("Add", {s, n.inputs[3]}, "", scores);
    Attributes axis;
    axis.set("axis", int64_t{-1});
    s = node("Softmax", {s}, "", scores, axis);
    if (isIdentity(perms[3])) {
      node("MatMul", {s, in[2]}, n.outputs[0], y);
    } else {
      transpose(node("MatMul", {s, in[2]}, "", y), ops::inversePerm(perms[3]), {}, n.outputs[0]);
    }
  }

  void exportNode(const Node& n) {
    if (n.op == "If" || n.op == "Loop") return exportControlFlow(n);
    if (n.op == "Swish" || n.op == "Gelu") return exportComposite(n);
    if (n.op == "Attention") return exportAttention(n);
    const OpDef* def = OpTable::instance().find(n.op);
    if (!def) failInternal("ONNX export: " + n.describe() + ": op not in the op table");
    OnnxNode o;
    o.op = n.op;
    o.name = n.name.empty() ? freshNodeName("node_" + std::to_string(n.id)) : n.name;
    o.outputs = n.outputs;
    o.attrs = n.attrs;

    // Fused activation: the op, then the activation node writing the original result.
    std::string activation = o.attrs.getString("activation", "");
    Floats activationParams = o.attrs.getFloats("activation_params");
    o.attrs.erase("activation");
    o.attrs.erase("activation_params");

    normalize(n, o);

    std::vector<ParamInput> params = n.op == "Upsample" ? std::vector<ParamInput>{{2, "scales", AttrKind::Floats}}
                                                        : opset17Params(n, *def);
    std::map<int, std::string> paramValues;
    int maxParam = -1;
    for (const ParamInput& p : params) {
      maxParam = std::max(maxParam, p.index);
      auto it = o.attrs.all().find(p.attr);
      std::string value;
      if (it != o.attrs.all().end()) {
        value = addInitializer(o.name + "_" + p.attr, paramTensor(n, p, it->second));
        o.attrs.erase(p.attr);
      } else if (requiredParam(n.op, p.attr)) {
        value = addInitializer(o.name + "_" + p.attr, int64Vector({}));
      }
      paramValues[p.index] = value;
    }
    size_t data = 0;
    for (int pos = 0; data < n.inputs.size() || pos <= maxParam; ++pos) {
      if (auto it = paramValues.find(pos); it != paramValues.end()) {
        o.inputs.push_back(it->second);
      } else if (data < n.inputs.size()) {
        o.inputs.push_back(n.inputs[data++]);
      } else {
        o.inputs.push_back("");
      }
    }
    while (!o.inputs.empty() && o.inputs.back().empty()) o.inputs.pop_back();
    if (o.attrs.has("output_scale")) foldOutputScale(n, o);

    if (activation.empty()) {
      emit(o);
      return;
    }
    const std::string result = n.outputs.at(0);
    const TensorType& type = g_.typeOf(result);
    std::string pre = fresh(result + "_" + n.op);
    o.outputs[0] = pre;
    emit(o);
    addValueInfo(pre, type);
    OnnxNode act;
    act.op = activation;
    act.name = freshNodeName(o.name + "_" + activation);
    act.inputs = {pre};
    act.outputs = {result};
    if (activation == "Clip") {
      if (activationParams.size() != 2) unsupported(n, "Clip activation without [min, max]");
      act.inputs.push_back(addInitializer(act.name + "_min", scalarOf(type.elem, activationParams[0])));
      act.inputs.push_back(addInitializer(act.name + "_max", scalarOf(type.elem, activationParams[1])));
    } else if (activation == "LeakyRelu") {
      if (!activationParams.empty()) act.attrs.set("alpha", activationParams[0]);
    } else if (activation != "Relu" && activation != "Sigmoid" && activation != "HardSwish") {
      unsupported(n, "fused activation '" + activation + "'");
    }
    emit(act);
  }

  const Graph& g_;
  std::unique_ptr<ExportNames> ownNames_;  // the top graph's exporter owns the names
  ExportNames& names_;
  onnx::GraphProto* gp_ = nullptr;
  const onnx::GraphProto* top_ = nullptr;  // the model's graph when this exporter writes a body
  std::map<std::string, std::string> rename_;  // a body's captured inputs -> outer names
};

}  // namespace

onnx::ModelProto exportOnnxModel(const Graph& graph) { return Exporter(graph).run(); }

void exportOnnx(const Graph& graph, const fs::path& file) {
  onnx::ModelProto model = exportOnnxModel(graph);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) failBadInput("cannot serialize the ONNX model for " + file.string());
  writeFileAtomically(file, bytes);
}

}  // namespace nest
