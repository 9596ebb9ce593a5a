#include <iostream>

#include "app/cli/commands.h"
#include "backends/backend_registry.h"
#include "driver/driver.h"
#include "core/error.h"

namespace nest::cli {

namespace {

// --rtol / --atol: a number >= 0, all of the text.
double toleranceOption(const ParsedArgs& args, const std::string& opt, double def) {
  if (!args.has(opt)) return def;
  const std::string text = args.get(opt);
  size_t used = 0;
  double v = -1;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !(v >= 0))
    failBadInput(opt + " expects a number >= 0, got '" + text + "'");
  return v;
}

int testData(const ParsedArgs& args) {
  const int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1) failBadInput("give one of -O0, -O1, -O2");
  GraphRunner runner =
      driver::graphRunner(args.get("--backend", "interpreter"), args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1",
                          threadsOption(args));
  Tolerance tol;
  tol.rtol = toleranceOption(args, "--rtol", tol.rtol);
  tol.atol = toleranceOption(args, "--atol", tol.atol);
  int passed = 0, failed = 0;
  for (const std::string& path : args.positional) {
    for (const auto& dir : findTestCases(path)) {
      TestCaseResult r = runOnnxTestCase(dir, runner, tol);
      if (r.passed) {
        ++passed;
        std::cout << "PASS " << r.name << "\n";
      } else {
        ++failed;
        std::cout << "FAIL " << r.name << ": " << r.message << "\n";
      }
      std::cout.flush();
    }
  }
  std::cout << passed << " passed, " << failed << " failed\n";
  return failed ? kExitWrongResults : kExitOk;
}

}  // namespace

Command testDataCommand() {
  return {{"test-data", "DIR... [--backend NAME] [--rtol R] [--atol A] [--threads N]",
           "run ONNX test-case folders and compare with their reference outputs",
           "Each DIR is a test case (model.onnx + test_data_set_*/input_K.pb, output_K.pb) or a folder\n"
           "of test cases. Prints one line per test and a closing `N passed, N failed` line; exits 1\n"
           "when a test fails. Floats compare with |got - expected| <= atol + rtol*|expected|\n"
           "(defaults of the ONNX backend tests: rtol 1e-3, atol 1e-7); integers exactly. Graph\n"
           "inputs that select the computation (a Reshape shape, ...) are bound from the data set.",
           {{"--backend", "NAME", "backend that runs the models: " + backendNameList() + " (default interpreter)"},
            {"-O0", "", "run the imported graph as it is"},
            {"-O1", "", "standard graph optimizations first (default)"},
            {"-O2", "", "-O1 plus layout optimizations"},
            {"--rtol", "R", "relative tolerance (default 1e-3)"},
            {"--atol", "A", "absolute tolerance (default 1e-7)"},
            threadsOptionSpec()},
           1, -1},
          testData};
}

}  // namespace nest::cli
