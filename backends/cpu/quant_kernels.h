// The CPU backend's int8 part (docs/cpu-runtime.md, "Int8"): packing the weights of integer
// convolutions (qconv2d) with the runtime's own nest_q8_conv2d_pack and sizing their scratch (run
// inside the target passes pack-weights and scratch), runtime descriptors for the integer LIR
// kernels, and their C code.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "backends/cpu/runtime/nest_rt_q8.h"
#include "core/low_ir.h"
#include "passes/lowering/lir_passes.h"

namespace nest::cpu {

// The int8 parts of the CPU target passes pack-weights and scratch: qconv2d weights packed (bias
// folded in) and qconv2d scratch sized. Each returns true when it changed the function.
bool packQuantWeights(lir::Function& f);
bool sizeQuantScratch(lir::Function& f);

// A conv descriptor with the storage its pointers refer to (w_zp, mult, shift).
struct Q8ConvDesc {
  nest_q8_conv2d_desc d{};
  std::vector<int32_t> wzp, mult, shift;
};
Q8ConvDesc q8ConvDesc(const lir::Function& f, const lir::Instr& in);

// A qgemm / qmatmul descriptor with its storage (b_zp, mult, shift); M counts every row of A.
struct Q8GemmDesc {
  nest_q8_gemm_desc d{};
  std::vector<int32_t> bzp, mult, shift;
};
Q8GemmDesc q8GemmDesc(const lir::Function& f, const lir::Instr& in);

// Code for an integer kernel (qconv2d, qgemm, qmatmul, qadd, qmul, qclamp, qmaxpool2d,
// qavgpool2d, qglobal_avgpool, qconcat, quantize, dequantize, qlut): appends static data to `data` and
// the calls to `body`. Returns false for any other kernel.
struct QuantCodeContext {
  std::function<std::string(size_t k, const std::string& type)> in, out;
  std::string scratch;
};
bool isQuantKernel(const std::string& kernel);
void emitQuantKernel(const lir::Function& f, const lir::Instr& in, const std::string& prefix,
                     const QuantCodeContext& ctx, std::string& data, std::string& body);

}  // namespace nest::cpu
