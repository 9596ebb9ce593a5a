// Hand-written text IR used by test_passes_cleanup (kept out of the moc-parsed test file).
#pragma once

namespace {

// ---------------------------------------------------------------------------------------------
// eliminate-noops

const char* kNoopsBefore = R"(graph "noops" {
  input %x: f32[2,3]
  input %z: f32[1,2,1]
  %a: f32[2,3] = Identity #1(%x)
  %b: f32[2,3] = Dropout #2(%a) {ratio=0.5}
  %c: f32[2,3] = Reshape #3(%b) {shape=[2, 3]}
  %d: f32[2,3] = Transpose #4(%c) {perm=[0, 1]}
  %e: f32[2,3] = Pad #5(%d) {pads=[0, 0, 0, 0]}
  %f: f32[2,3] = Cast #6(%e) {to=1}
  %g: f32[2,3] = Concat #7(%f) {axis=0}
  %h: f32[2,3] = Sum #8(%g)
  %i: f32[2,3] = Slice #9(%h) {axes=[1], ends=[3], starts=[0]}
  %j: f32[2,3] = Squeeze #10(%i)
  %k: f32[2,3] = Expand #11(%j) {shape=[2, 3]}
  %l: f32[2,3] = Relu #12(%k)
  %m: f32[3,2] = Transpose #13(%l) {perm=[1, 0]}
  %n: f32[2,3] = Max #14(%l)
  %o: f32[2,3] = Add #15(%n, %x)
  %tz: f32[1,2,1] = Transpose #16(%z) {perm=[2, 1, 0]}
  %rz: f32[1,2,1] = Neg #17(%tz)
  %p: f32[2,3] = Mean #18(%o)
  %q: f32[2,3] = Flatten #19(%p) {axis=1}
  %y: f32[2,3] = Identity #20(%q)
  output %m
  output %y
  output %rz
}
)";

// The last Identity's result is a graph output: its operand's producer (Add #15) takes the name.
const char* kNoopsAfter = R"(graph "noops" {
  input %x: f32[2,3]
  input %z: f32[1,2,1]
  %l: f32[2,3] = Relu #12(%x)
  %m: f32[3,2] = Transpose #13(%l) {perm=[1, 0]}
  %y: f32[2,3] = Add #15(%l, %x)
  %rz: f32[1,2,1] = Neg #17(%z)
  output %m
  output %y
  output %rz
}
)";

// Nothing here is a no-op that can be removed.
const char* kNoopsKept = R"(graph "noops_kept" {
  input %x: f32[2,3]
  input %w: f32[1,3,1]
  %y: f32[2,3], %mask: bool[2,3] = Dropout #1(%x)
  %id: f32[2,3] = Identity #2(%x)
  %t: f32[3,2] = Transpose #3(%y) {perm=[1, 0]}
  %r: f32[3,2] = Reshape #4(%y) {shape=[3, 2]}
  %p: f32[2,5] = Pad #5(%y) {pads=[0, 1, 0, 1]}
  %s: f32[2,2] = Slice #6(%y) {axes=[1], ends=[3], starts=[1]}
  %rev: f32[2,3] = Slice #7(%y) {axes=[1], ends=[-4], starts=[2], steps=[-1]}
  %c: i32[2,3] = Cast #8(%y) {to=6}
  %cat: f32[4,3] = Concat #9(%y, %y) {axis=0}
  %mx: f32[2,3] = Max #10(%y, %id)
  %wt: f32[1,1,3] = Transpose #11(%w) {perm=[0, 2, 1]}
  output %mask
  output %id
  output %t
  output %r
  output %p
  output %s
  output %rev
  output %c
  output %cat
  output %mx
  output %wt
}
)";

// ---------------------------------------------------------------------------------------------
// dce

const char* kDceBefore = R"(graph "dce" {
  input %x: f32[4]
  input %unused: f32[4]
  const %dead_w: f32[4] = dense<[5.0, 6.0, 7.0, 8.0]>
  const %never: f32[1] = dense<[1.0]>
  const %w: f32[4] = dense<[1.0, 2.0, 3.0, 4.0]>
  %a: f32[4] = Mul #1(%x, %dead_w)
  %b: f32[4] = Relu #2(%a)
  %c: f32[4] = Add #3(%x, %w)
  %d: f32[4], %mask: bool[4] = Dropout #4(%c)
  %e: f32[4] = Neg #5(%b)
  %f: f32[4] = Sigmoid #6(%unused)
  output %d
}
)";

const char* kDceAfter = R"(graph "dce" {
  input %x: f32[4]
  input %unused: f32[4]
  const %w: f32[4] = dense<[1.0, 2.0, 3.0, 4.0]>
  %c: f32[4] = Add #3(%x, %w)
  %d: f32[4], %mask: bool[4] = Dropout #4(%c)
  output %d
}
)";

// ---------------------------------------------------------------------------------------------
// cse

const char* kCseBefore = R"(graph "cse" {
  input %x: f32[1,2,4,4]
  const %w1: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %w2: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %w3: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 5.0]>
  const %w4: i32[4] = dense<[1, 2, 3, 4]>
  %c1: f32[1,2,4,4] = Conv #1(%x, %w1) {strides=[1, 1]}
  %c2: f32[1,2,4,4] = Conv #2(%x, %w2) {strides=[1, 1]}
  %c3: f32[1,2,4,4] = Conv #3(%x, %w3) {strides=[1, 1]}
  %c4: f32[1,2,4,4] = Conv #4(%x, %w1) {dilations=[1, 1], strides=[1, 1]}
  %r1: f32[1,2,4,4] = Relu #5(%c1)
  %r2: f32[1,2,4,4] = Relu #6(%c2)
  %s1: f32[1,2,4,4] = Add #7(%r1, %c3)
  %s2: f32[1,2,4,4] = Add #8(%r2, %c4)
  %o: f32[1,2,4,4] = Sub #9(%s1, %s2)
  %o2: f32[1,2,4,4] = Sub #10(%s2, %s1)
  output %o
  output %r2
  output %o2
  output %w4
}
)";

// Conv #2 merges into #1 (w2 became w1), so Relu #6 merges into #5, which takes the graph-output
// name r2. Conv #3 (other weight) and #4 (other attributes) stay, and so does Sub #10 (operands
// in another order).
const char* kCseAfter = R"(graph "cse" {
  input %x: f32[1,2,4,4]
  const %w1: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %w3: f32[2,2,1,1] = dense<[1.0, 2.0, 3.0, 5.0]>
  const %w4: i32[4] = dense<[1, 2, 3, 4]>
  %c1: f32[1,2,4,4] = Conv #1(%x, %w1) {strides=[1, 1]} from [2]
  %c3: f32[1,2,4,4] = Conv #3(%x, %w3) {strides=[1, 1]}
  %c4: f32[1,2,4,4] = Conv #4(%x, %w1) {dilations=[1, 1], strides=[1, 1]}
  %r2: f32[1,2,4,4] = Relu #5(%c1) from [6]
  %s1: f32[1,2,4,4] = Add #7(%r2, %c3)
  %s2: f32[1,2,4,4] = Add #8(%r2, %c4)
  %o: f32[1,2,4,4] = Sub #9(%s1, %s2)
  %o2: f32[1,2,4,4] = Sub #10(%s2, %s1)
  output %o
  output %r2
  output %o2
  output %w4
}
)";

// Both duplicates are graph outputs: neither name may disappear, so nothing merges.
const char* kCseKept = R"(graph "cse_kept" {
  input %x: f32[3]
  %p: f32[3] = Neg #1(%x)
  %q: f32[3] = Neg #2(%x)
  output %p
  output %q
}
)";

// ---------------------------------------------------------------------------------------------
// constant-fold

const char* kFoldBefore = R"(graph "fold" {
  input %x: f32[2,2]
  const %a: f32[2,2] = dense<[1.0, 2.0, 3.0, 4.0]>
  const %b: f32[4] = dense<[0.5, 0.5, 0.5, 0.5]>
  const %keep: f32[2,2] = dense<[1.0, 1.0, 1.0, 1.0]>
  %br: f32[2,2] = Reshape #1(%b) {shape=[2, 2]}
  %s: f32[2,2] = Add #2(%a, %br)
  %y: f32[2,2] = Mul #3(%x, %s)
  %k: f32[2,2] = Neg #4(%s)
  %r: i64[3] = Range #5() {delta=dense<i64[]: [1]>, limit=dense<i64[]: [3]>, start=dense<i64[]: [0]>}
  %z: f32[2,2] = Add #6(%x, %keep)
  output %y
  output %k
  output %r
  output %z
}
)";

// Folded results keep their names (k and r are graph outputs, now constants); a and b are gone.
const char* kFoldAfter = R"(graph "fold" {
  input %x: f32[2,2]
  const %k: f32[2,2] = dense<[-1.5, -2.5, -3.5, -4.5]>
  const %keep: f32[2,2] = dense<[1.0, 1.0, 1.0, 1.0]>
  const %r: i64[3] = dense<[0, 1, 2]>
  const %s: f32[2,2] = dense<[1.5, 2.5, 3.5, 4.5]>
  %y: f32[2,2] = Mul #3(%x, %s)
  %z: f32[2,2] = Add #6(%x, %keep)
  output %y
  output %k
  output %r
  output %z
}
)";

// With foldSizeLimitBytes = 16: Expand (64 bytes from 4) and ConstantOfShape (256 bytes from
// nothing) exceed the limit and would grow the model, so they stay; Tile grows too but fits in
// 16 bytes; Transpose is 64 bytes but not larger than its operand.
const char* kFoldCapBefore = R"(graph "fold_cap" {
  input %x: f32[4,4]
  const %one: f32[] = dense<[1.0]>
  const %m: f32[4,4] = dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0]>
  const %two: f32[2] = dense<[2.0, 3.0]>
  %e: f32[4,4] = Expand #1(%one) {shape=[4, 4]}
  %c: f32[8,8] = ConstantOfShape #2() {shape=[8, 8], value=dense<f32[1]: [0.5]>}
  %t: f32[4] = Tile #3(%two) {repeats=[2]}
  %mt: f32[4,4] = Transpose #4(%m) {perm=[1, 0]}
  %a: f32[4,4] = Add #5(%x, %e)
  %b: f32[4,4] = Mul #6(%a, %t)
  %d: f32[4,4] = Sub #7(%b, %mt)
  output %d
  output %c
}
)";

const char* kFoldCapAfter = R"(graph "fold_cap" {
  input %x: f32[4,4]
  const %mt: f32[4,4] = dense<[1.0, 5.0, 9.0, 13.0, 2.0, 6.0, 10.0, 14.0, 3.0, 7.0, 11.0, 15.0, 4.0, 8.0, 12.0, 16.0]>
  const %one: f32[] = dense<[1.0]>
  const %t: f32[4] = dense<[2.0, 3.0, 2.0, 3.0]>
  %e: f32[4,4] = Expand #1(%one) {shape=[4, 4]}
  %c: f32[8,8] = ConstantOfShape #2() {shape=[8, 8], value=dense<f32[1]: [0.5]>}
  %a: f32[4,4] = Add #5(%x, %e)
  %b: f32[4,4] = Mul #6(%a, %t)
  %d: f32[4,4] = Sub #7(%b, %mt)
  output %d
  output %c
}
)";

// ---------------------------------------------------------------------------------------------
// fold-shape-computations

// The PyTorch flatten idiom: Shape -> Gather -> Unsqueeze -> Concat feeding (at export) the
// Reshape whose shape is already an attribute; plus Size -> Cast used as data.
const char* kShapesBefore = R"(graph "shapes" {
  input %x: f32[2,3,4]
  input %n: i64[1]
  const %minus1: i64[1] = dense<[-1]>
  const %zero: i64[] = dense<[0]>
  %s: i64[3] = Shape #1(%x)
  %g: i64[] = Gather #2(%s, %zero) {axis=0}
  %u: i64[1] = Unsqueeze #3(%g) {axes=[0]}
  %cat: i64[2] = Concat #4(%u, %minus1) {axis=0}
  %y: f32[2,12] = Reshape #5(%x) {shape=[2, -1]}
  %sz: i64[] = Size #6(%x)
  %szf: f32[] = Cast #7(%sz) {to=1}
  %z: f32[2,12] = Mul #8(%y, %szf)
  %tail: i64[2] = Shape #9(%x) {start=-2}
  %dyn: i64[2] = Mul #10(%tail, %n)
  %big: i64[100] = ConstantOfShape #11() {shape=[100], value=dense<i64[1]: [7]>}
  output %z
  output %cat
  output %dyn
  output %big
}
)";

// The chain is now constants; the Mul with a graph input stays; ConstantOfShape of 100 elements
// is not small shape arithmetic (constant-fold's business). x still feeds the Reshape.
const char* kShapesAfter = R"(graph "shapes" {
  input %x: f32[2,3,4]
  input %n: i64[1]
  const %cat: i64[2] = dense<[2, -1]>
  const %szf: f32[] = dense<[24.0]>
  const %tail: i64[2] = dense<[3, 4]>
  %y: f32[2,12] = Reshape #5(%x) {shape=[2, -1]}
  %z: f32[2,12] = Mul #8(%y, %szf)
  %dyn: i64[2] = Mul #10(%tail, %n)
  %big: i64[100] = ConstantOfShape #11() {shape=[100], value=dense<i64[1]: [7]>}
  output %z
  output %cat
  output %dyn
  output %big
}
)";

}  // namespace
