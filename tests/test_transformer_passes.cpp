// The transformer passes. fuse-layernorm (passes/fuse_layernorm.cpp): torch's opset-13 LayerNorm
// (with and without gamma / beta, over trailing axes) becomes one LayerNormalization; look-alikes
// stay; the BERT-style encoder exported at opset 13 fuses all 9 and matches torch.
// fuse-attention (passes/fuse_attention.cpp) and the Attention op: the two forms torch exports
// (Q scaled before the product, as in ViT; scores scaled and a padding mask added, as in
// nn.TransformerEncoder) become one node with the right scale and operands; look-alikes stay;
// the sequence seed models fuse every head group and still match torch; the CPU backend's fused
// kernel (nest_attention_f32) matches the interpreter on odd shapes with broadcast masks, on 1, 2
// and 4 threads with the same bytes, also with operands and result stored transposed (the layout
// attributes), where it gives the bytes of the unfolded Transposes.
// fold-attention-transposes (passes/fold_attention_transposes.cpp): ViT's and BERT's head
// Transposes become the Attention node's layout attributes; perms the kernels would read badly and
// Transposes with other uses stay. transpose-to-reshape (passes/transpose_to_reshape.cpp): a
// Transpose moving only size-1 axes becomes a Reshape; real transposes stay.
#include <cmath>

#include "backends/interpreter/interpreter.h"
#include "backends/onnx_test_case.h"
#include "core/tensor_compare.h"
#include "core/model_loader.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "driver/driver.h"
#include "passes/all_passes.h"
#include "passes/pass_manager.h"
#include "passes/pass_registry.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

// Q scaled by a Div before the product (ViT's self-attention).
const char* kScaledQuery = R"(graph "vit_attention" {
  input %q: f32[2,5,8]
  input %kt: f32[2,8,6]
  input %v: f32[2,6,4]
  const %root: f32[] = dense<[2.8284271247461903]>
  %qs: f32[2,5,8] = Div #1 "scale_q"(%q, %root)
  %s: f32[2,5,6] = MatMul #2 "scores"(%qs, %kt)
  %p: f32[2,5,6] = Softmax #3 "softmax"(%s) {axis=-1}
  %y: f32[2,5,4] = MatMul #4 "context"(%p, %v)
  output %y
}
)";

const char* kScaledQueryExpected = R"(graph "vit_attention" {
  input %q: f32[2,5,8]
  input %kt: f32[2,8,6]
  input %v: f32[2,6,4]
  %y: f32[2,5,4] = Attention #5 "context"(%q, %kt, %v) {scale=0.35355338} from [4, 3, 2, 1]
  output %y
}
)";

// Scores scaled by Mul 1 and a broadcast padding mask added (nn.TransformerEncoder), heads as a
// leading batch dimension of 4 dimensions.
const char* kMaskedScores = R"(graph "encoder_attention" {
  input %q: f32[1,2,5,8]
  input %kt: f32[1,2,8,7]
  input %v: f32[1,2,7,3]
  input %mask: f32[1,1,1,7]
  const %eighth: f32[] = dense<[0.125]>
  const %one: f32[] = dense<[1.0]>
  %qs: f32[1,2,5,8] = Mul #1 "scale_q"(%eighth, %q)
  %s: f32[1,2,5,7] = MatMul #2 "scores"(%qs, %kt)
  %s1: f32[1,2,5,7] = Mul #3 "one"(%s, %one)
  %sm: f32[1,2,5,7] = Add #4 "mask"(%mask, %s1)
  %p: f32[1,2,5,7] = Softmax #5 "softmax"(%sm) {axis=3}
  %y: f32[1,2,5,3] = MatMul #6 "context"(%p, %v)
  output %y
}
)";

const char* kMaskedScoresExpected = R"(graph "encoder_attention" {
  input %q: f32[1,2,5,8]
  input %kt: f32[1,2,8,7]
  input %v: f32[1,2,7,3]
  input %mask: f32[1,1,1,7]
  %y: f32[1,2,5,3] = Attention #7 "context"(%q, %kt, %v, %mask) {scale=0.125} from [6, 5, 4, 3, 2, 1]
  output %y
}
)";

// Look-alikes: the softmax over another axis, scores that are also a graph output, and
// probabilities that are also used elsewhere.
const char* kNotAttention = R"(graph "not_attention" {
  input %q: f32[2,5,8]
  input %kt: f32[2,8,5]
  input %v: f32[2,5,4]
  %s: f32[2,5,5] = MatMul #1 "scores"(%q, %kt)
  %p: f32[2,5,5] = Softmax #2 "softmax_rows"(%s) {axis=1}
  %y: f32[2,5,4] = MatMul #3 "context"(%p, %v)
  %s2: f32[2,5,5] = MatMul #4 "scores2"(%q, %kt)
  %p2: f32[2,5,5] = Softmax #5 "softmax2"(%s2) {axis=-1}
  %y2: f32[2,5,4] = MatMul #6 "context2"(%p2, %v)
  %s3: f32[2,5,5] = MatMul #7 "scores3"(%q, %kt)
  %p3: f32[2,5,5] = Softmax #8 "softmax3"(%s3) {axis=-1}
  %y3: f32[2,5,4] = MatMul #9 "context3"(%p3, %v)
  %z: f32[2,5,5] = Relu #10 "other_use"(%p3)
  output %y
  output %y2
  output %s2
  output %y3
  output %z
}
)";

// One Attention node with odd sizes (sq 19, sk 37, d 13, dv 7: partial tiles everywhere) and
// 3 x 2 heads; MASK is its mask's shape (none, per batch over heads and rows, per head and row).
std::string oddAttention(const std::string& mask) {
  return std::string(R"(graph "odd_attention" {
  input %q: f32[3,2,19,13]
  input %kt: f32[3,2,13,37]
  input %v: f32[3,2,37,7])") +
         (mask.empty() ? "" : "\n  input %mask: f32" + mask) + R"(
  %y: f32[3,2,19,7] = Attention #1 "attention"(%q, %kt, %v)" + (mask.empty() ? "" : ", %mask") +
         R"() {scale=0.27735}
  output %y
}
)";
}

// The same attention with its operands and result stored in other layouts: Q, KT, V and Y are
// Transposes of the stored tensors by PERMS (q, kt, v, y); the stored shapes follow from the
// formula's Q [3,2,19,13], KT [3,2,13,37], V [3,2,37,7], Y [3,2,19,7]. FOLDED: the perms are the
// node's attributes; otherwise the graph writes the Transposes out.
std::string permuted(const Shape& formula, const Ints& perm) {  // stored shape: formula = Transpose(stored, perm)
  Shape s(formula.size());
  for (size_t i = 0; i < perm.size(); ++i) s[static_cast<size_t>(perm[i])] = formula[i];
  std::string t = "[";
  for (size_t i = 0; i < s.size(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
  return t + "]";
}

std::string ints(const Ints& v) {
  std::string t = "[";
  for (size_t i = 0; i < v.size(); ++i) t += (i ? ", " : "") + std::to_string(v[i]);
  return t + "]";
}

std::string laidOutAttention(const std::vector<Ints>& perms, const std::string& mask, bool folded) {
  const Shape formula[4] = {{3, 2, 19, 13}, {3, 2, 13, 37}, {3, 2, 37, 7}, {3, 2, 19, 7}};
  const char* names[4] = {"q", "kt", "v", "y"};
  std::string g = "graph \"laid_out_attention\" {\n";
  for (int k = 0; k < 3; ++k) g += std::string("  input %") + names[k] + ": f32" + permuted(formula[k], perms[k]) + "\n";
  if (!mask.empty()) g += "  input %mask: f32" + mask + "\n";
  std::string ops = mask.empty() ? "" : ", %mask";
  if (folded) {
    g += "  %y: f32" + permuted(formula[3], perms[3]) + " = Attention #1 \"attention\"(%q, %kt, %v" + ops +
         ") {kt_perm=" + ints(perms[1]) + ", q_perm=" + ints(perms[0]) + ", scale=0.27735, v_perm=" + ints(perms[2]) +
         ", y_perm=" + ints(perms[3]) + "}\n";
  } else {
    for (int k = 0; k < 3; ++k)
      g += std::string("  %") + names[k] + "_f: f32" + permuted(formula[k], Ints{0, 1, 2, 3}) + " = Transpose #" +
           std::to_string(k + 1) + " \"" + names[k] + "_t\"(%" + names[k] + ") {perm=" + ints(perms[k]) + "}\n";
    g += "  %a: f32[3,2,19,7] = Attention #4 \"attention\"(%q_f, %kt_f, %v_f" + ops + ") {scale=0.27735}\n";
    Ints inv(4);
    for (size_t i = 0; i < 4; ++i) inv[static_cast<size_t>(perms[3][i])] = static_cast<int64_t>(i);
    g += "  %y: f32" + permuted(formula[3], perms[3]) + " = Transpose #5 \"y_t\"(%a) {perm=" + ints(inv) + "}\n";
  }
  return g + "  output %y\n}\n";
}

// ViT's heads: the [S, H, D] Reshape read as Q, KT, V and the result written back in [S, H, D].
const char* kVitHeads = R"(graph "vit_heads" {
  input %x: f32[5,2,4]
  input %k: f32[5,2,4]
  input %v: f32[5,2,3]
  %q: f32[2,5,4] = Transpose #1 "q"(%x) {perm=[1, 0, 2]}
  %kt: f32[2,4,5] = Transpose #2 "kt"(%k) {perm=[1, 2, 0]}
  %vt: f32[2,5,3] = Transpose #3 "vt"(%v) {perm=[1, 0, 2]}
  %a: f32[2,5,3] = Attention #4 "attention"(%q, %kt, %vt) {scale=0.5}
  %y: f32[5,2,3] = Transpose #5 "back"(%a) {perm=[1, 0, 2]}
  output %y
}
)";

const char* kVitHeadsExpected = R"(graph "vit_heads" {
  input %x: f32[5,2,4]
  input %k: f32[5,2,4]
  input %v: f32[5,2,3]
  %y: f32[5,2,3] = Attention #6 "attention"(%x, %k, %v) {kt_perm=[1, 2, 0], q_perm=[1, 0, 2], scale=0.5, v_perm=[1, 0, 2], y_perm=[1, 0, 2]} from [4, 1, 2, 3, 5]
  output %y
}
)";

// BERT's heads: [B, S, H, D] with a padding mask; K arrives already as [B, H, S, D] and is
// transposed once more to KT (a perm composed with an existing one).
const char* kBertHeads = R"(graph "bert_heads" {
  input %x: f32[2,5,3,4]
  input %k: f32[2,3,5,4]
  input %v: f32[2,5,3,4]
  input %mask: f32[2,1,1,5]
  %q: f32[2,3,5,4] = Transpose #1 "q"(%x) {perm=[0, 2, 1, 3]}
  %kt: f32[2,3,4,5] = Transpose #2 "kt"(%k) {perm=[0, 1, 3, 2]}
  %vt: f32[2,3,5,4] = Transpose #3 "vt"(%v) {perm=[0, 2, 1, 3]}
  %a: f32[2,3,5,4] = Attention #4 "attention"(%q, %kt, %vt, %mask) {scale=0.5}
  %y: f32[2,5,3,4] = Transpose #5 "back"(%a) {perm=[0, 2, 1, 3]}
  %z: f32[2,5,3,4] = Relu #6 "relu"(%y)
  output %z
}
)";

const char* kBertHeadsExpected = R"(graph "bert_heads" {
  input %x: f32[2,5,3,4]
  input %k: f32[2,3,5,4]
  input %v: f32[2,5,3,4]
  input %mask: f32[2,1,1,5]
  %y: f32[2,5,3,4] = Attention #7 "attention"(%x, %k, %v, %mask) {kt_perm=[0, 1, 3, 2], q_perm=[0, 2, 1, 3], scale=0.5, v_perm=[0, 2, 1, 3], y_perm=[0, 2, 1, 3]} from [4, 1, 2, 3, 5]
  %z: f32[2,5,3,4] = Relu #6 "relu"(%y)
  output %z
}
)";

// Look-alikes: Q's Transpose is also a graph output; KT's would leave the stored innermost axis (H)
// a batch axis; V's operand is a graph input transposed by nothing; the result's Transpose moves
// the feature axis (the kernel writes whole rows).
const char* kNotAttentionHeads = R"(graph "not_attention_heads" {
  input %x: f32[5,2,4]
  input %k: f32[5,4,2]
  input %v: f32[2,5,3]
  %q: f32[2,5,4] = Transpose #1 "q"(%x) {perm=[1, 0, 2]}
  %kt: f32[2,4,5] = Transpose #2 "kt"(%k) {perm=[2, 1, 0]}
  %a: f32[2,5,3] = Attention #3 "attention"(%q, %kt, %v) {scale=0.5}
  %y: f32[3,5,2] = Transpose #4 "back"(%a) {perm=[2, 1, 0]}
  output %y
  output %q
}
)";

// transpose-to-reshape: ViT's [1,S,E] <-> [S,1,E] Transposes and a 4-D one moving two unit axes.
const char* kUnitTransposes = R"(graph "unit_transposes" {
  input %x: f32[1,6,4]
  input %w: f32[4,4]
  %t: f32[6,1,4] = Transpose #1 "in"(%x) {perm=[1, 0, 2]}
  %m: f32[6,1,4] = MatMul #2 "proj"(%t, %w)
  %y: f32[1,6,4] = Transpose #3 "out"(%m) {perm=[1, 0, 2]}
  %u: f32[1,6,4,1] = Unsqueeze #4 "unsq"(%y) {axes=[3]}
  %z: f32[6,1,1,4] = Transpose #5 "four"(%u) {perm=[1, 3, 0, 2]}
  output %z
}
)";

const char* kUnitTransposesExpected = R"(graph "unit_transposes" {
  input %x: f32[1,6,4]
  input %w: f32[4,4]
  %t: f32[6,1,4] = Reshape #6 "in"(%x) {shape=[6, 1, 4]} from [1]
  %m: f32[6,1,4] = MatMul #2 "proj"(%t, %w)
  %y: f32[1,6,4] = Reshape #7 "out"(%m) {shape=[1, 6, 4]} from [3]
  %u: f32[1,6,4,1] = Unsqueeze #4 "unsq"(%y) {axes=[3]}
  %z: f32[6,1,1,4] = Reshape #8 "four"(%u) {shape=[6, 1, 1, 4]} from [5]
  output %z
}
)";

// Look-alikes: a Transpose swapping two axes longer than 1; one moving only a unit axis but
// keeping the shape (eliminate-noops' job); an empty perm (reversal) on two long axes.
const char* kNotUnitTransposes = R"(graph "not_unit_transposes" {
  input %x: f32[2,3,4]
  input %o: f32[1,1,4]
  input %p: f32[2,3]
  %t: f32[3,2,4] = Transpose #1 "swap"(%x) {perm=[1, 0, 2]}
  %s: f32[1,1,4] = Transpose #2 "same"(%o) {perm=[1, 0, 2]}
  %r: f32[4,2,3] = Transpose #3 "reverse"(%t) {perm=[2, 1, 0]}
  %e: f32[3,2] = Transpose #4 "plain"(%p)
  output %r
  output %s
  output %e
}
)";

// torch's LayerNorm at opset 13 (nn.LayerNorm(4) on [2,3,4]).
const char* kLayerNormOpset13 = R"(graph "layernorm13" {
  input %x: f32[2,3,4]
  const %two: f32[] = dense<[2.0]>
  const %eps: f32[] = dense<[1e-05]>
  const %gamma: f32[4] = dense<[1.0, 0.5, -2.0, 1.5]>
  const %beta: f32[4] = dense<[0.25, -1.0, 0.0, 3.0]>
  %mean: f32[2,3,1] = ReduceMean #1 "mean"(%x) {axes=[-1]}
  %d: f32[2,3,4] = Sub #2 "sub"(%x, %mean)
  %sq: f32[2,3,4] = Pow #3 "pow"(%d, %two)
  %var: f32[2,3,1] = ReduceMean #4 "var"(%sq) {axes=[-1]}
  %ve: f32[2,3,1] = Add #5 "add_eps"(%var, %eps)
  %sd: f32[2,3,1] = Sqrt #6 "sqrt"(%ve)
  %n: f32[2,3,4] = Div #7 "div"(%d, %sd)
  %g: f32[2,3,4] = Mul #8 "gamma"(%n, %gamma)
  %y: f32[2,3,4] = Add #9 "beta"(%g, %beta)
  output %y
}
)";

const char* kLayerNormOpset13Expected = R"(graph "layernorm13" {
  input %x: f32[2,3,4]
  const %gamma: f32[4] = dense<[1.0, 0.5, -2.0, 1.5]>
  const %beta: f32[4] = dense<[0.25, -1.0, 0.0, 3.0]>
  %y: f32[2,3,4] = LayerNormalization #10 "beta"(%x, %gamma, %beta) {axis=2, epsilon=1e-05} from [9, 2, 1, 3, 4, 5, 6, 7, 8]
  output %y
}
)";

// No gamma or beta, the square as Mul(d, d), over the last two axes.
const char* kLayerNormPlain = R"(graph "layernorm_plain" {
  input %x: f32[2,3,4]
  const %eps: f32[] = dense<[0.001]>
  %mean: f32[2,1,1] = ReduceMean #1 "mean"(%x) {axes=[1, 2]}
  %d: f32[2,3,4] = Sub #2 "sub"(%x, %mean)
  %sq: f32[2,3,4] = Mul #3 "square"(%d, %d)
  %var: f32[2,1,1] = ReduceMean #4 "var"(%sq) {axes=[-2, -1]}
  %ve: f32[2,1,1] = Add #5 "add_eps"(%eps, %var)
  %sd: f32[2,1,1] = Sqrt #6 "sqrt"(%ve)
  %y: f32[2,3,4] = Div #7 "div"(%d, %sd)
  output %y
}
)";

const char* kLayerNormPlainExpected = R"(graph "layernorm_plain" {
  input %x: f32[2,3,4]
  const %y_scale: f32[3,4] = dense<[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]>
  %y: f32[2,3,4] = LayerNormalization #8 "div"(%x, %y_scale) {axis=1, epsilon=0.001} from [7, 2, 1, 3, 4, 5, 6]
  output %y
}
)";

// Look-alikes: the centred value also a graph output; a mean over a leading axis; a square that
// is not of the centred value.
const char* kNotLayerNorm = R"(graph "not_layernorm" {
  input %x: f32[2,3,4]
  const %two: f32[] = dense<[2.0]>
  const %eps: f32[] = dense<[1e-05]>
  %mean: f32[2,3,1] = ReduceMean #1 "mean"(%x) {axes=[-1]}
  %d: f32[2,3,4] = Sub #2 "sub"(%x, %mean)
  %sq: f32[2,3,4] = Pow #3 "pow"(%d, %two)
  %var: f32[2,3,1] = ReduceMean #4 "var"(%sq) {axes=[-1]}
  %ve: f32[2,3,1] = Add #5 "add_eps"(%var, %eps)
  %sd: f32[2,3,1] = Sqrt #6 "sqrt"(%ve)
  %y: f32[2,3,4] = Div #7 "div"(%d, %sd)
  %mean2: f32[1,3,4] = ReduceMean #8 "mean2"(%x) {axes=[0]}
  %d2: f32[2,3,4] = Sub #9 "sub2"(%x, %mean2)
  %sq2: f32[2,3,4] = Pow #10 "pow2"(%d2, %two)
  %var2: f32[1,3,4] = ReduceMean #11 "var2"(%sq2) {axes=[0]}
  %ve2: f32[1,3,4] = Add #12 "add_eps2"(%var2, %eps)
  %sd2: f32[1,3,4] = Sqrt #13 "sqrt2"(%ve2)
  %y2: f32[2,3,4] = Div #14 "div2"(%d2, %sd2)
  %mean3: f32[2,3,1] = ReduceMean #15 "mean3"(%x) {axes=[-1]}
  %d3: f32[2,3,4] = Sub #16 "sub3"(%x, %mean3)
  %sq3: f32[2,3,4] = Pow #17 "pow3"(%x, %two)
  %var3: f32[2,3,1] = ReduceMean #18 "var3"(%sq3) {axes=[-1]}
  %ve3: f32[2,3,1] = Add #19 "add_eps3"(%var3, %eps)
  %sd3: f32[2,3,1] = Sqrt #20 "sqrt3"(%ve3)
  %y3: f32[2,3,4] = Div #21 "div3"(%d3, %sd3)
  output %y
  output %d
  output %y2
  output %y3
}
)";

void checkPass(const PassInfo& pass, const char* input, const char* expected) {
  testing::checkPassRewrite(pass, input, expected, Tolerance{1e-5, 1e-6});
}

}  // namespace

class TestTransformerPasses : public QObject {
  Q_OBJECT

 private slots:
  void layerNormOpset13() { checkPass(fuseLayerNormPass(), kLayerNormOpset13, kLayerNormOpset13Expected); }
  void layerNormPlain() { checkPass(fuseLayerNormPass(), kLayerNormPlain, kLayerNormPlainExpected); }
  void layerNormLookAlikesStay() { checkPass(fuseLayerNormPass(), kNotLayerNorm, nullptr); }

  // The BERT-style encoder at opset 13: -O1 makes its 9 written-out LayerNorms (embedding norm and 2
  // per layer) and its 4 attentions one node each, and the result still matches torch.
  void opset13EncoderFusesLayerNorms() {
    const auto dir = testing::sequenceModels() / "bert_encoder_opset13";
    const Graph imported = loadModel(dir / "model.onnx");
    QCOMPARE(testing::countOp(imported, "Sqrt"), 9);
    const Graph g = runPipeline(imported, namedPipeline("O1")).result();
    QCOMPARE(testing::countOp(g, "LayerNormalization"), 9);
    QCOMPARE(testing::countOp(g, "Sqrt"), 0);
    QCOMPARE(testing::countOp(g, "ReduceMean"), 0);
    QCOMPARE(testing::countOp(g, "Attention"), 4);
    TestCaseResult r = runOnnxTestCase(dir, driver::graphRunner("interpreter", "O1"), Tolerance{1e-3, 1e-5});
    NEST_VERIFY(r.passed, r.message);
  }

  void scaledQuery() { checkPass(fuseAttentionPass(), kScaledQuery, kScaledQueryExpected); }
  void maskedScores() { checkPass(fuseAttentionPass(), kMaskedScores, kMaskedScoresExpected); }
  void lookAlikesStay() { checkPass(fuseAttentionPass(), kNotAttention, nullptr); }

  void vitHeadsFold() { checkPass(foldAttentionTransposesPass(), kVitHeads, kVitHeadsExpected); }
  void bertHeadsFold() { checkPass(foldAttentionTransposesPass(), kBertHeads, kBertHeadsExpected); }
  void headLookAlikesStay() { checkPass(foldAttentionTransposesPass(), kNotAttentionHeads, nullptr); }
  void unitTransposesBecomeReshapes() { checkPass(transposeToReshapePass(), kUnitTransposes, kUnitTransposesExpected); }
  void unitTransposeLookAlikesStay() { checkPass(transposeToReshapePass(), kNotUnitTransposes, nullptr); }

  void inferenceRefusesBadPerm() {
    const std::string bad = R"(graph "bad" {
  input %q: f32[2,5,8]
  input %kt: f32[2,8,6]
  input %v: f32[2,6,4]
  %y: f32[2,5,4] = Attention #1 "attention"(%q, %kt, %v) {q_perm=[0, 2, 2], scale=1.0}
  output %y
}
)";
    const std::string msg = testing::errorOf([&] { parseGraph(bad); });
    NEST_VERIFY(msg.find("node 'attention' (Attention)") != std::string::npos &&
                    msg.find("q_perm [0, 2, 2] is not a permutation of the 3 axes of the operands") != std::string::npos,
                msg);
    // Shapes are checked as the perms read them, and the message says so.
    const std::string mismatch = R"(graph "bad" {
  input %q: f32[5,2,8]
  input %kt: f32[2,6,8]
  input %v: f32[2,6,4]
  %y: f32[5,2,4] = Attention #1 "attention"(%q, %kt, %v) {q_perm=[1, 0, 2], scale=1.0, y_perm=[1, 0, 2]}
  output %y
}
)";
    const std::string msg2 = testing::errorOf([&] { parseGraph(mismatch); });
    NEST_VERIFY(msg2.find("node 'attention' (Attention)") != std::string::npos &&
                    msg2.find("KT 2x6x8 must be [..., d=8, Sk] (as the layout attributes read them)") != std::string::npos,
                msg2);
  }

  void inferenceRefusesBadOperands() {
    const std::string bad = R"(graph "bad" {
  input %q: f32[2,5,8]
  input %kt: f32[2,6,8]
  input %v: f32[2,6,4]
  %y: f32[2,5,4] = Attention #1 "attention"(%q, %kt, %v) {scale=1.0}
  output %y
}
)";
    const std::string msg = testing::errorOf([&] { parseGraph(bad); });
    NEST_VERIFY(msg.find("node 'attention' (Attention)") != std::string::npos &&
                    msg.find("KT 2x6x8 must be [..., d=8, Sk]") != std::string::npos,
                msg);
  }

  // -O1 fuses every head group of the sequence seed models and folds their head Transposes, and the
  // fused graphs still match torch.
  void seedModelsFuseEveryHeadGroup_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("attentions");
    QTest::newRow("vit_b_16") << QString("vit_b_16") << 12;
    QTest::newRow("bert_encoder") << QString("bert_encoder") << 4;
  }

  void seedModelsFuseEveryHeadGroup() {
    QFETCH(QString, model);
    QFETCH(int, attentions);
    const auto dir = testing::sequenceModels() / model.toStdString();
    const Graph g = runPipeline(loadModel(dir / "model.onnx"), namedPipeline("O1")).result();
    QCOMPARE(testing::countOp(g, "Attention"), attentions);
    QCOMPARE(testing::countOp(g, "Softmax"), 0);
    // fold-attention-transposes takes every layer's 4 head Transposes, transpose-to-reshape the 2
    // around the batch axis of size 1; ViT keeps its patch embedding's [1,768,196] -> [1,196,768].
    QCOMPARE(testing::countOp(g, "Transpose"), model == "vit_b_16" ? 1 : 0);
    // Position embeddings are constant (static sequence length): constant-fold reads them at
    // compile time, leaving the token lookup as the only Gather.
    if (model == "bert_encoder") QCOMPARE(testing::countOp(g, "Gather"), 1);
    TestCaseResult r = runOnnxTestCase(dir, driver::graphRunner("interpreter", "O1"), Tolerance{1e-3, 1e-5});
    NEST_VERIFY(r.passed, r.message);
  }

  // The CPU kernel against the interpreter's (double) reference, and the same bytes on any thread count.
  void cpuKernelMatchesInterpreter_data() {
    QTest::addColumn<QString>("mask");
    QTest::newRow("no mask") << QString();
    QTest::newRow("per batch") << QString("[3,1,1,37]");
    QTest::newRow("per head and row") << QString("[2,19,37]");
  }

  void cpuKernelMatchesInterpreter() {
    QFETCH(QString, mask);
    const Graph g = testing::graphFromText(oddAttention(mask.toStdString()));
    const std::vector<Tensor> inputs = testing::randomInputs(g, 7);
    const std::vector<Tensor> want = Interpreter(g).run(inputs);
    const driver::Compiled c = driver::compileGraph(g, "cpu", CompileRequest{});
    const std::vector<Tensor> one = driver::run(c, inputs, nullptr, 1);
    const std::optional<std::string> diff = compareTensors(one[0], want[0], Tolerance{1e-5, 1e-6});
    NEST_VERIFY(!diff, diff.value_or(""));
    for (int threads : {2, 4}) QVERIFY(driver::run(c, inputs, nullptr, threads)[0].sameBytes(one[0]));
  }

  // Operands and result stored in other layouts (the layout attributes): the CPU kernel against the
  // interpreter, the same bytes on 1, 2 and 4 threads, and the same bytes as the unfolded graph
  // (Transposes, then the plain kernel): reading through strides changes no arithmetic.
  void cpuKernelReadsLayouts_data() {
    QTest::addColumn<QString>("layout");
    QTest::addColumn<QString>("mask");
    QTest::newRow("heads [B,S,H,D]") << QString("heads") << QString();
    QTest::newRow("heads, masked") << QString("heads") << QString("[3,1,1,37]");
    QTest::newRow("transposed matrices") << QString("transposed") << QString();
    QTest::newRow("transposed, masked") << QString("transposed") << QString("[2,19,37]");
  }

  void cpuKernelReadsLayouts() {
    QFETCH(QString, layout);
    QFETCH(QString, mask);
    // heads: Q, V, Y stored [B, S, H, D], K stored [B, S, H, D] (KT's rows contiguous);
    // transposed: Q and V stored with their two matrix axes swapped, KT as [H, B, Sk, d], Y
    // stored [.., dv, Sq] (columns strided: through scratch).
    const std::vector<Ints> perms = layout == "heads"
                                        ? std::vector<Ints>{{0, 2, 1, 3}, {0, 2, 3, 1}, {0, 2, 1, 3}, {0, 2, 1, 3}}
                                        : std::vector<Ints>{{0, 1, 3, 2}, {1, 0, 3, 2}, {0, 1, 3, 2}, {0, 1, 3, 2}};
    const Graph folded = testing::graphFromText(laidOutAttention(perms, mask.toStdString(), true));
    const Graph unfolded = testing::graphFromText(laidOutAttention(perms, mask.toStdString(), false));
    const std::vector<Tensor> inputs = testing::randomInputs(folded, 11);
    const std::vector<Tensor> want = Interpreter(folded).run(inputs);
    const std::vector<Tensor> reference = Interpreter(unfolded).run(inputs);
    QVERIFY(want[0].sameBytes(reference[0]));
    const driver::Compiled c = driver::compileGraph(folded, "cpu", CompileRequest{});
    const std::vector<Tensor> one = driver::run(c, inputs, nullptr, 1);
    const std::optional<std::string> diff = compareTensors(one[0], want[0], Tolerance{1e-5, 1e-6});
    NEST_VERIFY(!diff, diff.value_or(""));
    for (int threads : {2, 4}) QVERIFY(driver::run(c, inputs, nullptr, threads)[0].sameBytes(one[0]));
    const driver::Compiled plain = driver::compileGraph(unfolded, "cpu", CompileRequest{});
    QVERIFY(driver::run(plain, inputs, nullptr, 1)[0].sameBytes(one[0]));
  }
};

QTEST_APPLESS_MAIN(TestTransformerPasses)
#include "test_transformer_passes.moc"
