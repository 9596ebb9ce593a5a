#include "backends/quant_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "backends/quant_report.h"
#include "core/error.h"
#include "core/node_keys.h"
#include "core/quant_math.h"
#include "passes/quantization/quantize.h"

namespace nest {

namespace {

constexpr const char* kProfileSource = "sensitivity profile";

bool isIntegerNode(const Graph& q, const Node& n) {
  return n.op != "Quantize" && n.op != "Dequantize" && !n.outputs.empty() && q.typeOf(n.outputs[0]).quant;
}

std::string format(const char* fmt, double a, double b = 0, double c = 0) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, a, b, c);
  return buf;
}

struct Analysis {
  const Graph& f;
  const QuantProfile& profile;
  const CalibrationSet& data;
  const SensitivityOptions& options;
  int evaluations = 0;

  Graph quantized(const QuantConfig& config) const {
    Graph q = f;
    quantizeGraph(q, profile, config, kProfileSource);
    return q;
  }

  QualityFigures figuresOf(const QuantReport& r) const {
    QualityFigures fig;
    fig.top1Agreement = r.top1Agreement();
    fig.labelled = r.labelled > 0;
    fig.floatAccuracy = r.floatAccuracy();
    fig.quantAccuracy = r.quantAccuracy();
    fig.outputSqnrDb = r.outputSqnrDb();
    return fig;
  }

  QualityFigures evaluate(const QuantConfig& config) {
    QuantReportOptions o;
    o.perNode = false;
    o.labels = options.labels;
    ++evaluations;
    return figuresOf(quantReport(f, quantized(config), data, o));
  }

  // Larger is worse: the drop in points, or the output's noise/signal for an SQNR target.
  double damage(const QualityFigures& fig) const {
    if (options.target == SensitivityTarget::MaxDrop) return fig.drop();
    return std::isfinite(fig.outputSqnrDb) ? std::pow(10.0, -fig.outputSqnrDb / 10) : 0;
  }

  std::string describe(const QualityFigures& fig) const {
    std::string s = fig.labelled ? format("accuracy %.2f%% (float %.2f%%, drop %.2f points)", fig.quantAccuracy,
                                          fig.floatAccuracy, fig.drop())
                                 : format("top-1 agreement %.2f%% (drop %.2f points)", fig.top1Agreement, fig.drop());
    return s + format(", output SQNR %.2f dB", fig.outputSqnrDb);
  }

  void progress(const std::string& line) const {
    if (options.onProgress) options.onProgress(line);
  }
};

// SQNR of a Conv / Gemm node's dequantized weights against the float weights they came from
// (scaled by Conv's output_scale, which the quantize pass folds into them).
double weightSqnr(const Graph& f, const Node& floatNode, const Graph& q, const Node& quantNode) {
  if ((quantNode.op != "Conv" && quantNode.op != "Gemm") || !q.isConstant(quantNode.inputs.at(1)) ||
      !f.isConstant(floatNode.inputs.at(1)))
    return std::numeric_limits<double>::quiet_NaN();
  Tensor w = convertTensor(*f.constant(floatNode.inputs[1]), ElemType::F32);
  Tensor scaled(w.type(), w.raw());
  if (floatNode.attrs.has("output_scale")) {
    const Floats s = floatNode.attrs.getFloats("output_scale");
    const int64_t per = scaled.numElements() / static_cast<int64_t>(s.size());
    float* p = scaled.mutableData<float>();
    for (int64_t i = 0; i < scaled.numElements(); ++i) p[i] *= s[static_cast<size_t>(i / per)];
  }
  const Tensor dq = dequantizeTensor(*q.constant(quantNode.inputs[1]));
  ErrorStats e;
  e.add(scaled.data<float>(), dq.data<float>(), static_cast<size_t>(scaled.numElements()));
  return e.sqnrDb();
}

}  // namespace

bool targetMet(const QualityFigures& f, const SensitivityOptions& options) {
  if (options.target == SensitivityTarget::MaxDrop) return f.drop() <= options.value + 1e-9;
  return f.outputSqnrDb >= options.value;
}

SensitivityResult analyzeSensitivity(const Graph& floatGraph, const QuantProfile& profile, const QuantConfig& config,
                                     const CalibrationSet& data, const SensitivityOptions& options) {
  Analysis a{floatGraph, profile, data, options};
  SensitivityResult result;

  // 1. The fully quantized graph, compared node by node (float run + quantized run).
  const Graph full = a.quantized(config);
  QuantReportOptions ro;
  ro.labels = options.labels;
  a.progress("comparing the fully quantized graph with float over " + std::to_string(data.runs()) + " runs");
  const QuantReport report = quantReport(floatGraph, full, data, ro);
  ++a.evaluations;
  result.fullyQuantized = a.figuresOf(report);
  a.progress("fully quantized: " + a.describe(result.fullyQuantized));

  std::unordered_map<std::string, const NodeQuality*> quality;
  for (const NodeQuality& nq : report.nodes) quality[nq.value] = &nq;
  // Nodes are matched, and kept float, by their stable key (core/node_keys.h).
  std::unordered_map<std::string, const Node*> floatByKey;
  for (const Node& n : floatGraph.nodes)
    floatByKey.emplace(stableKey(n), &n);

  std::vector<const Node*> candidates;
  std::unordered_set<std::string> candidateKeys;
  for (const Node& n : full.nodes) {
    if (!isIntegerNode(full, n)) continue;
    if (floatByKey.count(stableKey(n)) && candidateKeys.insert(stableKey(n)).second) candidates.push_back(&n);
  }

  // 2. Ranking.
  for (const Node* n : candidates) {
    NodeSensitivity s;
    s.node = stableKey(*n);
    s.op = n->op;
    auto out = quality.find(n->outputs[0]);
    s.sqnrDb = out != quality.end() ? out->second->error.sqnrDb() : std::numeric_limits<double>::quiet_NaN();
    s.weightSqnrDb = weightSqnr(floatGraph, *floatByKey.at(stableKey(*n)), full, *n);
    if (!options.isolated) {
      double in = 0;
      for (const std::string& v : n->inputs)
        if (auto it = quality.find(v); !v.empty() && !full.isConstant(v) && it != quality.end())
          in = std::max(in, it->second->error.noiseRatio());
      const double own = out != quality.end() ? out->second->error.noiseRatio() : 0;
      s.score = std::max(0.0, own - in);
    }
    result.ranking.push_back(s);
  }
  if (options.isolated) {
    for (size_t i = 0; i < result.ranking.size(); ++i) {
      QuantConfig alone = config;
      for (const NodeSensitivity& other : result.ranking)
        if (other.node != result.ranking[i].node) alone.nodes[other.node].keepFloat = true;
      const QualityFigures fig = a.evaluate(alone);
      result.ranking[i].score = a.damage(fig);
      a.progress("isolated " + std::to_string(i + 1) + "/" + std::to_string(result.ranking.size()) + " " +
                 result.ranking[i].node + ": " + a.describe(fig));
    }
  }
  std::stable_sort(result.ranking.begin(), result.ranking.end(),
                   [](const NodeSensitivity& x, const NodeSensitivity& y) { return x.score > y.score; });

  // 3. Greedy: keep the most damaging nodes float until the target is met, each set verified.
  QuantConfig chosen = config;
  QualityFigures current = result.fullyQuantized;
  for (const NodeSensitivity& s : result.ranking) {
    if (targetMet(current, options)) break;
    chosen.nodes[s.node].keepFloat = true;
    result.keptFloat.push_back(s.node);
    current = a.evaluate(chosen);
    a.progress("keeping " + std::to_string(result.keptFloat.size()) + " float (+" + s.node + "): " + a.describe(current));
  }
  // Then drop every kept node the target does not need (the last one added made it pass).
  if (targetMet(current, options) && result.keptFloat.size() > 1) {
    for (size_t i = 0; i + 1 < result.keptFloat.size();) {
      QuantConfig without = chosen;
      const std::string& node = result.keptFloat[i];
      if (config.nodes.count(node)) without.nodes[node] = config.nodes.at(node);
      else without.nodes.erase(node);
      const QualityFigures fig = a.evaluate(without);
      if (targetMet(fig, options)) {
        a.progress("not needed: " + result.keptFloat[i] + " (" + a.describe(fig) + ")");
        chosen = without;
        current = fig;
        result.keptFloat.erase(result.keptFloat.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  }
  result.chosen = current;
  result.met = targetMet(current, options);
  result.evaluations = a.evaluations;
  return result;
}

}  // namespace nest
