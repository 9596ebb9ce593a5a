// Text IR used by test_driver (kept out of the moc-parsed test file).
#pragma once

namespace driver_graphs {

// conv -> bn -> relu; and two identical Sigmoids on the relu (CSE candidates).
const char* kConvBnReluTwins = R"(graph "assign" {
  input %x: f32[1,2,3,3]
  const %b: f32[2] = dense<[0.5, 1.0]>
  const %beta: f32[2] = dense<[1.0, -1.0]>
  const %gamma: f32[2] = dense<[4.0, 4.0]>
  const %mean: f32[2] = dense<[1.0, 0.0]>
  const %var: f32[2] = dense<[3.0, 15.0]>
  const %w: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[1,2,3,3] = Conv #1 "conv"(%x, %w, %b) {kernel_shape=[1, 1]}
  %n: f32[1,2,3,3] = BatchNormalization #2 "bn"(%c, %gamma, %beta, %mean, %var) {epsilon=1.0}
  %r: f32[1,2,3,3] = Relu #3 "relu"(%n)
  %s1: f32[1,2,3,3] = Sigmoid #4 "sig_a"(%r)
  %s2: f32[1,2,3,3] = Sigmoid #5 "sig_b"(%r)
  %y: f32[1,2,3,3] = Add #6 "sum"(%s1, %s2)
  output %y
}
)";

// MatMul + Add with a constant row: matmul-add-to-gemm makes one Gemm; an unnamed node.
const char* kMatMulAdd = R"(graph "mm" {
  input %x: f32[2,3]
  const %w: f32[3,2] = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]>
  const %c: f32[2] = dense<[0.5, -0.5]>
  %m: f32[2,2] = MatMul #1 "mm"(%x, %w)
  %a: f32[2,2] = Add #2 "add"(%m, %c)
  %y: f32[2,2] = Relu #3(%a)
  output %y
}
)";

// ArgMax has no CPU kernel.
const char* kArgMax = R"(graph "argmax" {
  input %x: f32[2,3]
  %r: f32[2,3] = Relu #1 "relu"(%x)
  %y: i64[2,1] = ArgMax #2 "argmax"(%r) {axis=1}
  output %y
}
)";

}  // namespace driver_graphs
