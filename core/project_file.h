// Workbench project files (.nestproj, JSON; see docs/project-file-format.md): a model, the
// pipeline to run on it, fixed input shapes and (reserved) per-node overrides. No Qt.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/assignment.h"
#include "core/tensor_type.h"

namespace nest {

struct ProjectFile {
  std::filesystem::path model;        // as written: relative to the project file, or absolute
  std::string level = "O1";           // "O0", "O1" or "O2" when passes is empty
  std::vector<std::string> passes;    // an explicit pass list (used when non-empty)
  std::map<std::string, Shape> inputShapes;
  // Devices the assignments may name (empty: one device per registered backend, named after it)
  // and the device of nodes without one (empty: the target the command is given).
  std::vector<DeviceSpec> devices;
  std::string defaultDevice;
  // A NEST-C device configuration (core/device_config.h; relative to the project file) for
  // partitioning: when set, it is the device list (`devices` must then be absent) and
  // `nestc partition / compile --target hetero --project P` and the workbench's device mode use it.
  std::filesystem::path deviceConfig;
  // Per-node assignments (stable node key -> {device, precision, keepFloat, schema, calibration,
  // name, glowName}: core/assignment.h, read with assignmentsOf), per op type
  // entries and the project-wide quantization settings; core/quant_config.h reads them
  // (quantConfigOf). Kept as JSON so keys owned by other features survive a round trip.
  nlohmann::json nodes = nlohmann::json::object();
  nlohmann::json opTypes = nlohmann::json::object();
  nlohmann::json quantization = nlohmann::json::object();
};

// Parse / serialize the JSON text. `source` names the text in error messages, which start
// "SOURCE:LINE:COLUMN: " (of the JSON error, or of the key whose value is wrong). Errors
// (nest::Error, BadInput): bad JSON, wrong format/version, missing
// "model", unknown pipeline level, malformed pipeline / inputShapes / nodes / opTypes /
// quantization (including unknown schema, calibration or precision names).
ProjectFile parseProjectFile(const std::string& text, const std::string& source = "project");
std::string projectFileToJson(const ProjectFile& project);

// The per-node assignments of the project's "nodes".
Assignments assignmentsOf(const ProjectFile& project, const std::string& source = "project");

// The quantize pass's configuration from the project's "quantization", "opTypes" and "nodes".
struct QuantConfig;
QuantConfig quantConfigOf(const ProjectFile& project, const std::string& source = "project");

// The calibration profile the project names ("quantization": {"profile": PATH}), resolved like the
// model path (relative to the project file's folder); nullopt when it names none.
std::optional<std::filesystem::path> projectProfilePath(const ProjectFile& project,
                                                        const std::filesystem::path& projectFile);

// The device configuration the project names, resolved like the model path; nullopt when none.
std::optional<std::filesystem::path> projectDeviceConfigPath(const ProjectFile& project,
                                                             const std::filesystem::path& projectFile);

// Read / write a .nestproj file (errors: nest::Error naming the file). Writing is atomic
// (core/atomic_file.h): a crash or a full disk never leaves a truncated project.
ProjectFile readProjectFile(const std::filesystem::path& file);
void writeProjectFile(const std::filesystem::path& file, const ProjectFile& project);

// The model path of `project` read from `projectFile`: relative paths are taken relative to
// the project file's folder.
std::filesystem::path resolveModelPath(const ProjectFile& project, const std::filesystem::path& projectFile);

}  // namespace nest
