#include "app/cli/cli_args.h"

#include "core/error.h"

namespace nest::cli {

std::string ParsedArgs::get(const std::string& opt, const std::string& def) const {
  auto it = values.find(opt);
  return it == values.end() || it->second.empty() ? def : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& opt) const {
  static const std::vector<std::string> none;
  auto it = values.find(opt);
  return it == values.end() ? none : it->second;
}

ParsedArgs parseArgs(const CommandSpec& spec, const std::vector<std::string>& args) {
  ParsedArgs p;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      p.help = true;
      return p;
    }
    if (a.size() > 1 && a[0] == '-') {
      std::string name = a, inlineValue;
      bool hasInline = false;
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        name = a.substr(0, eq);
        inlineValue = a.substr(eq + 1);
        hasInline = true;
      }
      const OptionSpec* opt = nullptr;
      for (const OptionSpec& o : spec.options)
        if (o.name == name) opt = &o;
      if (!opt) failBadInput("unknown option '" + name + "' (see nestc " + spec.name + " --help)");
      if (opt->valueName.empty()) {
        p.values[name].push_back("");
        continue;
      }
      std::string value;
      if (hasInline) {
        value = inlineValue;
      } else {
        if (i + 1 >= args.size()) failBadInput("option " + name + " needs a value " + opt->valueName);
        value = args[++i];
      }
      p.values[name].push_back(value);
      // Repeatable options also take several values in a row: --input a.npy b.npy
      while (opt->repeatable && !hasInline && i + 1 < args.size() && args[i + 1].rfind("-", 0) != 0 &&
             static_cast<int>(p.positional.size()) >= spec.minPositional)
        p.values[name].push_back(args[++i]);
      continue;
    }
    p.positional.push_back(a);
  }
  int n = static_cast<int>(p.positional.size());
  if (n < spec.minPositional || (spec.maxPositional >= 0 && n > spec.maxPositional))
    failBadInput("expected " + spec.usage + " (see nestc " + spec.name + " --help)");
  return p;
}

std::string helpText(const CommandSpec& spec) {
  std::string s = "usage: nestc " + spec.name + " " + spec.usage + "\n\n" + spec.summary + "\n";
  if (!spec.details.empty()) s += "\n" + spec.details + "\n";
  if (!spec.options.empty()) {
    s += "\noptions:\n";
    for (const OptionSpec& o : spec.options) {
      std::string left = "  " + o.name + (o.valueName.empty() ? "" : " " + o.valueName);
      if (left.size() < 30) left.append(30 - left.size(), ' ');
      else left += "\n" + std::string(30, ' ');
      s += left + o.help + "\n";
    }
  }
  s += "  --help                      show this help\n";
  return s;
}

int64_t countOption(const ParsedArgs& args, const std::string& opt, int64_t def, int64_t minimum) {
  if (!args.has(opt)) return def;
  const std::string s = args.get(opt);
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != s.size() || s.empty() || v < minimum)
    failBadInput(opt + " must be an integer >= " + std::to_string(minimum) + ", not '" + s + "'");
  return v;
}

int threadsOption(const ParsedArgs& args) {
  const int64_t n = countOption(args, "--threads", 1, 1);
  if (n > 256) failBadInput("--threads takes 1 to 256 threads, not " + std::to_string(n));
  return static_cast<int>(n);
}

OptionSpec threadsOptionSpec() {
  return {"--threads", "N", "threads of the CPU kernels, cpu and hetero backends (default 1; outputs are identical for every N)"};
}

}  // namespace nest::cli
