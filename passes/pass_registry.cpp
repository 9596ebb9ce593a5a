#include "passes/pass_registry.h"

#include "core/error.h"
#include "passes/all_passes.h"

namespace nest {

const std::vector<PassInfo>& allPasses() {
  static const std::vector<PassInfo> passes = {
      eliminateNoopsPass(),       deadCodeEliminationPass(), commonSubexpressionPass(),
      constantFoldingPass(),      shapeComputationFoldingPass(), foldBatchNormPass(),
      foldScaleBiasPass(),        fuseActivationsPass(),     mergePadPass(),
      matmulAddToGemmPass(),      mergeReshapesPass(),       transposeSinkingPass(),
      squeezeUnsqueezeCancellationPass()};
  return passes;
}

const PassInfo& findPass(const std::string& name) {
  for (const PassInfo& p : allPasses())
    if (p.name == name) return p;
  std::string known;
  for (const PassInfo& p : allPasses()) known += (known.empty() ? "" : ", ") + p.name;
  failBadInput("unknown pass '" + name + "' (known passes: " + known + ")");
}

Pipeline namedPipeline(const std::string& level) {
  // Cleanup first so later patterns see through Identity/Dropout and folded shape chains; the
  // algebraic group runs to a fixed point because each fold can expose another (a BatchNorm
  // folded into a Conv lets a following Mul fold, a merged Reshape lets a Transpose cancel, ...);
  // activations fuse last, when no other pattern needs to see them as separate nodes.
  Pipeline cleanup = {{{"eliminate-noops", "fold-shape-computations", "constant-fold", "dce"}, true}};
  Pipeline algebra = {{{"fold-batchnorm", "fold-scale-bias", "merge-pad", "matmul-add-to-gemm", "merge-reshapes",
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
