// Hand-written text IR for test_activation_lut (kept out of the moc-parsed test file).
#pragma once

namespace lut_graphs {

// Every hard-swish form fuse-hardswish knows, each on its own input (26 nodes):
//   a: Div(Mul(x, Clip(Add(x, 3), 0, 6)), 6)         b: Mul(Mul(Clip(Add(3, x), 0, 6), x), 1/6)
//   c: Mul(x, Div(Clip(Add(x, 3), 0, 6), 6))         d: Mul(Mul(Clip(Add(x, 3), 0, 6), 1/6), x)
//   e: Mul(x, HardSigmoid(x, 1/6, 0.5))               f: Div(Mul(x, Add(x, 3) with fused Clip [0, 6]), 6)
// and a splat [1,4,1,1] constant 3 for g (form a).
const char* kHardSwishForms = R"(graph "hardswish_forms" {
  input %a: f32[1,4,5,5]
  input %b: f32[1,4,5,5]
  input %c: f32[1,4,5,5]
  input %d: f32[1,4,5,5]
  input %e: f32[1,4,5,5]
  input %f: f32[1,4,5,5]
  input %g: f32[1,4,5,5]
  const %three: f32[] = dense<[3.0]>
  const %three4: f32[1,4,1,1] = dense<[3.0, 3.0, 3.0, 3.0]>
  const %six: f32[] = dense<[6.0]>
  const %sixth: f32[] = dense<[0.16666667]>
  %a1: f32[1,4,5,5] = Add #1 "a_add"(%a, %three)
  %a2: f32[1,4,5,5] = Clip #2 "a_clip"(%a1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %a3: f32[1,4,5,5] = Mul #3 "a_mul"(%a, %a2)
  %ya: f32[1,4,5,5] = Div #4 "a_div"(%a3, %six)
  %b1: f32[1,4,5,5] = Add #5 "b_add"(%three, %b)
  %b2: f32[1,4,5,5] = Clip #6 "b_clip"(%b1) {max=6.0, min=0.0}
  %b3: f32[1,4,5,5] = Mul #7 "b_mul"(%b2, %b)
  %yb: f32[1,4,5,5] = Mul #8 "b_scale"(%b3, %sixth)
  %c1: f32[1,4,5,5] = Add #9 "c_add"(%c, %three)
  %c2: f32[1,4,5,5] = Clip #10 "c_clip"(%c1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %c3: f32[1,4,5,5] = Div #11 "c_div"(%c2, %six)
  %yc: f32[1,4,5,5] = Mul #12 "c_mul"(%c, %c3)
  %d1: f32[1,4,5,5] = Add #13 "d_add"(%d, %three)
  %d2: f32[1,4,5,5] = Clip #14 "d_clip"(%d1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %d3: f32[1,4,5,5] = Mul #15 "d_scale"(%sixth, %d2)
  %yd: f32[1,4,5,5] = Mul #16 "d_mul"(%d3, %d)
  %e1: f32[1,4,5,5] = HardSigmoid #17 "e_hsig"(%e) {alpha=0.16666667, beta=0.5}
  %ye: f32[1,4,5,5] = Mul #18 "e_mul"(%e, %e1)
  %f1: f32[1,4,5,5] = Add #19 "f_add"(%f, %three) {activation="Clip", activation_params=[0.0, 6.0]}
  %f2: f32[1,4,5,5] = Mul #20 "f_mul"(%f, %f1)
  %yf: f32[1,4,5,5] = Div #21 "f_div"(%f2, %six)
  %g1: f32[1,4,5,5] = Add #22 "g_add"(%g, %three4)
  %g2: f32[1,4,5,5] = Clip #23 "g_clip"(%g1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %g3: f32[1,4,5,5] = Mul #24 "g_mul"(%g, %g2)
  %yg: f32[1,4,5,5] = Div #25 "g_div"(%g3, %six)
  %sum: f32[1,4,5,5] = Add #26 "sum"(%ya, %yb)
  output %sum
  output %yc
  output %yd
  output %ye
  output %yf
  output %yg
}
)";

// Look-alikes that are not hard-swish (or may not be rewritten), 17 nodes, all kept:
//   p: Add by 2;  q: Clip [0, 5];  r: HardSigmoid with Paddle's alpha 0.2;  s: the Clip result is
//   also a graph output;  t: the Mul's other operand is another value (a gate, as in SE blocks).
const char* kHardSwishLookAlikes = R"(graph "hardswish_look_alikes" {
  input %p: f32[1,4,5,5]
  input %q: f32[1,4,5,5]
  input %r: f32[1,4,5,5]
  input %s: f32[1,4,5,5]
  input %t: f32[1,4,5,5]
  input %u: f32[1,4,5,5]
  const %two: f32[] = dense<[2.0]>
  const %three: f32[] = dense<[3.0]>
  const %six: f32[] = dense<[6.0]>
  %p1: f32[1,4,5,5] = Add #1 "p_add"(%p, %two)
  %p2: f32[1,4,5,5] = Clip #2 "p_clip"(%p1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %p3: f32[1,4,5,5] = Mul #3 "p_mul"(%p, %p2)
  %yp: f32[1,4,5,5] = Div #4 "p_div"(%p3, %six)
  %q1: f32[1,4,5,5] = Add #5 "q_add"(%q, %three)
  %q2: f32[1,4,5,5] = Clip #6 "q_clip"(%q1) {max=dense<f32[]: [5.0]>, min=dense<f32[]: [0.0]>}
  %q3: f32[1,4,5,5] = Mul #7 "q_mul"(%q, %q2)
  %yq: f32[1,4,5,5] = Div #8 "q_div"(%q3, %six)
  %r1: f32[1,4,5,5] = HardSigmoid #9 "r_hsig"(%r) {alpha=0.2, beta=0.5}
  %yr: f32[1,4,5,5] = Mul #10 "r_mul"(%r, %r1)
  %s1: f32[1,4,5,5] = Add #11 "s_add"(%s, %three)
  %s2: f32[1,4,5,5] = Clip #12 "s_clip"(%s1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %s3: f32[1,4,5,5] = Mul #13 "s_mul"(%s, %s2)
  %ys: f32[1,4,5,5] = Div #14 "s_div"(%s3, %six)
  %t1: f32[1,4,5,5] = HardSigmoid #15 "t_hsig"(%u) {alpha=0.16666667, beta=0.5}
  %yt: f32[1,4,5,5] = Mul #16 "t_mul"(%t, %t1)
  %sum: f32[1,4,5,5] = Add #17 "sum"(%yp, %yq)
  output %sum
  output %yr
  output %ys
  output %s2
  output %yt
}
)";

// Conv -> HardSwish -> Conv -> Sigmoid / HardSigmoid / Tanh branches: after -O1 the first
// HardSwish is fused into its Conv (and split again by the quantizer).
const char* kLutNet = R"(graph "lut_net" {
  input %x: f32[1,3,8,8]
  const %w1: f32[4,3,3,3] = dense<[0.3, -0.2, 0.5, 0.1, 0.4, -0.3, 0.2, 0.6, -0.1, 0.25, -0.45, 0.35, 0.15, -0.05, 0.45, -0.25, 0.05, 0.3, -0.4, 0.2, 0.1, -0.15, 0.55, 0.05, 0.3, -0.2, 0.1, 0.2, -0.3, 0.4, 0.1, -0.5, 0.2, 0.3, 0.1, -0.2, 0.05, 0.15, -0.25, 0.35, 0.45, -0.05, 0.25, -0.35, 0.1, 0.2, -0.1, 0.3, -0.2, 0.4, 0.5, -0.3, 0.2, 0.1, -0.4, 0.3, 0.2, -0.1, 0.6, 0.05, -0.15, 0.25, 0.35, -0.45, 0.15, 0.05, 0.3, -0.2, 0.1, 0.4, -0.35, 0.2, 0.15, 0.25, -0.05, 0.1, -0.3, 0.45, 0.2, 0.3, -0.1, 0.05, 0.4, -0.25, 0.35, 0.1, -0.2, 0.3, 0.25, -0.15, 0.2, 0.1, -0.05, 0.3, 0.2, -0.4, 0.1, 0.5, -0.2, 0.05, 0.15, -0.3, 0.25, 0.35, -0.1, 0.2, 0.4, 0.1]>
  const %b1: f32[4] = dense<[0.1, -0.2, 0.3, 0.0]>
  const %w2: f32[4,4,1,1] = dense<[0.5, -0.3, 0.2, 0.4, -0.1, 0.6, 0.3, -0.2, 0.25, 0.15, -0.45, 0.35, 0.3, 0.2, 0.1, -0.5]>
  const %three: f32[] = dense<[3.0]>
  const %six: f32[] = dense<[6.0]>
  %c1: f32[1,4,8,8] = Conv #1 "conv1"(%x, %w1, %b1) {kernel_shape=[3, 3], pads=[1, 1, 1, 1]}
  %h1: f32[1,4,8,8] = Add #2 "hs_add"(%c1, %three)
  %h2: f32[1,4,8,8] = Clip #3 "hs_clip"(%h1) {max=dense<f32[]: [6.0]>, min=dense<f32[]: [0.0]>}
  %h3: f32[1,4,8,8] = Mul #4 "hs_mul"(%c1, %h2)
  %hs: f32[1,4,8,8] = Div #5 "hs_div"(%h3, %six)
  %c2: f32[1,4,8,8] = Conv #6 "conv2"(%hs, %w2) {kernel_shape=[1, 1]}
  %sg: f32[1,4,8,8] = Sigmoid #7 "sig"(%c2)
  %hg: f32[1,4,8,8] = HardSigmoid #8 "hsig"(%c2) {alpha=0.2, beta=0.5}
  %th: f32[1,4,8,8] = Tanh #9 "tanh"(%c2)
  %m: f32[1,4,8,8] = Mul #10 "gate"(%hs, %hg)
  %s: f32[1,4,8,8] = Add #11 "mix"(%m, %th)
  output %s
  output %sg
}
)";

// SiLU / Swish and GELU forms (23 nodes): s1 x * Sigmoid(x); s2 Sigmoid(x) * x; s3 x * Sigmoid(x * 2)
// (Swish alpha 2); g1 ((x * (1 + erf(x / sqrt2))) * 0.5); g2 (x * 0.5) * (1 + erf(x * 1/sqrt2));
// g3 tanh form with Pow(x, 3); g4 tanh form with x * x * x (as 0.044715 * x * x * x).
const char* kSwishGeluForms = R"(graph "swish_gelu_forms" {
  input %s1: f32[2,6]
  input %s2: f32[2,6]
  input %s3: f32[2,6]
  input %g1: f32[2,6]
  input %g2: f32[2,6]
  input %g3: f32[2,6]
  input %g4: f32[2,6]
  const %half: f32[] = dense<[0.5]>
  const %one: f32[] = dense<[1.0]>
  const %two: f32[] = dense<[2.0]>
  const %three: f32[] = dense<[3.0]>
  const %sqrt2: f32[] = dense<[1.4142135]>
  const %rsqrt2: f32[] = dense<[0.70710677]>
  const %k: f32[] = dense<[0.7978846]>
  const %c: f32[] = dense<[0.044715]>
  %a1: f32[2,6] = Sigmoid #1 "s1_sig"(%s1)
  %ys1: f32[2,6] = Mul #2 "s1_mul"(%s1, %a1)
  %a2: f32[2,6] = Sigmoid #3 "s2_sig"(%s2)
  %ys2: f32[2,6] = Mul #4 "s2_mul"(%a2, %s2)
  %a3: f32[2,6] = Mul #5 "s3_scale"(%s3, %two)
  %a4: f32[2,6] = Sigmoid #6 "s3_sig"(%a3)
  %ys3: f32[2,6] = Mul #7 "s3_mul"(%s3, %a4)
  %b1: f32[2,6] = Div #8 "g1_div"(%g1, %sqrt2)
  %b2: f32[2,6] = Erf #9 "g1_erf"(%b1)
  %b3: f32[2,6] = Add #10 "g1_add"(%b2, %one)
  %b4: f32[2,6] = Mul #11 "g1_mul"(%g1, %b3)
  %yg1: f32[2,6] = Mul #12 "g1_half"(%b4, %half)
  %c1: f32[2,6] = Mul #13 "g2_half"(%g2, %half)
  %c2: f32[2,6] = Mul #14 "g2_scale"(%rsqrt2, %g2)
  %c3: f32[2,6] = Erf #15 "g2_erf"(%c2)
  %c4: f32[2,6] = Add #16 "g2_add"(%one, %c3)
  %yg2: f32[2,6] = Mul #17 "g2_mul"(%c1, %c4)
  %d1: f32[2,6] = Pow #18 "g3_pow"(%g3, %three)
  %d2: f32[2,6] = Mul #19 "g3_c"(%d1, %c)
  %d3: f32[2,6] = Add #20 "g3_poly"(%g3, %d2)
  %d4: f32[2,6] = Mul #21 "g3_k"(%d3, %k)
  %d5: f32[2,6] = Tanh #22 "g3_tanh"(%d4)
  %d6: f32[2,6] = Add #23 "g3_add"(%d5, %one)
  %d7: f32[2,6] = Mul #24 "g3_mul"(%g3, %d6)
  %yg3: f32[2,6] = Mul #25 "g3_half"(%d7, %half)
  %e1: f32[2,6] = Mul #26 "g4_cx"(%c, %g4)
  %e2: f32[2,6] = Mul #27 "g4_cxx"(%e1, %g4)
  %e3: f32[2,6] = Mul #28 "g4_cxxx"(%e2, %g4)
  %e4: f32[2,6] = Add #29 "g4_poly"(%g4, %e3)
  %e5: f32[2,6] = Mul #30 "g4_k"(%k, %e4)
  %e6: f32[2,6] = Tanh #31 "g4_tanh"(%e5)
  %e7: f32[2,6] = Add #32 "g4_add"(%e6, %one)
  %e8: f32[2,6] = Mul #33 "g4_half"(%half, %g4)
  %yg4: f32[2,6] = Mul #34 "g4_mul"(%e8, %e7)
  output %ys1
  output %ys2
  output %ys3
  output %yg1
  output %yg2
  output %yg3
  output %yg4
}
)";

// Look-alikes (12 nodes, all kept): GLU's x * sigmoid(y); GELU with 0.4 instead of 0.5; GELU whose
// erf result is also a graph output.
const char* kSwishGeluLookAlikes = R"(graph "swish_gelu_look_alikes" {
  input %x: f32[2,6]
  input %y: f32[2,6]
  input %z: f32[2,6]
  input %w: f32[2,6]
  const %one: f32[] = dense<[1.0]>
  const %sqrt2: f32[] = dense<[1.4142135]>
  const %p4: f32[] = dense<[0.4]>
  const %half: f32[] = dense<[0.5]>
  %a: f32[2,6] = Sigmoid #1 "glu_sig"(%y)
  %ya: f32[2,6] = Mul #2 "glu_mul"(%x, %a)
  %b1: f32[2,6] = Div #3 "z_div"(%z, %sqrt2)
  %b2: f32[2,6] = Erf #4 "z_erf"(%b1)
  %b3: f32[2,6] = Add #5 "z_add"(%b2, %one)
  %b4: f32[2,6] = Mul #6 "z_mul"(%z, %b3)
  %yb: f32[2,6] = Mul #11 "z_scale"(%b4, %p4)
  %c1: f32[2,6] = Div #7 "w_div"(%w, %sqrt2)
  %c2: f32[2,6] = Erf #8 "w_erf"(%c1)
  %c3: f32[2,6] = Add #9 "w_add"(%c2, %one)
  %c4: f32[2,6] = Mul #10 "w_mul"(%w, %c3)
  %yc: f32[2,6] = Mul #12 "w_half"(%c4, %half)
  output %ya
  output %yb
  output %yc
  output %c2
}
)";

}  // namespace lut_graphs
