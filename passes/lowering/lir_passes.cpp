#include "passes/lowering/lir_passes.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "core/error.h"

namespace nest::lir {

namespace {

bool isArenaKind(BufferKind k) { return k == BufferKind::Activation || k == BufferKind::Scratch; }

// Buffers an instruction touches (inputs, outputs, scratch), absent operands skipped.
std::vector<BufferId> operandsOf(const Instr& in) {
  std::vector<BufferId> all;
  for (BufferId b : in.inputs)
    if (b >= 0) all.push_back(b);
  for (BufferId b : in.outputs)
    if (b >= 0) all.push_back(b);
  if (in.scratch >= 0) all.push_back(in.scratch);
  return all;
}

// Index of the last instruction using each root (through any alias); -1 for unused roots.
std::vector<int64_t> lastUses(const Function& f) {
  std::vector<int64_t> last(f.buffers.size(), -1);
  for (size_t i = 0; i < f.instrs.size(); ++i)
    if (!f.instrs[i].isMemoryOp())
      for (BufferId b : operandsOf(f.instrs[i])) last[f.root(b)] = static_cast<int64_t>(i);
  return last;
}

const std::set<std::string> kElementwise = {"binary", "unary", "channel_affine"};

}  // namespace

bool inplacePass(Function& f) {
  std::vector<int64_t> last = lastUses(f);
  bool changed = false;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    const Instr& in = f.instrs[i];
    if (!kElementwise.count(in.kernel)) continue;
    Buffer& out = f.buffer(in.outputs[0]);
    if (out.isAlias() || out.kind != BufferKind::Activation) continue;
    // Only the data operand of channel_affine; either operand of a binary op.
    const size_t candidates = in.kernel == "binary" ? 2 : 1;
    for (size_t k = 0; k < candidates; ++k) {
      const BufferId src = in.inputs[k];
      const BufferId r = f.root(src);
      const Buffer& s = f.buffer(src);
      if (f.buffer(r).kind != BufferKind::Activation || last[r] != static_cast<int64_t>(i)) continue;
      // Same element count and type: element j is read before element j is written, so the
      // kernels may overwrite their input (no broadcasting on this operand).
      if (s.type.elem != out.type.elem || s.type.numElements() != out.type.numElements()) continue;
      out.aliasOf = src;
      last[r] = last[out.id];
      changed = true;
      break;
    }
  }
  return changed;
}

bool copyEliminationPass(Function& f) {
  std::vector<int64_t> last = lastUses(f);
  bool changed = false;
  std::vector<Instr> kept;
  for (size_t i = 0; i < f.instrs.size(); ++i) {
    Instr& in = f.instrs[i];
    if (in.kernel == "copy") {
      const BufferId src = in.inputs[0], dst = in.outputs[0];
      const BufferId rs = f.root(src);
      Buffer& d = f.buffer(dst);
      const bool srcDies = f.buffer(rs).kind == BufferKind::Activation && last[rs] == static_cast<int64_t>(i);
      if (srcDies && !d.isAlias() && f.buffer(rs).bytes() == d.bytes()) {
        if (d.kind == BufferKind::Output) {
          f.buffer(rs).aliasOf = dst;  // the producers write the output directly
        } else if (d.kind == BufferKind::Activation) {
          d.aliasOf = src;
          last[rs] = last[dst];
        } else {
          kept.push_back(std::move(in));
          continue;
        }
        changed = true;
        continue;
      }
    }
    kept.push_back(std::move(in));
  }
  f.instrs = std::move(kept);
  return changed;
}

bool allocDeallocPass(Function& f) {
  std::vector<Instr> body;
  for (Instr& in : f.instrs)
    if (!in.isMemoryOp()) body.push_back(std::move(in));
  const size_t n = f.buffers.size();
  std::vector<int64_t> first(n, -1), last(n, -1);
  for (size_t i = 0; i < body.size(); ++i)
    for (BufferId b : operandsOf(body[i])) {
      BufferId r = f.root(b);
      if (!isArenaKind(f.buffer(r).kind)) continue;
      if (first[r] < 0) first[r] = static_cast<int64_t>(i);
      last[r] = static_cast<int64_t>(i);
    }
  std::vector<std::vector<BufferId>> allocAt(body.size()), freeAt(body.size());
  for (size_t r = 0; r < n; ++r)
    if (first[r] >= 0) {
      allocAt[first[r]].push_back(static_cast<BufferId>(r));
      freeAt[last[r]].push_back(static_cast<BufferId>(r));
    }
  std::vector<Instr> out;
  for (size_t i = 0; i < body.size(); ++i) {
    for (BufferId r : allocAt[i]) {
      Instr a;
      a.kernel = "alloc";
      a.outputs = {r};
      out.push_back(std::move(a));
    }
    out.push_back(std::move(body[i]));
    for (BufferId r : freeAt[i]) {
      Instr d;
      d.kernel = "dealloc";
      d.inputs = {r};
      out.push_back(std::move(d));
    }
  }
  f.instrs = std::move(out);
  return true;
}

bool planMemoryPass(Function& f) {
  size_t weights = 0, mutableVars = 0;
  // Weights no instruction reads (e.g. replaced by their packed form) take no space.
  std::vector<bool> used(f.buffers.size(), false);
  for (const Instr& in : f.instrs)
    for (BufferId b : operandsOf(in)) used[f.root(b)] = true;
  for (Buffer& b : f.buffers) {
    b.offset = -1;
    if (b.isAlias()) continue;
    if (b.kind == BufferKind::Weight) {
      if (!used[b.id]) continue;
      b.offset = static_cast<int64_t>(weights);
      weights += alignUp(b.bytes());
    } else if (b.kind == BufferKind::Input || b.kind == BufferKind::Output) {
      b.offset = static_cast<int64_t>(mutableVars);
      mutableVars += alignUp(b.bytes());
    }
  }
  // Activations: best fit among the gaps between live buffers, else past the last one.
  std::map<int64_t, size_t> live;  // offset -> aligned size
  size_t arena = 0;
  for (const Instr& in : f.instrs) {
    if (in.kernel == "alloc") {
      Buffer& b = f.buffer(in.outputs[0]);
      const size_t size = alignUp(std::max<size_t>(b.bytes(), 1));
      int64_t best = -1;
      size_t bestGap = SIZE_MAX;
      size_t cursor = 0;
      for (const auto& [off, sz] : live) {
        const size_t gap = static_cast<size_t>(off) - cursor;
        if (gap >= size && gap < bestGap) {
          best = static_cast<int64_t>(cursor);
          bestGap = gap;
        }
        cursor = static_cast<size_t>(off) + sz;
      }
      if (best < 0) best = static_cast<int64_t>(cursor);
      b.offset = best;
      live[best] = size;
      arena = std::max(arena, static_cast<size_t>(best) + size);
    } else if (in.kernel == "dealloc") {
      live.erase(f.buffer(in.inputs[0]).offset);
    }
  }
  f.weightBytes = weights;
  f.mutableBytes = mutableVars;
  f.activationBytes = arena;
  return true;
}

std::vector<LirPass> defaultLirPipeline(const std::vector<LirPass>& targetPasses) {
  std::vector<LirPass> p = {{"inplace", inplacePass}, {"copy-elimination", copyEliminationPass}};
  p.insert(p.end(), targetPasses.begin(), targetPasses.end());
  p.push_back({"alloc-dealloc", allocDeallocPass});
  p.push_back({"plan-memory", planMemoryPass});
  return p;
}

LirPipelineRun runLirPipeline(Function f, const std::vector<LirPass>& passes, bool keepDumps) {
  LirPipelineRun run;
  verifyFunction(f);
  if (keepDumps) run.initialDump = printFunction(f);
  for (const LirPass& pass : passes) {
    auto start = std::chrono::steady_clock::now();
    LirPassRecord rec;
    rec.pass = pass.name;
    try {
      rec.changed = pass.run(f);
      verifyFunction(f);
    } catch (const Error& e) {
      throw Error(e.kind(), "LIR pass '" + pass.name + "': " + e.what());
    }
    rec.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (keepDumps) rec.dump = printFunction(f);
    run.records.push_back(std::move(rec));
  }
  run.result = std::move(f);
  return run;
}

}  // namespace nest::lir
