// C code for the integer LIR kernels (quant_kernels.h): per-channel multipliers, shifts and zero
// points as static const tables, descriptors of nest_rt_q8.h, one runtime call per instruction.
#include <cstdio>
#include <set>

#include "backends/cpu/kernel_descs.h"
#include "backends/cpu/quant_kernels.h"
#include "core/error.h"
#include "core/ops/op_helpers.h"

namespace nest::cpu {

using lir::Function;
using lir::Instr;

namespace {

const std::set<std::string> kQuantKernels = {"qconv2d",  "qgemm",          "qmatmul", "qadd",     "qmul",      "qclamp",
                                             "qmaxpool2d", "qavgpool2d", "qglobal_avgpool", "qconcat", "quantize", "dequantize", "qlut"};

std::string list(const std::vector<int64_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.empty() ? "0}" : "}");
}

std::string cFloat(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string i32(int64_t v) { return v == INT32_MIN ? "INT32_MIN" : std::to_string(v); }

struct Emitter {
  const Function& f;
  const Instr& i;
  const std::string& p;
  const QuantCodeContext& ctx;
  std::string& data;
  std::string& body;

  const TensorType& typeIn(size_t k) const { return f.buffer(i.inputs[k]).type; }
  const TensorType& typeOut() const { return f.buffer(i.outputs[0]).type; }
  static std::string sign(const TensorType& t) { return t.elem == ElemType::I8 ? "1" : "0"; }
  static std::string zp(const TensorType& t) { return i32(t.quant->zeroPoints.at(0)); }

  std::string table(const std::string& name, const Ints& v) {
    data += "static const int32_t " + name + "[] = " + list(v) + ";\n";
    return name;
  }

  // nest_q8_out initializer: result type, clamp bounds, this instruction's mult / shift tables.
  std::string outInit(const std::string& prefix = "") {
    const Ints mult = i.params.getInts(prefix + "mult");
    table(p + "_mult", mult);
    table(p + "_shift", i.params.getInts(prefix + "shift"));
    return "{" + sign(typeOut()) + ", " + zp(typeOut()) + ", " + i32(i.params.getInt("lo")) + ", " +
           i32(i.params.getInt("hi")) + ", " + std::to_string(mult.size()) + ", " + p + "_mult, " + p + "_shift}";
  }

  std::string operandInit(size_t k, const std::string& prefix) {
    const TensorType& t = typeIn(k);
    std::string m = "0", s = "0";
    if (i.params.has(prefix + "mult")) {
      m = std::to_string(i.params.getInts(prefix + "mult").at(0));
      s = std::to_string(i.params.getInts(prefix + "shift").at(0));
    }
    return "{" + sign(t) + ", " + zp(t) + ", " + m + ", " + s + "}";
  }

  void conv() {
    const Q8ConvDesc q = q8ConvDesc(f, i);
    const nest_q8_conv2d_desc& d = q.d;
    std::vector<int64_t> geo = {d.N, d.C, d.H, d.W, d.M, d.OH, d.OW, d.KH, d.KW, d.stride_h, d.stride_w,
                                d.dilation_h, d.dilation_w, d.pad_top, d.pad_left, d.pad_bottom, d.pad_right, d.group};
    std::string init;
    for (int64_t v : geo) init += std::to_string(v) + ", ";
    table(p + "_wzp", i.params.getInts("w_zp"));
    const std::string out = outInit();
    data += "static const nest_q8_conv2d_desc " + p + " = {" + init + std::to_string(d.x_signed) + ", " +
            i32(d.x_zp) + ", " + p + "_wzp, " + out + "};\n";
    if (!i.params.getInt("packed", 0)) failInternal("qconv2d: weights were not packed");
    body += "  nest_q8_conv2d(&" + p + ", " + ctx.in(0, "void") + ", " + ctx.in(1, "void") + ", " + ctx.out(0, "void") +
            ", " + ctx.scratch + ");\n";
  }

  // A packed constant B (nest_q8_gemm_pack): one call over every row of A.
  void packedGemm() {
    const Q8GemmDesc q = q8GemmDesc(f, i);
    const nest_q8_gemm_desc& d = q.d;
    table(p + "_bzp", i.params.getInts("b_zp"));
    const std::string out = outInit();
    data += "static const nest_q8_gemm_desc " + p + " = {" + std::to_string(d.M) + ", " + std::to_string(d.N) + ", " +
            std::to_string(d.K) + ", 1, " + std::to_string(d.a_signed) + ", " + i32(d.a_zp) + ", 1, " + p + "_bzp, " +
            out + "};\n";
    body += "  nest_q8_gemm_packed(&" + p + ", " + ctx.in(0, "void") + ", " + ctx.in(1, "void") + ", " +
            ctx.out(0, "void") + ");\n";
  }

  void gemm() {
    if (i.params.getInt("packed", 0)) return packedGemm();
    // MatMul of rank > 2: one 2-D product per leading index (A's and the result's leading
    // dimensions equal; B the same or 2-D and shared), at byte offsets (8-bit elements).
    const Shape& a = typeIn(0).shape;
    const Shape& b = typeIn(1).shape;
    const bool transB = i.params.getInt("trans_b", 0) != 0;
    const int64_t m = a[a.size() - 2], k = a[a.size() - 1];
    const int64_t n = transB ? b[0] : b[b.size() - 1];
    int64_t batch = 1;
    for (size_t d = 0; d + 2 < a.size(); ++d) batch *= a[d];
    table(p + "_bzp", i.params.getInts("b_zp"));
    const std::string out = outInit();
    data += "static const nest_q8_gemm_desc " + p + " = {" + std::to_string(m) + ", " + std::to_string(n) + ", " +
            std::to_string(k) + ", " + (transB ? "1" : "0") + ", " + sign(typeIn(0)) + ", " + zp(typeIn(0)) + ", " +
            sign(typeIn(1)) + ", " + p + "_bzp, " + out + "};\n";
    const bool bias = i.kernel == "qgemm" && i.inputs.size() > 2 && i.inputs[2] >= 0;
    if (batch == 1) {
      body += "  nest_q8_gemm(&" + p + ", " + ctx.in(0, "void") + ", " + ctx.in(1, "void") + ", " +
              (bias ? ctx.in(2, "int32_t") : std::string("NULL")) + ", " + ctx.out(0, "void") + ");\n";
      return;
    }
    const std::string bStride = b.size() > 2 ? std::to_string(k * n) : "0";
    body += "  for (int64_t bi = 0; bi < " + std::to_string(batch) + "; ++bi)\n    nest_q8_gemm(&" + p + ", " +
            ctx.in(0, "uint8_t") + " + bi * " + std::to_string(m * k) + ", " + ctx.in(1, "uint8_t") + " + bi * " + bStride +
            ", NULL, " + ctx.out(0, "uint8_t") + " + bi * " + std::to_string(m * n) + ");\n";
  }

  void binary() {
    const Shape& shape = typeOut().shape;
    data += "static const int64_t " + p + "_shape[] = " + list(shape) + ";\n";
    data += "static const int64_t " + p + "_sa[] = " + list(ops::broadcastStrides(typeIn(0).shape, shape)) + ";\n";
    data += "static const int64_t " + p + "_sb[] = " + list(ops::broadcastStrides(typeIn(1).shape, shape)) + ";\n";
    data += "static const nest_q8_operand " + p + "_qa = " + operandInit(0, "a_") + ";\n";
    data += "static const nest_q8_operand " + p + "_qb = " + operandInit(1, "b_") + ";\n";
    data += "static const nest_q8_out " + p + "_out = " + outInit() + ";\n";
    body += "  nest_q8_" + std::string(i.kernel == "qadd" ? "add" : "mul") + "(" + std::to_string(shape.size()) + ", " +
            p + "_shape, " + ctx.in(0, "void") + ", " + p + "_sa, &" + p + "_qa, " + ctx.in(1, "void") + ", " + p +
            "_sb, &" + p + "_qb, &" + p + "_out, " + ctx.out(0, "void") + ");\n";
  }

  void pool() {
    const nest_pool2d_desc d = poolDesc(f, i);
    std::vector<int64_t> v = {d.N, d.C, d.H, d.W, d.OH, d.OW, d.KH, d.KW, d.stride_h, d.stride_w,
                              d.dilation_h, d.dilation_w, d.pad_top, d.pad_left, d.pad_bottom, d.pad_right};
    std::string init;
    for (int64_t x : v) init += std::to_string(x) + ", ";
    data += "static const nest_q8_pool2d_desc " + p + " = {" + init + std::to_string(d.count_include_pad) + ", " +
            sign(typeIn(0)) + ", " + zp(typeIn(0)) + "};\n";
    body += "  nest_q8_" + std::string(i.kernel == "qmaxpool2d" ? "maxpool2d" : "avgpool2d") + "(&" + p + ", " +
            ctx.in(0, "void") + ", " + ctx.out(0, "void") + ");\n";
  }

  void concat() {
    const Shape& y = typeOut().shape;
    const int64_t axis = i.params.getInt("axis");
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= y[d];
    for (size_t d = static_cast<size_t>(axis) + 1; d < y.size(); ++d) inner *= y[d];
    const Ints mult = i.params.getInts("in_mult"), shift = i.params.getInts("in_shift");
    // The output side: zero point and bounds only (each input has its own factor).
    data += "static const nest_q8_out " + p + "_out = {" + sign(typeOut()) + ", " + zp(typeOut()) + ", " +
            i32(i.params.getInt("lo")) + ", " + i32(i.params.getInt("hi")) + ", 0, NULL, NULL};\n";
    int64_t offset = 0;
    for (size_t k = 0; k < i.inputs.size(); ++k) {
      const int64_t row = typeIn(k).shape[static_cast<size_t>(axis)] * inner;
      const std::string q = p + "_q" + std::to_string(k);
      data += "static const nest_q8_operand " + q + " = {" + sign(typeIn(k)) + ", " + zp(typeIn(k)) + ", " +
              std::to_string(mult[k]) + ", " + std::to_string(shift[k]) + "};\n";
      if (row > 0 && outer > 0)
        body += "  nest_q8_requant_rows(" + ctx.in(k, "void") + ", &" + q + ", &" + p + "_out, " + ctx.out(0, "uint8_t") +
                " + " + std::to_string(offset) + ", " + std::to_string(y[static_cast<size_t>(axis)] * inner) + ", " +
                std::to_string(row) + ", " + std::to_string(outer) + ");\n";
      offset += row;
    }
  }

  void run() {
    const std::string& k = i.kernel;
    if (k == "qconv2d") return conv();
    if (k == "qgemm" || k == "qmatmul") return gemm();
    if (k == "qadd" || k == "qmul") return binary();
    if (k == "qmaxpool2d" || k == "qavgpool2d") return pool();
    if (k == "qconcat") return concat();
    if (k == "qclamp") {
      body += "  nest_q8_clamp(" + sign(typeIn(0)) + ", " + ctx.in(0, "void") + ", " + ctx.out(0, "void") + ", " +
              std::to_string(typeOut().numElements()) + ", " + i32(i.params.getInt("lo")) + ", " +
              i32(i.params.getInt("hi")) + ");\n";
      return;
    }
    if (k == "qlut") {  // the table's bytes (i8 results as their two's-complement byte)
      std::string bytes;
      for (int64_t v : i.params.getInts("lut")) bytes += (bytes.empty() ? "" : ", ") + std::to_string(v & 0xff);
      data += "static const uint8_t " + p + "_lut[256] = {" + bytes + "};\n";
      body += "  nest_q8_lut(" + sign(typeIn(0)) + ", " + ctx.in(0, "void") + ", " + ctx.out(0, "void") + ", " +
              std::to_string(typeOut().numElements()) + ", " + p + "_lut);\n";
      return;
    }
    if (k == "qglobal_avgpool") {
      const Shape& x = typeIn(0).shape;
      int64_t hw = 1;
      for (size_t d = 2; d < x.size(); ++d) hw *= x[d];
      body += "  nest_q8_global_avgpool(" + sign(typeIn(0)) + ", " + zp(typeIn(0)) + ", " + std::to_string(x[0] * x[1]) +
              ", " + std::to_string(hw) + ", " + ctx.in(0, "void") + ", " + ctx.out(0, "void") + ");\n";
      return;
    }
    if (k == "quantize") {
      const TensorType& y = typeOut();
      body += "  nest_q8_quantize(" + ctx.in(0, "float") + ", " + ctx.out(0, "void") + ", " +
              std::to_string(y.numElements()) + ", " + sign(y) + ", " + cFloat(y.quant->scales.at(0)) + ", " + zp(y) + ");\n";
      return;
    }
    if (k == "dequantize") {
      const TensorType& x = typeIn(0);
      if (x.quant->perChannel()) failInternal("CPU codegen: per-channel Dequantize of an activation");
      body += "  nest_q8_dequantize(" + ctx.in(0, "void") + ", " + ctx.out(0, "float") + ", " +
              std::to_string(x.numElements()) + ", " + sign(x) + ", " + cFloat(x.quant->scales.at(0)) + ", " + zp(x) + ");\n";
      return;
    }
    failInternal("CPU codegen: no code for integer kernel '" + k + "'");
  }
};

}  // namespace

bool isQuantKernel(const std::string& kernel) { return kQuantKernels.count(kernel) != 0; }

void emitQuantKernel(const Function& f, const Instr& in, const std::string& prefix, const QuantCodeContext& ctx,
                     std::string& data, std::string& body) {
  Emitter{f, in, prefix, ctx, data, body}.run();
}

}  // namespace nest::cpu
