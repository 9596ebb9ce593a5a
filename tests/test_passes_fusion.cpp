// Algebraic folding and fusion passes: fold-batchnorm, fold-scale-bias, fuse-activations,
// merge-pad, matmul-add-to-gemm, merge-reshapes, and the fused-activation attributes of Conv,
// Gemm and Add. Each case: text IR in -> pass -> expected text IR (or unchanged), verifier, and
// the interpreter on random inputs before and after.
#include <random>

#include "backends/interpreter/interpreter.h"
#include "core/ops/fused_activation.h"
#include "core/tensor_compare.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/all_passes.h"
#include "tests/passes_fusion_graphs.h"
#include "tests/test_support.h"

using namespace nest;
using namespace fusion_graphs;

namespace {

using nest::testing::countOp;
using nest::testing::randomInputs;


// Empty when both graphs give the same outputs (floats within rtol 1e-4, integers exactly).
std::string compareRuns(const Graph& a, const Graph& b) {
  for (unsigned seed = 1; seed <= 3; ++seed)
    if (std::string diff = testing::compareRuns(a, b, testing::randomInputs(a, seed), Tolerance{1e-4, 1e-6}); !diff.empty())
      return diff;
  return "";
}

// The shared check (test_support.h) with the same tolerance.
void checkPass(const PassInfo& pass, const char* input, const char* expected) {
  testing::checkPassRewrite(pass, input, expected, Tolerance{1e-4, 1e-6});
}

}  // namespace

class TestPassesFusion : public QObject {
  Q_OBJECT

 private slots:
  void fusedActivationKernels();
  void fusedActivationValidation();
  void foldBatchNorm();
  void foldBatchNormNotApplicable();
  void foldBatchNormGemm();
  void foldScaleBias();
  void foldScaleBiasNotApplicable();
  void foldScaleBiasGemm();
  void fuseActivations();
  void fuseActivationsNotApplicable();
  void mergePad();
  void mergePadNotApplicable();
  void matmulAddToGemm();
  void matmulAddToGemmNotApplicable();
  void mergeReshapes();
  void passesKeepSharedWeights();
};

// A Conv/Gemm/Add with a fused activation equals the op followed by the activation, bit for bit.
void TestPassesFusion::fusedActivationKernels() {
  const Graph separate = parseGraph(kActivationMix);
  Graph fused = separate;
  QVERIFY(fuseActivationsPass().run(fused, PassOptions{}));
  for (unsigned seed = 1; seed <= 3; ++seed) {
    std::vector<Tensor> inputs = randomInputs(separate, seed);
    std::vector<Tensor> a = Interpreter(separate).run(inputs), b = Interpreter(fused).run(inputs);
    for (size_t i = 0; i < a.size(); ++i) {
      auto diff = compareTensors(a[i], b[i], Tolerance{0.0, 0.0});
      NEST_VERIFY(!diff, diff.value_or(""));
    }
  }
  // f64 and f16 results too.
  for (const char* type : {"f64", "f16"}) {
    const std::string text = std::string("graph \"t\" {\n  input %x: ") + type + "[2,3]\n  %a: " + type +
                             "[2,3] = Add #1(%x, %x)\n  %y: " + type + "[2,3] = HardSwish #2(%a)\n  output %y\n}\n";
    const Graph g = parseGraph(text);
    Graph f = g;
    QVERIFY(fuseActivationsPass().run(f, PassOptions{}));
    QCOMPARE(countOp(f, "HardSwish"), 0);
    std::vector<Tensor> inputs = randomInputs(g, 7);
    auto diff = compareTensors(Interpreter(g).run(inputs)[0], Interpreter(f).run(inputs)[0], Tolerance{0.0, 0.0});
    NEST_VERIFY(!diff, diff.value_or(""));
  }
}

void TestPassesFusion::fusedActivationValidation() {
  using nest::testing::errorOf;
  auto parse = [](const std::string& attrs, const char* elem = "f32") {
    return errorOf([&] {
      parseGraph(std::string("graph \"t\" {\n  input %x: ") + elem + "[2,3]\n  %y: " + elem +
                 "[2,3] = Add #1 \"add\"(%x, %x) {" + attrs + "}\n  output %y\n}\n");
    });
  };
  QCOMPARE(parse("activation=\"Relu\""), std::string("<no error>"));
  QCOMPARE(parse("activation=\"Clip\", activation_params=[0.0, 6.0]"), std::string("<no error>"));
  std::string e = parse("activation=\"Tanh\"");
  NEST_VERIFY(e.find("unknown fused activation 'Tanh'") != std::string::npos, e);
  NEST_VERIFY(e.find("node 'add' (Add)") != std::string::npos, e);
  e = parse("activation=\"Clip\", activation_params=[6.0]");
  NEST_VERIFY(e.find("takes 2 activation_params, got 1") != std::string::npos, e);
  e = parse("activation_params=[1.0]");
  NEST_VERIFY(e.find("without an activation") != std::string::npos, e);
  e = parse("activation=\"Relu\"", "i32");
  NEST_VERIFY(e.find("needs a float result") != std::string::npos, e);
  e = parse("activation=7");
  NEST_VERIFY(e != "<no error>", e);
  // Conv and Gemm declare the attributes as well.
  for (const char* op : {"Conv", "Gemm", "Add"}) {
    const OpDef* d = OpTable::instance().find(op);
    int found = 0;
    for (const AttrSpec& a : d->attrs) found += a.name == "activation" || a.name == "activation_params";
    QCOMPARE(found, 2);
  }
}

void TestPassesFusion::foldBatchNorm() { checkPass(foldBatchNormPass(), kConvBn, kConvBnExpected); }

void TestPassesFusion::foldBatchNormNotApplicable() {
  checkPass(foldBatchNormPass(), kConvBnShared, nullptr);
  checkPass(foldBatchNormPass(), kBnNotFoldable, nullptr);
}

void TestPassesFusion::foldBatchNormGemm() {
  const Graph before = parseGraph(kGemmBn);
  Graph after = before;
  QVERIFY(foldBatchNormPass().run(after, PassOptions{}));
  verifyGraph(after);
  QCOMPARE(countOp(after, "BatchNormalization"), 0);
  QCOMPARE(countOp(after, "Gemm"), 1);
  QVERIFY(after.outputs == before.outputs);
  QVERIFY(!after.isConstant("gamma") && !after.isConstant("c"));
  const std::string diff = compareRuns(before, after);
  NEST_VERIFY(diff.empty(), diff);
}

void TestPassesFusion::foldScaleBias() { checkPass(foldScaleBiasPass(), kConvScaleBias, kConvScaleBiasExpected); }

void TestPassesFusion::foldScaleBiasNotApplicable() {
  checkPass(foldScaleBiasPass(), kScaleBiasNotPerChannel, nullptr);
}

void TestPassesFusion::foldScaleBiasGemm() {
  const Graph before = parseGraph(kGemmScaleBias);
  Graph after = before;
  QVERIFY(foldScaleBiasPass().run(after, PassOptions{}));
  verifyGraph(after);
  QCOMPARE(countOp(after, "Mul") + countOp(after, "Add"), 0);
  QCOMPARE(after.nodes.size(), size_t{1});
  QCOMPARE(after.nodes[0].outputs[0], std::string("y"));
  QVERIFY(after.nodes[0].origin == (std::vector<NodeId>{2, 3}));
  const std::string diff = compareRuns(before, after);
  NEST_VERIFY(diff.empty(), diff);
}

void TestPassesFusion::fuseActivations() {
  checkPass(fuseActivationsPass(), kConvRelu, kConvReluExpected);
  checkPass(fuseActivationsPass(), kActivationMix, kActivationMixExpected);
}

void TestPassesFusion::fuseActivationsNotApplicable() {
  checkPass(fuseActivationsPass(), kActivationNotFusable, nullptr);
}

void TestPassesFusion::mergePad() { checkPass(mergePadPass(), kPadConv, kPadConvExpected); }

void TestPassesFusion::mergePadNotApplicable() { checkPass(mergePadPass(), kPadNotMergeable, nullptr); }

void TestPassesFusion::matmulAddToGemm() {
  checkPass(matmulAddToGemmPass(), kMatMulAdd, kMatMulAddExpected);
  checkPass(matmulAddToGemmPass(), kMatMulAddSequence, kMatMulAddSequenceExpected);
}

void TestPassesFusion::matmulAddToGemmNotApplicable() {
  checkPass(matmulAddToGemmPass(), kMatMulAddNot, nullptr);
}

void TestPassesFusion::mergeReshapes() {
  checkPass(mergeReshapesPass(), kReshapes, kReshapesExpected);
  checkPass(mergeReshapesPass(), kFlattenOfReshape, kFlattenOfReshapeExpected);
}

// Folding creates new constants: the input graph's (shared) weights keep their bytes.
void TestPassesFusion::passesKeepSharedWeights() {
  const Graph before = parseGraph(kConvBn);
  const std::vector<double> w = before.constant("w")->toDoubles();
  Graph after = before;
  QVERIFY(foldBatchNormPass().run(after, PassOptions{}));
  QVERIFY(before.constant("w")->toDoubles() == w);
  Graph scaled = parseGraph(kConvScaleBias);
  const Graph snapshot = scaled;
  QVERIFY(foldScaleBiasPass().run(scaled, PassOptions{}));
  QVERIFY(snapshot.constant("w")->toDoubles() == (std::vector<double>{1.0, 2.0, 3.0, 4.0}));
}

QTEST_APPLESS_MAIN(TestPassesFusion)
#include "test_passes_fusion.moc"
