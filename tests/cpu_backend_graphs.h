// Hand-written text IR used by test_cpu_backend (kept out of the moc-parsed test file).
#pragma once

namespace {

// Conv -> Relu -> Sigmoid -> Flatten -> Tanh: Relu and Sigmoid run in place (their input dies
// there), Flatten is a view (no instruction), Tanh writes the graph output.
const char* kInplaceGraph = R"(graph "inplace" {
  input %x: f32[1,1,6,6]
  const %w: f32[2,1,3,3] = dense<[0.1, -0.2, 0.3, 0.4, -0.5, 0.6, -0.7, 0.8, 0.9, -1.0, 0.5, 0.25, -0.125, 0.75, 0.3, -0.6, 0.2, 0.1]>
  const %b: f32[2] = dense<[0.5, -0.5]>
  %c: f32[1,2,6,6] = Conv #1 "conv"(%x, %w, %b) {pads=[1, 1, 1, 1]}
  %r: f32[1,2,6,6] = Relu #2 "relu"(%c)
  %s: f32[1,2,6,6] = Sigmoid #3 "sig"(%r)
  %f: f32[1,72] = Flatten #4 "flat"(%s)
  %t: f32[1,72] = Tanh #5 "tanh"(%f)
  output %t
}
)";

// Four transposes in a chain (none can run in place): three activations of 2048 bytes, of which
// at most two are live at once, so planning needs two slots against the naive three.
const char* kChainGraph = R"(graph "chain" {
  input %x: f32[1,8,8,8]
  %a: f32[1,8,8,8] = Transpose #1(%x) {perm=[0, 2, 3, 1]}
  %b: f32[1,8,8,8] = Transpose #2(%a) {perm=[0, 2, 3, 1]}
  %c: f32[1,8,8,8] = Transpose #3(%b) {perm=[0, 2, 3, 1]}
  %d: f32[1,8,8,8] = Transpose #4(%c) {perm=[0, 3, 1, 2]}
  output %d
}
)";

// Two branches concatenated along channels (batch 1): both are produced straight into their
// slices of the concat result; a third operand, the graph input, is copied.
const char* kConcatGraph = R"(graph "concat" {
  input %x: f32[1,3,4,4]
  %a: f32[1,3,4,4] = Relu #1(%x)
  %b: f32[1,3,4,4] = Sigmoid #2(%x)
  %c: f32[1,9,4,4] = Concat #3(%a, %b, %x) {axis=1}
  %y: f32[1,9,4,4] = Tanh #4(%c)
  output %y
}
)";

// LayerNormalization as transformer exports write it (opset 17): over the last axis with Scale
// and B, and over the last two axes without B.
const char* kLayerNormGraph = R"(graph "layernorm" {
  input %x: f32[2,5,8]
  const %s: f32[8] = dense<[1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0]>
  const %b: f32[8] = dense<[0.1, -0.2, 0.3, 0.0, 1.0, -1.0, 0.5, 0.05]>
  const %s2: f32[5,8] = dense<[1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0, 1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0, 1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0, 1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0, 1.0, 0.5, -1.5, 2.0, 0.25, 1.0, -0.75, 3.0]>
  %y: f32[2,5,8] = LayerNormalization #1 "ln"(%x, %s, %b) {epsilon=1e-05}
  %z: f32[2,5,8] = LayerNormalization #2 "ln2"(%y, %s2) {axis=1, epsilon=0.001}
  output %y
  output %z
}
)";

// Recurrent layers (ONNX RNN, GRU, LSTM): a bidirectional LSTM with constant sequence lengths
// (one 0, one short), initial states and peepholes, clipped; GRUs with linear_before_reset 0 and 1,
// reverse and batch-first (layout 1) with non-default activations; a bidirectional RNN with
// per-direction activations. Weights are inputs (random); Y_c of the GRU-less LSTM is dead.
const char* kRecurrentGraph = R"(graph "recurrent" {
  input %x: f32[5,3,4]
  input %w: f32[2,24,4]
  input %r: f32[2,24,6]
  input %b: f32[2,48]
  input %h0: f32[2,3,6]
  input %c0: f32[2,3,6]
  input %p: f32[2,18]
  input %gw: f32[1,18,4]
  input %gr: f32[1,18,6]
  input %gb: f32[1,36]
  input %gh0: f32[3,1,6]
  input %xb: f32[3,5,4]
  input %rw: f32[2,6,4]
  input %rr: f32[2,6,6]
  const %seq: i32[3] = dense<[5, 2, 0]>
  %y: f32[5,2,3,6], %yh: f32[2,3,6], %yc: f32[2,3,6] = LSTM #1 "lstm"(%x, %w, %r, %b, %seq, %h0, %c0, %p) {clip=2.5, direction="bidirectional", hidden_size=6}
  %g0: f32[5,1,3,6], %g0h: f32[1,3,6] = GRU #2 "gru0"(%x, %gw, %gr, %gb, %seq) {hidden_size=6, linear_before_reset=0}
  %g1: f32[3,5,1,6] = GRU #3 "gru1"(%xb, %gw, %gr, %gb, none, %gh0) {activation_alpha=[0.3, 0.5], activation_beta=[0.4], activations=["HardSigmoid", "Elu"], direction="reverse", layout=1, linear_before_reset=1}
  %ry: f32[5,2,3,6] = RNN #4 "rnn"(%x, %rw, %rr, none, %seq) {activation_alpha=[1.5], activation_beta=[0.5], activations=["Softsign", "ScaledTanh"], direction="bidirectional"}
  output %y
  output %yh
  output %g0
  output %g0h
  output %g1
  output %ry
}
)";

// Ops the CPU backend does not compile, next to one it does.
const char* kUnsupportedGraph = R"(graph "unsupported" {
  input %x: f32[1,2,4,4]
  %a: i64[1,1,4,4] = ArgMax #1 "argmax"(%x) {axis=1}
  %e: f32[1,2,4,4] = Hardmax #2 "hardmax"(%x) {axis=1}
  %y: f32[1,2,4,4] = Relu #3 "relu"(%x)
  output %y
  output %a
  output %e
}
)";

}  // namespace
