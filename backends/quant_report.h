// Quality of a quantized graph against its float original (docs/quantization.md, "Quality
// report"): both graphs run in the reference interpreter over a validation set; every value of
// the quantized graph that has a float counterpart (the quantize pass keeps result names) is
// compared, dequantized, with the float value, accumulated over the whole set: SQNR in dB
// (10·log10(Σ f² / Σ (f − q)²)) and the largest absolute error. At the graph outputs also top-1
// agreement with float and, when labels are given, the accuracy of both. No Qt.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/calibration_data.h"
#include "core/graph.h"

namespace nest {

// Accumulated error of one value against its float reference.
struct ErrorStats {
  double signal = 0;  // Σ f²
  double noise = 0;   // Σ (f − q)²
  double maxAbs = 0;  // max |f − q|
  int64_t count = 0;  // elements compared

  void add(const float* reference, const float* got, size_t n);
  // 10·log10(signal / noise); +infinity when there is no noise (and signal), 0 when both are 0.
  double sqnrDb() const;
  // noise / signal (0 without noise): the linear quantity sensitivity analysis adds and subtracts.
  double noiseRatio() const;
};

struct NodeQuality {
  std::string value;      // result name in the quantized graph
  std::string reference;  // the float value it is compared with
  std::string node, op;   // producing node in the quantized graph (name may be empty)
  std::string type;       // "i8", "u8", "i16", "f32" ...: the precision the node computes in
  std::string calibration;  // the calibration its range came from ("mse", ...), empty if none / unknown
  ErrorStats error;
};

struct OutputQuality {
  std::string name;
  ErrorStats error;
};

struct QuantReport {
  std::vector<NodeQuality> nodes;  // quantized-graph order (graph inputs' Quantize first)
  std::vector<OutputQuality> outputs;
  int64_t runs = 0;
  int64_t rows = 0;         // classification rows of the first output (leading dimension per run)
  int64_t top1Agree = 0;    // rows where the quantized argmax equals the float argmax
  int64_t labelled = 0;     // rows with a label
  int64_t floatCorrect = 0, quantCorrect = 0;

  double top1Agreement() const { return rows ? 100.0 * top1Agree / rows : 0; }  // in %
  double floatAccuracy() const { return labelled ? 100.0 * floatCorrect / labelled : 0; }
  double quantAccuracy() const { return labelled ? 100.0 * quantCorrect / labelled : 0; }
  // Output SQNR of the first output (the figure sensitivity targets).
  double outputSqnrDb() const { return outputs.empty() ? 0 : outputs[0].error.sqnrDb(); }
  // Node indices ordered worst first (lowest SQNR, then largest error).
  std::vector<size_t> worstFirst() const;
  // {"runs", "rows", "top1Agreement", ["floatAccuracy", "quantAccuracy"], "outputs": [...],
  //  "nodes": [...] (worst first)}; infinite SQNR is written as null.
  nlohmann::json toJson() const;
};

struct QuantReportOptions {
  const std::vector<int64_t>* labels = nullptr;  // label of sample i (i counted from the first run)
  bool perNode = true;                           // false: only the outputs (cheaper)
  std::function<void(size_t done, size_t total)> onProgress;  // after every run
};

// Runs `floatGraph` and `quantGraph` (the same graph after the quantize pass; same inputs and
// outputs) over every run of `data` and compares them.
QuantReport quantReport(const Graph& floatGraph, const Graph& quantGraph, const CalibrationSet& data,
                        const QuantReportOptions& options = {});

// Class labels from a .npy (any integer type, or float holding integers) or an MNIST idx labels
// file, from sample `skip` on. Throws BadInput naming the file.
std::vector<int64_t> readLabels(const std::filesystem::path& file, int64_t skip = 0);

// Index of the largest element of each row of `t` (rows: the leading dimension; rank 0 or 1: one
// row).
std::vector<int64_t> argmaxRows(const Tensor& t);

}  // namespace nest
