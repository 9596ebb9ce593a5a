// The registry of backends: every device compiler the driver, the CLI (--backend, --target,
// `nestc backends`) and the workbench can use. Adding a backend means adding it to the list in
// backend_registry.cpp.
#pragma once
#include <string>
#include <vector>

#include "backends/backend.h"

namespace nest {

// In registration order (the reference interpreter first).
const std::vector<const Backend*>& allBackends();
// Throws BadInput "unknown backend 'X' (available: interpreter, cpu)".
const Backend& findBackend(const std::string& name);
std::vector<std::string> backendNames();
// "interpreter, cpu": for --help texts and error messages.
std::string backendNameList();

}  // namespace nest
