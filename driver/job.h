// What a driver run is asked to do: the model, import options, the float pipeline, quantization,
// the per-node assignments with their devices, and the target. A CLI command fills it from its
// options, the workbench from the document; a project file fills it with applyProject.
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/assignment.h"
#include "core/onnx_import.h"
#include "core/project_file.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"

namespace nest::driver {

struct Quantization {
  std::shared_ptr<const QuantProfile> profile;
  std::string profileSource;  // the profile's path (named in errors and records)
  QuantConfig config;
};

struct Job {
  std::filesystem::path model;
  std::filesystem::path projectFile;  // empty when the job has no project
  ImportOptions import;
  // Input files (FILE in graph-input order, or NAME=FILE) for a run: bound at import as
  // backends/input_binding.h says (values that select the computation become constants, dynamic
  // dimensions take the files' sizes).
  std::optional<std::vector<std::string>> inputFiles;  // set for a run (every input must be given)
  std::string level = "O1";         // float pipeline: O0, O1, O2 ...
  std::vector<std::string> passes;  // ... or an explicit pass list (used when non-empty)
  std::optional<Quantization> quantization;
  Assignments assignments;
  std::vector<DeviceSpec> devices;  // empty: one device per registered backend, named after it
  std::string defaultDevice;        // device of unassigned nodes; empty: the target's device
  std::string target = "cpu";       // backend that compiles and runs (a registry name)
  // Hardware parameters of the target (the NPU's, docs/npu-isa.md); empty: those of the job's
  // device of the target's backend, if any.
  std::map<std::string, std::string> targetParameters;
  // Partitioning (target "hetero", nestc partition): a NEST-C device list, and a plan file or a
  // strategy (auto, greedy, nestc-dp, cpu) placing the nodes; the project's device pins hold.
  std::filesystem::path devicesFile;
  std::filesystem::path planFile;
  std::string strategy = "auto";
  bool verifyEachPass = false;      // run the IR verifier after every graph pass
};

// Takes the project's model (resolved relative to the project file), input shapes, pipeline,
// assignments, devices and quantization (its "quantization" settings and per-node / per-op-type
// overrides; the profile it names is read). BadInput on an unreadable profile.
void applyProject(Job& job, const ProjectFile& project, const std::filesystem::path& projectFile);

// Reads a calibration profile (BadInput naming the file when it cannot).
Quantization quantizationFromProfile(const std::filesystem::path& profile, QuantConfig config);

// The devices a job may assign to (its own list, or one per registered backend).
std::vector<DeviceSpec> effectiveDevices(const Job& job);
// The target's hardware parameters: the job's own, else those of its first device of the
// target's backend.
std::map<std::string, std::string> targetParameters(const Job& job);
// The device named `name` in `devices`, or null.
const DeviceSpec* findDevice(const std::vector<DeviceSpec>& devices, const std::string& name);

}  // namespace nest::driver
