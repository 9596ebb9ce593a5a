#include <cstdio>

#include "app/cli/commands.h"
#include "backends/backend_registry.h"
#include "core/element_type.h"

namespace nest::cli {

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string s;
  for (const std::string& i : items) s += (s.empty() ? "" : ", ") + i;
  return s;
}

int backends(const ParsedArgs&) {
  for (const Backend* b : allBackends()) {
    const BackendCapabilities c = b->capabilities();
    std::vector<std::string> types;
    for (ElemType e : c.elementTypes) types.emplace_back(elemTypeName(e));
    std::printf("%s\n  %s\n  precisions:    %s\n  element types: %s\n  output:        %s\n\n", b->name().c_str(),
                b->description().c_str(), joined(c.precisions).c_str(), joined(types).c_str(),
                c.generatesCode ? "a source bundle (nestc compile -o DIR)" : "the optimized graph as text IR");
  }
  std::printf("Use a name with `nestc run --backend NAME`, `nestc test-data --backend NAME` or\n"
              "`nestc compile --target NAME`. Which node a backend refuses, and why, is listed when a\n"
              "model is compiled (every unsupported node at once).\n");
  return kExitOk;
}

}  // namespace

Command backendsCommand() {
  return {{"backends", "", "list the backends (devices' compilers) with their capabilities",
           "One entry per registered backend: its name (for --backend / --target), what it is, the\n"
           "precisions a node assigned to it may have, and the element types it handles.",
           {}, 0, 0},
          backends};
}

}  // namespace nest::cli
