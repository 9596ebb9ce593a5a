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

}  // namespace
