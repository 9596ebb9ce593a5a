// The LIR passes and the small pass manager that runs them with a snapshot (text dump) and the
// wall time of each, like the graph pass manager (passes/pass_manager.h).
//
//   inplace           elementwise kernels whose (same-size) input dies there write into it
//   copy-elimination  a copy whose source dies there becomes an alias (producers write the target)
//   <target passes>   supplied by the backend: weight packing, scratch buffers
//   alloc-dealloc     explicit alloc before the first and dealloc after the last use of each
//                     activation root (aliases extend their root's lifetime)
//   plan-memory       best-fit offsets in one activations arena (64-byte aligned), weights and
//                     mutable variables laid out in order
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/low_ir.h"

namespace nest::lir {

bool inplacePass(Function& f);
bool copyEliminationPass(Function& f);
bool allocDeallocPass(Function& f);
bool planMemoryPass(Function& f);

struct LirPass {
  std::string name;
  std::function<bool(Function&)> run;
};

struct LirPassRecord {
  std::string pass;
  double milliseconds = 0;
  bool changed = false;
  std::string dump;  // printFunction after the pass
};

struct LirPipelineRun {
  std::string initialDump;  // right after lowering
  std::vector<LirPassRecord> records;
  Function result;
};

// inplace, copy-elimination, then `targetPasses`, then alloc-dealloc and plan-memory.
std::vector<LirPass> defaultLirPipeline(const std::vector<LirPass>& targetPasses = {});

// Runs the passes in order on `f`, verifying after each (verifyFunction). With `keepDumps` false
// the records hold no text (compile-time measurements).
LirPipelineRun runLirPipeline(Function f, const std::vector<LirPass>& passes, bool keepDumps = true);

}  // namespace nest::lir
