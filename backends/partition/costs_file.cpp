// writeCosts (node_costs.h): our costs file. YAML written by hand (plain scalars, quoted strings).
#include <charconv>
#include <cmath>

#include "backends/partition/node_costs.h"
#include "core/node_keys.h"

namespace nest::partition {

namespace {

// To the nanosecond: measurements are not more precise than that.
std::string number(double value) {
  if (std::isinf(value)) return "INFINITY";
  if (std::fabs(value) < 1e12) value = std::round(value * 1000) / 1000;
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string writeCosts(const Graph& graph, const CostModel& costs) {
  std::string out = "# nestc costs: microseconds per node per device (INFINITY: the device cannot run it)\n";
  out += "model: " + quoted(graph.name) + "\ndevices:\n";
  for (const DeviceInfo& d : costs.devices)
    out += "  - name: " + quoted(d.name) + "\n    backend: " + d.backend + "\n    memoryBytes: " + std::to_string(d.memoryBytes) +
           "\n    linkBytesPerSecond: " + number(d.linkBytesPerSecond) + "\n    linkLatencyUs: " + number(d.linkLatencyUs) + "\n";
  out += "nodes:\n";
  for (size_t i = 0; i < graph.nodes.size() && i < costs.nodeUs.size(); ++i) {
    const Node& node = graph.nodes[i];
    out += "  - key: " + quoted(stableKey(node)) + "\n    name: " + quoted(glowStyleName(node)) + "\n    op: " + node.op +
           "\n    costs: {";
    for (size_t k = 0; k < costs.devices.size(); ++k)
      out += (k ? ", " : "") + quoted(costs.devices[k].name) + ": " + number(costs.nodeUs[i][k]);
    out += "}\n    bytes: " + std::to_string(costs.nodeBytes[i].empty() ? 0 : costs.nodeBytes[i][0]) + "\n";
    if (i < costs.reasons.size() && !costs.reasons[i].empty()) out += "    reason: " + quoted(costs.reasons[i]) + "\n";
  }
  // What a cut after a node moves: each result's bytes.
  out += "values:\n";
  for (const Node& node : graph.nodes)
    for (const std::string& v : node.outputs)
      if (!v.empty()) out += "  " + quoted(v) + ": " + std::to_string(graph.typeOf(v).byteSize()) + "\n";
  return out;
}

}  // namespace nest::partition
