// Loop unrolled at import (core/onnx_import.cpp, unrollLoop): Glow's six Loop models whose trip
// count and conditions are known give onnxruntime's outputs (pinned below, from onnxruntime-node
// 1.30 on init_i = 2.5, inc = 0.5), through the interpreter and the CPU backend; a Loop that runs
// no iteration (its scan output would be empty), a trip count or a condition computed at run time
// are refused naming the node and the value.
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

}  // namespace

class TestImporterLoop : public QObject {
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
    NEST_VERIFY(msg.find("node 'v_final' (Loop): the trip count 'init_i' is computed at run time") != std::string::npos, msg);
    // The condition from a graph input.
    m = readText(glow("loop_static"));
    onnx::ValueInfoProto* flag = m.mutable_graph()->add_input();
    flag->set_name("flag");
    flag->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::BOOL);
    flag->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(1);
    m.mutable_graph()->mutable_node(m.graph().node_size() - 1)->set_input(1, "flag");
    msg = importError(m);
    NEST_VERIFY(msg.find("node 'v_final' (Loop): the condition 'flag' of iteration 0 is computed at run time") !=
                    std::string::npos,
                msg);
  }
};

QTEST_APPLESS_MAIN(TestImporterLoop)
#include "test_importer_loop.moc"
