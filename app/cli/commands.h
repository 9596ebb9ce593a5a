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
Command partitionCommand();
Command planCommand();
Command costsCommand();

// Options every model-reading command shares.
OptionSpec inputShapeOption();
ImportOptions importOptionsFrom(const ParsedArgs& args);
// --load-pass-plugin LIB.so (repeatable): every command that runs the pass pipeline (its options
// include -O1) takes it; main.cpp adds it to their specs and loads the plugins, in the order
// given, before the command runs, so a plugin's passes work wherever a built-in's name does.
OptionSpec passPluginOption();
bool runsPassPipeline(const CommandSpec& spec);
void loadPassPlugins(const ParsedArgs& args);

// Exit codes.
constexpr int kExitOk = 0, kExitWrongResults = 1, kExitBadInput = 2;

}  // namespace nest::cli
