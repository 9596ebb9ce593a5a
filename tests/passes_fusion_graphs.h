// Hand-written text IR for test_passes_fusion (kept out of the moc-parsed test file).
#pragma once

namespace fusion_graphs {

// ---- fold-batchnorm ----
// s = gamma / sqrt(var + eps) = [2, 1], t = beta - mean * s = [-1, -1].
const char* kConvBn = R"(graph "conv_bn" {
  input %x: f32[1,2,3,3]
  const %b: f32[2] = dense<[0.5, 1.0]>
  const %beta: f32[2] = dense<[1.0, -1.0]>
  const %gamma: f32[2] = dense<[4.0, 4.0]>
  const %mean: f32[2] = dense<[1.0, 0.0]>
  const %var: f32[2] = dense<[3.0, 15.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w, %b) {kernel_shape=[1, 1]}
  %y: f32[1,2,3,3] = BatchNormalization #2 "bn"(%c, %gamma, %beta, %mean, %var) {epsilon=1.0}
  output %y
}
)";

// The weights stay shared; the Conv scales its result per output channel before the new bias.
const char* kConvBnExpected = R"(graph "conv_bn" {
  input %x: f32[1,2,3,3]
  const %b_folded: f32[2] = dense<[0.0, 0.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %y: f32[1,2,3,3] = Conv #1 "conv"(%x, %w, %b_folded) {kernel_shape=[1, 1], output_scale=[2.0, 1.0]} from [2]
  output %y
}
)";

// The conv result is also a graph output: folding would change it.
const char* kConvBnShared = R"(graph "conv_bn_shared" {
  input %x: f32[1,2,3,3]
  const %beta: f32[2] = dense<[1.0, -1.0]>
  const %gamma: f32[2] = dense<[4.0, 4.0]>
  const %mean: f32[2] = dense<[1.0, 0.0]>
  const %var: f32[2] = dense<[3.0, 15.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {kernel_shape=[1, 1]}
  %y: f32[1,2,3,3] = BatchNormalization #2 "bn"(%c, %gamma, %beta, %mean, %var) {epsilon=1.0}
  output %y
  output %c
}
)";

// A standalone BatchNormalization (its producer is a Relu) stays, and so does one whose producer
// carries a fused activation.
const char* kBnNotFoldable = R"(graph "bn_standalone" {
  input %x: f32[1,2,3,3]
  const %beta: f32[2] = dense<[1.0, -1.0]>
  const %gamma: f32[2] = dense<[4.0, 4.0]>
  const %mean: f32[2] = dense<[1.0, 0.0]>
  const %var: f32[2] = dense<[3.0, 15.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %r: f32[1,2,3,3] = Relu #1(%x)
  %y: f32[1,2,3,3] = BatchNormalization #2 "bn"(%r, %gamma, %beta, %mean, %var) {epsilon=1.0}
  %c: f32[1,2,3,3] = Conv #3 "conv"(%y, %w) {activation="Relu", kernel_shape=[1, 1]}
  %z: f32[1,2,3,3] = BatchNormalization #4 "bn2"(%c, %gamma, %beta, %mean, %var) {epsilon=1.0}
  output %z
}
)";

// Gemm (transB = 1, scalar bias) followed by BatchNormalization over its columns.
const char* kGemmBn = R"(graph "gemm_bn" {
  input %x: f32[4,3]
  const %beta: f32[2] = dense<[0.25, -1.0]>
  const %c: f32[] = dense<[0.5]>
  const %gamma: f32[2] = dense<[1.5, -2.0]>
  const %mean: f32[2] = dense<[0.1, -0.3]>
  const %var: f32[2] = dense<[0.7, 2.0]>
  const %w: f32[2,3] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0]>
  %g: f32[4,2] = Gemm #1 "fc"(%x, %w, %c) {alpha=0.5, beta=2.0, transB=1}
  %y: f32[4,2] = BatchNormalization #2 "bn"(%g, %gamma, %beta, %mean, %var) {epsilon=1e-05}
  output %y
}
)";

// ---- fold-scale-bias ----
const char* kConvScaleBias = R"(graph "conv_scale_bias" {
  input %x: f32[1,2,3,3]
  const %m: f32[2,1,1] = dense<[2.0, 3.0]>
  const %s: f32[1,2,1,1] = dense<[1.0, -1.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {kernel_shape=[1, 1]}
  %p: f32[1,2,3,3] = Mul #2(%m, %c)
  %y: f32[1,2,3,3] = Add #3(%p, %s)
  output %y
}
)";

// The Conv keeps its weights and records the Mul as output_scale (see fold-batchnorm).
const char* kConvScaleBiasExpected = R"(graph "conv_scale_bias" {
  input %x: f32[1,2,3,3]
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %w_bias_folded_folded: f32[2] = dense<[1.0, -1.0]>
  %y: f32[1,2,3,3] = Conv #1 "conv"(%x, %w, %w_bias_folded_folded) {kernel_shape=[1, 1], output_scale=[2.0, 3.0]} from [2, 3]
  output %y
}
)";

// Not per output channel ([1,1,3,1] varies along a spatial axis; [1,2,3,3] is a full tensor), and
// a constant that enlarges the result: nothing folds.
const char* kScaleBiasNotPerChannel = R"(graph "scale_not_per_channel" {
  input %x: f32[1,2,3,3]
  const %m: f32[1,1,3,1] = dense<[2.0, 3.0, 4.0]>
  const %e: f32[2,1,1,1] = dense<[1.0, 2.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %w2: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {kernel_shape=[1, 1]}
  %y: f32[1,2,3,3] = Mul #2(%c, %m)
  %c2: f32[1,2,3,3] = Conv #3 "conv2"(%x, %w2) {kernel_shape=[1, 1]}
  %z: f32[2,2,3,3] = Add #4(%c2, %e)
  output %y
  output %z
}
)";

// Gemm without transB, per-column Mul then scalar Add.
const char* kGemmScaleBias = R"(graph "gemm_scale_bias" {
  input %x: f32[3,4]
  const %a: f32[] = dense<[0.75]>
  const %b: f32[1,2] = dense<[1.0, -2.0]>
  const %m: f32[2] = dense<[-1.5, 2.0]>
  const %w: f32[4,2] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0]>
  %g: f32[3,2] = Gemm #1 "fc"(%x, %w, %b)
  %p: f32[3,2] = Mul #2(%g, %m)
  %y: f32[3,2] = Add #3(%a, %p)
  output %y
}
)";

// ---- fuse-activations ----
const char* kConvRelu = R"(graph "conv_relu" {
  input %x: f32[1,2,3,3]
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {kernel_shape=[1, 1]}
  %y: f32[1,2,3,3] = Relu #2 "relu"(%c)
  output %y
}
)";

const char* kConvReluExpected = R"(graph "conv_relu" {
  input %x: f32[1,2,3,3]
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  %y: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {activation="Relu", kernel_shape=[1, 1]} from [2]
  output %y
}
)";

// Relu6 as Clip after an Add, LeakyRelu after a Gemm, HardSwish and Sigmoid after Convs.
const char* kActivationMix = R"(graph "activation_mix" {
  input %x: f32[1,2,3,3]
  input %v: f32[2,3]
  const %gw: f32[3,3] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5]>
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  %a: f32[1,2,3,3] = Add #1 "add"(%x, %x)
  %r6: f32[1,2,3,3] = Clip #2 "relu6"(%a) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %c: f32[1,2,3,3] = Conv #3 "conv"(%r6, %w) {kernel_shape=[1, 1]}
  %hs: f32[1,2,3,3] = HardSwish #4(%c)
  %c2: f32[1,2,3,3] = Conv #5 "conv2"(%hs, %w) {kernel_shape=[1, 1]}
  %sg: f32[1,2,3,3] = Sigmoid #6(%c2)
  %g: f32[2,3] = Gemm #7 "fc"(%v, %gw)
  %lr: f32[2,3] = LeakyRelu #8(%g) {alpha=0.2}
  %cl: f32[1,2,3,3] = Clip #9(%sg) {max=0.75}
  output %cl
  output %lr
}
)";

const char* kActivationMixExpected = R"(graph "activation_mix" {
  input %x: f32[1,2,3,3]
  input %v: f32[2,3]
  const %gw: f32[3,3] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5]>
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  %a: f32[1,2,3,3] = Add #1 "add"(%x, %x) {activation="Clip", activation_params=[0.0, 6.0]} from [2]
  %c: f32[1,2,3,3] = Conv #3 "conv"(%a, %w) {activation="HardSwish", kernel_shape=[1, 1]} from [4]
  %c2: f32[1,2,3,3] = Conv #5 "conv2"(%c, %w) {activation="Sigmoid", kernel_shape=[1, 1]} from [6]
  %lr: f32[2,3] = Gemm #7 "fc"(%v, %gw) {activation="LeakyRelu", activation_params=[0.2]} from [8]
  %cl: f32[1,2,3,3] = Clip #9(%c2) {max=0.75}
  output %cl
  output %lr
}
)";

// Not fused: the conv result has a second user; integer Add; Relu after a MatMul.
const char* kActivationNotFusable = R"(graph "activation_not_fusable" {
  input %x: f32[1,2,3,3]
  input %i: i32[4]
  input %m: f32[2,2]
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w) {kernel_shape=[1, 1]}
  %r: f32[1,2,3,3] = Relu #2(%c)
  %s: f32[1,2,3,3] = Add #3(%r, %c)
  %ia: i32[4] = Add #4(%i, %i)
  %ir: i32[4] = Relu #5(%ia)
  %mm: f32[2,2] = MatMul #6(%m, %m)
  %mr: f32[2,2] = Relu #7(%mm)
  output %s
  output %ir
  output %mr
}
)";

// ---- merge-pad ----
const char* kPadConv = R"(graph "pad_conv" {
  input %x: f32[1,1,4,4]
  const %w: f32[1,1,3,3] = dense<[1.0, -2.0, 3.0, -4.0, 0.5, 1.5, -1.0, 2.0, 0.25]>
  %p: f32[1,1,6,5] = Pad #1 "pad"(%x) {mode="constant", pads=[0, 0, 1, 0, 0, 0, 1, 1]}
  %y: f32[1,1,6,5] = Conv #2 "conv"(%p, %w) {kernel_shape=[3, 3], pads=[1, 1, 1, 1]}
  %q: f32[1,1,6,6] = Pad #3(%y) {axes=[2, 3], pads=[0, 1, 0, 0]}
  %z: f32[1,1,6,5] = AveragePool #4(%q) {count_include_pad=1, kernel_shape=[3, 3], pads=[1, 0, 1, 1], strides=[1, 1]}
  output %z
}
)";

const char* kPadConvExpected = R"(graph "pad_conv" {
  input %x: f32[1,1,4,4]
  const %w: f32[1,1,3,3] = dense<[1.0, -2.0, 3.0, -4.0, 0.5, 1.5, -1.0, 2.0, 0.25]>
  %y: f32[1,1,6,5] = Conv #2 "conv"(%x, %w) {kernel_shape=[3, 3], pads=[2, 1, 2, 2]} from [1]
  %z: f32[1,1,6,5] = AveragePool #4(%y) {count_include_pad=1, kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]} from [3]
  output %z
}
)";

// Not merged: non-zero value, reflect mode, channel padding, AveragePool without count_include_pad,
// Conv with auto_pad.
const char* kPadNotMergeable = R"(graph "pad_not_mergeable" {
  input %x: f32[1,2,4,4]
  const %w: f32[2,2,1,1] = dense<[1.0, -2.0, 3.0, -4.0]>
  const %w3: f32[2,3,1,1] = dense<[1.0, -2.0, 3.0, -4.0, 0.5, 1.0]>
  %p1: f32[1,2,6,6] = Pad #1(%x) {constant_value=dense<f32[]: [1.0]>, pads=[0, 0, 1, 1, 0, 0, 1, 1]}
  %y1: f32[1,2,6,6] = Conv #2(%p1, %w) {kernel_shape=[1, 1]}
  %p2: f32[1,2,6,6] = Pad #3(%x) {mode="reflect", pads=[0, 0, 1, 1, 0, 0, 1, 1]}
  %y2: f32[1,2,6,6] = Conv #4(%p2, %w) {kernel_shape=[1, 1]}
  %p3: f32[1,3,4,4] = Pad #5(%x) {pads=[0, 1, 0, 0, 0, 0, 0, 0]}
  %y3: f32[1,2,4,4] = Conv #6(%p3, %w3) {kernel_shape=[1, 1]}
  %p4: f32[1,2,6,6] = Pad #7(%x) {pads=[0, 0, 1, 1, 0, 0, 1, 1]}
  %y4: f32[1,2,4,4] = AveragePool #8(%p4) {kernel_shape=[3, 3]}
  %p5: f32[1,2,6,6] = Pad #9(%x) {pads=[0, 0, 1, 1, 0, 0, 1, 1]}
  %y5: f32[1,2,6,6] = Conv #10(%p5, %w) {auto_pad="SAME_UPPER", kernel_shape=[1, 1]}
  output %y1
  output %y2
  output %y3
  output %y4
  output %y5
}
)";

// ---- matmul-add-to-gemm ----
const char* kMatMulAdd = R"(graph "matmul_add" {
  input %x: f32[2,3]
  const %b: f32[4] = dense<[1.0, -1.0, 0.5, 2.0]>
  const %w: f32[3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75]>
  %m: f32[2,4] = MatMul #1 "fc"(%x, %w)
  %y: f32[2,4] = Add #2 "bias"(%b, %m)
  output %y
}
)";

const char* kMatMulAddExpected = R"(graph "matmul_add" {
  input %x: f32[2,3]
  const %b: f32[4] = dense<[1.0, -1.0, 0.5, 2.0]>
  const %w: f32[3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75]>
  %y: f32[2,4] = Gemm #3 "fc"(%x, %w, %b) from [1, 2]
  output %y
}
)";

// A linear layer on a sequence: [2, 2, 3] rows stacked into [4, 3] and back; the bias [1, 1, 4]
// becomes a vector.
const char* kMatMulAddSequence = R"(graph "matmul_add_sequence" {
  input %x: f32[2,2,3]
  const %b: f32[1,1,4] = dense<[1.0, -1.0, 0.5, 2.0]>
  const %w: f32[3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75]>
  %m: f32[2,2,4] = MatMul #1 "fc"(%x, %w)
  %y: f32[2,2,4] = Add #2 "bias"(%m, %b)
  output %y
}
)";

const char* kMatMulAddSequenceExpected = R"(graph "matmul_add_sequence" {
  input %x: f32[2,2,3]
  const %b_vector: f32[4] = dense<[1.0, -1.0, 0.5, 2.0]>
  const %w: f32[3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75]>
  %x_rows: f32[4,3] = Reshape #3 "fc_rows"(%x) {shape=[4, 3]} from [1, 2]
  %y_rows: f32[4,4] = Gemm #4 "fc"(%x_rows, %w, %b_vector) from [1, 2]
  %y: f32[2,2,4] = Reshape #5 "bias_unrows"(%y_rows) {shape=[2, 2, 4]} from [1, 2]
  output %y
}
)";

// Not rewritten: per-row bias, non-constant B, a bias that varies along a leading axis, a batched
// B, MatMul result used twice.
const char* kMatMulAddNot = R"(graph "matmul_add_not" {
  input %x: f32[2,3]
  input %v: f32[3,4]
  input %t: f32[2,2,3]
  const %b: f32[4] = dense<[1.0, -1.0, 0.5, 2.0]>
  const %r: f32[2,1] = dense<[1.0, -1.0]>
  const %p: f32[2,1,4] = dense<[1.0, -1.0, 0.5, 2.0, 1.0, -1.0, 0.5, 2.5]>
  const %wb: f32[2,3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75, 1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.5]>
  const %w: f32[3,4] = dense<[1.0, -2.0, 0.5, 0.25, 3.0, -1.0, 2.0, 1.0, -0.5, 1.5, -3.0, 0.75]>
  %m1: f32[2,4] = MatMul #1(%x, %w)
  %y1: f32[2,4] = Add #2(%m1, %r)
  %m2: f32[2,4] = MatMul #3(%x, %v)
  %y2: f32[2,4] = Add #4(%m2, %b)
  %m3: f32[2,2,4] = MatMul #5(%t, %w)
  %y3: f32[2,2,4] = Add #6(%m3, %p)
  %m5: f32[2,2,4] = MatMul #9(%t, %wb)
  %y5: f32[2,2,4] = Add #10(%m5, %b)
  %m4: f32[2,4] = MatMul #7(%x, %w)
  %y4: f32[2,4] = Add #8(%m4, %b)
  output %y1
  output %y2
  output %y3
  output %y4
  output %y5
  output %m4
}
)";

// ---- merge-reshapes ----
const char* kReshapes = R"(graph "reshapes" {
  input %x: f32[2,3,4]
  %a: f32[6,4] = Reshape #1 "r1"(%x) {shape=[6, -1]}
  %b: f32[6,4] = Flatten #2 "f"(%a) {axis=1}
  %c: f32[24] = Reshape #3 "r2"(%b) {shape=[-1]}
  %d: f32[4,6] = Reshape #4 "r3"(%x) {shape=[4, 6]}
  %e: f32[4,2,3] = Reshape #5 "r4"(%d) {shape=[0, 2, 3]}
  %f: f32[8,3] = Flatten #6 "f2"(%e) {axis=2}
  output %c
  output %e
  output %f
}
)";

const char* kReshapesExpected = R"(graph "reshapes" {
  input %x: f32[2,3,4]
  %c: f32[24] = Reshape #3 "r2"(%x) {shape=[24]} from [7, 1, 2]
  %e: f32[4,2,3] = Reshape #5 "r4"(%x) {shape=[4, 2, 3]} from [4]
  %f: f32[8,3] = Flatten #6 "f2"(%e) {axis=2}
  output %c
  output %e
  output %f
}
)";

const char* kFlattenOfReshape = R"(graph "flatten_of_reshape" {
  input %x: f32[2,3,4]
  %a: f32[4,6] = Reshape #1 "r"(%x) {shape=[4, 6]}
  %b: f32[4,2,3] = Reshape #2 "r2"(%a) {shape=[4, 2, 3]}
  %y: f32[4,6] = Flatten #3 "f"(%b) {axis=1}
  output %y
}
)";

const char* kFlattenOfReshapeExpected = R"(graph "flatten_of_reshape" {
  input %x: f32[2,3,4]
  %y: f32[4,6] = Reshape #4 "f"(%x) {shape=[4, 6]} from [2, 1, 3]
  output %y
}
)";

}  // namespace fusion_graphs
