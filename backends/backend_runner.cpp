#include "backends/backend_runner.h"

#include "backends/cpu/cpu_runner.h"
#include "backends/interpreter/interpreter.h"
#include "core/error.h"

namespace nest {

std::vector<std::string> backendNames() { return {"interpreter", "cpu"}; }

GraphRunner runnerForBackend(const std::string& name) {
  if (name == "interpreter")
    return [](const Graph& g, const std::vector<Tensor>& inputs) { return Interpreter(g).run(inputs); };
  if (name == "cpu") return [](const Graph& g, const std::vector<Tensor>& inputs) { return cpu::runOnCpu(g, inputs); };
  std::string known;
  for (const std::string& n : backendNames()) known += (known.empty() ? "" : ", ") + n;
  failBadInput("unknown backend '" + name + "' (available: " + known + ")");
}

}  // namespace nest
