#include "backends/backend_registry.h"

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/interpreter/interpreter_backend.h"
#include "backends/npu/npu_backend.h"
#include "core/error.h"

namespace nest {

const std::vector<const Backend*>& allBackends() {
  static const InterpreterBackend interpreter;
  static const cpu::CpuBackend cpu;
  static const npu::NpuBackend npu;
  static const std::vector<const Backend*> all = {&interpreter, &cpu, &npu};
  return all;
}

const Backend& findBackend(const std::string& name) {
  for (const Backend* b : allBackends())
    if (b->name() == name) return *b;
  failBadInput("unknown backend '" + name + "' (available: " + backendNameList() + ")");
}

std::vector<std::string> backendNames() {
  std::vector<std::string> names;
  for (const Backend* b : allBackends()) names.push_back(b->name());
  return names;
}

std::string backendNameList() {
  std::string list;
  for (const std::string& n : backendNames()) list += (list.empty() ? "" : ", ") + n;
  return list;
}

std::shared_ptr<const Backend> configuredBackend(const std::string& name, const std::map<std::string, std::string>& parameters,
                                                 const std::string& where) {
  const Backend& registered = findBackend(name);
  if (parameters.empty()) return std::shared_ptr<const Backend>(&registered, [](const Backend*) {});
  if (name != "npu") failBadInput(where + ": the " + name + " backend takes no hardware parameters");
  try {
    return std::make_shared<npu::NpuBackend>(vta::hwConfigFromParameters(parameters));
  } catch (const vta::ConfigError& e) {
    failBadInput(where + ": " + e.what());
  }
}

}  // namespace nest
