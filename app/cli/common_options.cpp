#include "app/cli/commands.h"

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

}  // namespace nest::cli
