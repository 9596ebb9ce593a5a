#include "core/onnx_import_forms.h"

#include <cmath>

#include "core/error.h"

namespace nest {

namespace {

std::string lowerCase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Softmax / LogSoftmax / Hardmax before opset 13: the input is coerced to 2-D [N, rest] at `axis` (default 1)
// and normalized over the whole rest. Opset 13 normalizes along `axis` alone; the two agree when
// `axis` is the last dimension. Otherwise: Reshape to 2-D -> op(axis=1) -> Reshape back.
void expandCoercedSoftmax(ImportEmitter& em, const ImportedNode& n) {
  const TensorType& x = em.typeOf(n.inputs.at(0));
  const int64_t rank = x.rank();
  int64_t axis = n.attrs.getInt("axis", 1);
  if (rank == 0 || axis < -rank || axis >= rank)
    failBadInput(em.where() + ": axis " + std::to_string(axis) + " is out of range for an input of shape " +
                 shapeToString(x.shape) + " (opset " + std::to_string(em.opset()) + " coerces the input to 2-D at axis)");
  if (axis < 0) axis += rank;
  Attributes a = n.attrs;
  if (axis == rank - 1) {
    a.set("axis", int64_t{-1});
    em.emit(n.op, n.inputs, n.outputs, a);
    return;
  }
  int64_t outer = 1, inner = 1;
  bool anyZero = false;
  for (int64_t d = 0; d < rank; ++d) {
    (d < axis ? outer : inner) *= x.shape[static_cast<size_t>(d)];
    anyZero = anyZero || x.shape[static_cast<size_t>(d)] == 0;
  }
  const std::string& out = n.outputs.at(0);
  const std::string flat = em.freshValue(out + "_2d");
  const std::string normalized = em.freshValue(out + "_2d_" + lowerCase(n.op));
  Attributes toFlat, back;
  toFlat.set("shape", Ints{outer, inner});
  back.set("shape", Ints(x.shape.begin(), x.shape.end()));
  if (anyZero) {  // a 0 in `shape` would copy the input's dimension
    toFlat.set("allowzero", int64_t{1});
    back.set("allowzero", int64_t{1});
  }
  a.set("axis", int64_t{1});
  em.emit("Reshape", {n.inputs[0]}, {flat}, toFlat);
  em.emit(n.op, {flat}, {normalized}, a);
  em.emit("Reshape", {normalized}, {out}, back);
}

// A run-time Clip bound as a scalar of X's element type (Max / Min broadcast it over X).
std::string scalarBound(ImportEmitter& em, const std::string& bound, const std::string& name, const TensorType& x) {
  const TensorType& t = em.typeOf(bound);
  if (t.numElements() != 1 || t.elem != x.elem)
    failBadInput(em.where() + ": '" + name + "' must be one element of X's type " + std::string(elemTypeName(x.elem)) + ", got " +
                 typeToString(t));
  if (t.rank() == 0) return bound;
  const std::string scalar = em.freshValue(bound + "_scalar");
  Attributes a;
  a.set("shape", Ints{});
  em.emit("Reshape", {bound}, {scalar}, a);
  return scalar;
}

// Clip whose `min` / `max` are computed at run time: min(max(x, lo), hi) as Max then Min, which
// every backend runs; a bound known at import stays a Clip attribute.
void expandRuntimeClip(ImportEmitter& em, const ImportedNode& n) {
  const TensorType x = em.typeOf(n.inputs.at(0));
  const auto lo = n.runtimeParams.find("min"), hi = n.runtimeParams.find("max");
  const bool hasLo = lo != n.runtimeParams.end(), hasHi = hi != n.runtimeParams.end();
  const std::string& out = n.outputs.at(0);
  std::string cur = n.inputs[0];
  // Stage 1: the lower bound (Max with a run-time bound, or a Clip with the known one).
  const bool stage2 = hasHi || n.attrs.has("max");
  auto next = [&](const std::string& suffix, bool last) { return last ? out : em.freshValue(out + suffix); };
  if (hasLo) {
    const std::string v = next("_min", !stage2);
    em.emit("Max", {cur, scalarBound(em, lo->second, "min", x)}, {v});
    cur = v;
  } else if (n.attrs.has("min")) {
    Attributes a;
    a.set("min", n.attrs.all().at("min"));
    const std::string v = next("_min", false);  // stage 2 always follows (a run-time max)
    em.emit("Clip", {cur}, {v}, a);
    cur = v;
  }
  if (hasHi) {
    em.emit("Min", {cur, scalarBound(em, hi->second, "max", x)}, {out});
  } else if (n.attrs.has("max")) {
    Attributes a;
    a.set("max", n.attrs.all().at("max"));
    em.emit("Clip", {cur}, {out}, a);
  }
}

// BatchNormalization before opset 9 with spatial=0: mean, variance, scale and bias are per
// element of [C, D1, ...] instead of per channel. With the four known it is x * s + b, where
// s = scale / sqrt(var + epsilon) and b = bias - mean * s (numpy broadcasting over N).
void expandBatchNormPerElement(ImportEmitter& em, const ImportedNode& n) {
  const TensorType x = em.typeOf(n.inputs.at(0));
  if (n.outputs.size() > 1)
    failUnsupported(em.where() + ": BatchNormalization with spatial=0 and training outputs is not supported");
  std::vector<const Tensor*> p;
  for (size_t i = 1; i <= 4; ++i) {
    const Tensor* t = i < n.inputs.size() ? em.known(n.inputs[i]) : nullptr;
    if (!t)
      failUnsupported(em.where() + ": BatchNormalization with spatial=0 (opset " + std::to_string(em.opset()) +
                      ") needs scale, bias, mean and variance known at compile time; '" +
                      (i < n.inputs.size() ? n.inputs[i] : std::string("?")) + "' is computed at run time");
    p.push_back(t);
  }
  const Shape per(x.shape.begin() + 1, x.shape.end());
  for (size_t i = 0; i < 4; ++i)
    if (p[i]->shape() != per)
      failBadInput(em.where() + ": with spatial=0, operand '" + n.inputs[i + 1] + "' must have shape " +
                   shapeToString(per) + " (X's shape without N), got " + shapeToString(p[i]->shape()));
  const double eps = n.attrs.getFloat("epsilon", 1e-5f);
  const std::vector<double> scale = p[0]->toDoubles(), bias = p[1]->toDoubles(), mean = p[2]->toDoubles(),
                            var = p[3]->toDoubles();
  std::vector<float> s(scale.size()), b(scale.size());
  for (size_t i = 0; i < s.size(); ++i) {
    const double si = scale[i] / std::sqrt(var[i] + eps);
    s[i] = static_cast<float>(si);
    b[i] = static_cast<float>(bias[i] - mean[i] * si);
  }
  const std::string& out = n.outputs[0];
  const std::string sName = em.freshValue(out + "_scale"), bName = em.freshValue(out + "_shift"),
                    scaled = em.freshValue(out + "_scaled");
  em.addConstant(sName, convertTensor(Tensor::fromVector<float>(ElemType::F32, per, s), x.elem));
  em.addConstant(bName, convertTensor(Tensor::fromVector<float>(ElemType::F32, per, b), x.elem));
  em.emit("Mul", {n.inputs[0], sName}, {scaled});
  em.emit("Add", {scaled, bName}, {out});
}

}  // namespace

void applyOpsetDefaults(ImportedNode& node, int64_t opset, const std::string& where) {
  // Resize-10 is Upsample-9 renamed: asymmetric coordinates. Nearest picks the lower neighbour when
  // enlarging and the upper one when shrinking (ONNX's opset-10 test data: [1,2,3,4] scaled by 0.6
  // gives [1,3]; onnxruntime's rule for Resize-10), i.e. nearest_mode floor or ceil.
  if (node.op == "Resize" && opset < 11) {
    node.attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
    bool up = false, down = false;
    for (float s : node.attrs.getFloats("scales")) {
      up = up || s > 1.0f;
      down = down || s < 1.0f;
    }
    if (up && down && node.attrs.getString("mode", "nearest") == "nearest")
      failUnsupported(where + ": Resize-10 nearest that enlarges some axes and shrinks others is not supported "
                      "(opset 10 rounds down when enlarging and up when shrinking)");
    node.attrs.set("nearest_mode", std::string(down ? "ceil" : "floor"));
  }
}

bool expandImportForm(ImportEmitter& em, const ImportedNode& node) {
  const std::string& op = node.op;
  if (!node.runtimeParams.empty()) {
    if (op == "Clip") {
      expandRuntimeClip(em, node);
      return true;
    }
    if (op == "Dropout" && node.runtimeParams.size() == 1 && node.runtimeParams.count("ratio")) {
      // Inference dropout ignores the ratio; training mode (random) needs it and is not supported.
      if (node.attrs.getInt("training_mode", 0) != 0)
        failUnsupported(em.where() + ": training-mode Dropout with a ratio computed at run time is not supported");
      em.emit(op, node.inputs, node.outputs, node.attrs);
      return true;
    }
    const auto& [attr, value] = *node.runtimeParams.begin();
    failUnsupported(em.where() + ": operand '" + attr + "' (value '" + value +
                    "') is computed at run time, which this op does not support; only static shapes are supported");
  }
  if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") && em.opset() < 13) {
    expandCoercedSoftmax(em, node);
    return true;
  }
  if (op == "BatchNormalization" && node.attrs.has("spatial")) {  // set by the importer before opset 9 only
    if (node.attrs.getInt("spatial", 1) == 0 && em.typeOf(node.inputs.at(0)).rank() > 2) {
      expandBatchNormPerElement(em, node);
      return true;
    }
    Attributes a = node.attrs;  // spatial=1 (or a 2-D input): the opset-17 op
    a.erase("spatial");
    em.emit(op, node.inputs, node.outputs, a);
    return true;
  }
  return false;
}

bool isMicrosoftOpSupported(const std::string& opType) {
  return opType == "Gelu" || opType == "FastGelu" || opType == "BiasGelu";
}

void importMicrosoftOp(ImportEmitter& em, const std::string& opType, const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs) {
  const size_t minIn = opType == "BiasGelu" ? 2 : 1, maxIn = opType == "Gelu" ? 1 : 2;
  if (inputs.size() < minIn || inputs.size() > maxIn || inputs[0].empty())
    failBadInput(em.where() + ": com.microsoft " + opType + " has " + std::to_string(inputs.size()) + " operand" +
                 (inputs.size() == 1 ? "" : "s") + ", it takes " + std::to_string(minIn) +
                 (minIn == maxIn ? "" : " to " + std::to_string(maxIn)));
  if (outputs.size() != 1 || outputs[0].empty())
    failBadInput(em.where() + ": com.microsoft " + opType + " has " + std::to_string(outputs.size()) +
                 " results, it gives exactly one");
  std::string x = inputs[0];
  if (inputs.size() > 1 && !inputs[1].empty()) {  // the bias, added first
    const std::string biased = em.freshValue(outputs[0] + "_biased");
    em.emit("Add", {x, inputs[1]}, {biased});
    x = biased;
  }
  Attributes a;
  a.set("approximate", std::string(opType == "FastGelu" ? "tanh" : "none"));
  em.emit("Gelu", {x}, {outputs[0]}, a);
}

}  // namespace nest
