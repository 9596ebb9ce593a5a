#include <algorithm>
#include <cstdio>
#include <iostream>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "core/graph_stats.h"
#include "core/node_keys.h"
#include "driver/assignment_check.h"
#include "driver/driver.h"

namespace nest::cli {

namespace {

// The project's assignments: one row per entry with the node(s) it names, then every problem.
// Returns false when an assignment is invalid.
bool printAssignments(const driver::Job& job, const Graph& g) {
  std::cout << "\nassignments (" << job.projectFile.string() << ", " << job.assignments.byKey.size() << ")\n";
  std::printf("  %-28s %-14s %-24s %-12s %s\n", "key", "op", "glow name", "device", "precision");
  for (const auto& [key, a] : job.assignments.byKey) {
    std::string op = "(no such node)", glow = "-";
    for (const Node& n : g.nodes)
      if (stableKey(n) == key) {
        op = n.op;
        glow = glowStyleName(n);
        break;
      }
    const std::string precision = a.quant.keepFloat ? "fp32" : a.quant.precision ? quantPrecisionName(*a.quant.precision) : "-";
    std::printf("  %-28s %-14s %-24s %-12s %s%s\n", key.c_str(), op.c_str(), glow.c_str(),
                a.device.empty() ? "(default)" : a.device.c_str(), precision.c_str(),
                a.quant.schema ? (" " + quantSchemaName(*a.quant.schema)).c_str() : "");
  }
  std::cout << "devices";
  for (const DeviceSpec& d : driver::effectiveDevices(job)) std::cout << "  " << d.name << " (" << d.backend << ")";
  std::cout << "; unassigned nodes: " << (job.defaultDevice.empty() ? "the target's device" : job.defaultDevice) << "\n";
  const std::vector<std::string> problems = driver::assignmentProblems(job, g, g);
  for (const std::string& p : problems) std::cerr << "invalid assignment: " << p << "\n";
  return problems.empty();
}

int info(const ParsedArgs& args) {
  const driver::Job job = jobFrom(args, Quantize::IfRequested);
  const Graph g = driver::importModel(job);
  GraphStats s = computeStats(g);
  std::cout << "model   " << job.model.string() << "\ngraph   " << g.name << "\n\ninputs\n";
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
  if (!job.projectFile.empty() && !printAssignments(job, g)) return kExitBadInput;
  return kExitOk;
}

}  // namespace

Command infoCommand() {
  return {{"info", "MODEL [--input-shape NAME=DIMS] [--project P.nestproj]",
           "show inputs, outputs, op histogram, parameter count and MAC estimate",
           "MODEL is an ONNX model (.onnx binary or .onnxtxt text) or text IR (.nir). With --project\n"
           "(MODEL may then be left out) it also lists the project's per-node assignments — key,\n"
           "op, Glow-style name, device, precision — and every invalid one (exit 2).",
           {inputShapeOption(), {"--project", "P.nestproj", "project file whose model and assignments to show"}}, 0, 1},
          info};
}

}  // namespace nest::cli
