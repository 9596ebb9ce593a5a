// Hand-written text IR and YAML used by test_quant_profile (kept out of the moc-parsed test file).
#pragma once

namespace {

// x -> Relu -> y, x -> Neg -> n, and an integer side path (not profiled).
const char* kProfiledGraph = R"(graph "profiled" {
  input %x: f32[1,4]
  const %shape: i64[2] = dense<[4, 1]>
  %y: f32[1,4] = Relu #1 "relu"(%x)
  %n: f32[1,4] = Neg #2 "neg"(%x)
  %s: i64[2] = Shape #3(%y)
  output %n
  output %s
  output %y
}
)";

// The same graph with other node names and ids: the profile hash must not change.
const char* kProfiledGraphRenamed = R"(graph "renamed" {
  input %x: f32[1,4]
  const %shape: i64[2] = dense<[4, 1]>
  %y: f32[1,4] = Relu #11 "first"(%x)
  %n: f32[1,4] = Neg #12 "second"(%x)
  %s: i64[2] = Shape #13(%y)
  output %n
  output %s
  output %y
}
)";

// A different graph: one constant value differs.
const char* kProfiledGraphOtherConstant = R"(graph "profiled" {
  input %x: f32[1,4]
  const %shape: i64[2] = dense<[4, 2]>
  %y: f32[1,4] = Relu #1 "relu"(%x)
  %n: f32[1,4] = Neg #2 "neg"(%x)
  %s: i64[2] = Shape #3(%y)
  output %n
  output %s
  output %y
}
)";

// Glow's own output (GlowToolsVersion document, upper-case Hex64 hash, block-style histogram).
const char* kGlowProfileYaml = R"(---
GlowToolsVersion: '2021-03-05'
...
---
GraphPreLowerHash: 0x00000000000000AB
...
---
- NodeOutputName:  'conv1:0'
  Min:             -1.5
  Max:             2.25
  Histogram:
    - 0
    - 3
    - 1.5
- NodeOutputName:  data
  Min:             0
  Max:             1
  Histogram:       [ 4, 5 ]
...
)";

// Bad YAML: an unclosed flow sequence starting on line 6.
const char* kBrokenYaml = "---\nGraphPreLowerHash: 0x12\n...\n---\n- NodeOutputName: a\n  Min: [0, 1\n  Max: 1\n";

// An entry without Max on line 7.
const char* kMissingMaxYaml =
    "---\nGraphPreLowerHash: 0x12\n...\n---\n- NodeOutputName: a\n  Min: 0\n  Max: 1\n  Histogram: [1]\n"
    "- NodeOutputName: b\n  Min: 0\n  Histogram: [1]\n";

}  // namespace
