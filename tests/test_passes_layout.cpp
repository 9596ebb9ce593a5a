// Layout passes: sink-transposes and cancel-squeeze-unsqueeze on hand-written graphs (expected
// text IR, cases where they must not apply, interpreter results before/after), and on mnist-8.
#include <random>

#include "backends/interpreter/interpreter.h"
#include "core/onnx_import.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/all_passes.h"
#include "tests/passes_layout_graphs.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

using nest::testing::countOp;
using nest::testing::randomInputs;


// Runs `pass` on the graph, checks it stays valid and computes the same outputs (same names),
// and returns the printed result. `changed` receives the pass's return value.
std::string runPass(const PassInfo& pass, Graph& g, bool* changed = nullptr) {
  std::vector<Tensor> inputs = randomInputs(g, 7);
  std::vector<Tensor> before = Interpreter(g).run(inputs);
  std::vector<std::string> ins = g.inputs, outs = g.outputs;
  bool c = pass.run(g, PassOptions{});
  if (changed) *changed = c;
  verifyGraph(g);
  if (g.inputs != ins || g.outputs != outs) failInternal(pass.name + " changed graph input/output names");
  std::vector<Tensor> after = Interpreter(g).run(inputs);
  for (size_t i = 0; i < before.size(); ++i)
    if (auto diff = compareTensors(before[i], after[i], Tolerance{1e-4, 0.0}))
      failInternal(pass.name + ": output " + std::to_string(i) + " differs: " + *diff);
  return printGraph(g);
}

std::string applied(const PassInfo& pass, const char* text) {
  Graph g = parseGraph(text);
  bool changed = false;
  std::string out = runPass(pass, g, &changed);
  if (!changed) failInternal(pass.name + " did not apply");
  return out;
}

// The pass must leave the graph exactly as it was and report no change.
void notApplied(const PassInfo& pass, const char* text) {
  Graph g = parseGraph(text);
  std::string before = printGraph(g);
  bool changed = true;
  std::string after = runPass(pass, g, &changed);
  QVERIFY(!changed);
  QCOMPARE(after, before);
}

std::string normalized(const char* text) { return printGraph(parseGraph(text)); }


}  // namespace

class LayoutPassesTest : public QObject {
  Q_OBJECT

 private slots:
  void transposesCancelThroughActivations() {
    QCOMPARE(applied(transposeSinkingPass(), kTransposeCancel), normalized(kTransposeCancelExpected));
  }
  void transposesCompose() {
    QCOMPARE(applied(transposeSinkingPass(), kTransposeCompose), normalized(kTransposeComposeExpected));
  }
  void transposesMergeThroughBinary() {
    QCOMPARE(applied(transposeSinkingPass(), kTransposeBinary), normalized(kTransposeBinaryExpected));
  }
  void transposesCancelAroundConstants() {
    QCOMPARE(applied(transposeSinkingPass(), kTransposeConstant), normalized(kTransposeConstantExpected));
  }
  void transposesNotMoved() {
    notApplied(transposeSinkingPass(), kTransposeSoftmax);
    notApplied(transposeSinkingPass(), kTransposeSharedValue);
    notApplied(transposeSinkingPass(), kTransposeAlone);
    notApplied(transposeSinkingPass(), kUnsqueezeSqueeze);
  }

  void unsqueezeSqueezeCancels() {
    QCOMPARE(applied(squeezeUnsqueezeCancellationPass(), kUnsqueezeSqueeze), normalized(kUnsqueezeSqueezeExpected));
  }
  void squeezeUnsqueezeCancels() {
    QCOMPARE(applied(squeezeUnsqueezeCancellationPass(), kSqueezeUnsqueeze), normalized(kSqueezeUnsqueezeExpected));
  }
  void squeezeChainBecomesReshape() {
    QCOMPARE(applied(squeezeUnsqueezeCancellationPass(), kSqueezeChain), normalized(kSqueezeChainExpected));
    QCOMPARE(applied(squeezeUnsqueezeCancellationPass(), kSqueezeInputToOutput),
             normalized(kSqueezeInputToOutputExpected));
  }
  void squeezesNotCancelled() {
    notApplied(squeezeUnsqueezeCancellationPass(), kSqueezeShared);
    notApplied(squeezeUnsqueezeCancellationPass(), kTransposeCancel);
  }

  // On a real model the passes keep the graph valid and its results equal.
  void mnist() {
    Graph g = importOnnxFile(testing::testdata() / "models" / "mnist-8" / "model.onnx").graph;
    runPass(transposeSinkingPass(), g);
    runPass(squeezeUnsqueezeCancellationPass(), g);
    QCOMPARE(countOp(g, "Transpose"), 0);
  }
};

QTEST_APPLESS_MAIN(LayoutPassesTest)
#include "test_passes_layout.moc"
