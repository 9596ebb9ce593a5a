// Tests of the cleanup and folding passes: eliminate-noops, dce, cse, constant-fold,
// fold-shape-computations. Each pass runs on hand-written text IR and is compared with the
// expected text IR; cases where it must not apply are checked unchanged; the interpreter runs
// before and after on random inputs; and the passes run on mnist-8 and the seed models.
#include <filesystem>
#include <random>

#include "backends/interpreter/interpreter.h"
#include "core/model_loader.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/all_passes.h"
#include "tests/passes_cleanup_graphs.h"
#include "tests/test_support.h"

using namespace nest;

namespace {


// Empty when both graphs give the same outputs (floats within relative 1e-4, integers exactly).
std::string compareRuns(const Graph& before, const Graph& after, uint32_t seed = 1) {
  if (before.outputs != after.outputs) return "graph outputs differ";
  if (before.inputs != after.inputs) return "graph inputs differ";
  return testing::compareRuns(before, after, testing::randomInputs(before, seed), Tolerance{1e-4, 1e-5});
}

bool runPass(const PassInfo& pass, Graph& g, const PassOptions& options = {}) {
  const bool changed = pass.run(g, options);
  verifyGraph(g);
  return changed;
}

// Runs `pass` on `before`, expects `after` (text IR), checks results on random inputs and that a
// second run changes nothing.
void checkPass(const PassInfo& pass, const char* before, const char* after, const PassOptions& options = {}) {
  const Graph original = parseGraph(before);
  Graph g = original;
  const bool changed = runPass(pass, g, options);
  QCOMPARE(printGraph(g), printGraph(parseGraph(after)));
  QCOMPARE(changed, printGraph(original) != printGraph(g));
  const std::string diff = compareRuns(original, g);
  NEST_VERIFY(diff.empty(), pass.name + ": " + diff);
  Graph again = g;
  QVERIFY(!runPass(pass, again, options));
  QCOMPARE(printGraph(again), printGraph(g));
}

void checkUnchanged(const PassInfo& pass, const char* text) { checkPass(pass, text, text); }

// The cleanup pipeline as a whole (the order -O1 is expected to use).
std::vector<PassInfo> cleanupPipeline() {
  return {shapeComputationFoldingPass(), constantFoldingPass(), eliminateNoopsPass(), commonSubexpressionPass(),
          deadCodeEliminationPass()};
}

void checkModel(const std::filesystem::path& file) {
  QVERIFY2(std::filesystem::exists(file), ("model not generated (ctest fixture seed_models): " + file.string()).c_str());
  const Graph original = loadModel(file);
  Graph g = original;
  for (const PassInfo& pass : cleanupPipeline()) runPass(pass, g);
  QVERIFY(g.nodes.size() <= original.nodes.size());
  QVERIFY(g.constants().size() <= original.constants().size() + original.nodes.size());
  const std::string diff = compareRuns(original, g, 7);
  NEST_VERIFY(diff.empty(), file.string() + ": " + diff);
  // A second round finds nothing left to do.
  for (const PassInfo& pass : cleanupPipeline()) NEST_VERIFY(!runPass(pass, g), pass.name + " changed the graph again");
}

}  // namespace

class PassesCleanupTest : public QObject {
  Q_OBJECT

 private slots:
  void registration() {
    for (const PassInfo& pass : cleanupPipeline()) {
      QVERIFY(pass.run);
      QVERIFY(!pass.summary.empty());
    }
    QCOMPARE(eliminateNoopsPass().name, std::string("eliminate-noops"));
    QCOMPARE(deadCodeEliminationPass().name, std::string("dce"));
    QCOMPARE(commonSubexpressionPass().name, std::string("cse"));
    QCOMPARE(constantFoldingPass().name, std::string("constant-fold"));
    QCOMPARE(shapeComputationFoldingPass().name, std::string("fold-shape-computations"));
  }

  void eliminateNoops() { checkPass(eliminateNoopsPass(), kNoopsBefore, kNoopsAfter); }
  void eliminateNoopsKeepsRealWork() { checkUnchanged(eliminateNoopsPass(), kNoopsKept); }

  void deadCode() { checkPass(deadCodeEliminationPass(), kDceBefore, kDceAfter); }
  void deadCodeKeepsLiveGraphs() { checkUnchanged(deadCodeEliminationPass(), kDceAfter); }

  void commonSubexpressions() { checkPass(commonSubexpressionPass(), kCseBefore, kCseAfter); }
  void commonSubexpressionsKeepOutputNames() { checkUnchanged(commonSubexpressionPass(), kCseKept); }

  void constantFold() { checkPass(constantFoldingPass(), kFoldBefore, kFoldAfter); }
  void constantFoldSizeCap() {
    PassOptions small;
    small.foldSizeLimitBytes = 16;
    checkPass(constantFoldingPass(), kFoldCapBefore, kFoldCapAfter, small);
    // With the default limit everything constant folds.
    Graph g = parseGraph(kFoldCapBefore);
    QVERIFY(runPass(constantFoldingPass(), g));
    for (const Node& n : g.nodes) QVERIFY(n.op == "Add" || n.op == "Mul" || n.op == "Sub");
    QVERIFY(g.isConstant("c"));
  }

  void shapeComputations() { checkPass(shapeComputationFoldingPass(), kShapesBefore, kShapesAfter); }
  void shapeComputationsThenDce() {
    // After the chain is folded, dce finds nothing to do here: x still feeds the Reshape; the
    // folded Shape nodes no longer read it.
    Graph g = parseGraph(kShapesBefore);
    runPass(shapeComputationFoldingPass(), g);
    QVERIFY(!runPass(deadCodeEliminationPass(), g));
    // constant-fold finishes ConstantOfShape (400 bytes from nothing, under the default limit).
    QVERIFY(runPass(constantFoldingPass(), g));
    QVERIFY(g.isConstant("big"));
    QCOMPARE(g.nodes.size(), size_t(3));
  }

  void cleanupOnMnist() { checkModel(testing::testdata() / "models" / "mnist-8" / "model.onnx"); }
  void cleanupOnSeedModels_data() {
    QTest::addColumn<QString>("model");
    for (const char* m : {"lenet5", "squeezenet1_1", "mobilenet_v2", "resnet18"}) QTest::newRow(m) << QString(m);
  }
  void cleanupOnSeedModels() {
    QFETCH(QString, model);
    checkModel(testing::seedModels() / model.toStdString() / "model.onnx");
  }
};

QTEST_APPLESS_MAIN(PassesCleanupTest)
#include "test_passes_cleanup.moc"
