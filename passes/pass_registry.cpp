#include "passes/pass_registry.h"

#include <mutex>

#include "core/error.h"
#include "passes/all_passes.h"

namespace nest {

namespace {

struct Entry {
  PassInfo pass;
  std::string origin;
};

std::vector<PassInfo> builtinPasses() {
  return {eliminateNoopsPass(),       deadCodeEliminationPass(), commonSubexpressionPass(),
          constantFoldingPass(),      shapeComputationFoldingPass(), foldBatchNormPass(),
          foldScaleBiasPass(),        fuseActivationsPass(),     fuseHardSwishPass(),       fuseSwishPass(),
          fuseGeluPass(),             fuseLayerNormPass(),       fuseAttentionPass(),       foldAttentionTransposesPass(),
          mergePadPass(),
          matmulAddToGemmPass(),      mergeReshapesPass(),       transposeSinkingPass(),
          squeezeUnsqueezeCancellationPass(), transposeToReshapePass(), equalizeCrossLayerPass()};
}

// The registry: built-ins first, plugin passes appended; guarded by a mutex (see allPasses).
struct Registry {
  std::mutex mutex;
  std::vector<Entry> entries;
  Registry() {
    for (PassInfo& p : builtinPasses()) entries.push_back({std::move(p), kBuiltinOrigin});
  }
  const Entry* find(const std::string& name) const {
    for (const Entry& e : entries)
      if (e.pass.name == name) return &e;
    return nullptr;
  }
  [[noreturn]] void failUnknown(const std::string& name) const {
    std::string known;
    for (const Entry& e : entries) known += (known.empty() ? "" : ", ") + e.pass.name;
    failBadInput("unknown pass '" + name + "' (known passes: " + known + ")");
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

std::vector<PassInfo> allPasses() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<PassInfo> passes;
  for (const Entry& e : r.entries) passes.push_back(e.pass);
  return passes;
}

PassInfo findPass(const std::string& name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (const Entry* e = r.find(name)) return e->pass;
  r.failUnknown(name);
}

std::string passOrigin(const std::string& name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (const Entry* e = r.find(name)) return e->origin;
  r.failUnknown(name);
}

void registerPluginPass(PassInfo pass, const std::string& origin) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (pass.name.empty()) failBadInput(origin + ": a pass needs a name");
  if (!pass.run) failBadInput(origin + ": pass '" + pass.name + "' has no run function");
  if (const Entry* e = r.find(pass.name))
    failBadInput(origin + ": pass '" + pass.name + "' is already registered (" +
                 (e->origin == kBuiltinOrigin ? std::string("a built-in pass") : "by plugin " + e->origin) + ")");
  r.entries.push_back({std::move(pass), origin});
}

Pipeline namedPipeline(const std::string& level) {
  // Cleanup first so later patterns see through Identity/Dropout and folded shape chains; the
  // algebraic group runs to a fixed point because each fold can expose another (a BatchNorm
  // folded into a Conv lets a following Mul fold, a merged Reshape lets a Transpose cancel, ...);
  // activations fuse last, when no other pattern needs to see them as separate nodes.
  Pipeline cleanup = {{{"eliminate-noops", "fold-shape-computations", "constant-fold", "dce"}, true}};
  // Decomposed activations are recomposed first, before folds rearrange their pieces.
  Pipeline algebra = {{{"fuse-hardswish", "fuse-swish", "fuse-gelu", "fuse-layernorm", "fuse-attention", "fold-attention-transposes", "transpose-to-reshape", "fold-batchnorm", "fold-scale-bias", "merge-pad", "matmul-add-to-gemm", "merge-reshapes",
                        "cancel-squeeze-unsqueeze", "eliminate-noops", "dce"},
                       true}};
  Pipeline finish = {{{"cse", "fuse-activations", "dce"}, false}};
  if (level == "O0") return {};
  Pipeline p = cleanup;
  if (level == "O1") {
    p.insert(p.end(), algebra.begin(), algebra.end());
  } else if (level == "O2") {
    Pipeline layout = {{{"sink-transposes", "cancel-squeeze-unsqueeze", "merge-reshapes", "eliminate-noops", "cse",
                         "constant-fold", "dce"},
                        true}};
    p.insert(p.end(), algebra.begin(), algebra.end());
    p.insert(p.end(), layout.begin(), layout.end());
  } else {
    failBadInput("unknown optimization level '" + level + "' (use O0, O1 or O2)");
  }
  p.insert(p.end(), finish.begin(), finish.end());
  return p;
}

PipelineStage boundPassStage(PassInfo pass) {
  PipelineStage s;
  s.passes = {pass.name};
  s.bound = {std::move(pass)};
  return s;
}

Pipeline explicitPipeline(const std::vector<std::string>& passes) {
  Pipeline p;
  for (const std::string& name : passes) p.push_back({{findPass(name).name}, false});
  return p;
}

}  // namespace nest
