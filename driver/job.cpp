#include "driver/job.h"

#include "backends/backend_registry.h"
#include "core/device_config.h"
#include "driver/partition_stage.h"

namespace nest::driver {

Quantization quantizationFromProfile(const std::filesystem::path& profile, QuantConfig config) {
  Quantization q;
  q.profile = std::make_shared<const QuantProfile>(readProfile(profile.string()));
  q.profileSource = profile.string();
  q.config = std::move(config);
  return q;
}

void applyProject(Job& job, const ProjectFile& project, const std::filesystem::path& projectFile) {
  const std::string source = projectFile.string();
  job.projectFile = projectFile;
  job.model = resolveModelPath(project, projectFile);
  for (const auto& [name, shape] : project.inputShapes) job.import.inputShapes.emplace(name, shape);
  job.level = project.level;
  job.passes = project.passes;
  job.assignments = assignmentsOf(project, source);
  job.devices = project.devices;
  if (auto config = projectDeviceConfigPath(project, projectFile)) {
    job.devicesFile = *config;
    job.devices = deviceSpecsOf(readDeviceConfigs(*config));
  }
  job.defaultDevice = project.defaultDevice;
  if (auto profile = projectProfilePath(project, projectFile))
    job.quantization = quantizationFromProfile(*profile, quantConfigOf(project, source));
}

const DeviceSpec* findDevice(const std::vector<DeviceSpec>& devices, const std::string& name) {
  for (const DeviceSpec& d : devices)
    if (d.name == name) return &d;
  return nullptr;
}

std::map<std::string, std::string> targetParameters(const Job& job) {
  if (!job.targetParameters.empty()) return job.targetParameters;
  for (const DeviceSpec& d : job.devices)
    if (d.backend == job.target) return d.parameters;
  return {};
}

std::vector<DeviceSpec> effectiveDevices(const Job& job) {
  if (!job.devices.empty()) return job.devices;
  std::vector<DeviceSpec> devices;
  for (const std::string& name : backendNames()) devices.push_back({name, name});
  return devices;
}

}  // namespace nest::driver
