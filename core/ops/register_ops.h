// One registration function per op family file in core/ops/.
#pragma once

namespace nest {
class OpTable;

void registerElementwiseOps(OpTable& table);  // elementwise_ops.cpp: arithmetic, comparison, logic, unary math
void registerActivationOps(OpTable& table);   // activation_ops.cpp: Relu ... Softmax, Clip
void registerReduceOps(OpTable& table);       // reduce_ops.cpp: Reduce*, ArgMax, ArgMin
void registerMiscOps(OpTable& table);         // misc_ops.cpp: Identity, Dropout, Cast
void registerConvOps(OpTable& table);         // conv_ops.cpp: Conv, ConvTranspose
void registerPoolOps(OpTable& table);         // pool_ops.cpp: MaxPool, AveragePool, Global*Pool
void registerLinearOps(OpTable& table);       // linear_ops.cpp: Gemm, MatMul
void registerNormOps(OpTable& table);         // norm_ops.cpp: BatchNormalization, InstanceNormalization, LRN, LayerNormalization
void registerQuantOps(OpTable& table);        // quant_ops.cpp: QuantizeLinear, DequantizeLinear, QLinear*, *Integer
void registerTensorOps(OpTable& table);       // tensor_ops.cpp: Concat, Split, Slice, Gather, Transpose, Pad, Tile, Expand, ...
void registerShapeOps(OpTable& table);        // shape_ops.cpp: Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Range, ConstantOfShape
void registerResizeOps(OpTable& table);       // resize_ops.cpp: Resize, Upsample, DepthToSpace, SpaceToDepth
void registerEinsumOps(OpTable& table);       // einsum_ops.cpp: Einsum
void registerGatherScatterOps(OpTable& table);  // gather_scatter_ops.cpp: GatherElements, GatherND, ScatterND
void registerPositionOps(OpTable& table);     // position_ops.cpp: CumSum, Trilu
void registerAttentionOps(OpTable& table);    // attention_ops.cpp: Attention (internal, fuse-attention)
void registerRecurrentOps(OpTable& table);    // recurrent_ops.cpp: RNN, GRU, LSTM
void registerControlFlowOps(OpTable& table);  // control_flow_ops.cpp: If, Loop decided at run time
// quantized_ops.cpp: internal Quantize / Dequantize and the integer variants (OpDef::quantInfer /
// quantKernel) of Conv, Gemm, MatMul, Add, Mul, Relu, Clip, Concat, Reshape, Flatten, Transpose,
// MaxPool, AveragePool, GlobalAveragePool. Runs after every family has registered.
void registerQuantizedKernels(OpTable& table);
// quantized_norm_ops.cpp: the integer LayerNormalization and Softmax (int16 precision); called by
// registerQuantizedKernels.
void registerQuantizedNormKernels(OpTable& table);

inline void registerAllOps(OpTable& table) {
  registerElementwiseOps(table);
  registerActivationOps(table);
  registerReduceOps(table);
  registerMiscOps(table);
  registerConvOps(table);
  registerPoolOps(table);
  registerLinearOps(table);
  registerNormOps(table);
  registerQuantOps(table);
  registerTensorOps(table);
  registerShapeOps(table);
  registerResizeOps(table);
  registerEinsumOps(table);
  registerGatherScatterOps(table);
  registerPositionOps(table);
  registerAttentionOps(table);
  registerRecurrentOps(table);
  registerControlFlowOps(table);
  registerQuantizedKernels(table);
}

}  // namespace nest
