#include "backends/quant_report.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "backends/interpreter/interpreter.h"
#include "core/error.h"
#include "core/idx_file.h"
#include "core/npy.h"
#include "core/quant_math.h"

namespace nest {

void ErrorStats::add(const float* reference, const float* got, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double f = reference[i], d = f - got[i];
    signal += f * f;
    noise += d * d;
    maxAbs = std::max(maxAbs, std::abs(d));
  }
  count += static_cast<int64_t>(n);
}

double ErrorStats::sqnrDb() const {
  if (noise == 0) return signal == 0 ? 0 : std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10 * std::log10(signal / noise);
}

double ErrorStats::noiseRatio() const {
  if (noise == 0) return 0;
  return signal == 0 ? std::numeric_limits<double>::infinity() : noise / signal;
}

std::vector<size_t> QuantReport::worstFirst() const {
  std::vector<size_t> order(nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const double sa = nodes[a].error.sqnrDb(), sb = nodes[b].error.sqnrDb();
    if (sa != sb) return sa < sb;
    return nodes[a].error.maxAbs > nodes[b].error.maxAbs;
  });
  return order;
}

namespace {

nlohmann::json dbJson(double db) { return std::isfinite(db) ? nlohmann::json(db) : nlohmann::json(nullptr); }

nlohmann::json errorJson(const ErrorStats& e) {
  return {{"sqnrDb", dbJson(e.sqnrDb())}, {"maxAbsError", e.maxAbs}, {"elements", e.count}};
}

// The float tensor a quantized-graph value stands for: dequantized when it is quantized (with
// the graph's parameters), as is when it is float; invalid for other element types.
Tensor asFloat(const Tensor& t, const TensorType& graphType) {
  if (graphType.quant) {
    Tensor q = t;
    q.setQuant(graphType.quant);
    return dequantizeTensor(q);
  }
  return t.elem() == ElemType::F32 ? t : Tensor();
}

}  // namespace

nlohmann::json QuantReport::toJson() const {
  nlohmann::json j = {{"runs", runs}, {"rows", rows}, {"top1Agreement", top1Agreement()}};
  if (labelled) {
    j["labelled"] = labelled;
    j["floatAccuracy"] = floatAccuracy();
    j["quantAccuracy"] = quantAccuracy();
  }
  j["outputs"] = nlohmann::json::array();
  for (const OutputQuality& o : outputs) {
    nlohmann::json e = errorJson(o.error);
    e["name"] = o.name;
    j["outputs"].push_back(e);
  }
  j["nodes"] = nlohmann::json::array();
  for (size_t i : worstFirst()) {
    const NodeQuality& n = nodes[i];
    nlohmann::json e = errorJson(n.error);
    e["value"] = n.value;
    e["reference"] = n.reference;
    e["node"] = n.node;
    e["op"] = n.op;
    e["type"] = n.type;
    if (!n.calibration.empty()) e["calibration"] = n.calibration;
    j["nodes"].push_back(e);
  }
  return j;
}

std::vector<int64_t> argmaxRows(const Tensor& t) {
  const Tensor f = t.elem() == ElemType::F32 ? t : convertTensor(t, ElemType::F32);
  const int64_t rows = t.shape().size() >= 2 ? t.shape()[0] : 1;
  const int64_t width = rows ? t.numElements() / rows : 0;
  std::vector<int64_t> out(static_cast<size_t>(rows), 0);
  const float* p = f.data<float>();
  for (int64_t r = 0; r < rows; ++r)
    out[r] = std::max_element(p + r * width, p + (r + 1) * width) - (p + r * width);
  return out;
}

QuantReport quantReport(const Graph& floatGraph, const Graph& quantGraph, const CalibrationSet& data,
                        const QuantReportOptions& options) {
  if (floatGraph.inputs.size() != quantGraph.inputs.size() || floatGraph.outputs.size() != quantGraph.outputs.size())
    failBadInput("quality report: the quantized graph's inputs and outputs differ from the float graph's");
  QuantReport report;
  for (const std::string& o : quantGraph.outputs) report.outputs.push_back({o, {}});

  // What each quantized-graph value is compared with: Quantize results with the float value they
  // quantize, a graph output's renamed integer result ("X_q", read by the Dequantize named X) with
  // X, every other value with the float value of the same name.
  std::unordered_map<std::string, std::string> reference;
  for (const Node& n : quantGraph.nodes)
    if (n.op == "Dequantize" && std::find(quantGraph.outputs.begin(), quantGraph.outputs.end(), n.outputs[0]) !=
                                    quantGraph.outputs.end())
      reference[n.inputs[0]] = n.outputs[0];
  std::unordered_map<std::string, size_t> record;  // quantized value -> index in report.nodes
  if (options.perNode) {
    for (const Node& n : quantGraph.nodes) {
      if (n.op == "Dequantize") continue;  // a float copy: its error is its operand's
      for (const std::string& v : n.outputs) {
        std::string ref = n.op == "Quantize" ? n.inputs[0] : reference.count(v) ? reference[v] : v;
        const TensorType* ft = floatGraph.findType(ref);
        if (!ft || ft->elem != ElemType::F32 || floatGraph.isConstant(ref)) continue;
        const TensorType& qt = quantGraph.typeOf(v);
        if (!qt.quant && qt.elem != ElemType::F32) continue;
        record[v] = report.nodes.size();
        report.nodes.push_back({v, ref, n.name, n.op, std::string(elemTypeName(qt.elem)), {}, {}});
      }
    }
  }

  Interpreter floatRun(floatGraph), quantRun(quantGraph);
  std::unordered_map<std::string, Tensor> floatValues;
  if (options.perNode)
    floatRun.setObserver([&](const Node& n, const std::vector<Tensor>& results) {
      for (size_t k = 0; k < n.outputs.size(); ++k) floatValues[n.outputs[k]] = results[k];
    });
  quantRun.setObserver([&](const Node& n, const std::vector<Tensor>& results) {
    if (!options.perNode) return;
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      auto it = record.find(n.outputs[k]);
      if (it == record.end()) continue;
      NodeQuality& nq = report.nodes[it->second];
      auto f = floatValues.find(nq.reference);
      if (f == floatValues.end()) continue;
      const Tensor got = asFloat(results[k], quantGraph.typeOf(n.outputs[k]));
      if (!got.valid() || got.numElements() != f->second.numElements())
        failInternal("quality report: value '" + nq.value + "' does not match float '" + nq.reference + "'");
      nq.error.add(f->second.data<float>(), got.data<float>(), static_cast<size_t>(got.numElements()));
    }
  });

  int64_t sample = 0;
  for (size_t r = 0; r < data.runs(); ++r) {
    const std::vector<Tensor> inputs = data.inputsForRun(r);
    floatValues.clear();
    for (size_t i = 0; i < inputs.size(); ++i) floatValues[floatGraph.inputs[i]] = inputs[i];
    const std::vector<Tensor> fo = floatRun.run(inputs);
    const std::vector<Tensor> qo = quantRun.run(inputs);
    for (size_t k = 0; k < fo.size(); ++k) {
      const Tensor a = asFloat(fo[k], floatGraph.typeOf(floatGraph.outputs[k]));
      const Tensor b = asFloat(qo[k], quantGraph.typeOf(quantGraph.outputs[k]));
      if (a.valid() && b.valid() && a.numElements() == b.numElements())
        report.outputs[k].error.add(a.data<float>(), b.data<float>(), static_cast<size_t>(a.numElements()));
    }
    if (!fo.empty()) {
      const std::vector<int64_t> fa = argmaxRows(fo[0]), qa = argmaxRows(qo[0]);
      for (size_t i = 0; i < fa.size(); ++i, ++sample) {
        ++report.rows;
        report.top1Agree += fa[i] == qa[i];
        if (options.labels && sample < static_cast<int64_t>(options.labels->size())) {
          const int64_t label = (*options.labels)[sample];
          ++report.labelled;
          report.floatCorrect += fa[i] == label;
          report.quantCorrect += qa[i] == label;
        }
      }
    }
    ++report.runs;
    if (options.onProgress) options.onProgress(r + 1, data.runs());
  }
  return report;
}

std::vector<int64_t> readLabels(const std::filesystem::path& file, int64_t skip) {
  if (!std::filesystem::exists(file)) failBadInput("labels file " + file.string() + " does not exist");
  const std::string name = file.filename().string();
  const bool idx = file.extension() == ".idx" || file.extension() == ".gz" || name.find("-ubyte") != std::string::npos;
  Tensor t = idx ? readIdxFile(file) : readNpy(file);
  if (t.shape().size() > 2 || (t.shape().size() == 2 && t.shape()[1] != 1))
    failBadInput("labels file " + file.string() + " must hold one label per sample (shape N or Nx1), not " +
                 shapeToString(t.shape()));
  std::vector<int64_t> labels;
  const std::vector<double> v = t.toDoubles();
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] != std::floor(v[i]) || v[i] < 0)
      failBadInput("labels file " + file.string() + ": label " + std::to_string(i) + " (" + std::to_string(v[i]) +
                   ") is not a class index");
    if (static_cast<int64_t>(i) >= skip) labels.push_back(static_cast<int64_t>(v[i]));
  }
  if (labels.empty()) failBadInput("labels file " + file.string() + " has no labels after skipping " + std::to_string(skip));
  return labels;
}

}  // namespace nest
