// The API a pass plugin sees: a shared library that nestc and nestc-workbench load at run time
// (--load-pass-plugin LIB.so, Tools > Load Pass Plugin…) and that adds graph passes to the
// registry. A plugin includes this header, defines its passes over the Graph IR (core/graph.h,
// passes/pass.h, the helpers of passes/rewrite.h) and registers them:
//
//   #include "passes/pass_plugin_api.h"
//   NEST_PASS_PLUGIN(registrar) {
//     registrar.add({"my-pass", "what it does, in one line", [](nest::Graph& g, const nest::PassOptions&) {
//       ...; return changed;
//     }});
//   }
//
// Build it with the compiler and flags of nestc (C++20, the same standard library) as
// `c++ -std=c++20 -shared -fPIC -I<headers> my_pass.cpp -o my_pass.so`, linking nothing: the
// executables export their symbols (CMake ENABLE_EXPORTS), so the plugin's calls into core/ and
// passes/ resolve against the executable that loads it. The interface is C++ classes passed by
// reference, so a plugin must be built against the headers of the nestc that loads it; the API
// version below is checked at load time and changes whenever PassInfo, PassOptions or this header
// change incompatibly.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "passes/pass.h"

#define NEST_PASS_PLUGIN_API_VERSION 1

namespace nest {

inline constexpr int kPassPluginApiVersion = NEST_PASS_PLUGIN_API_VERSION;

// What the plugin's entry point fills: its passes, in order. The loader checks them all (names
// unique, not already registered) before registering any, so a plugin loads whole or not at all.
class PassPluginRegistrar {
 public:
  void add(PassInfo pass) { passes_.push_back(std::move(pass)); }
  const std::vector<PassInfo>& passes() const { return passes_; }

 private:
  std::vector<PassInfo> passes_;
};

}  // namespace nest

// The two entry points the loader looks up (extern "C": unmangled, found by dlsym).
#define NEST_PASS_PLUGIN_VERSION_SYMBOL "nest_pass_plugin_api_version"
#define NEST_PASS_PLUGIN_REGISTER_SYMBOL "nest_pass_plugin_register"

// Defines both entry points; the block that follows is the body of the register function, with
// `registrar` (a nest::PassPluginRegistrar&) named as given.
#define NEST_PASS_PLUGIN(registrar)                                                                     \
  extern "C" __attribute__((visibility("default"))) int nest_pass_plugin_api_version() {               \
    return NEST_PASS_PLUGIN_API_VERSION;                                                                \
  }                                                                                                     \
  extern "C" __attribute__((visibility("default"))) void nest_pass_plugin_register(                   \
      ::nest::PassPluginRegistrar& registrar)
