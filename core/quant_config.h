// What the quantize pass is asked to do: project-wide settings (schema, calibration, precision,
// per-channel weights) and overrides per node name and per op type (keep float, or other
// settings). Read from the CLI options and from a project file's "quantization", "opTypes" and
// "nodes" entries (docs/project-file-format.md). No Qt.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>

#include "core/graph.h"
#include "core/quant_math.h"

namespace nest {

struct QuantSettings {
  QuantSchema schema = QuantSchema::Asymmetric;
  Calibration calibration;
  QuantPrecision precision = QuantPrecision::Int8;
};

struct QuantOverride {
  bool keepFloat = false;
  std::optional<QuantSchema> schema;
  std::optional<Calibration> calibration;
  std::optional<QuantPrecision> precision;
  bool operator==(const QuantOverride&) const = default;
};

struct QuantConfig {
  QuantSettings defaults;
  bool perChannel = false;                        // per-channel weights for Conv, Gemm and MatMul
  // Bias correction (Nagel et al. 2019, §4.2): a Conv / Gemm's bias absorbs the expected shift its
  // quantized weights cause, from the profile's per-channel means of its input.
  bool biasCorrection = false;
  // High-bias absorption (passes/quantization/high_bias_absorption.h), from the profile's
  // per-channel minima, before anything is quantized.
  bool absorbHighBias = false;
  std::map<std::string, QuantOverride> nodes;     // by stable node key (Node::key, core/node_keys.h)
  std::map<std::string, QuantOverride> opTypes;   // by op name ("Gemm")

  // A node override wins over its op type's, which wins over the defaults.
  bool keepsFloat(const Node& node) const;
  QuantSettings settingsFor(const Node& node) const;
};

// The project file's pieces: "quantization" {schema, calibration, precision, perChannel},
// "opTypes" and "nodes" (node key -> {keepFloat, schema, calibration, precision}; other keys of a
// node entry, such as a device, are left to their owners). Throws BadInput naming `source` and
// the entry for a wrong key type or value.
QuantConfig parseQuantConfig(const nlohmann::json& quantization, const nlohmann::json& opTypes,
                             const nlohmann::json& nodes, const std::string& source);
// One override entry: keepFloat (bool), precision ("fp32" = keep float, "int8", "int16"), schema,
// calibration. Other keys are ignored. BadInput naming `where` on a malformed entry.
QuantOverride parseQuantOverride(const nlohmann::json& entry, const std::string& where);
nlohmann::json quantOverrideToJson(const QuantOverride& o);

}  // namespace nest
