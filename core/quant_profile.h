// Quantization profiles: the value ranges and histograms recorded by a calibration run
// (`nestc profile`), and the Glow/NEST-C YAML file that stores them. A profile is tied to the
// graph it was recorded on by a structural hash, so a stale profile is refused instead of being
// silently applied to a changed model. Format: docs/quantization.md, "Profiling".
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// The range and distribution of one value (a node result or graph input), keyed by value name.
struct ValueProfile {
  std::string name;
  float min = 0, max = 0;        // over all calibration runs
  std::vector<float> histogram;  // equal-width bins spanning [min, max]; counts
  // Mean of each channel (axis 1 of a value of rank >= 2) over the calibration data; empty unless
  // recorded (nestc profile --channel-stats; an extension: Glow's reader does not know the keys).
  // Bias correction uses it.
  std::vector<double> channelMeans;
  std::vector<float> channelMins, channelMaxs;  // likewise (high-bias absorption)
};

struct QuantProfile {
  std::string graphHash;  // hex, from graphHash() of the graph that was profiled
  std::vector<ValueProfile> values;
  // The profile of `name`, or nullptr when the value was not profiled.
  const ValueProfile* find(const std::string& name) const;
};

// Structural hash of a graph (hex): inputs, outputs, ops, attributes, value names, types and
// the FNV-1a of every constant's bytes. Node ids, node names and provenance do not count.
std::string graphHash(const Graph& g);

// Glow's profile YAML: a first document with the graph hash, then a document with a list of
// maps {NodeOutputName, Min, Max, Histogram}.
std::string profileToYaml(const QuantProfile& profile);
// Parses profile YAML; `source` (usually the file name) names the input in errors, with the line.
QuantProfile parseProfileYaml(const std::string& text, const std::string& source);
QuantProfile readProfile(const std::filesystem::path& file);
void writeProfile(const std::filesystem::path& file, const QuantProfile& profile);

// Throws BadInput ("profile X was recorded for a different graph (hash A, this graph B):
// re-run nestc profile") when `profile` was not recorded on `graph`.
void requireMatchingProfile(const QuantProfile& profile, const Graph& graph,
                            const std::string& profileSource);

}  // namespace nest
