// Loads pass plugins (shared libraries written against passes/pass_plugin_api.h) and registers
// their passes in the pass registry (passes/pass_registry.h), where pipelines, `nestc opt
// --passes`, projects and the workbench find them like built-in passes.
#pragma once
#include <string>
#include <vector>

namespace nest {

struct LoadedPassPlugin {
  std::string path;                 // as given (named in the registry as the passes' origin)
  std::vector<std::string> passes;  // the names it registered
};

// Loads `path` with dlopen, checks its API version and registers its passes; each failure is a
// BadInput naming the file: a missing file, not a loadable shared library (dlerror's message),
// no entry point, an API version other than kPassPluginApiVersion, no passes, or a pass name that
// is empty, repeated or already registered (built-in or by another plugin). Nothing is registered
// when it fails. Loading a file already loaded (the same file, by any path) returns its first
// load's result. The library stays loaded until the process ends (its passes are in the registry).
LoadedPassPlugin loadPassPlugin(const std::string& path);

// Every plugin loaded so far, in load order.
std::vector<LoadedPassPlugin> loadedPassPlugins();

}  // namespace nest
