// Sensitivity analysis and automatic mixed precision (docs/quantization.md, "Sensitivity and
// mixed precision"): ranks the quantizable nodes by the damage their quantization does, then
// keeps the most damaging ones in float, one at a time, until a target is met, verifying every
// candidate set with a real run of the quantized graph over the validation set.
//
// Ranking (QuantuneV2-style local metrics, two runs: float and fully quantized): the noise a node
// adds itself, noise/signal of its result minus the largest noise/signal of its activation
// operands (both dequantized against float over the set), so upstream error is not blamed on it;
// weight SQNR is reported next to it. Or, costlier (`isolated`), the drop of the target metric
// when the node alone is quantized. No Qt.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/calibration_data.h"
#include "core/graph.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"

namespace nest {

enum class SensitivityTarget {
  MaxDrop,  // accuracy drop in points (with labels) or top-1-agreement drop (100 − agreement) without
  MinSqnr,  // output SQNR (first output) in dB
};

struct SensitivityOptions {
  SensitivityTarget target = SensitivityTarget::MaxDrop;
  double value = 1.0;       // points for MaxDrop, dB for MinSqnr
  bool isolated = false;    // rank by quantizing each node alone (one run of the set per node)
  // Mixed precision in steps: a node is first moved to int16, and to float only when int16 on
  // every ranked node does not meet the target. `int16Unsupported` says why the target cannot run
  // a node in int16 ("" when it can; called on the quantized graph with the node in int16):
  // such a node goes straight to float.
  bool int16Step = false;
  std::function<std::string(const Graph& quantized, const Node& node)> int16Unsupported;
  const std::vector<int64_t>* labels = nullptr;
  std::function<void(const std::string&)> onProgress;  // one line per step
};

// The target metrics of one quantized configuration.
struct QualityFigures {
  double top1Agreement = 0;            // %
  double floatAccuracy = 0, quantAccuracy = 0;  // % (with labels)
  bool labelled = false;
  double outputSqnrDb = 0;
  double drop() const { return labelled ? floatAccuracy - quantAccuracy : 100 - top1Agreement; }
};

struct NodeSensitivity {
  std::string node, op;      // node: its stable key (core/node_keys.h), as project files name it
  double score = 0;          // damage: noise/signal added (local) or metric drop (isolated)
  double sqnrDb = 0;         // of its result in the fully quantized graph
  double weightSqnrDb = 0;   // Conv / Gemm weights (NaN for others)
};

// One move of a node to a wider precision, with what it bought and what it costs.
struct PrecisionStep {
  std::string node, op;
  std::string precision;                   // "int16" or "fp32"
  QualityFigures before, after;            // whole-graph figures around this step
  int64_t bytesAdded = 0;                  // the node's constant operands (weights, bias) after minus before
  int64_t macs = 0;                        // its multiply-accumulates, now run at the wider precision
  bool reverted = false;                   // undone at the end: the target holds without it
};

struct SensitivityResult {
  std::vector<NodeSensitivity> ranking;      // most damaging first
  std::vector<std::string> keptFloat;        // the chosen nodes, in ranking order
  std::vector<std::string> keptInt16;        // with int16Step: the nodes moved to int16, in ranking order
  std::vector<std::pair<std::string, std::string>> int16Refused;  // node, why int16 was not an option
  std::vector<PrecisionStep> steps;          // every move tried, in order
  QualityFigures fullyQuantized, chosen;
  bool met = false;
  int evaluations = 0;                       // verification runs over the set
};

// `floatGraph` is the graph after the float pipeline the profile was recorded on; `config` the
// quantization settings (its existing keepFloat overrides stay).
SensitivityResult analyzeSensitivity(const Graph& floatGraph, const QuantProfile& profile, const QuantConfig& config,
                                     const CalibrationSet& data, const SensitivityOptions& options);

bool targetMet(const QualityFigures& f, const SensitivityOptions& options);

}  // namespace nest
