// Text IR used by test_quant_report (kept out of the moc-parsed test file).
#pragma once

namespace {

// y = x * 1: quantized (x and y profiled over [0, 2.55], asymmetric int8: scale 0.01, zero point
// -128) the integer Mul reproduces its operand exactly, so every error is x's rounding / clipping.
const char* kScaleByOneGraph = R"(graph "scale_by_one" {
  input %x: f32[1,4]
  const %c: f32[1] = dense<[1.0]>
  %y: f32[1,4] = Mul #1 "mul"(%x, %c)
  output %y
}
)";

// The same with an unnamed Mul: a project file names it by its stable key, Mul:y.
const char* kUnnamedMulGraph = R"(graph "unnamed" {
  input %x: f32[1,4]
  const %c: f32[1] = dense<[1.0]>
  %y: f32[1,4] = Mul #1(%x, %c)
  output %y
}
)";

}  // namespace
