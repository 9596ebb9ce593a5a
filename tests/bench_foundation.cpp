// Foundation benchmark (run on demand, not by ctest): ONNX import and reference-interpreter
// latency on the seed models. Prints the median of N runs after one warm-up.
//   build/bin/bench_foundation [MODELS_DIR] [RUNS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "backends/interpreter/interpreter.h"
#include "core/model_loader.h"
#include "core/npy.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

template <typename F>
double medianMs(int runs, F&& f) {
  f();  // warm-up
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = argc > 1 ? argv[1] : "build/models";
  int runs = argc > 2 ? std::stoi(argv[2]) : 5;
  std::printf("%-18s %10s %12s %14s\n", "model", "MB", "import ms", "interpret ms");
  for (const char* name : {"lenet5", "squeezenet1_1", "mobilenet_v2", "resnet18", "googlenet", "resnet50", "resnext50_32x4d"}) {
    fs::path model = dir / name / "model.onnx";
    if (!fs::exists(model)) {
      std::printf("%-18s missing (run scripts/make_seed_models.py %s)\n", name, dir.c_str());
      continue;
    }
    double importMs = medianMs(runs, [&] { loadModel(model); });
    Graph g = loadModel(model);
    Interpreter interp(g);
    Tensor input = readTensorFile(dir / name / "test_data_set_0" / "input_0.pb");
    double runMs = medianMs(runs, [&] { interp.run({input}); });
    std::printf("%-18s %10.1f %12.1f %14.1f\n", name, fs::file_size(model) / 1e6, importMs, runMs);
  }
  return 0;
}
