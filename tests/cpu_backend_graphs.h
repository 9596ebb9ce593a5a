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

// Ops the CPU backend does not compile, next to one it does.
const char* kUnsupportedGraph = R"(graph "unsupported" {
  input %x: f32[1,2,4,4]
  %a: i64[1,1,4,4] = ArgMax #1 "argmax"(%x) {axis=1}
  %e: bool[1,2,4,4] = Equal #2 "equal"(%x, %x)
  %y: f32[1,2,4,4] = Relu #3 "relu"(%x)
  output %y
  output %a
  output %e
}
)";

}  // namespace
