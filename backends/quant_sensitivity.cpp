#include "backends/quant_sensitivity.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "backends/quant_report.h"
#include "core/error.h"
#include "core/graph_stats.h"
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

enum class Level { Int8, Int16, Float };

// The per-node precision choices on top of the caller's config (whose own overrides a node gets
// back at Int8).
struct Precisions {
  QuantConfig base, config;
  std::unordered_map<std::string, Level> level;
  explicit Precisions(const QuantConfig& c) : base(c), config(c) {}
  Level levelOf(const std::string& node) const {
    auto it = level.find(node);
    return it == level.end() ? Level::Int8 : it->second;
  }
  void set(const std::string& node, Level l) {
    level[node] = l;
    if (l == Level::Int8) {
      if (base.nodes.count(node)) config.nodes[node] = base.nodes.at(node);
      else config.nodes.erase(node);
      return;
    }
    QuantOverride& o = config.nodes[node];
    o.keepFloat = l == Level::Float;
    if (l == Level::Int16) o.precision = QuantPrecision::Int16;
  }
};

const Node* findByKey(const Graph& g, const std::string& key) {
  for (const Node& n : g.nodes)
    if (stableKey(n) == key) return &n;
  return nullptr;
}

// Bytes of the constant operands (weights, bias) of the node with `key`.
int64_t constantBytes(const Graph& g, const std::string& key) {
  const Node* n = findByKey(g, key);
  int64_t bytes = 0;
  if (n)
    for (const std::string& v : n->inputs)
      if (!v.empty() && g.isConstant(v)) bytes += static_cast<int64_t>(g.constant(v)->byteSize());
  return bytes;
}

// Why the node `key` cannot run in int16 in `q` (the graph quantized with it in int16): the
// quantize pass left it float or int8, or the target has no int16 kernel for it.
std::string int16Reason(const Graph& q, const std::string& key, const SensitivityOptions& options) {
  const Node* n = findByKey(q, key);
  if (!n || n->outputs.empty() || !q.typeOf(n->outputs[0]).quant)
    return "the quantize pass has no int16 form for it";
  if (q.typeOf(n->outputs[0]).elem != ElemType::I16 && q.typeOf(n->outputs[0]).elem != ElemType::U16)
    return "it keeps its operand's 8-bit parameters (int16 starts at a node with its own result parameters)";
  return options.int16Unsupported ? options.int16Unsupported(q, *n) : "";
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

  // 3. Greedy, in steps: the most damaging nodes move to a wider precision until the target is
  //    met, each set verified. Without int16Step a step is float; with it, int16 first (where
  //    the target runs the node in int16) and float only when int16 everywhere is not enough.
  Precisions levels(config);
  QualityFigures current = result.fullyQuantized;
  auto step = [&](const NodeSensitivity& s, Level level) {
    PrecisionStep st;
    st.node = s.node;
    st.op = s.op;
    st.precision = level == Level::Int16 ? "int16" : "fp32";
    st.before = current;
    const Graph beforeGraph = a.quantized(levels.config);
    levels.set(s.node, level);
    const Graph afterGraph = a.quantized(levels.config);
    current = a.evaluate(levels.config);
    st.after = current;
    st.bytesAdded = constantBytes(afterGraph, s.node) - constantBytes(beforeGraph, s.node);
    if (const Node* n = findByKey(floatGraph, s.node)) st.macs = nodeMacs(floatGraph, *n);
    result.steps.push_back(st);
    a.progress(st.precision + " for " + s.node + ": " + a.describe(current));
  };
  std::unordered_set<std::string> int16Ok;
  if (options.int16Step) {
    for (const NodeSensitivity& s : result.ranking) {
      if (targetMet(current, options)) break;
      QuantConfig trial = levels.config;
      trial.nodes[s.node].keepFloat = false;
      trial.nodes[s.node].precision = QuantPrecision::Int16;
      const Graph trialGraph = a.quantized(trial);
      const Graph nowGraph = a.quantized(levels.config);
      if (const Node* now = findByKey(nowGraph, s.node);
          now && !now->outputs.empty() && nowGraph.typeOf(now->outputs[0]).elem == ElemType::I16)
        continue;  // already int16 through its operand (a pooling after an int16 Conv): nothing to move
      const std::string why = int16Reason(trialGraph, s.node, options);
      if (!why.empty()) {
        result.int16Refused.emplace_back(s.node, why);
        a.progress("int16 not an option for " + s.node + ": " + why);
        continue;
      }
      int16Ok.insert(s.node);
      step(s, Level::Int16);
    }
  }
  for (const NodeSensitivity& s : result.ranking) {
    if (targetMet(current, options)) break;
    step(s, Level::Float);
  }
  // Then undo every step the target does not need, one level at a time (float back to int16
  // where int16 is an option, int16 back to int8), keeping the last step that made it pass.
  if (targetMet(current, options)) {
    for (size_t i = 0; i + 1 < result.steps.size(); ++i) {
      PrecisionStep& st = result.steps[i];
      if (st.reverted || levels.levelOf(st.node) != (st.precision == "int16" ? Level::Int16 : Level::Float)) continue;
      const Level back = st.precision == "fp32" && int16Ok.count(st.node) ? Level::Int16 : Level::Int8;
      Precisions without = levels;
      without.set(st.node, back);
      const QualityFigures fig = a.evaluate(without.config);
      if (!targetMet(fig, options)) continue;
      a.progress("not needed: " + st.precision + " for " + st.node + " (" + a.describe(fig) + ")");
      levels = without;
      current = fig;
      st.reverted = true;
    }
  }
  for (const NodeSensitivity& s : result.ranking) {
    if (levels.levelOf(s.node) == Level::Float) result.keptFloat.push_back(s.node);
    if (levels.levelOf(s.node) == Level::Int16) result.keptInt16.push_back(s.node);
  }
  result.chosen = current;
  result.met = targetMet(current, options);
  result.evaluations = a.evaluations;
  return result;
}

}  // namespace nest
