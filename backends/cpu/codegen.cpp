// C99 code generation from a planned LIR function: one runtime call per instruction, with its
// descriptor or shape/stride tables as static const data, and buffer addresses as fixed offsets
// into the three regions (weights, mutable_vars, activations). Alloc/dealloc emit nothing: the
// memory plan already placed every buffer.
#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/kernel_descs.h"
#include "backends/cpu/quant_kernels.h"
#include "core/error.h"
#include "core/graph_stats.h"
#include "core/ops/op_helpers.h"

namespace nest::cpu {

using lir::Buffer;
using lir::BufferId;
using lir::BufferKind;
using lir::Function;
using lir::Instr;

bool isCIdentifier(const std::string& s) {
  static const std::set<std::string> keywords = {
      "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum", "extern",
      "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return", "short", "signed",
      "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void", "volatile", "while", "main"};
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) || keywords.count(s)) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

namespace {

std::string cFloat(float v) {
  if (std::isnan(v)) return "NAN";
  if (std::isinf(v)) return v > 0 ? "INFINITY" : "-INFINITY";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s + "f";
}

std::string cInt(int64_t v) {
  if (v == INT64_MIN) return "INT64_MIN";
  return std::to_string(v);
}

std::string cElemType(ElemType t) {
  switch (t) {
    case ElemType::F32: return "float";
    case ElemType::F64: return "double";
    case ElemType::I8: return "int8_t";
    case ElemType::U8: case ElemType::Bool: return "uint8_t";
    case ElemType::I16: return "int16_t";
    case ElemType::U16: case ElemType::F16: return "uint16_t";
    case ElemType::I32: return "int32_t";
    case ElemType::U32: return "uint32_t";
    case ElemType::I64: return "int64_t";
    case ElemType::U64: return "uint64_t";
  }
  return "uint8_t";
}

std::string cString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", static_cast<unsigned char>(c));
      out += buf;
    } else out += c;
  }
  return out + "\"";
}

std::string intArray(const std::vector<int64_t>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + cInt(v[i]);
  if (v.empty()) s += "0";
  return s + "}";
}

std::string floatArray(const std::vector<float>& v) {
  std::string s = "{";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + cFloat(v[i]);
  if (v.empty()) s += "0";
  return s + "}";
}

std::string actInit(const nest_act& a) {
  return "{" + std::to_string(a.kind) + ", {" + cFloat(a.params[0]) + ", " + cFloat(a.params[1]) + "}}";
}

const std::map<std::string, std::string> kBinaryEnum = {
    {"Add", "NEST_BIN_ADD"}, {"Sub", "NEST_BIN_SUB"}, {"Mul", "NEST_BIN_MUL"}, {"Div", "NEST_BIN_DIV"},
    {"Pow", "NEST_BIN_POW"}, {"Max", "NEST_BIN_MAX"}, {"Min", "NEST_BIN_MIN"}, {"PRelu", "NEST_BIN_PRELU"}};
const std::map<std::string, std::string> kUnaryEnum = {
    {"Relu", "NEST_UN_RELU"},           {"LeakyRelu", "NEST_UN_LEAKY_RELU"}, {"Elu", "NEST_UN_ELU"},
    {"Selu", "NEST_UN_SELU"},           {"Sigmoid", "NEST_UN_SIGMOID"},      {"Tanh", "NEST_UN_TANH"},
    {"HardSigmoid", "NEST_UN_HARD_SIGMOID"}, {"HardSwish", "NEST_UN_HARD_SWISH"}, {"Softplus", "NEST_UN_SOFTPLUS"},
    {"Abs", "NEST_UN_ABS"},             {"Neg", "NEST_UN_NEG"},              {"Exp", "NEST_UN_EXP"},
    {"Log", "NEST_UN_LOG"},             {"Sqrt", "NEST_UN_SQRT"},            {"Reciprocal", "NEST_UN_RECIPROCAL"},
    {"Ceil", "NEST_UN_CEIL"},           {"Floor", "NEST_UN_FLOOR"},          {"Erf", "NEST_UN_ERF"},
    {"Clip", "NEST_UN_CLIP"},           {"Gelu", "NEST_UN_GELU"}};
const std::map<std::string, std::string> kReduceEnum = {
    {"sum", "NEST_RED_SUM"},   {"mean", "NEST_RED_MEAN"},           {"max", "NEST_RED_MAX"},
    {"min", "NEST_RED_MIN"},   {"prod", "NEST_RED_PROD"},           {"sumsquare", "NEST_RED_SUM_SQUARE"},
    {"logsum", "NEST_RED_LOG_SUM"}, {"logsumexp", "NEST_RED_LOG_SUM_EXP"}};

// The runtime's nest_elem code of an element type (nest_rt_misc.h).
std::string elemCode(ElemType e) {
  static const std::map<ElemType, std::string> codes = {
      {ElemType::I8, "NEST_ELEM_I8"},   {ElemType::U8, "NEST_ELEM_U8"},   {ElemType::I16, "NEST_ELEM_I16"},
      {ElemType::U16, "NEST_ELEM_U16"}, {ElemType::I32, "NEST_ELEM_I32"}, {ElemType::U32, "NEST_ELEM_U32"},
      {ElemType::I64, "NEST_ELEM_I64"}, {ElemType::U64, "NEST_ELEM_U64"}, {ElemType::F64, "NEST_ELEM_F64"},
      {ElemType::F32, "NEST_ELEM_F32"}, {ElemType::F16, "NEST_ELEM_F16"}};
  auto it = codes.find(e);
  if (it == codes.end()) failInternal("CPU codegen: no runtime element code for " + std::string(elemTypeName(e)));
  return it->second;
}

// The runtime enum of an LIR op name. The support table (cpu_support_table.h) admits only ops
// the runtime implements, so a miss here is a bug, reported by name.
const std::string& runtimeEnum(const std::map<std::string, std::string>& table, const std::string& op, const char* what) {
  auto it = table.find(op);
  if (it == table.end()) failInternal(std::string("CPU codegen: no runtime ") + what + " kernel for '" + op + "'");
  return it->second;
}

// Drops size-1 dimensions and merges neighbours that are contiguous for every operand.
void collapseDims(Shape& shape, std::vector<std::vector<int64_t>*> strides) {
  Shape s;
  std::vector<std::vector<int64_t>> st(strides.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    bool merge = !s.empty();
    for (size_t k = 0; k < strides.size() && merge; ++k) merge = st[k].back() == (*strides[k])[d] * shape[d];
    if (merge) {
      s.back() *= shape[d];
      for (size_t k = 0; k < strides.size(); ++k) st[k].back() = (*strides[k])[d];
    } else {
      s.push_back(shape[d]);
      for (size_t k = 0; k < strides.size(); ++k) st[k].push_back((*strides[k])[d]);
    }
  }
  shape = s;
  for (size_t k = 0; k < strides.size(); ++k) *strides[k] = st[k];
}

class CodeGen {
 public:
  explicit CodeGen(CompiledModel& m) : m_(m), f_(m.lir.result) {}

  // The kernel column of the layer profile: a float conv names the runtime's path ("conv2d/winograd"),
  // whose operation count is that of the direct sum (Winograd layers can show more than the peak).
  std::string profileKernel(const Instr& in) const {
    if (in.kernel != "conv2d") return in.kernel;
    const nest_conv2d_desc d = convDesc(f_, in);
    return in.kernel + "/" + nest_conv2d_f32_path(&d);
  }

  void run() {
    body_ += "int " + m_.name + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations) {\n";
    body_ += "  (void)weights; (void)mutable_vars; (void)activations;\n";
    body_ += "  const int prof = nest_profile_layers;\n  nest_profile_clock prof_clock = {0, 0, 0};\n  if (prof) nest_profile_start(&prof_clock);\n";
    std::set<NodeId> counted;  // a node lowered to several instructions counts its work once
    for (size_t i = 0; i < f_.instrs.size(); ++i) {
      const Instr& in = f_.instrs[i];
      if (in.isMemoryOp()) continue;
      body_ += "  /* " + std::to_string(i) + ": " + in.kernel + (in.nodeName.empty() ? "" : " '" + sanitizeComment(in.nodeName) + "'") + " */\n";
      emit(i, in);
      const Node* node = m_.graph.findNode(in.node);
      const int64_t macs = node && counted.insert(in.node).second ? nodeMacs(m_.graph, *node) : 0;
      const std::string k = std::to_string(layerCount_);
      body_ += "  if (prof) nest_profile_mark(&" + m_.name + "_layer_ms[" + k + "], &" + m_.name + "_layer_idle_ms[" + k +
               "], &prof_clock);\n";
      layers_ += "  {" + cString(in.nodeName) + ", " + cString(profileKernel(in)) + ", " + std::to_string(2 * macs) + ".0},\n";
      layerCount_++;
    }
    body_ += "  return 0;\n}\n";
    writeSource();
    writeHeader();
  }

 private:
  CompiledModel& m_;
  const Function& f_;
  std::string data_, body_;
  std::string layers_;  // rows of <name>_layers[]
  size_t layerCount_ = 0;

  static std::string sanitizeComment(const std::string& s) {
    std::string out;
    for (char c : s) out += (c == '*' || c == '/' || static_cast<unsigned char>(c) < 32) ? '_' : c;
    return out;
  }

  // "(float *)(activations + 128)" (const for weights and inputs when `readOnly`).
  std::string ptr(BufferId id, bool readOnly, const std::string& type = "") {
    const Buffer& r = f_.buffer(f_.root(id));
    const std::string t = type.empty() ? cElemType(f_.buffer(id).type.elem) : type;
    std::string region;
    switch (r.kind) {
      case BufferKind::Weight: region = "weights"; readOnly = true; break;
      case BufferKind::Input: case BufferKind::Output: region = "mutable_vars"; break;
      default: region = "activations"; break;
    }
    if (r.offset < 0) failInternal("CPU codegen: buffer %" + std::to_string(r.id) + " is not placed");
    return std::string("(") + (readOnly ? "const " : "") + t + " *)(" + region + " + " +
           std::to_string(r.offset + f_.offsetInRoot(id)) + ")";
  }
  std::string in(const Instr& i, size_t k, const std::string& type = "") { return ptr(i.inputs[k], true, type); }
  std::string out(const Instr& i, size_t k = 0, const std::string& type = "") { return ptr(i.outputs[k], false, type); }
  std::string scratch(const Instr& i) { return i.scratch >= 0 ? ptr(i.scratch, false, "uint8_t") : "NULL"; }
  const TensorType& typeIn(const Instr& i, size_t k) { return f_.buffer(i.inputs[k]).type; }
  const TensorType& typeOut(const Instr& i, size_t k = 0) { return f_.buffer(i.outputs[k]).type; }

  std::string ints(const std::string& name, const std::vector<int64_t>& v) {
    data_ += "static const int64_t " + name + "[] = " + intArray(v) + ";\n";
    return name;
  }

  void emit(size_t idx, const Instr& i) {
    const std::string p = "k" + std::to_string(idx);
    const std::string& k = i.kernel;
    if (isQuantKernel(k)) {  // integer kernels: codegen_quant.cpp
      QuantCodeContext c{[&](size_t n, const std::string& t) { return in(i, n, t); },
                         [&](size_t n, const std::string& t) { return out(i, n, t); }, scratch(i)};
      return emitQuantKernel(f_, i, p, c, data_, body_);
    }
    if (k == "conv2d") return emitConv(p, i);
    if (k == "gemm" || k == "matmul") return emitGemm(p, i);
    if (k == "maxpool2d" || k == "avgpool2d") {
      nest_pool2d_desc d = poolDesc(f_, i);
      data_ += "static const nest_pool2d_desc " + p + " = {" + poolInit(d) + "};\n";
      body_ += "  nest_" + k + "_f32(&" + p + ", " + in(i, 0) + ", " + out(i) + ", " + scratch(i) + ");\n";
      return;
    }
    if (k == "global_avgpool") {
      const Shape& x = typeIn(i, 0).shape;
      int64_t hw = 1;
      for (size_t d = 2; d < x.size(); ++d) hw *= x[d];
      body_ += "  nest_global_avgpool_f32(" + cInt(x[0]) + ", " + cInt(x[1]) + ", " + cInt(hw) + ", " + in(i, 0) + ", " + out(i) + ");\n";
      return;
    }
    if (k == "binary") return emitBinary(p, i);
    if (k == "compare" || k == "where") return emitSelect(p, i);
    if (k == "unary") {
      const std::string op = i.params.getString("op", "");
      float p0 = 0, p1 = 0;
      if (op == "LeakyRelu" || op == "Elu" || op == "HardSigmoid" || op == "Selu") p0 = i.params.getFloat("alpha", 0);
      if (op == "HardSigmoid") p1 = i.params.getFloat("beta", 0);
      if (op == "Selu") p1 = i.params.getFloat("gamma", 0);
      if (op == "Clip") p0 = i.params.getFloat("min", 0), p1 = i.params.getFloat("max", 0);
      body_ += "  nest_unary_f32(" + runtimeEnum(kUnaryEnum, op, "unary") + ", " + in(i, 0) + ", " + out(i) + ", " +
               cInt(typeOut(i).numElements()) + ", " + cFloat(p0) + ", " + cFloat(p1) + ");\n";
      return;
    }
    if (k == "softmax") {
      const Shape& s = typeIn(i, 0).shape;
      const int64_t axis = i.params.getInt("axis");
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < axis; ++d) outer *= s[d];
      for (size_t d = static_cast<size_t>(axis) + 1; d < s.size(); ++d) inner *= s[d];
      body_ += "  nest_softmax_f32(" + in(i, 0) + ", " + out(i) + ", " + cInt(outer) + ", " + cInt(s[axis]) + ", " +
               cInt(inner) + ", " + std::to_string(i.params.getInt("log", 0)) + ", " +
               (i.scratch >= 0 ? ptr(i.scratch, false, "double") : std::string("NULL")) + ");\n";
      return;
    }
    if (k == "attention") {
      const nest_attention_desc d = attentionDesc(f_, i);
      data_ += "static const nest_attention_desc " + p + " = {" + cInt(d.batch) + ", " + cInt(d.sq) + ", " + cInt(d.sk) +
               ", " + cInt(d.d) + ", " + cInt(d.dv) + ", " + cFloat(d.scale) + ", " + cInt(d.mask_row_stride) + ", " +
               cInt(d.mask_col_stride) + ", " + cInt(d.q_row_stride) + ", " + cInt(d.q_col_stride) + ", " +
               cInt(d.kt_row_stride) + ", " + cInt(d.kt_col_stride) + ", " + cInt(d.v_row_stride) + ", " +
               cInt(d.v_col_stride) + ", " + cInt(d.y_row_stride) + ", " + cInt(d.y_col_stride) + "};\n";
      ints(p + "_off", attentionOffsets(f_, i));
      const std::string mask = i.inputs.size() > 3 && i.inputs[3] >= 0 ? in(i, 3) : std::string("NULL");
      body_ += "  nest_attention_f32(&" + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + in(i, 2) + ", " + mask + ", " +
               p + "_off, " + out(i) + ", " + scratch(i) + ");\n";
      return;
    }
    if (k == "rnn") {
      const nest_rnn_desc d = rnnDesc(f_, i);
      std::string acts;
      for (int dir = 0; dir < 2; ++dir) {
        acts += dir ? ", {" : "{";
        for (int a = 0; a < 3; ++a)
          acts += std::string(a ? ", " : "") + "{" + std::to_string(d.act[dir][a].kind) + ", " +
                  cFloat(d.act[dir][a].alpha) + ", " + cFloat(d.act[dir][a].beta) + "}";
        acts += "}";
      }
      data_ += "static const nest_rnn_desc " + p + " = {" + std::to_string(d.cell) + ", " + cInt(d.S) + ", " +
               cInt(d.N) + ", " + cInt(d.I) + ", " + cInt(d.H) + ", " + std::to_string(d.directions) + ", " +
               std::to_string(d.reverse) + ", " + std::to_string(d.batch_first) + ", " + std::to_string(d.has_clip) +
               ", " + cFloat(d.clip) + ", " + std::to_string(d.input_forget) + ", " +
               std::to_string(d.linear_before_reset) + ", {" + acts + "}};\n";
      auto opt = [&](size_t k, const std::string& type) { return i.inputs[k] >= 0 ? in(i, k, type) : std::string("NULL"); };
      auto res = [&](size_t k) { return k < i.outputs.size() ? out(i, k) : std::string("NULL"); };
      body_ += "  nest_rnn_f32(&" + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + in(i, 2) + ", " + opt(3, "") + ", " +
               opt(4, "int32_t") + ", " + opt(5, "") + ", " + opt(6, "") + ", " + opt(7, "") + ", " + res(0) + ", " +
               res(1) + ", " + res(2) + ", " + scratch(i) + ");\n";
      return;
    }
    if (k == "layernorm") {
      const Shape& s = typeIn(i, 0).shape;
      const int64_t axis = i.params.getInt("axis");
      int64_t rows = 1, cols = 1;
      for (size_t d = 0; d < s.size(); ++d) (static_cast<int64_t>(d) < axis ? rows : cols) *= s[d];
      const std::string bias = i.inputs.size() > 2 ? in(i, 2) : std::string("NULL");
      body_ += "  nest_layernorm_f32(" + in(i, 0) + ", " + in(i, 1) + ", " + bias + ", " + out(i) + ", " + cInt(rows) +
               ", " + cInt(cols) + ", " + cFloat(i.params.getFloat("epsilon", 1e-5f)) + ");\n";
      return;
    }
    if (k == "channel_affine") {
      const Shape& s = typeIn(i, 0).shape;
      int64_t inner = 1;
      for (size_t d = 2; d < s.size(); ++d) inner *= s[d];
      body_ += "  nest_channel_affine_f32(" + in(i, 0) + ", " + in(i, 1) + ", " + in(i, 2) + ", " + out(i) + ", " +
               cInt(s[0]) + ", " + cInt(s.size() > 1 ? s[1] : 1) + ", " + cInt(inner) + ");\n";
      return;
    }
    if (k == "batchnorm") {
      const Shape& s = typeIn(i, 0).shape;
      int64_t inner = 1;
      for (size_t d = 2; d < s.size(); ++d) inner *= s[d];
      body_ += "  nest_batchnorm_f32(" + in(i, 0) + ", " + in(i, 1) + ", " + in(i, 2) + ", " + in(i, 3) + ", " + in(i, 4) +
               ", " + cFloat(i.params.getFloat("epsilon", 1e-5f)) + ", " + out(i) + ", " + cInt(s[0]) + ", " +
               cInt(s.size() > 1 ? s[1] : 1) + ", " + cInt(inner) + ");\n";
      return;
    }
    if (k == "cast") {
      auto code = [](ElemType e) {
        return e == ElemType::F32 ? "NEST_ELEM_F32" : e == ElemType::F64 ? "NEST_ELEM_F64" : "NEST_ELEM_F16";
      };
      body_ += std::string("  nest_cast_float(") + out(i, 0, "void") + ", " + code(typeOut(i).elem) + ", " + in(i, 0, "void") +
               ", " + code(typeIn(i, 0).elem) + ", " + cInt(typeOut(i).numElements()) + ");\n";
      return;
    }
    if (k == "conv_transpose2d") {
      const Shape& x = typeIn(i, 0).shape;
      const Shape& y = typeOut(i).shape;
      const bool oneD = x.size() == 3;
      Ints kk = i.params.getInts("kernel"), s = i.params.getInts("strides"), dl = i.params.getInts("dilations");
      Ints pd = i.params.getInts("pads");
      std::vector<int64_t> v = {x[0], x[1], oneD ? 1 : x[2], x.back(), y[1], oneD ? 1 : y[2], y.back(), kk[0], kk[1],
                                s[0], s[1], dl[0], dl[1], pd[0], pd[1], i.params.getInt("group", 1)};
      data_ += "static const nest_conv_transpose2d_desc " + p + " = " + intArray(v) + ";\n";
      const std::string bias = i.inputs.size() > 2 && i.inputs[2] >= 0 ? in(i, 2) : "NULL";
      body_ += "  nest_conv_transpose2d_f32(&" + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + bias + ", " + out(i) + ");\n";
      return;
    }
    if (k == "convnd" || k == "poolnd") return emitDirectNd(p, i);
    if (k == "resample") {
      ints(p + "_in", typeIn(i, 0).shape);
      ints(p + "_out", typeOut(i).shape);
      ints(p + "_start", i.params.getInts("tap_start"));
      ints(p + "_index", i.params.getInts("tap_index"));
      data_ += "static const float " + p + "_weight[] = " + floatArray(i.params.getFloats("tap_weight")) + ";\n";
      body_ += "  nest_resample_f32(" + in(i, 0) + ", " + out(i) + ", " + std::to_string(typeIn(i, 0).rank()) + ", " + p +
               "_in, " + p + "_out, " + p + "_start, " + p + "_index, " + p + "_weight);\n";
      return;
    }
    if (k == "lrn") {
      const Shape& s = typeIn(i, 0).shape;
      int64_t inner = 1;
      for (size_t d = 2; d < s.size(); ++d) inner *= s[d];
      body_ += "  nest_lrn_f32(" + in(i, 0) + ", " + out(i) + ", " + cInt(s[0]) + ", " + cInt(s[1]) + ", " + cInt(inner) + ", " +
               cInt(i.params.getInt("size")) + ", " + cFloat(i.params.getFloat("alpha", 0)) + ", " +
               cFloat(i.params.getFloat("beta", 0)) + ", " + cFloat(i.params.getFloat("bias", 0)) + ");\n";
      return;
    }
    if (k == "fill") {
      const Tensor* v = i.params.getTensor("value");
      const auto* bytes = static_cast<const uint8_t*>(v->raw());
      data_ += "static const uint8_t " + p + "_value[] = " + intArray(std::vector<int64_t>(bytes, bytes + v->byteSize())) + ";\n";
      body_ += "  nest_fill(" + out(i, 0, "void") + ", " + std::to_string(v->byteSize()) + ", " + cInt(typeOut(i).numElements()) +
               ", " + p + "_value);\n";
      return;
    }
    if (k == "reduce") return emitReduce(p, i);
    if (k == "concat") return emitConcat(i);
    if (k == "index_copy") return emitIndexCopy(p, i);
    if (k == "index_map") {
      body_ += "  nest_index_map(" + out(i, 0, "void") + ", " + in(i, 0, "void") + ", " +
               std::to_string(elemSize(typeOut(i).elem)) + ", " + in(i, 1, "int64_t") + ", " +
               cInt(typeOut(i).numElements()) + ");\n";
      return;
    }
    if (k == "gather") {
      const Shape& x = typeIn(i, 0).shape;
      const int64_t axis = i.params.getInt("axis");
      int64_t outer = 1, inner = 1;
      for (int64_t d = 0; d < axis; ++d) outer *= x[d];
      for (size_t d = static_cast<size_t>(axis) + 1; d < x.size(); ++d) inner *= x[d];
      body_ += "  if (nest_gather(" + out(i, 0, "void") + ", " + in(i, 0, "void") + ", " +
               std::to_string(elemSize(typeOut(i).elem)) + ", " + cInt(outer) + ", " + cInt(x[axis]) + ", " +
               cInt(inner) + ", " + in(i, 1, "void") + ", " + (typeIn(i, 1).elem == ElemType::I64 ? "1" : "0") +
               ", " + cInt(typeIn(i, 1).numElements()) + ")) return 1;\n";
      return;
    }
    if (k == "copy") {
      if (f_.root(i.inputs[0]) == f_.root(i.outputs[0]) && f_.offsetInRoot(i.inputs[0]) == f_.offsetInRoot(i.outputs[0]))
        return;
      body_ += "  memcpy(" + out(i, 0, "void") + ", " + in(i, 0, "void") + ", " + std::to_string(typeOut(i).byteSize()) + ");\n";
      return;
    }
    failInternal("CPU codegen: no code for LIR kernel '" + k + "'");
  }

  static std::string poolInit(const nest_pool2d_desc& d) {
    std::vector<int64_t> v = {d.N, d.C, d.H, d.W, d.OH, d.OW, d.KH, d.KW, d.stride_h, d.stride_w,
                              d.dilation_h, d.dilation_w, d.pad_top, d.pad_left, d.pad_bottom, d.pad_right};
    std::string s;
    for (int64_t x : v) s += cInt(x) + ", ";
    return s + std::to_string(d.count_include_pad);
  }

  void emitConv(const std::string& p, const Instr& i) {
    nest_conv2d_desc d = convDesc(f_, i);
    std::vector<int64_t> v = {d.N, d.C, d.H, d.W, d.M, d.OH, d.OW, d.KH, d.KW, d.stride_h, d.stride_w,
                              d.dilation_h, d.dilation_w, d.pad_top, d.pad_left, d.pad_bottom, d.pad_right, d.group};
    std::string init;
    for (int64_t x : v) init += cInt(x) + ", ";
    data_ += "static const nest_conv2d_desc " + p + " = {" + init + actInit(d.act) + "};\n";
    const std::string bias = i.inputs.size() > 2 && i.inputs[2] >= 0 ? in(i, 2) : "NULL";
    // fuse-residual: y = act(conv + residual)
    const std::string call = i.params.getInt("residual", 0) ? "  nest_conv2d_f32_residual(&" : "  nest_conv2d_f32(&";
    const std::string residual = i.params.getInt("residual", 0) ? in(i, 3) + ", " : "";
    if (i.params.getInt("packed", 0)) {
      body_ += call + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + bias + ", " + residual + out(i) + ", " + scratch(i) + ");\n";
      return;
    }
    // Weights computed at run time: pack into the front of the scratch buffer.
    const size_t packedBytes = lir::alignUp(nest_conv2d_f32_packed_size(&d) * sizeof(float));
    std::string scale = "NULL";
    if (i.params.has("output_scale")) {
      data_ += "static const float " + p + "_scale[] = " + floatArray(i.params.getFloats("output_scale")) + ";\n";
      scale = p + "_scale";
    }
    const std::string s = scratch(i);
    body_ += "  nest_conv2d_f32_pack(&" + p + ", " + in(i, 1) + ", " + scale + ", (float *)" + s + ");\n";
    body_ += call + p + ", " + in(i, 0) + ", (const float *)" + s + ", " + bias + ", " + residual + out(i) + ", " + s +
             " + " + std::to_string(packedBytes) + ");\n";
  }

  // Direct 3-D conv / pool: descriptors with designated initializers (C99).
  void emitDirectNd(const std::string& p, const Instr& i) {
    const Shape& x = typeIn(i, 0).shape;
    const Shape& y = typeOut(i).shape;
    const size_t nd = x.size() - 2;
    Ints pads = i.params.getInts("pads");
    auto arr = [&](const std::vector<int64_t>& v, size_t from) {
      return intArray(std::vector<int64_t>(v.begin() + static_cast<long>(from), v.begin() + static_cast<long>(from + nd)));
    };
    std::string s = ".nd = " + std::to_string(nd) + ", .N = " + cInt(x[0]) + ", .C = " + cInt(x[1]) + ", .in = " + arr(x, 2) +
                    ", .out = " + arr(y, 2) + ", .kernel = " + arr(i.params.getInts("kernel"), 0) +
                    ", .stride = " + arr(i.params.getInts("strides"), 0) + ", .dilation = " + arr(i.params.getInts("dilations"), 0) +
                    ", .pad_begin = " + arr(pads, 0);
    if (i.kernel == "poolnd") {
      s += ", .pad_end = " + arr(pads, nd) + ", .is_max = " + std::to_string(i.params.getInt("max", 0)) +
           ", .count_include_pad = " + std::to_string(i.params.getInt("count_include_pad", 0));
      data_ += "static const nest_poolnd_desc " + p + " = {" + s + "};\n";
      body_ += "  nest_poolnd_f32(&" + p + ", " + in(i, 0) + ", " + out(i) + ");\n";
      return;
    }
    s += ", .M = " + cInt(y[1]) + ", .group = " + cInt(i.params.getInt("group", 1)) + ", .act = " + actInit(activationOf(i));
    data_ += "static const nest_convnd_desc " + p + " = {" + s + "};\n";
    std::string scale = "NULL";
    if (i.params.has("output_scale")) {
      data_ += "static const float " + p + "_scale[] = " + floatArray(i.params.getFloats("output_scale")) + ";\n";
      scale = p + "_scale";
    }
    const std::string bias = i.inputs.size() > 2 && i.inputs[2] >= 0 ? in(i, 2) : "NULL";
    body_ += "  nest_convnd_f32(&" + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + scale + ", " + bias + ", " + out(i) + ");\n";
  }

  void emitGemm(const std::string& p, const Instr& i) {
    nest_gemm_desc d = gemmDesc(f_, i);
    data_ += "static const nest_gemm_desc " + p + " = {" + cInt(d.M) + ", " + cInt(d.N) + ", " + cInt(d.K) + ", " +
             std::to_string(d.trans_a) + ", " + std::to_string(d.trans_b) + ", " + cFloat(d.alpha) + ", " +
             cFloat(d.beta) + ", " + cInt(d.c_stride_m) + ", " + cInt(d.c_stride_n) + ", " + actInit(d.act) + "};\n";
    const bool packed = i.params.getInt("packed", 0) != 0;
    const std::string fn = packed ? "nest_gemm_f32_packed" : "nest_gemm_f32";
    const std::string c = i.kernel == "gemm" && i.inputs.size() > 2 && i.inputs[2] >= 0 ? in(i, 2) : "NULL";
    if (i.kernel == "gemm" || matmulFlattens(f_, i)) {
      body_ += "  " + fn + "(&" + p + ", " + in(i, 0) + ", " + in(i, 1) + ", " + c + ", " + out(i) + ", " + scratch(i) + ");\n";
      return;
    }
    // Batched MatMul: one GEMM per matrix of the result, operands broadcast over batch dims.
    const Shape& a = typeIn(i, 0).shape;
    const Shape& b = typeIn(i, 1).shape;
    Shape aBatch(a.begin(), a.end() - std::min<size_t>(a.size(), 2));
    Shape bBatch(b.begin(), b.end() - std::min<size_t>(b.size(), 2));
    const size_t rank = std::max(aBatch.size(), bBatch.size());
    Shape batch(rank, 1);
    for (size_t k = 0; k < rank; ++k) {
      int64_t da = k + aBatch.size() >= rank ? aBatch[k + aBatch.size() - rank] : 1;
      int64_t db = k + bBatch.size() >= rank ? bBatch[k + bBatch.size() - rank] : 1;
      batch[k] = std::max(da, db);
    }
    std::vector<int64_t> sa = ops::broadcastStrides(aBatch, batch), sb = ops::broadcastStrides(bBatch, batch);
    std::vector<int64_t> aOff, bOff;
    const int64_t nb = numElements(batch);
    std::vector<int64_t> idx(rank, 0);
    for (int64_t t = 0; t < nb; ++t) {
      int64_t oa = 0, ob = 0;
      for (size_t k = 0; k < rank; ++k) oa += idx[k] * sa[k], ob += idx[k] * sb[k];
      aOff.push_back(oa * d.M * d.K);
      bOff.push_back(ob * d.K * d.N);
      for (size_t k = rank; k-- > 0;) {
        if (++idx[k] < batch[k]) break;
        idx[k] = 0;
      }
    }
    ints(p + "_a", aOff);
    ints(p + "_b", bOff);
    body_ += "  { int64_t t; for (t = 0; t < " + cInt(nb) + "; ++t) nest_gemm_f32(&" + p + ", " + in(i, 0) + " + " + p +
             "_a[t], " + in(i, 1) + " + " + p + "_b[t], NULL, " + out(i) + " + t * " + cInt(d.M * d.N) + ", " +
             scratch(i) + "); }\n";
  }

  // compare (Equal, Less, ... to bool) and where (cond ? x : y): operands broadcast through strides.
  void emitSelect(const std::string& p, const Instr& i) {
    static const std::map<std::string, std::string> kCompareEnum = {
        {"Equal", "NEST_CMP_EQUAL"}, {"Less", "NEST_CMP_LESS"}, {"Greater", "NEST_CMP_GREATER"},
        {"LessOrEqual", "NEST_CMP_LESS_EQUAL"}, {"GreaterOrEqual", "NEST_CMP_GREATER_EQUAL"}};
    Shape shape = typeOut(i).shape;
    std::vector<std::vector<int64_t>> strides;
    for (size_t k = 0; k < i.inputs.size(); ++k) strides.push_back(ops::broadcastStrides(typeIn(i, k).shape, shape));
    std::vector<int64_t> sy = ops::stridesOf(shape);
    std::vector<std::vector<int64_t>*> all = {&sy};
    for (auto& s : strides) all.push_back(&s);
    collapseDims(shape, all);
    ints(p + "_shape", shape.empty() ? Shape{1} : shape);
    std::string args = std::to_string(shape.size()) + ", " + p + "_shape";
    for (size_t k = 0; k < strides.size(); ++k) {
      ints(p + "_s" + std::to_string(k), strides[k].empty() ? std::vector<int64_t>{0} : strides[k]);
      args += ", " + in(i, k, k == 0 && i.kernel == "where" ? "uint8_t" : "void") + ", " + p + "_s" + std::to_string(k);
    }
    if (i.kernel == "compare") {
      body_ += "  nest_compare(" + runtimeEnum(kCompareEnum, i.params.getString("op", ""), "compare") + ", " +
               elemCode(typeIn(i, 0).elem) + ", " + args + ", " + out(i, 0, "uint8_t") + ");\n";
      return;
    }
    body_ += "  nest_where(" + std::to_string(elemSize(typeOut(i).elem)) + ", " + args + ", " + out(i, 0, "void") + ");\n";
  }

  void emitBinary(const std::string& p, const Instr& i) {
    Shape shape = typeOut(i).shape;
    std::vector<int64_t> sa = ops::broadcastStrides(typeIn(i, 0).shape, shape);
    std::vector<int64_t> sb = ops::broadcastStrides(typeIn(i, 1).shape, shape);
    std::vector<int64_t> sy = ops::stridesOf(shape);
    collapseDims(shape, {&sa, &sb, &sy});
    nest_act a = activationOf(i);
    std::string act = "NULL";
    if (a.kind != NEST_ACT_NONE) {
      data_ += "static const nest_act " + p + "_act = " + actInit(a) + ";\n";
      act = "&" + p + "_act";
    }
    const ElemType elem = typeOut(i).elem;
    if (i.params.getString("op", "") == "Pow" && elem != ElemType::F32) {  // integer base
      ints(p + "_shape", shape);
      ints(p + "_sa", sa);
      ints(p + "_sb", sb);
      body_ += "  nest_pow_int(" + std::to_string(shape.size()) + ", " + p + "_shape, " + in(i, 0, "void") + ", " +
               elemCode(elem) + ", " + p + "_sa, " + in(i, 1, "void") + ", " + elemCode(typeIn(i, 1).elem) + ", " + p +
               "_sb, " + out(i, 0, "void") + ");\n";
      return;
    }
    if (i.params.getString("op", "") == "Pow" && typeIn(i, 1).elem != ElemType::F32) {  // mixed-type exponent
      ints(p + "_shape", shape);
      ints(p + "_sa", sa);
      ints(p + "_sb", sb);
      body_ += "  nest_pow_f32(" + std::to_string(shape.size()) + ", " + p + "_shape, " + in(i, 0) + ", " + p + "_sa, " +
               in(i, 1, "void") + ", " + elemCode(typeIn(i, 1).elem) + ", " + p + "_sb, " + out(i) + ");\n";
      return;
    }
    if (elem != ElemType::F32) {  // integers and float64: no fused activation (lowering checks)
      ints(p + "_shape", shape);
      ints(p + "_sa", sa);
      ints(p + "_sb", sb);
      body_ += "  nest_binary_typed(" + runtimeEnum(kBinaryEnum, i.params.getString("op", ""), "binary") + ", " + elemCode(elem) + ", " +
               std::to_string(shape.size()) + ", " + p + "_shape, " + in(i, 0, "void") + ", " + p + "_sa, " +
               in(i, 1, "void") + ", " + p + "_sb, " + out(i, 0, "void") + ");\n";
      return;
    }
    if (shape.empty()) {  // a single element
      body_ += "  nest_binary_f32(" + runtimeEnum(kBinaryEnum, i.params.getString("op", ""), "binary") + ", 0, NULL, " + in(i, 0) + ", NULL, " +
               in(i, 1) + ", NULL, " + out(i) + ", " + act + ");\n";
      return;
    }
    ints(p + "_shape", shape);
    ints(p + "_sa", sa);
    ints(p + "_sb", sb);
    body_ += "  nest_binary_f32(" + runtimeEnum(kBinaryEnum, i.params.getString("op", ""), "binary") + ", " + std::to_string(shape.size()) +
             ", " + p + "_shape, " + in(i, 0) + ", " + p + "_sa, " + in(i, 1) + ", " + p + "_sb, " + out(i) + ", " + act +
             ");\n";
  }

  void emitReduce(const std::string& p, const Instr& i) {
    const Shape& x = typeIn(i, 0).shape;
    std::vector<int64_t> strides = ops::stridesOf(x);
    Ints axes = i.params.getInts("axes");
    std::set<int64_t> red(axes.begin(), axes.end());
    Shape ks, rs;
    std::vector<int64_t> kst, rst;
    for (size_t d = 0; d < x.size(); ++d) {
      if (red.count(static_cast<int64_t>(d))) rs.push_back(x[d]), rst.push_back(strides[d]);
      else ks.push_back(x[d]), kst.push_back(strides[d]);
    }
    collapseDims(ks, {&kst});
    collapseDims(rs, {&rst});
    ints(p + "_ks", ks);
    ints(p + "_kst", kst);
    ints(p + "_rs", rs);
    ints(p + "_rst", rst);
    body_ += "  nest_reduce_f32(" + runtimeEnum(kReduceEnum, i.params.getString("op", ""), "reduce") + ", " + in(i, 0) + ", " + out(i) + ", " +
             std::to_string(ks.size()) + ", " + p + "_ks, " + p + "_kst, " + std::to_string(rs.size()) + ", " + p +
             "_rs, " + p + "_rst);\n";
  }

  void emitConcat(const Instr& i) {
    const Shape& y = typeOut(i).shape;
    const int64_t axis = i.params.getInt("axis");
    const size_t esz = elemSize(typeOut(i).elem);
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= y[d];
    for (size_t d = static_cast<size_t>(axis) + 1; d < y.size(); ++d) inner *= y[d];
    const int64_t dstRow = y[axis] * inner * static_cast<int64_t>(esz);
    int64_t offset = 0;
    for (size_t k = 0; k < i.inputs.size(); ++k) {
      const int64_t row = typeIn(i, k).shape[axis] * inner * static_cast<int64_t>(esz);
      // Written in place by its producer (concat-elimination): nothing to copy.
      const bool inPlace = f_.root(i.inputs[k]) == f_.root(i.outputs[0]) &&
                           f_.offsetInRoot(i.inputs[k]) == f_.offsetInRoot(i.outputs[0]) + offset;
      if (row > 0 && outer > 0 && !inPlace)
        body_ += "  nest_copy_rows(" + out(i, 0, "uint8_t") + " + " + cInt(offset) + ", " + cInt(dstRow) + ", " +
                 in(i, k, "uint8_t") + ", " + cInt(row) + ", " + cInt(outer) + ", " + cInt(row) + ");\n";
      offset += row;
    }
  }

  void emitIndexCopy(const std::string& p, const Instr& i) {
    const TensorType& y = typeOut(i);
    if (y.numElements() == 0) return;
    const std::string esz = std::to_string(elemSize(y.elem));
    std::string fill = "NULL";
    if (const Tensor* t = i.params.getTensor("fill")) {
      const auto* bytes = static_cast<const uint8_t*>(t->raw());
      std::vector<int64_t> v(bytes, bytes + t->byteSize());
      data_ += "static const uint8_t " + p + "_fill[] = " + intArray(v) + ";\n";
      fill = p + "_fill";
    }
    ints(p + "_shape", y.shape);
    ints(p + "_tables", i.params.getInts("tables"));
    body_ += "  nest_index_copy(" + out(i, 0, "void") + ", " + in(i, 0, "void") + ", " + esz + ", " +
             std::to_string(y.rank()) + ", " + p + "_shape, " + p + "_tables, " + cInt(i.params.getInt("base", 0)) +
             ", " + fill + ");\n";
  }

  void writeSource() {
    std::string s = "/* Generated by nestc (NEST Workbench) from model '" + sanitizeComment(f_.name) + "'. C99. */\n";
    s += "#include <math.h>\n#include <stdint.h>\n#include <string.h>\n\n";
    s += "#include \"" + m_.name + ".h\"\n#include \"nest_runtime.h\"\n#include \"nest_rt_misc.h\"\n#include \"nest_rt_q8.h\"\n#include \"nest_rt_q8_lut.h\"\n\n";
    s += tensorTables();
    s += "const nest_bundle_layer " + m_.name + "_layers[] = {\n" + (layers_.empty() ? "  {0}\n" : layers_) + "};\n";
    const std::string slots = std::to_string(std::max<size_t>(layerCount_, 1));
    s += "double " + m_.name + "_layer_ms[" + slots + "];\n";
    s += "double " + m_.name + "_layer_idle_ms[" + slots + "];\n\n";
    s += "int " + m_.name + "_set_threads(int threads) { return nest_set_threads(threads, " + upperName(m_.name) +
         "_THREAD_SCRATCH_SIZE); }\n\n";
    s += data_ + "\n" + body_;
    m_.source = std::move(s);
  }

  std::string tensorEntry(BufferId id, const std::string& name) {
    const Buffer& b = f_.buffer(id);
    std::vector<int64_t> shape = b.type.shape;
    std::string e = "  {" + cString(name) + ", " + std::to_string(f_.buffer(f_.root(id)).offset + f_.offsetInRoot(id)) + ", " +
                    cString(std::string(elemTypeName(b.type.elem))) + ", " + std::to_string(elemSize(b.type.elem)) +
                    ", " + std::to_string(shape.size()) + ", {";
    for (size_t k = 0; k < 8; ++k) e += (k ? ", " : "") + cInt(k < shape.size() ? shape[k] : 0);
    e += "}, " + std::to_string(b.bytes()) + ", ";
    if (b.type.quant && !b.type.quant->perChannel())
      e += "1, " + cFloat(b.type.quant->scales[0]) + ", " + cInt(b.type.quant->zeroPoints[0]);
    else
      e += "0, 0.0f, 0";
    return e + "}";
  }

  std::string tensorTables() {
    std::string s = "const nest_bundle_tensor " + m_.name + "_inputs[] = {\n";
    for (size_t k = 0; k < f_.inputs.size(); ++k) s += tensorEntry(f_.inputs[k], m_.graph.inputs[k]) + ",\n";
    if (f_.inputs.empty()) s += "  {0}\n";
    s += "};\nconst nest_bundle_tensor " + m_.name + "_outputs[] = {\n";
    for (size_t k = 0; k < f_.outputs.size(); ++k) s += tensorEntry(f_.outputs[k], m_.graph.outputs[k]) + ",\n";
    return s + "};\n\n";
  }

  size_t largestScratch() const {
    size_t most = 0;
    for (const Instr& i : f_.instrs)
      if (i.scratch >= 0) most = std::max(most, f_.buffer(i.scratch).bytes());
    return most;
  }

  void writeHeader() {
    std::string up;
    for (char c : m_.name) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    std::string h = "/* Generated by nestc (NEST Workbench): API of bundle '" + m_.name + "' (docs/cpu-bundle.md). */\n";
    h += "#ifndef " + up + "_BUNDLE_H\n#define " + up + "_BUNDLE_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n";
    h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    h += "#ifndef NEST_BUNDLE_TENSOR_DEFINED\n#define NEST_BUNDLE_TENSOR_DEFINED\n";
    h += "/* One input or output: where it lives in mutable_vars and what it holds. */\n";
    h += "typedef struct nest_bundle_tensor {\n  const char *name;\n  uint64_t offset;     /* bytes into mutable_vars */\n"
         "  const char *elem_type; /* f32, i64, u8, ... */\n  uint32_t elem_size;  /* bytes */\n  uint32_t rank;\n"
         "  int64_t shape[8];\n  uint64_t size;       /* bytes */\n  int32_t quantized;   /* 1: real = scale * (q - zero_point) */\n"
         "  float scale;\n  int64_t zero_point;\n} nest_bundle_tensor;\n#endif\n\n";
    h += "#define " + up + "_ALIGNMENT 64\n";
    h += "#define " + up + "_WEIGHTS_SIZE " + std::to_string(f_.weightBytes) + "u\n";
    h += "#define " + up + "_MUTABLE_SIZE " + std::to_string(f_.mutableBytes) + "u\n";
    h += "#define " + up + "_ACTIVATIONS_SIZE " + std::to_string(f_.activationBytes) + "u\n";
    h += "#define " + up + "_NUM_INPUTS " + std::to_string(f_.inputs.size()) + "\n";
    h += "#define " + up + "_NUM_OUTPUTS " + std::to_string(f_.outputs.size()) + "\n";
    h += "#define " + up + "_NUM_LAYERS " + std::to_string(layerCount_) + "\n";
    h += "/* Scratch the thread pool gives each thread: the largest scratch buffer of any kernel. */\n";
    h += "#define " + up + "_THREAD_SCRATCH_SIZE " + std::to_string(largestScratch()) + "u\n\n";
    h += "extern const nest_bundle_tensor " + m_.name + "_inputs[];\n";
    h += "extern const nest_bundle_tensor " + m_.name + "_outputs[];\n\n";
    h += "#ifndef NEST_BUNDLE_LAYER_DEFINED\n#define NEST_BUNDLE_LAYER_DEFINED\n";
    h += "/* One kernel call of the model: its graph node, kernel and arithmetic (2 x multiply-adds). */\n";
    h += "typedef struct nest_bundle_layer {\n  const char *node;\n  const char *kernel;\n  double ops;\n} nest_bundle_layer;\n#endif\n";
    h += "extern const nest_bundle_layer " + m_.name + "_layers[];\n";
    h += "/* Milliseconds per layer, summed over the runs made while nest_profile_layers is set, and the\n"
         " * time the threads spent idle in each (thread-ms; nest_profile_mark in nest_runtime.h). */\n";
    h += "extern double " + m_.name + "_layer_ms[];\n";
    h += "extern double " + m_.name + "_layer_idle_ms[];\n\n";
    h += "/* Runs the model. weights: the contents of " + m_.name + ".weights.bin; mutable_vars: inputs and\n"
         " * outputs at the offsets above; activations: scratch memory. All three " + up + "_ALIGNMENT-byte\n"
         " * aligned and of the sizes above. Returns 0, or 1 when an index operand is out of range. */\n";
    h += "int " + m_.name + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations);\n\n";
    h += "/* Threads the kernels use, the calling one included (default 1; see nest_set_threads in\n"
         " * nest_runtime.h: results are identical for every count). Call it while no model runs.\n"
         " * Returns 0, or -1 when threads is outside [1, 256] or a thread could not start. */\n";
    h += "#define " + up + "_HAS_THREADS 1\nint " + m_.name + "_set_threads(int threads);\n\n";
    h += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    m_.header = std::move(h);
  }

};

}  // namespace

void generateCode(CompiledModel& model) { CodeGen(model).run(); }

namespace {

// Placed weight buffers in offset order.
std::vector<const Buffer*> placedWeights(const Function& f) {
  std::vector<const Buffer*> w;
  for (const Buffer& b : f.buffers)
    if (b.kind == BufferKind::Weight && !b.isAlias() && b.offset >= 0) w.push_back(&b);
  std::sort(w.begin(), w.end(), [](const Buffer* a, const Buffer* b) { return a->offset < b->offset; });
  return w;
}

}  // namespace

void writeWeights(const CompiledModel& model, std::ostream& out) {
  const Function& f = model.lir.result;
  static const char zeros[lir::kAlignment] = {};
  size_t pos = 0;
  for (const Buffer* b : placedWeights(f)) {
    if (static_cast<size_t>(b->offset) != pos) failInternal("CPU codegen: weight buffers do not tile the weights region");
    out.write(static_cast<const char*>(b->data.raw()), static_cast<std::streamsize>(b->bytes()));
    out.write(zeros, static_cast<std::streamsize>(lir::alignUp(b->bytes()) - b->bytes()));
    pos += lir::alignUp(b->bytes());
  }
  if (pos != f.weightBytes) failInternal("CPU codegen: weight buffers do not tile the weights region");
}

void fillWeights(const CompiledModel& model, uint8_t* dst) {
  const Function& f = model.lir.result;
  size_t end = 0;  // zero only the padding: the blob is 100 MB for ResNet-50
  for (const Buffer& b : f.buffers) {
    if (b.kind != BufferKind::Weight || b.isAlias() || b.offset < 0) continue;
    const auto off = static_cast<size_t>(b.offset);
    if (b.bytes()) std::memcpy(dst + off, b.data.raw(), b.bytes());
    std::memset(dst + off + b.bytes(), 0, lir::alignUp(b.bytes()) - b.bytes());
    end = std::max(end, off + lir::alignUp(b.bytes()));
  }
  if (end != f.weightBytes) failInternal("CPU codegen: weight buffers do not tile the weights region");
}

}  // namespace nest::cpu
