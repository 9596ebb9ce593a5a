// Runtime descriptors (backends/cpu/runtime/nest_runtime.h) for LIR instructions, shared by the
// target passes (packing, scratch sizes at compile time) and the code generator (which prints
// the same descriptors into the bundle), so both always agree.
#pragma once
#include "backends/cpu/runtime/nest_runtime.h"
#include "core/low_ir.h"

namespace nest::cpu {

nest_act activationOf(const lir::Instr& in);
nest_conv2d_desc convDesc(const lir::Function& f, const lir::Instr& in);
nest_pool2d_desc poolDesc(const lir::Function& f, const lir::Instr& in);

// Gemm (kernel "gemm") or MatMul (kernel "matmul"). For matmul, M is the rows of one matrix of
// A, or of all of A when B is one 2-D matrix (matmulFlattens), and the descriptor has no C.
nest_gemm_desc gemmDesc(const lir::Function& f, const lir::Instr& in);
bool matmulFlattens(const lir::Function& f, const lir::Instr& in);
// RNN / GRU / LSTM (kernel "rnn"): sizes from X and R, flags and activations from the params.
nest_rnn_desc rnnDesc(const lir::Function& f, const lir::Instr& in);

// Attention (kernel "attention"): batch is every leading dimension of the formula's Q (the stored
// operands seen through the params q_perm, kt_perm, v_perm, y_perm; core/ops/attention_layout.h);
// each operand's row and column strides, the mask's over the scores (0 when there is no mask).
// attentionOffsets gives, per batch-head, the element offsets of Q, KT, V, Y and the mask.
nest_attention_desc attentionDesc(const lir::Function& f, const lir::Instr& in);
std::vector<int64_t> attentionOffsets(const lir::Function& f, const lir::Instr& in);

}  // namespace nest::cpu
