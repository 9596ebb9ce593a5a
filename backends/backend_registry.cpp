#include "backends/backend_registry.h"

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/interpreter/interpreter_backend.h"
#include "core/error.h"

namespace nest {

const std::vector<const Backend*>& allBackends() {
  static const InterpreterBackend interpreter;
  static const cpu::CpuBackend cpu;
  static const std::vector<const Backend*> all = {&interpreter, &cpu};
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

}  // namespace nest
