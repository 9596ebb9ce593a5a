#include "app/cli/commands.h"

#include "passes/pass_plugin.h"

namespace nest::cli {

OptionSpec inputShapeOption() {
  return {"--input-shape", "NAME=DIMS", "fix a graph input's shape, e.g. data=1x3x224x224 (repeatable)", true};
}

ImportOptions importOptionsFrom(const ParsedArgs& args) {
  ImportOptions o;
  for (const std::string& spec : args.all("--input-shape")) {
    auto [name, shape] = parseInputShapeSpec(spec);
    o.inputShapes[name] = shape;
  }
  return o;
}

OptionSpec passPluginOption() {
  return {"--load-pass-plugin", "LIB.so", "load a pass plugin and register its passes (repeatable; passes/pass_plugin_api.h)", true};
}

bool runsPassPipeline(const CommandSpec& spec) {
  for (const OptionSpec& o : spec.options)
    if (o.name == "-O1") return true;
  return false;
}

void loadPassPlugins(const ParsedArgs& args) {
  if (!args.has("--load-pass-plugin")) return;
  for (const std::string& lib : args.all("--load-pass-plugin")) loadPassPlugin(lib);
}

}  // namespace nest::cli
