// nestc: command-line face of the NEST compiler.
#include <csignal>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "core/error.h"
#include "nest_version.h"  // generated at build time (packaging/version.cmake)

namespace {

std::vector<nest::cli::Command> allCommands() {
  using namespace nest::cli;
  std::vector<Command> commands = {infoCommand(), runCommand(), testDataCommand(), printCommand(), dotCommand(), optCommand(), renderCommand(), quantizeCommand(), profileCommand(), quantReportCommand(), sensitivityCommand(), compileCommand(), backendsCommand(), partitionCommand(), planCommand(), costsCommand()};
  for (Command& c : commands)
    if (runsPassPipeline(c.spec)) c.spec.options.push_back(passPluginOption());
  return commands;
}

void printUsage() {
  std::cout << "nestc — NEST deep-learning compiler (ONNX in, static shapes)\n\n"
               "usage: nestc COMMAND [options]\n\ncommands:\n";
  for (const auto& c : allCommands()) {
    std::string name = "  " + c.spec.name;
    name.append(16 - std::min<size_t>(name.size(), 14), ' ');  // at least two spaces (help2man reads columns)
    std::cout << name << c.spec.summary << "\n";
  }
  std::cout << "\n`nestc COMMAND --help` explains a command; `nestc --version` prints the version and\n"
               "git revision. Exit codes: 0 success, 1 wrong results, 2 bad input or unsupported model\n"
               "(the message names the node and the op).\n";
}

}  // namespace

int main(int argc, char** argv) {
  // A write over the file-size limit (ulimit -f) then fails with EFBIG and is reported by name,
  // instead of the signal killing nestc.
  std::signal(SIGXFSZ, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printUsage();
    return args.empty() ? nest::cli::kExitBadInput : nest::cli::kExitOk;
  }
  if (args[0] == "--version") {
    std::cout << "nestc " NEST_VERSION "\ngit revision " NEST_GIT_REVISION "\n";
    return nest::cli::kExitOk;
  }
  for (const auto& c : allCommands()) {
    if (c.spec.name != args[0]) continue;
    try {
      auto parsed = nest::cli::parseArgs(c.spec, {args.begin() + 1, args.end()});
      if (parsed.help) {
        std::cout << nest::cli::helpText(c.spec);
        return nest::cli::kExitOk;
      }
      loadPassPlugins(parsed);
      return c.run(parsed);
    } catch (const nest::Error& e) {
      std::cerr << "nestc " << c.spec.name << ": error: " << e.what() << "\n";
      return nest::cli::kExitBadInput;
    } catch (const std::exception& e) {
      std::cerr << "nestc " << c.spec.name << ": internal error: " << e.what() << "\n";
      return nest::cli::kExitBadInput;
    }
  }
  std::cerr << "nestc: unknown command '" << args[0] << "'\n\n";
  printUsage();
  return nest::cli::kExitBadInput;
}
