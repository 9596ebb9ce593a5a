#include "driver/assignment_check.h"

#include <set>

#include "backends/backend_registry.h"
#include "core/error.h"
#include "core/node_keys.h"

namespace nest::driver {

namespace {

const Backend* backendOf(const DeviceSpec& d) {
  for (const Backend* b : allBackends())
    if (b->name() == d.backend) return b;
  return nullptr;
}

std::string deviceNames(const std::vector<DeviceSpec>& devices) {
  std::string list;
  for (const DeviceSpec& d : devices) list += (list.empty() ? "" : ", ") + d.name;
  return list;
}

}  // namespace

std::vector<std::string> assignmentProblems(const Job& job, const Graph& imported, const Graph& final) {
  std::vector<std::string> problems;
  const std::vector<DeviceSpec> devices = effectiveDevices(job);
  for (const DeviceSpec& d : devices)
    if (!backendOf(d))
      problems.push_back("devices: device '" + d.name + "' names backend '" + d.backend +
                         "', which is not registered (available: " + backendNameList() + ")");
  if (!job.defaultDevice.empty() && !findDevice(devices, job.defaultDevice))
    problems.push_back("defaultDevice: unknown device '" + job.defaultDevice + "' (devices: " + deviceNames(devices) + ")");

  std::set<std::string> importedKeys;
  for (const Node& n : imported.nodes) importedKeys.insert(stableKey(n));
  for (const auto& [key, a] : job.assignments.byKey) {
    const std::string where = "nodes." + key;
    if (!importedKeys.count(key)) {
      problems.push_back(where + ": the model has no node with this key (a node's name, or OP:OUTPUT when it has none)");
      continue;
    }
    if (a.device.empty()) continue;
    const DeviceSpec* device = findDevice(devices, a.device);
    if (!device) {
      problems.push_back(where + ": unknown device '" + a.device + "' (devices: " + deviceNames(devices) + ")");
      continue;
    }
    const Backend* backend = backendOf(*device);
    if (!backend) continue;  // reported with the device list
    const std::string precision = a.quant.keepFloat ? "fp32" : a.quant.precision ? quantPrecisionName(*a.quant.precision) : "";
    if (!precision.empty() && !backend->runsPrecision(precision))
      problems.push_back(where + ": device '" + a.device + "' (" + backend->name() + ") cannot run precision " + precision);
    for (const Node& n : final.nodes) {
      if (stableKey(n) != key || !carriesDeviceAssignment(n, imported)) continue;
      if (std::string reason = backend->unsupportedReason(final, n); !reason.empty())
        problems.push_back(where + ": device '" + a.device + "' (" + backend->name() + ") does not support " +
                           n.describe() + ": " + reason);
    }
  }
  return problems;
}

bool carriesDeviceAssignment(const Node& node, const Graph& imported) {
  if (node.op != "Quantize" && node.op != "Dequantize") return true;
  const std::string key = stableKey(node);
  for (const Node& n : imported.nodes)
    if (stableKey(n) == key) return n.op == node.op;
  return true;
}

void requireValidAssignments(const Job& job, const Graph& imported, const Graph& final) {
  std::vector<std::string> problems = assignmentProblems(job, imported, final);
  if (problems.empty()) return;
  const std::string source = job.projectFile.empty() ? std::string("assignments") : job.projectFile.string();
  std::string msg = source + ": " + std::to_string(problems.size()) + " invalid assignment(s):";
  for (const std::string& p : problems) msg += "\n  " + p;
  failBadInput(msg);
}

}  // namespace nest::driver
