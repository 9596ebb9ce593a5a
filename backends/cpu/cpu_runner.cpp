#include "backends/cpu/cpu_runner.h"

#include <dlfcn.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>

#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/embedded_files.h"
#include "core/error.h"
#include "core/text_ir.h"

namespace nest::cpu {

namespace fs = std::filesystem;

namespace {

constexpr const char* kEntry = "nest_model";
const char* const kCFlags = "-O3 -march=native -fPIC";

std::string compilerCommand() {
  const char* cc = std::getenv("CC");
  return cc && *cc ? cc : "cc";
}

uint64_t fnv1a(std::string_view s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// Runs a shell command; throws Internal with its output when it fails.
void runCommand(const std::string& cmd) {
  std::string full = cmd + " 2>&1";
  FILE* p = popen(full.c_str(), "r");
  if (!p) failInternal("cannot run '" + cmd + "'");
  std::string output;
  std::array<char, 4096> buf;
  while (size_t n = fread(buf.data(), 1, buf.size(), p)) output.append(buf.data(), n);
  int rc = pclose(p);
  if (rc != 0) failInternal("C compiler failed (" + cmd + "):\n" + output.substr(0, 4000));
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

fs::path uniqueTempDir(const std::string& stem) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::temp_directory_path() / (stem + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  fs::create_directories(dir);
  return dir;
}

// The runtime's objects, built once per (runtime text, compiler, flags) into a shared cache folder.
fs::path runtimeObjects() {
  static std::mutex mu;
  static fs::path cached;
  std::lock_guard<std::mutex> lock(mu);
  if (!cached.empty()) return cached;
  uint64_t h = fnv1a(compilerCommand() + kCFlags);
  for (const EmbeddedFile& f : embeddedFiles()) h = fnv1a(f.text, fnv1a(f.name, h));
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  fs::path dir = fs::temp_directory_path() / (std::string("nest-cpu-runtime-") + hex);
  if (!fs::exists(dir / "done")) {
    fs::path tmp = uniqueTempDir("nest-cpu-runtime-build");
    for (const EmbeddedFile& f : embeddedFiles())
      if (f.name.substr(0, 4) == "nest") {
        std::FILE* out = std::fopen((tmp / std::string(f.name)).c_str(), "wb");
        if (!out) failInternal("cannot write runtime sources into " + tmp.string());
        std::fwrite(f.text.data(), 1, f.text.size(), out);
        std::fclose(out);
      }
    for (const std::string& c : runtimeCFiles())
      runCommand(compilerCommand() + " " + kCFlags + " -c -o " + quote(tmp / (c + ".o")) + " " + quote(tmp / c));
    std::FILE* done = std::fopen((tmp / "done").c_str(), "wb");
    if (done) std::fclose(done);
    std::error_code ec;
    fs::rename(tmp, dir, ec);  // another process may have won the race: then use its folder
    if (ec) fs::remove_all(tmp, ec);
  }
  cached = dir;
  return cached;
}

struct LoadedModel {
  ~LoadedModel() {
    if (handle) dlclose(handle);  // the runtime's destructor stops its thread pool
  }
  void* handle = nullptr;
  int (*entry)(const uint8_t*, uint8_t*, uint8_t*) = nullptr;
  int (*setThreads)(int) = nullptr;
  std::mutex runMutex;  // a run and a change of its thread count never overlap
  int threads = 1;
  lir::Function function;  // planned: buffer offsets and types
  std::vector<std::string> inputNames;
  std::shared_ptr<uint8_t> weights;
  size_t activationBytes = 0, mutableBytes = 0;
};

std::shared_ptr<uint8_t> alignedBytes(size_t n) {
  const size_t size = lir::alignUp(std::max<size_t>(n, 1));
  void* p = std::aligned_alloc(lir::kAlignment, size);
  if (!p) failInternal("out of memory allocating " + std::to_string(size) + " bytes");
  std::memset(p, 0, size);
  return std::shared_ptr<uint8_t>(static_cast<uint8_t*>(p), [](uint8_t* q) { std::free(q); });
}

// Builds `m` as a shared library and loads it; its entry function is named after the model.
std::shared_ptr<LoadedModel> build(const CompiledModel& m) {
  fs::path rt = runtimeObjects();
  fs::path dir = uniqueTempDir("nest-cpu-model");
  writeModelSources(m, dir);
  std::string objs;
  for (const std::string& c : runtimeCFiles()) objs += " " + quote(rt / (c + ".o"));
  const fs::path so = dir / "model.so";
  // -Bsymbolic: the model calls its own kernels (-march=native), never same-named ones that the
  // host exports (nestc and nestc-workbench export their symbols for pass plugins).
  runCommand(compilerCommand() + " " + kCFlags + " -shared -Wl,-Bsymbolic -I" + quote(dir) + " -o " + quote(so) + " " +
             quote(dir / (m.name + ".c")) + objs + " -lm -pthread");
  auto model = std::make_shared<LoadedModel>();
  model->handle = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!model->handle) failInternal(std::string("dlopen failed: ") + dlerror());
  model->entry = reinterpret_cast<int (*)(const uint8_t*, uint8_t*, uint8_t*)>(dlsym(model->handle, m.name.c_str()));
  if (!model->entry) failInternal("the compiled model has no entry function");
  model->setThreads = reinterpret_cast<int (*)(int)>(dlsym(model->handle, (m.name + "_set_threads").c_str()));
  if (!model->setThreads) failInternal("the compiled model has no " + m.name + "_set_threads function");
  std::error_code ec;
  fs::remove_all(dir, ec);  // the library stays mapped
  model->function = m.lir.result;
  model->inputNames = m.graph.inputs;
  model->weights = alignedBytes(m.lir.result.weightBytes);
  fillWeights(m, model->weights.get());
  model->activationBytes = model->function.activationBytes;
  model->mutableBytes = model->function.mutableBytes;
  return model;
}

std::shared_ptr<LoadedModel> loadCached(const CompiledModel& compiled) {
  static std::mutex mu;
  static std::map<std::pair<uint64_t, size_t>, std::shared_ptr<LoadedModel>> cache;
  const std::string text = compiled.name + "\n" + printGraph(compiled.graph);
  const auto key = std::make_pair(fnv1a(text), text.size());
  {
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::shared_ptr<LoadedModel> model = build(compiled);
  std::lock_guard<std::mutex> lock(mu);
  cache[key] = model;
  return model;
}

std::vector<Tensor> runLoaded(LoadedModel* model, const std::vector<Tensor>& inputs, int threads) {
  const lir::Function& f = model->function;
  if (inputs.size() != f.inputs.size())
    failBadInput("the model takes " + std::to_string(f.inputs.size()) + " inputs, got " + std::to_string(inputs.size()));
  std::shared_ptr<uint8_t> mut = alignedBytes(model->mutableBytes);
  std::shared_ptr<uint8_t> act = alignedBytes(model->activationBytes);
  for (size_t k = 0; k < inputs.size(); ++k) {
    const lir::Buffer& b = f.buffer(f.inputs[k]);
    if (inputs[k].elem() != b.type.elem || inputs[k].shape() != b.type.shape)
      failBadInput("input '" + model->inputNames[k] + "' must be " + typeToString(b.type) + ", got " +
                   typeToString(inputs[k].type()));
    std::memcpy(mut.get() + b.offset, inputs[k].raw(), b.bytes());
  }
  std::lock_guard<std::mutex> lock(model->runMutex);
  if (threads != model->threads) {
    if (model->setThreads(threads) != 0) failBadInput("cannot start " + std::to_string(threads) + " threads");
    model->threads = threads;
  }
  if (model->entry(model->weights.get(), mut.get(), act.get()) != 0)
    failBadInput("the CPU bundle reported an index operand out of range");
  std::vector<Tensor> outputs;
  for (lir::BufferId id : f.outputs) {
    const lir::Buffer& b = f.buffer(id);
    outputs.emplace_back(b.type, mut.get() + f.buffer(f.root(id)).offset + f.offsetInRoot(id));
  }
  return outputs;
}

class CpuRunner final : public Runner {
 public:
  explicit CpuRunner(std::shared_ptr<LoadedModel> model) : model_(std::move(model)) {}
  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override { return runLoaded(model_.get(), inputs, threads_); }
  bool setThreads(int threads) override {
    if (threads < 1 || threads > kMaxThreads) return false;
    threads_ = threads;
    return true;
  }

 private:
  static constexpr int kMaxThreads = 256;  // nest_set_threads' limit
  std::shared_ptr<LoadedModel> model_;
  int threads_ = 1;
};

}  // namespace

std::unique_ptr<Runner> loadOnCpu(const CompiledModel& compiled) {
  return std::make_unique<CpuRunner>(loadCached(compiled));
}

std::vector<Tensor> runOnCpu(const Graph& graph, const std::vector<Tensor>& inputs, int threads) {
  CompileOptions opts;
  opts.name = kEntry;
  std::unique_ptr<Runner> runner = loadOnCpu(compile(graph, opts));
  if (!runner->setThreads(threads)) failBadInput("cannot run on " + std::to_string(threads) + " threads");
  return runner->run(inputs);
}

}  // namespace nest::cpu
