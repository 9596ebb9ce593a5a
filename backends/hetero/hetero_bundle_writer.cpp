#include "backends/hetero/hetero_bundle_writer.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <string_view>

#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "backends/npu/npu_bundle_writer.h"
#include "core/error.h"

namespace nest::hetero {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kAlign = 64;
uint64_t aligned(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }
std::string num(uint64_t v) { return std::to_string(v) + "u"; }

void writeFile(const fs::path& file, std::string_view bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) failBadInput("cannot write '" + file.string() + "'");
}

std::string readFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot read '" + file.string() + "'");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string upper(const std::string& s) {
  std::string u;
  for (char c : s) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return u;
}

// A part's files as written, what its runner compiles and its buffer sizes (its NAME_pK.h's).
struct PartSources {
  std::vector<std::string> written, cFiles, cppFiles;
  uint64_t weightBytes = 0, mutableBytes = 0, activationBytes = 0;
};

PartSources writePart(const HeteroPart& part, const fs::path& dir) {
  PartSources s;
  const Artifact& a = *part.artifact;
  if (part.kind == "cpu") {
    const cpu::CompiledModel& m = cpu::compiledModelOf(a);
    s.written = cpu::writeModelSources(m, dir);
    s.cFiles = {m.name + ".c"};
    for (const std::string& c : cpu::runtimeCFiles()) s.cFiles.push_back(c);
    s.weightBytes = m.lir.result.weightBytes;
    s.mutableBytes = m.lir.result.mutableBytes;
    s.activationBytes = m.lir.result.activationBytes;
  } else if (part.kind == "npu") {
    npu::NpuBundleSources n = npu::writeNpuModelSources(npu::npuModelOf(a), *a.graph, a.name, dir);
    s = {n.written, n.cFiles, n.cppFiles, n.weightBytes, n.mutableBytes, n.activationBytes};
  } else {
    failUnsupported("partition on device '" + part.deviceName + "': the " + part.kind +
                    " backend writes no bundle part (only cpu and npu do)");
  }
  return s;
}

class HostCodeGen {
 public:
  HostCodeGen(const HeteroModel& model, const Graph& graph, const std::string& name)
      : m_(model), g_(graph), name_(name), up_(upper(name)) {}

  void run(const fs::path& dir, std::vector<std::string>& written, std::vector<std::string>& cFiles,
           std::vector<std::string>& cppFiles) {
    auto addUnique = [](std::vector<std::string>& list, const std::string& f) {
      if (std::find(list.begin(), list.end(), f) == list.end()) list.push_back(f);
    };
    cFiles.push_back(name_ + ".c");
    std::string weights;
    uint64_t arena = 0;
    for (size_t k = 0; k < m_.parts.size(); ++k) {
      const std::string partName = m_.parts[k].artifact->name;
      PartSources s = writePart(m_.parts[k], dir);
      // One weights file for the bundle: the parts' blobs one after the other, each aligned.
      const fs::path partWeights = dir / (partName + ".weights.bin");
      const std::string blob = readFile(partWeights);
      if (blob.size() != s.weightBytes)
        failInternal(partName + ".weights.bin has " + std::to_string(blob.size()) + " bytes, its header says " +
                     std::to_string(s.weightBytes));
      fs::remove(partWeights);
      weightOff_.push_back(weights.size());
      weights += blob;
      weights.resize(aligned(weights.size()));
      mutOff_.push_back(arena);
      arena += aligned(std::max<uint64_t>(s.mutableBytes, 1));
      actOff_.push_back(arena);
      arena += aligned(std::max<uint64_t>(s.activationBytes, 1));
      for (const std::string& f : s.written)
        if (!f.ends_with(".weights.bin")) addUnique(written, f);
      for (const std::string& f : s.cFiles) addUnique(cFiles, f);
      for (const std::string& f : s.cppFiles) addUnique(cppFiles, f);
    }
    planMutable();
    writeFile(dir / (name_ + ".weights.bin"), weights);
    written.push_back(name_ + ".weights.bin");
    writeFile(dir / (name_ + ".h"), header(weights.size(), std::max<uint64_t>(arena, kAlign)));
    written.push_back(name_ + ".h");
    writeFile(dir / (name_ + ".c"), source());
    written.push_back(name_ + ".c");
  }

 private:
  void planMutable() {
    uint64_t off = 0;
    for (const std::string& v : g_.inputs) {
      mutableOffset_.push_back(off);
      off += aligned(g_.typeOf(v).byteSize());
    }
    for (const std::string& v : g_.outputs) {
      outputOffset_.push_back(off);
      off += aligned(g_.typeOf(v).byteSize());
    }
    mutableBytes_ = std::max<uint64_t>(off, kAlign);
  }

  std::string partName(int k) const { return m_.parts[k].artifact->name; }

  // The C address of a value: a graph input in mutable_vars or a part's output slot.
  std::string addressOf(const ValueSource& src) const {
    if (src.part < 0) return "mutable_vars + " + num(mutableOffset_[src.index]);
    return "activations + " + num(mutOff_[src.part]) + " + " + partName(src.part) + "_outputs[" + std::to_string(src.index) +
           "].offset";
  }

  std::string header(uint64_t weightBytes, uint64_t activationBytes) const {
    std::string h = "/* Generated by nestc (NEST Workbench): API of heterogeneous bundle '" + name_ +
                    "' (the same API as CPU bundles, docs/cpu-bundle.md). */\n";
    h += "#ifndef " + up_ + "_BUNDLE_H\n#define " + up_ + "_BUNDLE_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n";
    h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n" + cpu::bundleTensorTypedef();
    h += "#define " + up_ + "_ALIGNMENT 64\n";
    h += "#define " + up_ + "_WEIGHTS_SIZE " + num(weightBytes) + "\n";
    h += "#define " + up_ + "_MUTABLE_SIZE " + num(mutableBytes_) + "\n";
    h += "#define " + up_ + "_ACTIVATIONS_SIZE " + num(activationBytes) + "\n";
    h += "#define " + up_ + "_NUM_INPUTS " + std::to_string(g_.inputs.size()) + "\n";
    h += "#define " + up_ + "_NUM_OUTPUTS " + std::to_string(g_.outputs.size()) + "\n";
    h += "#define " + up_ + "_NUM_PARTITIONS " + std::to_string(m_.parts.size()) + "\n";
    h += "#define " + up_ + "_HAS_PART_TIMES 1\n\n";
    h += "extern const nest_bundle_tensor " + name_ + "_inputs[];\nextern const nest_bundle_tensor " + name_ + "_outputs[];\n\n";
    h += "/* Runs the model: the partitions in dependency order, each parallel group's on threads. Returns 0,\n"
         " * or the first nonzero result of a partition (see its NAME_pK.h). */\n";
    h += "int " + name_ + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations);\n";
    h += "/* The last run's time of partition k in milliseconds: CPU parts measured, NPU parts simulated. */\n";
    h += "double " + name_ + "_partition_ms(int k);\n";
    h += "/* Prints a line per partition and the total (a parallel group counts as its slowest part). */\n";
    h += "void " + name_ + "_print_times(void);\n\n";
    h += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return h;
  }

  std::string source() const {
    const size_t n = m_.parts.size();
    std::string s = "/* Generated by nestc (NEST Workbench): host code of heterogeneous bundle '" + name_ + "': " +
                    std::to_string(n) + " partition(s) in " + std::to_string(m_.stages.size()) + " stage(s). */\n";
    s += "#define _POSIX_C_SOURCE 200809L\n#include <pthread.h>\n#include <stdio.h>\n#include <string.h>\n#include <time.h>\n\n";
    s += "#include \"" + name_ + ".h\"\n";
    for (size_t k = 0; k < n; ++k) s += "#include \"" + partName(k) + ".h\"\n";
    s += "\nconst nest_bundle_tensor " + name_ + "_inputs[] = {\n";
    for (size_t k = 0; k < g_.inputs.size(); ++k)
      s += cpu::bundleTensorEntry(g_.inputs[k], g_.typeOf(g_.inputs[k]), mutableOffset_[k]) + ",\n";
    if (g_.inputs.empty()) s += "  {0}\n";
    s += "};\nconst nest_bundle_tensor " + name_ + "_outputs[] = {\n";
    for (size_t k = 0; k < g_.outputs.size(); ++k)
      s += cpu::bundleTensorEntry(g_.outputs[k], g_.typeOf(g_.outputs[k]), outputOffset_[k]) + ",\n";
    s += "};\n\n";
    s += "typedef struct part_call {\n  const uint8_t *weights;\n  uint8_t *mutable_vars, *activations;\n  int rc;\n} part_call;\n\n";
    s += "static double part_ms[" + std::to_string(n) + "];\n\n";
    s += "static double now_ms(void) {\n  struct timespec ts;\n  clock_gettime(CLOCK_MONOTONIC, &ts);\n"
         "  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;\n}\n\n";
    for (size_t k = 0; k < n; ++k) {
      const HeteroPart& p = m_.parts[k];
      s += "/* p" + std::to_string(k) + ": " + p.deviceName + " (" + p.kind + "), " + std::to_string(p.nodeCount) + " node(s) */\n";
      s += "static void *run_p" + std::to_string(k) + "(void *arg) {\n  part_call *c = (part_call *)arg;\n";
      s += "  double t0 = now_ms();\n";
      s += "  c->rc = " + partName(k) + "(c->weights, c->mutable_vars, c->activations);\n";
      if (p.simulated()) {
        char clock[64];
        std::snprintf(clock, sizeof clock, "%.17g", p.npuClockMhz * 1000.0);
        s += "  (void)t0;\n  part_ms[" + std::to_string(k) + "] = (double)" + partName(k) + "_npu_cycles() / " + clock +
             "; /* simulated cycles at the NPU's clock */\n";
      } else {
        s += "  part_ms[" + std::to_string(k) + "] = now_ms() - t0;\n";
      }
      s += "  return NULL;\n}\n\n";
    }
    s += "/* Runs the parts of a parallel group concurrently: the first on this thread, the others on threads of\n"
         " * their own (on this thread too when one cannot start). Returns the first nonzero result. */\n";
    s += "static int run_group(void *(*const *fns)(void *), part_call *const *calls, int count) {\n";
    s += "  pthread_t threads[" + std::to_string(n) + "];\n  int started[" + std::to_string(n) + "];\n  int i, rc = 0;\n";
    s += "  for (i = 1; i < count; ++i) started[i] = pthread_create(&threads[i], NULL, fns[i], calls[i]) == 0;\n";
    s += "  fns[0](calls[0]);\n";
    s += "  for (i = 1; i < count; ++i) {\n    if (started[i]) pthread_join(threads[i], NULL);\n    else fns[i](calls[i]);\n  }\n";
    s += "  for (i = count - 1; i >= 0; --i)\n    if (calls[i]->rc) rc = calls[i]->rc;\n  return rc;\n}\n\n";

    s += "int " + name_ + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations) {\n";
    s += "  part_call calls[" + std::to_string(n) + "];\n";
    for (size_t k = 0; k < n; ++k)
      s += "  calls[" + std::to_string(k) + "].weights = weights + " + num(weightOff_[k]) + ";\n  calls[" + std::to_string(k) +
           "].mutable_vars = activations + " + num(mutOff_[k]) + ";\n  calls[" + std::to_string(k) +
           "].activations = activations + " + num(actOff_[k]) + ";\n  calls[" + std::to_string(k) + "].rc = 0;\n";
    for (size_t st = 0; st < m_.stages.size(); ++st) {
      const std::vector<int>& stage = m_.stages[st];
      std::string names;
      for (int k : stage) names += " p" + std::to_string(k);
      s += "  /* stage " + std::to_string(st) + (stage.size() > 1 ? " (parallel):" : ":") + names + " */\n";
      for (int k : stage) {
        const HeteroPart& p = m_.parts[k];
        for (size_t i = 0; i < p.inputs.size(); ++i)
          s += "  memcpy(calls[" + std::to_string(k) + "].mutable_vars + " + partName(k) + "_inputs[" + std::to_string(i) +
               "].offset, " + addressOf(p.sources[i]) + ", " + partName(k) + "_inputs[" + std::to_string(i) + "].size);\n";
      }
      if (stage.size() == 1) {
        const std::string k = std::to_string(stage[0]);
        s += "  run_p" + k + "(&calls[" + k + "]);\n  if (calls[" + k + "].rc != 0) return calls[" + k + "].rc;\n";
      } else {
        std::string fns, calls;
        for (int k : stage) {
          fns += (fns.empty() ? "" : ", ") + std::string("run_p") + std::to_string(k);
          calls += (calls.empty() ? "" : ", ") + std::string("&calls[") + std::to_string(k) + "]";
        }
        s += "  {\n    void *(*const fns[])(void *) = {" + fns + "};\n    part_call *const group[] = {" + calls + "};\n";
        s += "    int rc = run_group(fns, group, " + std::to_string(stage.size()) + ");\n    if (rc != 0) return rc;\n  }\n";
      }
    }
    for (size_t k = 0; k < g_.outputs.size(); ++k)
      s += "  memcpy(mutable_vars + " + num(outputOffset_[k]) + ", " + addressOf(m_.outputSources[k]) + ", " +
           num(g_.typeOf(g_.outputs[k]).byteSize()) + ");\n";
    s += "  return 0;\n}\n\n";

    s += "double " + name_ + "_partition_ms(int k) { return k >= 0 && k < " + std::to_string(n) + " ? part_ms[k] : 0.0; }\n\n";
    s += "void " + name_ + "_print_times(void) {\n  double total = 0, stage;\n";
    for (size_t k = 0; k < n; ++k) {
      const HeteroPart& p = m_.parts[k];
      s += "  printf(\"p" + std::to_string(k) + " " + p.deviceName + " (" + p.kind + "): " + std::to_string(p.nodeCount) +
           " nodes, %.3f ms " + (p.simulated() ? "simulated" : "measured") + "\\n\", part_ms[" + std::to_string(k) + "]);\n";
    }
    for (const std::vector<int>& stage : m_.stages) {
      s += "  stage = part_ms[" + std::to_string(stage[0]) + "];\n";
      for (size_t i = 1; i < stage.size(); ++i)
        s += "  if (part_ms[" + std::to_string(stage[i]) + "] > stage) stage = part_ms[" + std::to_string(stage[i]) + "];\n";
      s += "  total += stage;\n";
    }
    s += "  printf(\"hetero: partitions=" + std::to_string(n) + " total_ms=%.3f\\n\", total);\n}\n";
    return s;
  }

  const HeteroModel& m_;
  const Graph& g_;
  std::string name_, up_;
  std::vector<uint64_t> weightOff_, mutOff_, actOff_;  // [part]: its weights, mutable_vars, activations
  std::vector<uint64_t> mutableOffset_, outputOffset_;  // graph inputs / outputs in mutable_vars
  uint64_t mutableBytes_ = 0;
};

}  // namespace

std::vector<std::string> writeHeteroBundle(const HeteroModel& model, const Graph& graph, const std::string& name,
                                           const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) failBadInput("cannot create the bundle folder '" + dir.string() + "'");
  std::vector<std::string> written, cFiles, cppFiles;
  HostCodeGen(model, graph, name).run(dir, written, cFiles, cppFiles);
  writeFile(dir / "main.c", cpu::runnerMainSource(name));
  written.push_back("main.c");
  writeFile(dir / "Makefile", cpu::runnerMakefile("Builds the runner of heterogeneous bundle '" + name +
                                                      "' (generated by nestc): the stitching host code, one part per "
                                                      "partition, the CPU runtime and the NPU simulator.",
                                                  cFiles, cppFiles, "-lm -pthread"));
  written.push_back("Makefile");
  return written;
}

}  // namespace nest::hetero
