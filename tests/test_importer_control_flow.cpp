// Control flow unrolled at import (core/onnx_import.cpp). Loop (unrollLoop): Glow's six Loop models whose trip
// count and conditions are known give onnxruntime's outputs (pinned below, from onnxruntime-node
// 1.30 on init_i = 2.5, inc = 0.5), through the interpreter and the CPU backend; a Loop that runs
// no iteration (its scan output would be empty) is refused naming the node and the value, and so is
// one whose trip count or condition is computed at run time when it has scan outputs (without,
// it runs in the interpreter: tests/test_importer_runtime_control_flow.cpp). Scan (unrollScan): two scan inputs on different axes
// and directions, two scan outputs on different axes and directions, against numpy and
// onnxruntime-node (the same values, pinned); Scan-8 refused.
#include <fstream>
#include <sstream>

#include <google/protobuf/text_format.h>
#include <onnx/onnx_pb.h>

#include "backends/interpreter/interpreter.h"
#include "core/onnx_import.h"
#include "driver/driver.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

std::filesystem::path glow(const std::string& name) { return testing::testdata() / "glow-onnx" / (name + ".onnxtxt"); }

std::vector<Tensor> loopInputs() {
  return {Tensor::fromVector<float>(ElemType::F32, {1}, {2.5f}), Tensor::fromVector<float>(ElemType::F32, {1}, {0.5f})};
}

onnx::ModelProto readText(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  onnx::ModelProto m;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &m)) qFatal("cannot parse %s", file.c_str());
  return m;
}

std::string importError(const onnx::ModelProto& m) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(m, &text);
  return testing::errorOf([&] { importOnnxBytes(text, OnnxFormat::Text, "loop"); });
}

onnx::ValueInfoProto floatInfo(const std::string& name, std::vector<int64_t> dims) {
  onnx::ValueInfoProto v;
  v.set_name(name);
  auto* t = v.mutable_type()->mutable_tensor_type();
  t->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
  return v;
}

void addNode(onnx::GraphProto& g, const std::string& op, std::vector<std::string> in, std::vector<std::string> out) {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(op + std::to_string(g.node_size()));
  for (const auto& v : in) n->add_input(v);
  for (const auto& v : out) n->add_output(v);
}

void addInts(onnx::NodeProto& n, const std::string& name, std::vector<int64_t> values) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}

// s_final, Z, W = Scan(s0, X, Y): per step t, x_t = X[t] (axis 0, forward), y_t = Y[:, 4 - t]
// (axis 1, reverse); s += x_t * y_t; Z stacks s on axis 1, W stacks x_t - y_t on axis 0 in
// reverse order.
onnx::ModelProto scanModel(int64_t opset) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.add_opset_import()->set_version(opset);
  onnx::GraphProto& g = *m.mutable_graph();
  g.set_name("scan_test");
  *g.add_input() = floatInfo("s0", {2});
  *g.add_input() = floatInfo("X", {5, 2});
  *g.add_input() = floatInfo("Y", {2, 5});
  *g.add_output() = floatInfo("s_final", {2});
  *g.add_output() = floatInfo("Z", {2, 5});
  *g.add_output() = floatInfo("W", {5, 2});
  addNode(g, "Scan", {"s0", "X", "Y"}, {"s_final", "Z", "W"});
  onnx::NodeProto& scan = *g.mutable_node(0);
  onnx::AttributeProto* body = scan.add_attribute();
  body->set_name("body");
  body->set_type(onnx::AttributeProto::GRAPH);
  onnx::GraphProto& b = *body->mutable_g();
  b.set_name("body");
  for (const char* v : {"s_in", "x_t", "y_t"}) *b.add_input() = floatInfo(v, {2});
  for (const char* v : {"s_out", "z_t", "w_t"}) *b.add_output() = floatInfo(v, {2});
  addNode(b, "Mul", {"x_t", "y_t"}, {"p"});
  addNode(b, "Add", {"s_in", "p"}, {"s_out"});
  addNode(b, "Sub", {"x_t", "y_t"}, {"w_t"});
  addNode(b, "Identity", {"s_out"}, {"z_t"});
  onnx::AttributeProto* count = scan.add_attribute();
  count->set_name("num_scan_inputs");
  count->set_type(onnx::AttributeProto::INT);
  count->set_i(2);
  addInts(scan, "scan_input_axes", {0, 1});
  addInts(scan, "scan_input_directions", {0, 1});
  addInts(scan, "scan_output_axes", {1, 0});
  addInts(scan, "scan_output_directions", {0, 1});
  return m;
}

std::vector<float> valuesOf(const Tensor& t) { return std::vector<float>(t.values<float>().begin(), t.values<float>().end()); }

}  // namespace

class TestImporterControlFlow : public QObject {
  Q_OBJECT

 private slots:
  void unrollsKnownLoops_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<std::vector<float>>("finalValue");
    QTest::addColumn<std::vector<float>>("scanned");
    auto down = [](int from) {
      std::vector<float> v;
      for (int i = from; i >= 1; --i) v.push_back(static_cast<float>(i));
      return v;
    };
    QTest::newRow("loop_static") << QString("loop_static") << std::vector<float>{7.5f}
                                 << std::vector<float>{2.5f, 3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f, 7};
    QTest::newRow("loop_cond") << QString("loop_cond") << std::vector<float>{0} << down(20);
    QTest::newRow("loop_tripcount") << QString("loop_tripcount") << std::vector<float>{0} << down(20);
    QTest::newRow("loop_withoutN") << QString("loop_withoutN") << std::vector<float>{2.5f}
                                   << std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    QTest::newRow("loop_empty_tripcount") << QString("loop_empty_tripcount") << std::vector<float>{0} << down(10);
    QTest::newRow("loop_emptycond") << QString("loop_emptycond") << std::vector<float>{0} << down(5);
  }

  void unrollsKnownLoops() {
    QFETCH(QString, model);
    QFETCH(std::vector<float>, finalValue);
    QFETCH(std::vector<float>, scanned);
    const Graph g = importOnnxFile(glow(model.toStdString())).graph;
    QCOMPARE(testing::countOp(g, "Loop"), 0);
    for (const char* backend : {"interpreter", "cpu"}) {
      const std::vector<Tensor> out = driver::graphRunner(backend, "O1")(g, loopInputs());
      QCOMPARE(out.size(), size_t{2});
      QCOMPARE(out[0].shape(), (Shape{1}));
      QCOMPARE(std::vector<float>(out[0].values<float>().begin(), out[0].values<float>().end()), finalValue);
      QCOMPARE(out[1].shape(), (Shape{static_cast<int64_t>(scanned.size()), 1}));
      QCOMPARE(std::vector<float>(out[1].values<float>().begin(), out[1].values<float>().end()), scanned);
    }
  }

  void unrollsScan() {
    std::string text;
    google::protobuf::TextFormat::PrintToString(scanModel(16), &text);
    const Graph g = importOnnxBytes(text, OnnxFormat::Text, "scan").graph;
    QCOMPARE(testing::countOp(g, "Gather"), 10);  // 5 steps x 2 scan inputs
    std::vector<float> x, y;
    for (int i = 0; i < 10; ++i) x.push_back(0.5f * static_cast<float>(i)), y.push_back(0.25f * static_cast<float>(i - 4));
    const std::vector<Tensor> inputs = {Tensor::fromVector<float>(ElemType::F32, {2}, {1.0f, -1.0f}),
                                        Tensor::fromVector<float>(ElemType::F32, {5, 2}, x),
                                        Tensor::fromVector<float>(ElemType::F32, {2, 5}, y)};
    for (const char* backend : {"interpreter", "cpu"}) {
      const std::vector<Tensor> out = driver::graphRunner(backend, "O1")(g, inputs);
      QCOMPARE(out[0].shape(), (Shape{2}));
      QCOMPARE(valuesOf(out[0]), (std::vector<float>{-6.5f, 5.875f}));
      QCOMPARE(out[1].shape(), (Shape{2, 5}));
      QCOMPARE(valuesOf(out[1]), (std::vector<float>{1.0f, 0.75f, -0.25f, -2.5f, -6.5f, -0.375f, 1.125f, 3.0f, 4.75f, 5.875f}));
      QCOMPARE(out[2].shape(), (Shape{5, 2}));
      QCOMPARE(valuesOf(out[2]), (std::vector<float>{5.0f, 4.25f, 3.75f, 3.0f, 2.5f, 1.75f, 1.25f, 0.5f, 0.0f, -0.75f}));
    }
    google::protobuf::TextFormat::PrintToString(scanModel(8), &text);
    const std::string msg = testing::errorOf([&] { importOnnxBytes(text, OnnxFormat::Text, "scan8"); });
    NEST_VERIFY(msg.find("(Scan): Scan-8 (with a batch axis and sequence_lens) is not supported; opset 9 on is") !=
                    std::string::npos,
                msg);
  }

  void refusesWhatCannotUnroll() {
    std::string msg = testing::errorOf([&] { importOnnxFile(glow("loop_no_iteration")); });
    NEST_VERIFY(msg.find("node 'v_final' (Loop): runs no iteration, so its scan output 'scan_output_final' would be "
                         "empty (not supported)") != std::string::npos,
                msg);
    // The trip count from a graph input.
    onnx::ModelProto m = readText(glow("loop_static"));
    onnx::NodeProto* loop = m.mutable_graph()->mutable_node(m.graph().node_size() - 1);
    QCOMPARE(loop->op_type(), std::string("Loop"));
    loop->set_input(0, "init_i");
    msg = importError(m);
    // Not unrolled, it would run in the interpreter (tests/test_importer_runtime_control_flow.cpp),
    // but its scan output has no static shape then.
    const std::string runtimeScan =
        "node 'v_final' (Loop): runs in the interpreter (its trip count or condition is computed at run time, it runs "
        "more than 4096 iterations or its body holds control flow), so its scan output 'scan_output_final' would have a "
        "length known only at run time; only static shapes are supported";
    NEST_VERIFY(msg.find(runtimeScan) != std::string::npos, msg);
    // The condition from a graph input.
    m = readText(glow("loop_static"));
    onnx::ValueInfoProto* flag = m.mutable_graph()->add_input();
    flag->set_name("flag");
    flag->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::BOOL);
    flag->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(1);
    m.mutable_graph()->mutable_node(m.graph().node_size() - 1)->set_input(1, "flag");
    msg = importError(m);
    NEST_VERIFY(msg.find(runtimeScan) != std::string::npos, msg);
  }
};

QTEST_APPLESS_MAIN(TestImporterControlFlow)
#include "test_importer_control_flow.moc"
