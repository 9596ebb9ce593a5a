// Hand-written text IR used by test_passes_layout (kept out of the moc-parsed test file).
#pragma once

namespace {

// --- sink-transposes ---------------------------------------------------------------------------

// NCHW -> NHWC, an activation, back to NCHW: both Transposes cancel.
const char* kTransposeCancel = R"(graph "t" {
  input %x: f32[1,3,4,5]
  %t1: f32[1,4,5,3] = Transpose #1 "to_nhwc"(%x) {perm=[0, 2, 3, 1]}
  %r: f32[1,4,5,3] = Relu #2 "relu"(%t1)
  %c: f32[1,4,5,3] = Clip #3 "clip"(%r) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %y: f32[1,3,4,5] = Transpose #4 "to_nchw"(%c) {perm=[0, 3, 1, 2]}
  output %y
}
)";

// Two Transposes in a row compose into one.
const char* kTransposeCompose = R"(graph "t" {
  input %x: f32[2,3,4,5]
  %t1: f32[2,4,5,3] = Transpose #1 "a"(%x) {perm=[0, 2, 3, 1]}
  %y: f32[2,5,3,4] = Transpose #2 "b"(%t1) {perm=[0, 2, 3, 1]}
  output %y
}
)";

// Both operands of Add transposed the same way: one Transpose after the Add.
const char* kTransposeBinary = R"(graph "t" {
  input %a: f32[2,3,4]
  input %b: f32[2,3,4]
  %ta: f32[4,2,3] = Transpose #1 "ta"(%a) {perm=[2, 0, 1]}
  %tb: f32[4,2,3] = Transpose #2 "tb"(%b) {perm=[2, 0, 1]}
  %s: f32[4,2,3] = Add #3 "add"(%ta, %tb)
  %y: f32[4,2,3] = Sigmoid #4 "sig"(%s)
  output %y
}
)";

// NHWC round trip around a per-channel scale (a constant broadcast along the last axis): the
// constant is transposed (to [1,3,1,1]) and both Transposes cancel.
const char* kTransposeConstant = R"(graph "t" {
  input %x: f32[1,3,2,2]
  const %scale: f32[3] = dense<[0.5, -2.0, 4.0]>
  %t1: f32[1,2,2,3] = Transpose #1 "to_nhwc"(%x) {perm=[0, 2, 3, 1]}
  %m: f32[1,2,2,3] = Mul #2 "scale"(%t1, %scale)
  %d: f32[1,2,2,3] = Sub #3 "shift"(%scale, %m)
  %y: f32[1,3,2,2] = Transpose #4 "to_nchw"(%d) {perm=[0, 3, 1, 2]}
  output %y
}
)";

// Must not change: a Transpose into an op that is not elementwise (Softmax depends on the axis).
const char* kTransposeSoftmax = R"(graph "t" {
  input %x: f32[2,3,4]
  %t1: f32[2,4,3] = Transpose #1 "a"(%x) {perm=[0, 2, 1]}
  %s: f32[2,4,3] = Softmax #2 "softmax"(%t1) {axis=-1}
  %y: f32[2,3,4] = Transpose #3 "b"(%s) {perm=[0, 2, 1]}
  output %y
}
)";

// Must not change: the transposed intermediate is also a graph output.
const char* kTransposeSharedValue = R"(graph "t" {
  input %x: f32[2,3,4]
  %t1: f32[2,4,3] = Transpose #1 "a"(%x) {perm=[0, 2, 1]}
  %r: f32[2,4,3] = Relu #2 "relu"(%t1)
  %y: f32[2,3,4] = Transpose #3 "b"(%r) {perm=[0, 2, 1]}
  output %y
  output %r
}
)";

// Must not change: a single Transpose before an activation gains nothing by moving.
const char* kTransposeAlone = R"(graph "t" {
  input %x: f32[2,3,4]
  %t1: f32[2,4,3] = Transpose #1 "a"(%x) {perm=[0, 2, 1]}
  %y: f32[2,4,3] = Tanh #2 "tanh"(%t1)
  output %y
}
)";

// --- cancel-squeeze-unsqueeze -----------------------------------------------------------------

// Unsqueeze then Squeeze of the same axis between two real ops: cancels.
const char* kUnsqueezeSqueeze = R"(graph "s" {
  input %x: f32[2,3]
  %r: f32[2,3] = Relu #1 "relu"(%x)
  %u: f32[2,1,3] = Unsqueeze #2 "unsq"(%r) {axes=[1]}
  %s: f32[2,3] = Squeeze #3 "sq"(%u) {axes=[1]}
  %y: f32[2,3] = Neg #4 "neg"(%s)
  output %y
}
)";

// Squeeze then Unsqueeze restoring the shape, ending in a graph output: the output name moves.
const char* kSqueezeUnsqueeze = R"(graph "s" {
  input %x: f32[1,3,1,4]
  %r: f32[1,3,1,4] = Relu #1 "relu"(%x)
  %s: f32[3,4] = Squeeze #2 "sq"(%r) {axes=[0, 2]}
  %y: f32[1,3,1,4] = Unsqueeze #3 "unsq"(%s) {axes=[0, 2]}
  output %y
}
)";

// A chain that changes the shape collapses into one Reshape.
const char* kSqueezeChain = R"(graph "s" {
  input %x: f32[1,3,1,4]
  %s: f32[3,1,4] = Squeeze #1 "sq"(%x) {axes=[0]}
  %u: f32[3,1,4,1] = Unsqueeze #2 "unsq"(%s) {axes=[3]}
  %y: f32[3,4,1] = Squeeze #3 "sq2"(%u) {axes=[1]}
  output %y
}
)";

// Cancelling chain from a graph input to a graph output: becomes one (identity) Reshape.
const char* kSqueezeInputToOutput = R"(graph "s" {
  input %x: f32[2,3]
  %u: f32[1,2,3] = Unsqueeze #1 "unsq"(%x) {axes=[0]}
  %y: f32[2,3] = Squeeze #2 "sq"(%u) {axes=[0]}
  output %y
}
)";

// Must not change: the intermediate value has a second use.
const char* kSqueezeShared = R"(graph "s" {
  input %x: f32[2,3]
  %u: f32[2,1,3] = Unsqueeze #1 "unsq"(%x) {axes=[1]}
  %s: f32[2,3] = Squeeze #2 "sq"(%u) {axes=[1]}
  %r: f32[2,1,3] = Relu #3 "relu"(%u)
  output %s
  output %r
}
)";

}  // namespace

namespace {

// --- expected results ----------------------------------------------------------------------------

const char* kTransposeCancelExpected = R"(graph "t" {
  input %x: f32[1,3,4,5]
  %r_1: f32[1,3,4,5] = Relu #5 "relu"(%x) from [2]
  %y: f32[1,3,4,5] = Clip #6 "clip"(%r_1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>} from [3, 1, 4]
  output %y
}
)";

const char* kTransposeComposeExpected = R"(graph "t" {
  input %x: f32[2,3,4,5]
  %y: f32[2,5,3,4] = Transpose #3 "b"(%x) {perm=[0, 3, 1, 2]} from [1, 2]
  output %y
}
)";

const char* kTransposeBinaryExpected = R"(graph "t" {
  input %a: f32[2,3,4]
  input %b: f32[2,3,4]
  %s_1: f32[2,3,4] = Add #5 "add"(%a, %b) from [3]
  %s_2: f32[4,2,3] = Transpose #6 "ta"(%s_1) {perm=[2, 0, 1]} from [1, 2]
  %y: f32[4,2,3] = Sigmoid #4 "sig"(%s_2)
  output %y
}
)";

const char* kTransposeConstantExpected = R"(graph "t" {
  input %x: f32[1,3,2,2]
  const %scale_t: f32[1,3,1,1] = dense<[0.5, -2.0, 4.0]>
  %m_1: f32[1,3,2,2] = Mul #5 "scale"(%x, %scale_t) from [2]
  %y: f32[1,3,2,2] = Sub #6 "shift"(%scale_t, %m_1) from [3, 1, 4]
  output %y
}
)";

const char* kUnsqueezeSqueezeExpected = R"(graph "s" {
  input %x: f32[2,3]
  %r: f32[2,3] = Relu #1 "relu"(%x)
  %y: f32[2,3] = Neg #4 "neg"(%r)
  output %y
}
)";

const char* kSqueezeUnsqueezeExpected = R"(graph "s" {
  input %x: f32[1,3,1,4]
  %y: f32[1,3,1,4] = Relu #1 "relu"(%x)
  output %y
}
)";

const char* kSqueezeChainExpected = R"(graph "s" {
  input %x: f32[1,3,1,4]
  %y: f32[3,4,1] = Reshape #4 "sq2"(%x) {shape=[3, 4, 1]} from [1, 2, 3]
  output %y
}
)";

const char* kSqueezeInputToOutputExpected = R"(graph "s" {
  input %x: f32[2,3]
  %y: f32[2,3] = Reshape #3 "sq"(%x) {shape=[2, 3]} from [1, 2]
  output %y
}
)";

}  // namespace
