// The CPU backend: graph (optimized by the driver's pipeline; no graph passes here) -> LIR -> LIR passes with CPU weight packing
// and scratch sizing -> C99 source + packed weights. bundle_writer.h writes it as a bundle
// folder (docs/cpu-bundle.md); cpu_runner.h builds and runs it in-process for `nestc run`.
#pragma once
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "core/graph.h"
#include "passes/lowering/lir_passes.h"
#include "passes/lowering/lower_to_lir.h"

namespace nest::cpu {

// Why the CPU backend cannot compile `node` of an (optimized) graph; "" when it can. First the
// backend's support table (ops, pass-added attributes, element types: cpu_support_table.h), then
// lowering's limits on forms and values (loweringUnsupportedReason), then the runtime's own.
std::string unsupportedReason(const Graph& graph, const Node& node);

// Every node of an (optimized) graph the CPU backend cannot compile, with the reason, in graph order.
std::vector<UnsupportedNode> unsupportedNodes(const Graph& graph);

// The target passes: fuse-residual (a shortcut Add folded into the conv2d before it, which adds
// it per block of outputs), pack-weights (conv2d and gemm/matmul weights packed at compile time
// with the runtime's own packing functions, output_scale folded in) and scratch (per-instruction
// scratch buffers sized by the runtime's *_scratch_size functions).
std::vector<lir::LirPass> targetPasses();

struct CompileOptions {
  std::string name = "model";  // C identifier: entry function and file names
  bool keepDumps = false;       // keep the text dump of every LIR pass
};

struct CompiledModel {
  std::string name;
  Graph graph;                // as compiled
  lir::LirPipelineRun lir;    // LIR pass records; lir.result is the planned function
  std::string header, source;  // NAME.h, NAME.c
  double lowerMs = 0, lirMs = 0, codegenMs = 0;
  double totalMs() const { return lowerMs + lirMs + codegenMs; }
};

// Throws Unsupported listing every unsupported node (unsupportedNodes) before generating code;
// BadInput for an invalid name.
CompiledModel compile(const Graph& graph, const CompileOptions& options);

// Generates NAME.h and NAME.c from a planned LIR function.
void generateCode(CompiledModel& model);

// The weights blob (NAME.weights.bin, lir.result.weightBytes long): every placed weight buffer at
// its offset, zero padding between. `dst` must have weightBytes bytes.
void fillWeights(const CompiledModel& model, uint8_t* dst);
// The same bytes written to `out` buffer by buffer (no 100 MB intermediate copy).
void writeWeights(const CompiledModel& model, std::ostream& out);

// True for a valid C identifier that is not a C keyword.
bool isCIdentifier(const std::string& name);

}  // namespace nest::cpu
