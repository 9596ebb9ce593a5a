// Every graph pass, one factory per pass file (passes/<file>.cpp).
#pragma once
#include <functional>

#include "passes/pass.h"

namespace nest {

// Cleanup and folding.
PassInfo eliminateNoopsPass();             // eliminate_noops.cpp
PassInfo deadCodeEliminationPass();        // dead_code_elimination.cpp
PassInfo commonSubexpressionPass();        // common_subexpression_elimination.cpp
PassInfo constantFoldingPass();            // constant_folding.cpp
PassInfo shapeComputationFoldingPass();    // shape_computation_folding.cpp
// Not a pipeline pass: folds every node that `needed` admits and whose operands are all constants,
// whatever the size cap. The driver calls it, before a backend compiles, for the nodes the backend
// cannot run but the compiler can compute (constant_folding.cpp). Returns whether it changed the graph.
bool foldForBackend(Graph& g, const std::function<bool(const Graph&, const Node&)>& needed);
// Algebraic folding and fusion.
PassInfo foldBatchNormPass();              // fold_batchnorm.cpp
PassInfo foldScaleBiasPass();              // fold_scale_bias.cpp
PassInfo equalizeCrossLayerPass();        // quantization/equalize_cross_layer.cpp (optional, before quantize)
PassInfo fuseActivationsPass();            // fuse_activations.cpp
PassInfo fuseHardSwishPass();              // fuse_hardswish.cpp (decomposed activations -> one node)
PassInfo fuseSwishPass();                  // fuse_swish_gelu.cpp
PassInfo fuseGeluPass();                   // fuse_swish_gelu.cpp
PassInfo fuseAttentionPass();              // fuse_attention.cpp
PassInfo foldAttentionTransposesPass();    // fold_attention_transposes.cpp
PassInfo fuseLayerNormPass();              // fuse_layernorm.cpp
PassInfo mergePadPass();                   // merge_pad.cpp
PassInfo matmulAddToGemmPass();            // matmul_add_to_gemm.cpp
PassInfo mergeReshapesPass();              // merge_reshapes.cpp
// Layout.
PassInfo transposeSinkingPass();           // transpose_sinking.cpp
PassInfo squeezeUnsqueezeCancellationPass();  // squeeze_unsqueeze_cancellation.cpp
PassInfo transposeToReshapePass();         // transpose_to_reshape.cpp

}  // namespace nest
