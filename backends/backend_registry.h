// The registry of backends: every device compiler the driver, the CLI (--backend, --target,
// `nestc backends`) and the workbench can use. Adding a backend means adding it to the list in
// backend_registry.cpp.
#pragma once
#include <map>
#include <memory>
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

// The backend named `name` configured with hardware `parameters` (the NPU's: LOG_BLOCK,
// CLOCK_MHZ, ...; docs/npu-isa.md); without parameters the registry's own instance. BadInput
// naming `where` (a device, an option) for bad parameters or a backend that takes none.
std::shared_ptr<const Backend> configuredBackend(const std::string& name, const std::map<std::string, std::string>& parameters,
                                                 const std::string& where);

}  // namespace nest
