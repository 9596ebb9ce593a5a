// Per-node assignments, first-class data of a project (docs/project-file-format.md,
// "Assignments"): for a node named by its stable key (core/node_keys.h), the device it runs on
// and its precision (fp32 = keep float, int8, int16) with an optional quantization schema and
// calibration. Devices are named in the project's device list; each device has a backend.
// Validation against the backends lives in the driver (driver/assignment_check.h). No Qt.
#pragma once
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/quant_config.h"

namespace nest {

struct DeviceSpec {
  std::string name;     // as assignments name it, e.g. "cpu" or "npu0"
  std::string backend;  // backend registry name, e.g. "cpu"
  // Hardware parameters for the backend (the NPU's: docs/npu-isa.md), as "KEY": "VALUE" strings.
  std::map<std::string, std::string> parameters;
  bool operator==(const DeviceSpec&) const = default;
};

struct Assignment {
  std::string device;  // empty: the project's default device
  QuantOverride quant;  // keepFloat (precision "fp32"), precision, schema, calibration
  // For people and for NEST-C interop; written to the project file, not used to find the node.
  std::string name, glowName;
  // The device was chosen by the partitioner ("Auto partition"), not pinned by the user: a new
  // auto partition may move the node, while a pin holds. Compiling treats both alike.
  bool autoPlaced = false;
};

struct Assignments {
  std::map<std::string, Assignment> byKey;

  const Assignment* find(const std::string& key) const;
  // Device and precision settings of a node (defaults for a node without an entry).
  std::string deviceOf(const Node& node) const;
  // Whether a pass may merge `absorbed` into `survivor` (the node whose key the result keeps):
  // every setting (device, precision, schema, calibration) the absorbed node's entry gives is the
  // survivor's too. What the absorbed node leaves out, it takes from the survivor.
  bool absorbable(const Node& survivor, const Node& absorbed) const;
};

// "nodes" of a project file: key -> {name, glowName, device, precision, keepFloat, schema,
// calibration}. BadInput naming `source` and the entry on a malformed one.
Assignments parseAssignments(const nlohmann::json& nodes, const std::string& source);
// One node entry as written to a project file (empty fields left out).
nlohmann::json assignmentToJson(const Assignment& a);

// "devices" of a project file: [{"name": N, "backend": B}, ...] (BadInput on a malformed list,
// a duplicate name).
std::vector<DeviceSpec> parseDeviceList(const nlohmann::json& devices, const std::string& source);
nlohmann::json deviceListToJson(const std::vector<DeviceSpec>& devices);

}  // namespace nest
