// The ONNX importer: every error path (kind, and a message that names what and where), the
// accepted spellings of a model (domains, initializers listed as inputs, Constant nodes, external
// data, old and new opset forms, parameter operands) and the text IR round trip.
#include "tests/test_support.h"
#include "tests/onnx_model_builder.h"

#include <onnx/onnx_pb.h>

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <fstream>
#include <variant>

#include "backends/interpreter/interpreter.h"
#include "core/npy.h"
#include "core/onnx_import.h"
#include "core/onnx_tensor.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"

namespace fs = std::filesystem;
using namespace nest;
using namespace nest::testing;

namespace {

size_t countOf(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++n;
  return n;
}

std::string attrsToString(const Attributes& a) {
  // Printed through a one-node graph is overkill; names suffice to show what differs.
  std::string s;
  for (const auto& [name, value] : a.all()) s += name + " ";
  return s;
}

fs::path mnistModel() { return nest::testing::testdata() / "models" / "mnist-8" / "model.onnx"; }

// Imports the old and the new opset form of one computation: both must give one `op` node, the same
// result types and the same outputs on `inputs`. Fills the two nodes' attributes for further checks.
void importBothForms(const std::string& op, ModelBuilder& oldForm, ModelBuilder& newForm,
                     const std::vector<Tensor>& inputs, Attributes& oldAttrs, Attributes& newAttrs) {
  ImportResult a = importModel(oldForm.model());
  ImportResult b = importModel(newForm.model());
  QCOMPARE(a.opset, oldForm.model().opset_import(0).version());
  QCOMPARE(b.opset, newForm.model().opset_import(0).version());
  const Node* na = findOp(a.graph, op);
  const Node* nb = findOp(b.graph, op);
  QVERIFY(na && nb);
  QCOMPARE(a.graph.nodes.size(), size_t(1));
  QCOMPARE(b.graph.nodes.size(), size_t(1));
  // Parameter operands became attributes: the node keeps only its data operand.
  QCOMPARE(na->inputs, std::vector<std::string>{"x"});
  QCOMPARE(nb->inputs, std::vector<std::string>{"x"});
  QCOMPARE(a.graph.inputs, b.graph.inputs);
  QCOMPARE(a.graph.outputs, b.graph.outputs);
  QVERIFY(a.graph.constants().empty());
  QVERIFY(b.graph.constants().empty());
  for (const std::string& out : a.graph.outputs)
    NEST_VERIFY(a.graph.typeOf(out) == b.graph.typeOf(out),
                out + ": " + typeToString(a.graph.typeOf(out)) + " vs " + typeToString(b.graph.typeOf(out)));
  std::vector<Tensor> outA = runGraph(a.graph, inputs), outB = runGraph(b.graph, inputs);
  std::string diff = sameTensors(outA, outB);
  NEST_VERIFY(diff.empty(), op + " old vs new form: " + diff);
  oldAttrs = na->attrs;
  newAttrs = nb->attrs;
}

double scalarOf(const Attribute& a) {
  if (const Tensor* t = std::get_if<Tensor>(&a)) return t->numElements() == 1 ? t->getDouble(0) : -1e300;
  if (const float* f = std::get_if<float>(&a)) return *f;
  if (const int64_t* i = std::get_if<int64_t>(&a)) return static_cast<double>(*i);
  return -1e300;
}

}  // namespace

class TestImporter : public QObject {
  Q_OBJECT

 private slots:
  // ----------------------------------------------------------------------------------------------
  // Files that are not models.

  void missingFile() {
    ErrorKind kind{};
    std::string msg = errorOf([] { importOnnxFile("/nonexistent/folder/net.onnx"); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "/nonexistent/folder/net.onnx");
    NEST_CONTAINS(msg, "does not exist");
  }

  void directory() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ErrorKind kind{};
    std::string msg = errorOf([&] { importOnnxFile(dir.path().toStdString()); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, dir.path().toStdString());
    NEST_CONTAINS(msg, "is a directory");
  }

  void garbageBinary() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    fs::path file = fs::path(dir.path().toStdString()) / "garbage.onnx";
    QRandomGenerator rng(12345);
    std::string bytes(4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng.bounded(256));
    writeBytes(file, bytes);
    ErrorKind kind{};
    std::string msg = errorOf([&] { importOnnxFile(file); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, file.string());
    NEST_CONTAINS(msg, "not a valid ONNX model");
  }

  void malformedText() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    fs::path file = fs::path(dir.path().toStdString()) / "broken.onnxtxt";
    writeBytes(file,
               "ir_version: 7\n"
               "opset_import { version: 13 }\n"
               "graph {\n"
               "  name: \"g\"\n"
               "  nodes_misspelled { op_type: \"Relu\" input: \"x\" output: \"y\" }\n"
               "}\n");
    ErrorKind kind{};
    std::string msg = errorOf([&] { importOnnxFile(file); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, file.string());
    NEST_CONTAINS(msg, "not a valid ONNX text model");
    NEST_CONTAINS(msg, "line 5:");
    NEST_CONTAINS(msg, "nodes_misspelled");
  }

  void noGraph() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path base = dir.path().toStdString();
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.add_opset_import()->set_version(13);
    // Binary, text and an empty file (a valid, empty ModelProto).
    writeModel(m, base / "nograph.onnx");
    writeBytes(base / "nograph.onnxtxt", "ir_version: 7\nopset_import { version: 13 }\n");
    writeBytes(base / "empty.onnx", "");
    for (const char* name : {"nograph.onnx", "nograph.onnxtxt", "empty.onnx"}) {
      ErrorKind kind{};
      std::string msg = errorOf([&] { importOnnxFile(base / name); }, &kind);
      QCOMPARE(kind, ErrorKind::BadInput);
      NEST_CONTAINS(msg, (base / name).string());
      NEST_CONTAINS(msg, "has no graph");
    }
  }

  // ----------------------------------------------------------------------------------------------
  // Unsupported ops: one error for the whole model.

  void unsupportedOpsListedOnce() {
    ModelBuilder b(13);
    b.input("x", {2, 3}).output("y");
    b.node("Foo", "foo_first", {"x"}, {"f1"});
    b.node("Relu", "relu", {"f1"}, {"r"});
    b.node("Foo", "foo_second", {"r"}, {"f2"});
    b.node("Bar", "bar_node", {"f2"}, {"b"});
    b.node("Relu", "acme_relu", {"b"}, {"a"}, "com.acme");  // a known op name in a custom domain
    b.node("Bar", "bar_again", {"a"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "3 unsupported op types");
    NEST_CONTAINS(msg, "opset 13");
    NEST_CONTAINS(msg, "Foo (e.g. node 'foo_first')");
    NEST_CONTAINS(msg, "Bar (e.g. node 'bar_node')");
    NEST_CONTAINS(msg, "com.acme.Relu (e.g. node 'acme_relu')");
    // Each op type once, with one node name.
    QCOMPARE(countOf(msg, "Foo"), size_t(1));
    QCOMPARE(countOf(msg, "Bar"), size_t(1));
    QVERIFY(!contains(msg, "foo_second"));
    QVERIFY(!contains(msg, "bar_again"));
    // The supported Relu in the default domain is not listed.
    QVERIFY(!contains(msg, "node 'relu'"));
  }

  void unsupportedSingleOp() {
    ModelBuilder b(11);
    b.input("x", {4}).output("y");
    b.node("Frobnicate", "", {"x"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "1 unsupported op type (opset 11)");
    NEST_CONTAINS(msg, "Frobnicate (e.g. node '(unnamed)')");
  }

  // ----------------------------------------------------------------------------------------------
  // Input shapes.

  void dynamicDimensionNeedsInputShape() {
    ModelBuilder b(13);
    b.input("data", {-1, 3}, onnx::TensorProto::FLOAT, "batch").output("y");
    b.node("Relu", "relu", {"data"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "graph input 'data'");
    NEST_CONTAINS(msg, "dynamic dimension 'batch' at position 0");
    NEST_CONTAINS(msg, "--input-shape data=");

    ImportOptions options;
    options.inputShapes["data"] = {5, 3};
    ImportResult r = importModel(b.model(), options);
    QCOMPARE(r.graph.inputs, std::vector<std::string>{"data"});
    QCOMPARE(typeToString(r.graph.typeOf("data")), std::string("f32[5,3]"));
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[5,3]"));
    std::vector<Tensor> out = runGraph(r.graph, {ramp({5, 3}, 1.0f, -7.0f)});
    QCOMPARE(out.size(), size_t(1));
    QCOMPARE(out[0].values<float>()[0], 0.0f);
    QCOMPARE(out[0].values<float>()[14], 7.0f);
  }

  void inputShapeWrongRank() {
    ModelBuilder b(13);
    b.input("data", {-1, 3}).output("y");
    b.node("Relu", "relu", {"data"}, {"y"});
    ImportOptions options;
    options.inputShapes["data"] = {2, 3, 4};
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind, options);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "--input-shape data=2x3x4");
    NEST_CONTAINS(msg, "rank 3");
    NEST_CONTAINS(msg, "rank 2");
  }

  void inputWithoutShape() {
    ModelBuilder b(13);
    b.output("y");
    auto* vi = b.graph().add_input();
    vi->set_name("data");
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
    b.node("Relu", "relu", {"data"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "graph input 'data' has no shape");
    NEST_CONTAINS(msg, "--input-shape data=");
    ImportOptions options;
    options.inputShapes["data"] = {7};
    QCOMPARE(typeToString(importModel(b.model(), options).graph.typeOf("y")), std::string("f32[7]"));
  }

  void unsupportedInputTypes() {
    {
      ModelBuilder b(13);
      b.input("text", {2}, onnx::TensorProto::STRING).output("y");
      b.node("Identity", "id", {"text"}, {"y"});
      ErrorKind kind{};
      std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::Unsupported);
      NEST_CONTAINS(msg, "graph input 'text'");
      NEST_CONTAINS(msg, "STRING");
    }
    {
      ModelBuilder b(13);
      b.output("y");
      auto* vi = b.graph().add_input();
      vi->set_name("seq");
      vi->mutable_type()->mutable_sequence_type()->mutable_elem_type()->mutable_tensor_type()->set_elem_type(
          onnx::TensorProto::FLOAT);
      b.node("Identity", "id", {"seq"}, {"y"});
      ErrorKind kind{};
      std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::Unsupported);
      NEST_CONTAINS(msg, "graph input 'seq' is not a tensor");
    }
  }

  void parseInputShapeSpecGood() {
    auto [name, shape] = parseInputShapeSpec("data=1x3x224x224");
    QCOMPARE(name, std::string("data"));
    QCOMPARE(shape, (Shape{1, 3, 224, 224}));
    auto [name2, shape2] = parseInputShapeSpec("input:0=7");
    QCOMPARE(name2, std::string("input:0"));
    QCOMPARE(shape2, (Shape{7}));
    // The last '=' separates: names may hold '='.
    auto [name3, shape3] = parseInputShapeSpec("a=b=2x0x5");
    QCOMPARE(name3, std::string("a=b"));
    QCOMPARE(shape3, (Shape{2, 0, 5}));
  }

  void parseInputShapeSpecBad_data() {
    QTest::addColumn<QString>("spec");
    for (const char* spec : {"data", "=1x3", "data=", "data=1xx3", "data=x3", "data=1x3x", "data=1x-3", "data=ax3",
                             "data=1,3", "data=1 x3", "data=99999999999999999999x2", ""})
      QTest::newRow(spec[0] ? spec : "(empty)") << QString(spec);
  }
  void parseInputShapeSpecBad() {
    QFETCH(QString, spec);
    ErrorKind kind{};
    std::string msg = errorOf([&] { parseInputShapeSpec(spec.toStdString()); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "--input-shape");
    NEST_CONTAINS(msg, "'" + spec.toStdString());
  }

  // ----------------------------------------------------------------------------------------------
  // Accepted spellings.

  void domainSpellings_data() {
    QTest::addColumn<QString>("domain");
    QTest::newRow("empty") << QString("");
    QTest::newRow("ai.onnx") << QString("ai.onnx");
  }
  void domainSpellings() {
    QFETCH(QString, domain);
    ModelBuilder b(13, domain.toStdString());
    b.input("x", {2, 2}).output("y");
    b.node("Relu", "relu", {"x"}, {"y"}, domain.toStdString());
    ImportResult r = importModel(b.model());
    QCOMPARE(r.opset, int64_t(13));
    QCOMPARE(r.graph.nodes.size(), size_t(1));
    QCOMPARE(r.graph.nodes[0].op, std::string("Relu"));
    std::vector<Tensor> out = runGraph(r.graph, {f32({2, 2}, {-1, 2, -3, 4})});
    NEST_SAME_TENSORS({f32({2, 2}, {0, 2, 0, 4})}, out);
  }

  void initializerListedAsInput() {
    ModelBuilder b(13);
    b.input("x", {2, 2}).input("w", {2, 2}).output("y");
    b.initializer("w", f32({2, 2}, {10, 20, 30, 40}));
    b.node("Add", "add", {"x", "w"}, {"y"});
    ImportResult r = importModel(b.model());
    QCOMPARE(r.graph.inputs, std::vector<std::string>{"x"});
    QVERIFY(r.graph.isConstant("w"));
    QCOMPARE(r.graph.constant("w")->values<float>()[3], 40.0f);
    std::vector<Tensor> out = runGraph(r.graph, {f32({2, 2}, {1, 2, 3, 4})});
    NEST_SAME_TENSORS({f32({2, 2}, {11, 22, 33, 44})}, out);
  }

  void constantNodeForms() {
    ModelBuilder b(13);
    b.input("x", {2, 3}).output("y");
    b.constant("c_tensor", f32({3}, {1, 2, 3}));  // value
    auto& cf = b.node("Constant", "c_float_node", {}, {"c_float"});
    setFloat(cf, "value_float", 0.5f);
    auto& ci = b.node("Constant", "c_ints_node", {}, {"c_ints"});
    setInts(ci, "value_ints", {3, 2});
    b.node("Add", "add", {"x", "c_tensor"}, {"s"});
    b.node("Mul", "mul", {"s", "c_float"}, {"m"});
    b.node("Reshape", "reshape", {"m", "c_ints"}, {"y"});
    ImportResult r = importModel(b.model());
    const Graph& g = r.graph;
    QCOMPARE(g.inputs, std::vector<std::string>{"x"});
    // No Constant node survives: each became a constant, or an attribute when it was a parameter.
    for (const Node& n : g.nodes) QVERIFY(n.op != "Constant");
    QCOMPARE(g.nodes.size(), size_t(3));
    QVERIFY(g.isConstant("c_tensor"));
    NEST_SAME_TENSORS({f32({3}, {1, 2, 3})}, {*g.constant("c_tensor")});
    QVERIFY(g.isConstant("c_float"));
    QCOMPARE(typeToString(g.typeOf("c_float")), std::string("f32[]"));
    QCOMPARE(g.constant("c_float")->values<float>()[0], 0.5f);
    const Node* reshape = findOp(g, "Reshape");
    QVERIFY(reshape);
    QCOMPARE(reshape->attrs.getInts("shape"), (Ints{3, 2}));
    QVERIFY(!g.isConstant("c_ints"));  // only fed the parameter operand
    QCOMPARE(typeToString(g.typeOf("y")), std::string("f32[3,2]"));
    std::vector<Tensor> out = runGraph(g, {f32({2, 3}, {1, 2, 3, 4, 5, 6})});
    NEST_SAME_TENSORS({f32({3, 2}, {1, 2, 3, 2.5f, 3.5f, 4.5f})}, out);
  }

  void constantNodeErrors() {
    {
      ModelBuilder b(13);
      b.output("c");
      b.node("Constant", "empty_const", {}, {"c"});
      ErrorKind kind{};
      std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::BadInput);
      NEST_CONTAINS(msg, "node 'empty_const' (Constant)");
      NEST_CONTAINS(msg, "without a value");
    }
    {
      ModelBuilder b(13);
      b.output("c");
      auto& n = b.node("Constant", "string_const", {}, {"c"});
      setString(n, "value_string", "hello");
      ErrorKind kind{};
      std::string msg = importError(b.model(), &kind);
      QCOMPARE(kind, ErrorKind::Unsupported);
      NEST_CONTAINS(msg, "node 'string_const' (Constant)");
      NEST_CONTAINS(msg, "value_string");
    }
  }

  // ----------------------------------------------------------------------------------------------
  // External data.

  void externalData() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path base = dir.path().toStdString();
    const std::vector<float> w = {1.5f, -2.0f, 3.25f, 4.0f, -5.5f, 6.0f};
    std::string data(8, 'J');  // 8 bytes of something else before the tensor
    data.append(reinterpret_cast<const char*>(w.data()), w.size() * sizeof(float));
    data.append(16, 'K');  // and after it
    writeBytes(base / "weights.bin", data);

    auto model = [](const std::string& location, const std::string& offset, const std::string& length) {
      ModelBuilder b(13);
      b.input("x", {2, 3}).output("y");
      auto* t = b.graph().add_initializer();
      t->set_name("w");
      t->set_data_type(onnx::TensorProto::FLOAT);
      t->add_dims(2);
      t->add_dims(3);
      t->set_data_location(onnx::TensorProto::EXTERNAL);
      auto kv = [&](const char* key, const std::string& value) {
        auto* e = t->add_external_data();
        e->set_key(key);
        e->set_value(value);
      };
      kv("location", location);
      kv("offset", offset);
      kv("length", length);
      b.node("Add", "add", {"x", "w"}, {"y"});
      return b.model();
    };

    ImportResult r = importOnnxFile(writeModel(model("weights.bin", "8", "24"), base / "good.onnx"));
    QVERIFY(r.graph.isConstant("w"));
    NEST_SAME_TENSORS({f32({2, 3}, w)}, {*r.graph.constant("w")});
    std::vector<Tensor> out = runGraph(r.graph, {f32({2, 3}, {1, 1, 1, 1, 1, 1})});
    NEST_SAME_TENSORS({f32({2, 3}, {2.5f, -1.0f, 4.25f, 5.0f, -4.5f, 7.0f})}, out);

    ErrorKind kind{};
    std::string msg = errorOf([&] { importOnnxFile(writeModel(model("missing.bin", "0", "24"), base / "missing.onnx")); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "missing.bin");
    NEST_CONTAINS(msg, "'w'");

    kind = {};
    msg = errorOf([&] { importOnnxFile(writeModel(model("weights.bin", "40", "24"), base / "range.onnx")); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "weights.bin");
    NEST_CONTAINS(msg, "'w'");
    NEST_CONTAINS(msg, "exceeds");

    // A length so large that offset + length overflows.
    kind = {};
    msg = errorOf([&] { importOnnxFile(writeModel(model("weights.bin", "8", "9223372036854775807"), base / "huge.onnx")); },
                  &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "exceeds");

    // Offsets and lengths that are not byte counts.
    for (const char* offset : {"eight", "8x", "-8", "", "99999999999999999999999"}) {
      kind = {};
      msg = errorOf([&] { importOnnxFile(writeModel(model("weights.bin", offset, "24"), base / "nan.onnx")); }, &kind);
      QCOMPARE(kind, ErrorKind::BadInput);
      NEST_CONTAINS(msg, "'w'");
      NEST_CONTAINS(msg, "offset '" + std::string(offset) + "'");
    }

    // A length that does not match the tensor's shape.
    kind = {};
    msg = errorOf([&] { importOnnxFile(writeModel(model("weights.bin", "8", "20"), base / "short.onnx")); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "'w'");
  }

  // ----------------------------------------------------------------------------------------------
  // Old and new opset forms of the same computation.

  void padForms() {
    ModelBuilder oldForm(2), newForm(11);
    oldForm.input("x", {2, 3}).output("y");
    auto& p2 = oldForm.node("Pad", "pad", {"x"}, {"y"});
    setString(p2, "mode", "constant");
    setInts(p2, "pads", {0, 1, 1, 2});
    setFloat(p2, "value", 1.5f);
    newForm.input("x", {2, 3}).output("y");
    newForm.initializer("pads", i64({4}, {0, 1, 1, 2}));
    newForm.initializer("cv", Tensor::scalarF32(1.5f));
    auto& p11 = newForm.node("Pad", "pad", {"x", "pads", "cv"}, {"y"});
    setString(p11, "mode", "constant");
    Attributes a, b;
    importBothForms("Pad", oldForm, newForm, {ramp({2, 3})}, a, b);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(a.getInts("pads"), (Ints{0, 1, 1, 2}));
    QCOMPARE(b.getInts("pads"), (Ints{0, 1, 1, 2}));
    QCOMPARE(a.getString("mode", ""), std::string("constant"));
    QCOMPARE(b.getString("mode", ""), std::string("constant"));
    // The fill value: Pad-2's float attribute, Pad-11's operand (a tensor, so integer tensors pad exactly).
    QVERIFY(a.has("value"));
    QVERIFY(b.has("constant_value"));
    QCOMPARE(scalarOf(a.all().at("value")), 1.5);
    QCOMPARE(scalarOf(b.all().at("constant_value")), 1.5);
    // The padded result itself.
    ImportResult r = importModel(oldForm.model());
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[3,6]"));
    std::vector<Tensor> out = runGraph(r.graph, {ramp({2, 3})});
    NEST_SAME_TENSORS({f32({3, 6}, {1.5f, 0, 1, 2, 1.5f, 1.5f,  //
                                       1.5f, 3, 4, 5, 1.5f, 1.5f,  //
                                       1.5f, 1.5f, 1.5f, 1.5f, 1.5f, 1.5f})},
                         out);
  }

  void clipForms() {
    ModelBuilder oldForm(6), newForm(11);
    oldForm.input("x", {2, 4}).output("y");
    auto& c6 = oldForm.node("Clip", "clip", {"x"}, {"y"});
    setFloat(c6, "min", -1.0f);
    setFloat(c6, "max", 2.0f);
    newForm.input("x", {2, 4}).output("y");
    newForm.initializer("lo", Tensor::scalarF32(-1.0f));
    newForm.initializer("hi", Tensor::scalarF32(2.0f));
    newForm.node("Clip", "clip", {"x", "lo", "hi"}, {"y"});
    Attributes a, b;
    Tensor x = ramp({2, 4}, 1.0f, -3.5f);  // -3.5 .. 3.5
    importBothForms("Clip", oldForm, newForm, {x}, a, b);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(a.size(), size_t(2));
    QCOMPARE(b.size(), size_t(2));
    QCOMPARE(scalarOf(a.all().at("min")), -1.0);
    QCOMPARE(scalarOf(a.all().at("max")), 2.0);
    QCOMPARE(scalarOf(b.all().at("min")), -1.0);
    QCOMPARE(scalarOf(b.all().at("max")), 2.0);
    ImportResult r = importModel(newForm.model());
    NEST_SAME_TENSORS({f32({2, 4}, {-1, -1, -1, -0.5f, 0.5f, 1.5f, 2, 2})}, runGraph(r.graph, {x}));
    // Clip-11 with only `max` (min omitted with an empty name).
    ModelBuilder onlyMax(11);
    onlyMax.input("x", {2, 4}).output("y");
    onlyMax.initializer("hi", Tensor::scalarF32(0.0f));
    onlyMax.node("Clip", "clip", {"x", "", "hi"}, {"y"});
    ImportResult m = importModel(onlyMax.model());
    QVERIFY(!m.graph.nodes[0].attrs.has("min"));
    NEST_SAME_TENSORS({f32({2, 4}, {-3.5f, -2.5f, -1.5f, -0.5f, 0, 0, 0, 0})}, runGraph(m.graph, {x}));
  }

  void sliceForms() {
    ModelBuilder oldForm(1), newForm(10);
    oldForm.input("x", {3, 4}).output("y");
    auto& s1 = oldForm.node("Slice", "slice", {"x"}, {"y"});
    setInts(s1, "starts", {1, 0});
    setInts(s1, "ends", {3, -1});
    setInts(s1, "axes", {0, 1});
    newForm.input("x", {3, 4}).output("y");
    newForm.initializer("starts", i64({2}, {1, 0}));
    newForm.initializer("ends", i64({2}, {3, -1}));
    newForm.initializer("axes", i64({2}, {0, 1}));
    newForm.node("Slice", "slice", {"x", "starts", "ends", "axes"}, {"y"});
    Attributes a, b;
    importBothForms("Slice", oldForm, newForm, {ramp({3, 4})}, a, b);
    if (QTest::currentTestFailed()) return;
    NEST_VERIFY(a == b, "Slice-1: " + attrsToString(a) + "| Slice-10: " + attrsToString(b));
    QCOMPARE(a.getInts("starts"), (Ints{1, 0}));
    QCOMPARE(a.getInts("ends"), (Ints{3, -1}));
    QCOMPARE(a.getInts("axes"), (Ints{0, 1}));
    ImportResult r = importModel(oldForm.model());
    NEST_SAME_TENSORS({f32({2, 3}, {4, 5, 6, 8, 9, 10})}, runGraph(r.graph, {ramp({3, 4})}));
  }

  void squeezeForms() {
    ModelBuilder oldForm(11), newForm(13);
    oldForm.input("x", {1, 3, 1, 2}).output("y");
    setInts(oldForm.node("Squeeze", "squeeze", {"x"}, {"y"}), "axes", {0, -2});
    newForm.input("x", {1, 3, 1, 2}).output("y");
    newForm.initializer("axes", i64({2}, {0, -2}));
    newForm.node("Squeeze", "squeeze", {"x", "axes"}, {"y"});
    Attributes a, b;
    importBothForms("Squeeze", oldForm, newForm, {ramp({1, 3, 1, 2})}, a, b);
    if (QTest::currentTestFailed()) return;
    NEST_VERIFY(a == b, "Squeeze-11: " + attrsToString(a) + "| Squeeze-13: " + attrsToString(b));
    QCOMPARE(a.getInts("axes"), (Ints{0, -2}));
    ImportResult r = importModel(newForm.model());
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[3,2]"));
  }

  void upsampleForms() {
    ModelBuilder oldForm(7), newForm(9);
    oldForm.input("x", {1, 1, 2, 2}).output("y");
    auto& u7 = oldForm.node("Upsample", "up", {"x"}, {"y"});
    setString(u7, "mode", "nearest");
    setFloats(u7, "scales", {1.0f, 1.0f, 2.0f, 3.0f});
    newForm.input("x", {1, 1, 2, 2}).output("y");
    newForm.initializer("scales", f32({4}, {1.0f, 1.0f, 2.0f, 3.0f}));
    setString(newForm.node("Upsample", "up", {"x", "scales"}, {"y"}), "mode", "nearest");
    Attributes a, b;
    importBothForms("Upsample", oldForm, newForm, {ramp({1, 1, 2, 2})}, a, b);
    if (QTest::currentTestFailed()) return;
    NEST_VERIFY(a == b, "Upsample-7: " + attrsToString(a) + "| Upsample-9: " + attrsToString(b));
    QCOMPARE(a.getFloats("scales"), (Floats{1.0f, 1.0f, 2.0f, 3.0f}));
    ImportResult r = importModel(oldForm.model());
    NEST_SAME_TENSORS({f32({1, 1, 4, 6}, {0, 0, 0, 1, 1, 1,  //
                                             0, 0, 0, 1, 1, 1,  //
                                             2, 2, 2, 3, 3, 3,  //
                                             2, 2, 2, 3, 3, 3})},
                         runGraph(r.graph, {ramp({1, 1, 2, 2})}));
  }

  void splitForms() {
    ModelBuilder oldForm(2), newForm(13);
    oldForm.input("x", {2, 6}).output("a").output("b");
    auto& s2 = oldForm.node("Split", "split", {"x"}, {"a", "b"});
    setInt(s2, "axis", 1);
    setInts(s2, "split", {2, 4});
    newForm.input("x", {2, 6}).output("a").output("b");
    newForm.initializer("split", i64({2}, {2, 4}));
    setInt(newForm.node("Split", "split", {"x", "split"}, {"a", "b"}), "axis", 1);
    Attributes a, b;
    importBothForms("Split", oldForm, newForm, {ramp({2, 6})}, a, b);
    if (QTest::currentTestFailed()) return;
    NEST_VERIFY(a == b, "Split-2: " + attrsToString(a) + "| Split-13: " + attrsToString(b));
    QCOMPARE(a.getInts("split"), (Ints{2, 4}));
    QCOMPARE(a.getInt("axis"), int64_t(1));
    ImportResult r = importModel(newForm.model());
    NEST_SAME_TENSORS({f32({2, 2}, {0, 1, 6, 7}), f32({2, 4}, {2, 3, 4, 5, 8, 9, 10, 11})},
                         runGraph(r.graph, {ramp({2, 6})}));
  }

  void legacyBroadcastAxis() {
    // Opset 6: Add with broadcast=1, axis=1 adds B[j] along A's dimension 1, where numpy
    // broadcasting would add it along the last dimension (same size 3 here, so only values tell).
    ModelBuilder b(6);
    b.input("a", {2, 3, 3}).output("y");
    b.initializer("bias", f32({3}, {100, 200, 300}));
    auto& add = b.node("Add", "add6", {"a", "bias"}, {"y"});
    setInt(add, "broadcast", 1);
    setInt(add, "axis", 1);
    ImportResult r = importModel(b.model());
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[2,3,3]"));
    std::vector<float> expect(18);
    for (int i = 0; i < 18; ++i) expect[size_t(i)] = float(i) + 100.0f * float((i / 3) % 3 + 1);
    NEST_SAME_TENSORS({f32({2, 3, 3}, expect)}, runGraph(r.graph, {ramp({2, 3, 3})}));

    // The same with B a graph input (aligned at run time) and a negative axis.
    ModelBuilder m(6);
    m.input("a", {2, 3, 2}).input("s", {3}).output("y");
    auto& mul = m.node("Mul", "mul6", {"a", "s"}, {"y"});
    setInt(mul, "broadcast", 1);
    setInt(mul, "axis", -2);
    ImportResult rm = importModel(m.model());
    QCOMPARE(rm.graph.inputs, (std::vector<std::string>{"a", "s"}));
    std::vector<float> prod(12);
    for (int i = 0; i < 12; ++i) prod[size_t(i)] = float(i) * float((i / 2) % 3 + 1);
    NEST_SAME_TENSORS({f32({2, 3, 2}, prod)}, runGraph(rm.graph, {ramp({2, 3, 2}), f32({3}, {1, 2, 3})}));

    // Without `axis` the alignment is numpy's (trailing dimensions).
    ModelBuilder t(6);
    t.input("a", {2, 3}).output("y");
    t.initializer("bias", f32({3}, {10, 20, 30}));
    setInt(t.node("Sub", "sub6", {"a", "bias"}, {"y"}), "broadcast", 1);
    NEST_SAME_TENSORS({f32({2, 3}, {-10, -19, -28, -7, -16, -25})}, runGraph(importModel(t.model()).graph, {ramp({2, 3})}));

    // An axis that leaves no room for B.
    ModelBuilder bad(6);
    bad.input("a", {2, 3, 4}).output("y");
    bad.initializer("bias", f32({3, 4}, std::vector<float>(12, 1.0f)));
    auto& badAdd = bad.node("Add", "bad_axis", {"a", "bias"}, {"y"});
    setInt(badAdd, "broadcast", 1);
    setInt(badAdd, "axis", 2);
    ErrorKind kind{};
    std::string msg = importError(bad.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'bad_axis' (Add)");
    NEST_CONTAINS(msg, "broadcast axis 2");
  }

  // ----------------------------------------------------------------------------------------------
  // Parameter operands.

  void parameterFromRuntimeInput() {
    ModelBuilder b(13);
    b.input("x", {2, 3}).input("shape", {2}, onnx::TensorProto::INT64).output("y");
    b.node("Reshape", "reshape_node", {"x", "shape"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_CONTAINS(msg, "node 'reshape_node' (Reshape)");
    NEST_CONTAINS(msg, "'shape'");
    NEST_CONTAINS(msg, "known at compile time");

    ImportOptions options;
    options.inputValues["shape"] = i64({2}, {3, 2});
    ImportResult r = importModel(b.model(), options);
    QCOMPARE(r.boundInputs, std::vector<std::string>{"shape"});
    QCOMPARE(r.graph.inputs, std::vector<std::string>{"x"});
    const Node* reshape = findOp(r.graph, "Reshape");
    QVERIFY(reshape);
    QCOMPARE(reshape->attrs.getInts("shape"), (Ints{3, 2}));
    QCOMPARE(reshape->inputs, std::vector<std::string>{"x"});
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[3,2]"));
    NEST_SAME_TENSORS({ramp({3, 2})}, runGraph(r.graph, {ramp({2, 3})}));

    // A value given for an input that selects nothing leaves it an input.
    ModelBuilder plain(13);
    plain.input("x", {2}).output("y");
    plain.node("Relu", "relu", {"x"}, {"y"});
    ImportOptions unused;
    unused.inputValues["x"] = f32({2}, {1, 2});
    ImportResult p = importModel(plain.model(), unused);
    QVERIFY(p.boundInputs.empty());
    QCOMPARE(p.graph.inputs, std::vector<std::string>{"x"});
  }

  void flattenIdiom() {
    // PyTorch's x.view(x.size(0), -1): Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
    ModelBuilder b(13);
    b.input("x", {2, 3, 4}).output("y");
    b.constant("zero", i64({}, {0}));
    b.constant("axes0", i64({1}, {0}));
    b.constant("minus1", i64({1}, {-1}));
    b.node("Shape", "shape", {"x"}, {"s"});
    setInt(b.node("Gather", "gather", {"s", "zero"}, {"d0"}), "axis", 0);
    b.node("Unsqueeze", "unsqueeze", {"d0", "axes0"}, {"u"});
    setInt(b.node("Concat", "concat", {"u", "minus1"}, {"target"}), "axis", 0);
    b.node("Reshape", "flatten_reshape", {"x", "target"}, {"y"});
    ImportResult r = importModel(b.model());
    const Node* reshape = findOp(r.graph, "Reshape");
    QVERIFY(reshape);
    QCOMPARE(reshape->name, std::string("flatten_reshape"));
    QCOMPARE(reshape->attrs.getInts("shape"), (Ints{2, -1}));
    QCOMPARE(reshape->inputs, std::vector<std::string>{"x"});
    QCOMPARE(typeToString(r.graph.typeOf("y")), std::string("f32[2,12]"));
    QCOMPARE(r.graph.inputs, std::vector<std::string>{"x"});
    NEST_SAME_TENSORS({ramp({2, 12})}, runGraph(r.graph, {ramp({2, 3, 4})}));
  }

  // ----------------------------------------------------------------------------------------------
  // Malformed graphs.

  void incompatibleShapes() {
    ModelBuilder b(13);
    b.input("a", {2, 3}).input("b", {4}).output("y");
    b.node("Add", "bad_add", {"a", "b"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'bad_add' (Add)");
    NEST_CONTAINS(msg, "cannot be broadcast");
    NEST_CONTAINS(msg, "2x3");
    NEST_CONTAINS(msg, " 4");
  }

  void outputNotProduced() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y").output("ghost_output");
    b.node("Relu", "relu", {"x"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "graph output 'ghost_output'");
    NEST_CONTAINS(msg, "not produced");
  }

  void undefinedValue() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.node("Add", "uses_ghost", {"x", "ghost"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'uses_ghost' (Add)");
    NEST_CONTAINS(msg, "'ghost'");
  }

  void cycle() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.node("Add", "first", {"x", "z"}, {"y"});
    b.node("Relu", "second", {"y"}, {"z"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'first' (Add)");
    NEST_CONTAINS(msg, "'z'");
    NEST_CONTAINS(msg, "cycle");
  }

  void nodesOutOfOrderImport() {
    // ONNX requires topological order, but exporters do not always keep it: the importer sorts.
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.node("Neg", "second", {"r"}, {"y"});
    b.node("Relu", "first", {"x"}, {"r"});
    ImportResult r = importModel(b.model());
    QCOMPARE(r.graph.nodes.size(), size_t(2));
    QCOMPARE(r.graph.nodes[0].name, std::string("first"));
    NEST_SAME_TENSORS({f32({2}, {0, -2})}, runGraph(r.graph, {f32({2}, {-1, 2})}));
  }

  void valueDefinedTwice() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.node("Relu", "one", {"x"}, {"y"});
    b.node("Neg", "two", {"x"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'two' (Neg)");
    NEST_CONTAINS(msg, "'y' is defined twice");
  }

  void wrongOperandCount() {
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.node("Add", "lonely_add", {"x"}, {"y"});
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'lonely_add' (Add)");
    NEST_CONTAINS(msg, "has 1 data operands");
  }

  void wrongAttributeType() {
    ModelBuilder b(13);
    b.input("x", {2, 3}).output("y");
    setString(b.node("Flatten", "flat", {"x"}, {"y"}), "axis", "one");
    ErrorKind kind{};
    std::string msg = importError(b.model(), &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "node 'flat' (Flatten)");
    NEST_CONTAINS(msg, "attribute 'axis' should be an integer");
  }

  // ----------------------------------------------------------------------------------------------
  // Text IR.

  void textIrRoundTripMnist() {
    const Graph g = importOnnxFile(mnistModel()).graph;
    const std::string text = printGraph(g);
    QVERIFY(contains(text, "input %Input3: f32[1,1,28,28]"));
    QVERIFY(contains(text, "blob<fnv1a:"));  // the large weights are printed by reference
    Graph parsed = parseGraph(text, blobsOf(g));
    QCOMPARE(printGraph(parsed), text);
    QCOMPARE(parsed.parameterCount(), g.parameterCount());
    QCOMPARE(parsed.parameterCount(), int64_t(5994));

    // Without the blobs the text does not parse, and the error says where.
    ErrorKind kind{};
    std::string msg = errorOf([&] { parseGraph(text); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    NEST_CONTAINS(msg, "line ");

    // The reparsed graph computes what the model's reference says.
    const fs::path set0 = mnistModel().parent_path() / "test_data_set_0";
    std::vector<Tensor> out = runGraph(parsed, {readTensorFile(set0 / "input_0.pb")});
    QCOMPARE(out.size(), size_t(1));
    auto diff = compareTensors(readTensorFile(set0 / "output_0.pb"), out[0], Tolerance{1e-3, 1e-3});
    NEST_VERIFY(!diff, diff.value_or(""));
  }

  void textIrFileRoundTrip() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const fs::path file = fs::path(dir.path().toStdString()) / "mnist.nir";
    const Graph g = importOnnxFile(mnistModel()).graph;
    writeTextIrFile(g, file);
    QVERIFY(fs::exists(file));
    QVERIFY(fs::exists(fs::path(file.string() + ".weights")));
    Graph back = readTextIrFile(file);
    QCOMPARE(printGraph(back), printGraph(g));
    std::ifstream in(file);
    std::string onDisk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    QCOMPARE(onDisk, printGraph(g));
    // Same weights, byte for byte.
    for (const auto& [name, t] : g.constants()) {
      const Tensor* other = back.constant(name);
      NEST_VERIFY(other && other->sameBytes(t), "constant " + name + " differs after the round trip");
    }
    // A graph whose constants are all small writes no weights file.
    ModelBuilder b(13);
    b.input("x", {2}).output("y");
    b.initializer("w", f32({2}, {1, 2}));
    b.node("Add", "add", {"x", "w"}, {"y"});
    const Graph small = importModel(b.model()).graph;
    const fs::path smallFile = fs::path(dir.path().toStdString()) / "small.nir";
    writeTextIrFile(small, smallFile);
    QVERIFY(!fs::exists(fs::path(smallFile.string() + ".weights")));
    QCOMPARE(printGraph(readTextIrFile(smallFile)), printGraph(small));
  }
};

QTEST_APPLESS_MAIN(TestImporter)
#include "test_importer.moc"
