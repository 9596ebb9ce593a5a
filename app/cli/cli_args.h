// A small command-line parser: options declared per command, --help generated from them.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nest::cli {

struct OptionSpec {
  std::string name;       // "--output-dir"
  std::string valueName;  // "DIR"; empty for a flag
  std::string help;
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;
  std::string usage;  // "MODEL [options]"
  std::string summary;
  std::string details;  // paragraphs shown by --help
  std::vector<OptionSpec> options;
  int minPositional = 0, maxPositional = 1;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // option -> values (flags: {""})
  bool help = false;

  bool has(const std::string& opt) const { return values.count(opt) != 0; }
  std::string get(const std::string& opt, const std::string& def = "") const;
  const std::vector<std::string>& all(const std::string& opt) const;
};

// Throws nest::Error(BadInput) on unknown options, missing values, wrong positional count.
ParsedArgs parseArgs(const CommandSpec& spec, const std::vector<std::string>& args);
std::string helpText(const CommandSpec& spec);
// A count option (--skip, --limit, --bins, ...): an integer >= minimum, `def` when absent;
// BadInput naming the option otherwise.
int64_t countOption(const ParsedArgs& args, const std::string& opt, int64_t def, int64_t minimum);
// --threads N: the CPU kernels' threads, 1 to 256 (1 when absent); BadInput otherwise.
int threadsOption(const ParsedArgs& args);
// Its help line.
OptionSpec threadsOptionSpec();

}  // namespace nest::cli
