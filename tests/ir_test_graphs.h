// Hand-written text IR used by test_ir (kept out of the moc-parsed test file).
#pragma once

namespace {

const char* kSmallGraph = R"(graph "small" {
  input %x: f32[1,4]
  const %b: f32[2] = dense<[0.5, -10.0]>
  const %w: f32[4,2] = dense<[1.0, 0.0, 0.0, 1.0, 1.0, 1.0, -1.0, 0.5]>
  %mm: f32[1,2] = MatMul #1 "fc"(%x, %w)
  %sum: f32[1,2] = Add #2(%mm, %b)
  %y: f32[1,2] = Relu #3 "act"(%sum) from [1, 2]
  output %y
}
)";


const char* kAttributeGraph = R"(graph "attrs \"quoted\"" {
  input %"a b": f32[2,3]
  const %c: i64[] = dense<[-7]>
  const %f16: f16[2] = dense<[0.5, -inf]>
  const %flags: bool[2] = dense<[true, false]>
  const %q: i8<scale=0.125,zp=-3>[2] = dense<[1, -128]>
  %out: f32[6,3] = Concat #4 "cat"(%"a b", %"a b", %"a b") {axis=0, empty=[]i, fl=[0.5, 1.0e-08, inf], i=[1, -2], name="x\ny", pi=3.1415927, t=dense<f32[2]: [1.0, 2.0]>}
  output %out
}
)";

// Real ops whose nodes carry every attribute kind the op table declares (int, float, string, ints,
// floats, tensor), with edge values: negative numbers, a float needing all its digits, empty lists,
// the extreme int64, -0.0, the largest float. Printed form (attributes sorted by name).
const char* kEveryKindGraph = R"(graph "every kind" {
  input %x: f32[1,2,3,4]
  %cat: f32[1,2,3,8] = Concat #1 "cat"(%x, %x) {axis=-1}
  %leaky: f32[1,2,3,8] = LeakyRelu #2 "leaky"(%cat) {alpha=0.12345679}
  %pad: f32[1,2,2,9] = Pad #3 "pad"(%leaky) {constant_value=dense<f32[]: [-1.5]>, mode="constant", pads=[0, 0, 0, 0, 0, 0, -1, 1]}
  %up: f32[1,2,4,18] = Resize #4 "up"(%pad) {mode="nearest", roi=[]f, scales=[1.0, 1.0, 2.0, 2.0]}
  %clip: f32[1,2,4,18] = Clip #5 "clip"(%up) {max=dense<f32[]: [3.4028235e+38]>, min=dense<f32[]: [-0.0]>}
  %fill: i64[2,3] = ConstantOfShape #6 "fill"() {shape=[2, 3], value=dense<i64[1]: [-9223372036854775808]>}
  %one: f32[] = ConstantOfShape #7 "one"() {shape=[]i, value=dense<f32[1]: [1e-45]>}
  output %clip
  output %fill
  output %one
}
)";

}  // namespace
