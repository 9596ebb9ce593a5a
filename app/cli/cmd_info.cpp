#include <algorithm>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "core/graph_stats.h"
#include "core/model_loader.h"

namespace nest::cli {

namespace {

std::string humanCount(int64_t n) {
  char buf[32];
  if (n >= 1000000000) std::snprintf(buf, sizeof buf, "%.2f G", n / 1e9);
  else if (n >= 1000000) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  else if (n >= 1000) std::snprintf(buf, sizeof buf, "%.1f k", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
  return buf;
}

int info(const ParsedArgs& args) {
  Graph g = loadModel(args.positional[0], importOptionsFrom(args));
  GraphStats s = computeStats(g);
  std::cout << "model   " << args.positional[0] << "\ngraph   " << g.name << "\n\ninputs\n";
  for (const std::string& in : g.inputs) std::cout << "  " << in << ": " << typeToString(g.typeOf(in)) << "\n";
  std::cout << "outputs\n";
  for (const std::string& out : g.outputs) std::cout << "  " << out << ": " << typeToString(g.typeOf(out)) << "\n";
  std::cout << "\nnodes        " << s.nodeCount << "\nparameters   " << s.parameterCount << " (" << humanCount(s.parameterCount)
            << ", " << humanCount(s.parameterBytes) << "B)\nMACs         " << s.macs << " (" << humanCount(s.macs) << ")\n\nops\n";
  std::vector<std::pair<std::string, int64_t>> ops(s.opHistogram.begin(), s.opHistogram.end());
  std::stable_sort(ops.begin(), ops.end(), [](auto& a, auto& b) { return a.second > b.second; });
  for (const auto& [op, n] : ops) {
    std::string name = "  " + op;
    name.append(name.size() < 26 ? 26 - name.size() : 1, ' ');
    std::cout << name << n << "\n";
  }
  return kExitOk;
}

}  // namespace

Command infoCommand() {
  return {{"info", "MODEL [--input-shape NAME=DIMS]",
           "show inputs, outputs, op histogram, parameter count and MAC estimate",
           "MODEL is an ONNX model (.onnx binary or .onnxtxt text) or text IR (.nir).",
           {inputShapeOption()}, 1, 1},
          info};
}

}  // namespace nest::cli
