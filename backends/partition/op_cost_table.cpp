// NEST-C's per-op cost tables (node_costs.h): read, written in NEST-C's spelling, and built
// from a CostModel.
#include <charconv>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "backends/partition/node_costs.h"
#include "core/error.h"

namespace nest::partition {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

double parseCost(const std::string& text, const std::string& where) {
  if (text == "INFINITY" || text == "inf" || text == ".inf") return kCannotRun;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    failBadInput(where + ": '" + text + "' is not a cost (microseconds >= 0 or INFINITY)");
  return value;
}

// Whole numbers without a fraction ("1"), or with ".0" where NEST-C writes one (commCost: 0.0).
std::string formatCost(double value, bool wholeWithPoint) {
  if (std::isinf(value)) return "INFINITY";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::string whole = std::to_string(static_cast<long long>(value));
    return wholeWithPoint ? whole + ".0" : whole;
  }
  char buffer[64];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string nestcBackendName(const std::string& registryBackend) {
  if (registryBackend == "cpu") return "CPU";
  if (registryBackend == "npu") return "VTA";
  if (registryBackend == "interpreter") return "Interpreter";
  return registryBackend;
}

}  // namespace

OpCostTable parseOpCostTable(const std::string& text, const std::string& source) {
  OpCostTable table;
  std::istringstream in(text);
  std::string raw;
  int lineNo = 0;
  bool sawBackend = false, sawEntry = false;
  while (std::getline(in, raw)) {
    ++lineNo;
    const std::string line = trim(raw);
    const std::string where = source + ":" + std::to_string(lineNo);
    if (line.empty() || line[0] == '#' || line == "---") continue;
    if (line == "...") break;
    const size_t colon = line.rfind(':');
    if (colon == std::string::npos || colon == 0) failBadInput(where + ": expected 'KEY : COST', got '" + line + "'");
    const std::string key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (key == "backendName") {
      if (value.empty()) failBadInput(where + ": backendName is empty");
      table.backendName = value;
      sawBackend = true;
    } else if (key == "Type") {
      table.type = value;
      table.typeLine = true;
    } else if (key == "commCost") {
      table.commCost = parseCost(value, where);
    } else {
      if (!sawEntry) table.spaceBeforeColon = colon > 0 && line[colon - 1] == ' ';
      sawEntry = true;
      table.entries.emplace_back(key, parseCost(value, where + " (" + key + ")"));
    }
  }
  if (!sawBackend) failBadInput(source + ": no backendName");
  return table;
}

OpCostTable readOpCostTable(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot read the op-cost table " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parseOpCostTable(text.str(), file.string());
}

std::string writeOpCostTable(const OpCostTable& table) {
  std::string out = "---\nbackendName: " + table.backendName + "\n";
  if (table.typeLine || table.type != "ExeTime") out += "Type: " + table.type + "\n";
  if (table.commCost) out += "commCost: " + formatCost(*table.commCost, true) + "\n";
  const std::string separator = table.spaceBeforeColon ? " : " : ": ";
  for (const auto& [key, cost] : table.entries) out += key + separator + formatCost(cost, false) + "\n";
  return out + "...\n";
}

OpCostTable opCostTableOf(const Graph& graph, const CostModel& costs, int device) {
  if (device < 0 || static_cast<size_t>(device) >= costs.devices.size())
    failBadInput("opCostTableOf: no device " + std::to_string(device) + " (the cost model has " +
                 std::to_string(costs.devices.size()) + ")");
  OpCostTable table;
  table.backendName = nestcBackendName(costs.devices[device].backend);
  table.commCost = costs.devices[device].linkLatencyUs;
  std::set<std::string> seen;
  for (size_t i = 0; i < graph.nodes.size() && i < costs.nodeUs.size(); ++i) {
    const std::string key = nestcOpKey(graph, graph.nodes[i]);
    // The first node of a key, to the nanosecond (what the file keeps: a table read back is equal).
    const double us = costs.nodeUs[i][device];
    if (seen.insert(key).second) table.entries.emplace_back(key, std::isinf(us) ? us : std::round(us * 1000) / 1000);
  }
  return table;
}

}  // namespace nest::partition
