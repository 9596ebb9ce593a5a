// The nestc commands. Each command file defines its spec (for --help) and its body.
#pragma once
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "core/onnx_import.h"

namespace nest::cli {

struct Command {
  CommandSpec spec;
  int (*run)(const ParsedArgs&);
};

Command infoCommand();
Command runCommand();
Command testDataCommand();
Command printCommand();
Command dotCommand();
Command optCommand();
Command renderCommand();
Command quantizeCommand();
Command profileCommand();
Command quantReportCommand();
Command sensitivityCommand();
Command compileCommand();
Command backendsCommand();
Command planCommand();
Command costsCommand();

// Options every model-reading command shares.
OptionSpec inputShapeOption();
ImportOptions importOptionsFrom(const ParsedArgs& args);

// Exit codes.
constexpr int kExitOk = 0, kExitWrongResults = 1, kExitBadInput = 2;

}  // namespace nest::cli
