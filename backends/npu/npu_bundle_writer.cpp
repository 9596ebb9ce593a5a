#include "backends/npu/npu_bundle_writer.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <string_view>

#include "backends/cpu/bundle_writer.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/cpu_backend_entry.h"
#include "backends/cpu/embedded_files.h"
#include "backends/npu/vta/assembly.h"
#include "core/error.h"

namespace nest::npu {

namespace fs = std::filesystem;

namespace {

// The embedded files are the CPU runtime (nest*), the runner template and the NPU simulator
// (backends/npu/vta/, everything else).
bool isSimulatorFile(std::string_view name) { return !name.starts_with("nest") && name != "bundle_main.c.in"; }

// Generates NAME.h / NAME.c and lays out the weights file.
class HostCodeGen {
 public:
  HostCodeGen(const NpuModel& model, const Graph& graph, const std::string& name)
      : m_(model), g_(graph), name_(name), up_(cpu::upperName(name)) {}

  void run(const fs::path& dir, NpuBundleSources& sources) {
    std::vector<std::string>& written = sources.written;
    planMutable();
    std::string weights;
    std::string body, init;
    uint64_t arena = 0, scratch = 0;
    auto hostSlot = [&](const std::string& value) -> std::string {
      if (mutableOffset_.count(value)) return "mutable_vars + " + cpu::cUnsigned(mutableOffset_.at(value));
      if (!arenaOffset_.count(value)) {
        arenaOffset_[value] = arena;
        arena += cpu::bundleAligned(g_.typeOf(value).byteSize());
      }
      return "activations + " + cpu::cUnsigned(arenaOffset_.at(value));
    };
    std::set<std::string> onDevice;
    std::set<std::string> neededOnHost(g_.outputs.begin(), g_.outputs.end());
    for (const NpuStep& s : m_.steps)
      if (s.device == "cpu") neededOnHost.insert(s.inputs.begin(), s.inputs.end());
    const int batch = m_.config.batch();
    auto shapeArgs = [&](const std::string& value) {
      const BlockedShape b = blockedShapeOf(g_.typeOf(value));
      scratch = std::max<uint64_t>(scratch, blockedBytes(b, m_.config));
      return std::to_string(b.n) + ", " + std::to_string(b.c) + ", " + std::to_string(b.h) + ", " + std::to_string(b.w);
    };

    int npuIndex = 0;
    for (const NpuStep& step : m_.steps) {
      if (step.device == "cpu") {
        const cpu::CompiledModel& part = cpu::compiledModelOf(*step.cpu);
        for (const std::string& f : cpu::writeModelSources(part, dir))
          if (!f.ends_with(".weights.bin") && std::find(written.begin(), written.end(), f) == written.end()) written.push_back(f);
        const std::string partWeights = cpu::readBundleFile(dir / (part.name + ".weights.bin"));
        fs::remove(dir / (part.name + ".weights.bin"));
        const uint64_t wOff = weights.size();
        weights += partWeights;
        weights.resize(cpu::bundleAligned(weights.size()));
        const uint64_t mutOff = arena;
        arena += cpu::bundleAligned(part.lir.result.mutableBytes);
        const uint64_t actOff = arena;
        arena += cpu::bundleAligned(part.lir.result.activationBytes);
        includes_ += "#include \"" + part.name + ".h\"\n";
        body += "  /* fallback on the CPU: " + std::to_string(step.fallbackReasons.size()) + " node(s) */\n";
        for (size_t k = 0; k < step.inputs.size(); ++k)
          body += "  memcpy(activations + " + cpu::cUnsigned(mutOff) + " + " + part.name + "_inputs[" + std::to_string(k) +
                  "].offset, " + hostSlot(step.inputs[k]) + ", " + part.name + "_inputs[" + std::to_string(k) + "].size);\n";
        body += "  if (" + part.name + "(weights + " + cpu::cUnsigned(wOff) + ", activations + " + cpu::cUnsigned(mutOff) + ", activations + " +
                cpu::cUnsigned(actOff) + ") != 0) return 1;\n";
        for (size_t k = 0; k < step.outputs.size(); ++k)
          body += "  memcpy(" + hostSlot(step.outputs[k]) + ", activations + " + cpu::cUnsigned(mutOff) + " + " + part.name +
                  "_outputs[" + std::to_string(k) + "].offset, " + part.name + "_outputs[" + std::to_string(k) + "].size);\n";
        continue;
      }
      const NodeProgram& p = step.program;
      const uint64_t cOff = weights.size();
      weights.append(reinterpret_cast<const char*>(p.constants.data()), p.constants.size());
      weights.resize(cpu::bundleAligned(weights.size()));
      const std::vector<uint8_t> program = vta::encodeProgram(p.instructions, m_.config);
      const uint64_t pOff = weights.size();
      weights.append(reinterpret_cast<const char*>(program.data()), program.size());
      weights.resize(cpu::bundleAligned(weights.size()));
      if (!p.constants.empty())
        init += "    if (nest_npu_copy_to(dev, " + cpu::cUnsigned(p.constantsAddress) + ", weights + " + cpu::cUnsigned(cOff) + ", " +
                cpu::cUnsigned(p.constants.size()) + ") != 0) return fail(\"constants do not fit DRAM\");\n";
      body += "  /* NPU: " + step.node + " */\n";
      for (size_t k = 0; k < step.inputs.size(); ++k) {
        const std::string& v = step.inputs[k];
        if (onDevice.count(v)) continue;
        const std::string dims = shapeArgs(v);
        body += "  nest_npu_pack((const int8_t *)(" + hostSlot(v) + "), (int8_t *)scratch, " + dims + ", " +
                std::to_string(batch) + ", " + std::to_string(m_.config.blockIn()) + ");\n";
        body += "  nest_npu_copy_to(dev, " + cpu::cUnsigned(step.inputAddresses[k]) + ", scratch, nest_npu_blocked_size(" + dims +
                ", " + std::to_string(batch) + ", " + std::to_string(m_.config.blockIn()) + "));\n";
        onDevice.insert(v);
      }
      body += "  if (nest_npu_run(dev, weights + " + cpu::cUnsigned(pOff) + ", " + cpu::cUnsigned(p.instructions.size()) +
              ") != 0 || nest_npu_wait(dev, &stats) != 0) return fail(" + cpu::cStringLiteral("NPU program of " + step.node) + ");\n";
      body += "  npu_total_cycles += stats.cycles;\n";
      const std::string& out = step.outputs[0];
      onDevice.insert(out);
      if (neededOnHost.count(out)) {
        const std::string dims = shapeArgs(out);
        body += "  nest_npu_copy_from(dev, scratch, " + cpu::cUnsigned(step.outputAddress) + ", nest_npu_blocked_size(" + dims + ", " +
                std::to_string(batch) + ", " + std::to_string(m_.config.blockOut()) + "));\n";
        body += "  nest_npu_unpack((const int8_t *)scratch, (int8_t *)(" + hostSlot(out) + "), " + dims + ", " +
                std::to_string(batch) + ", " + std::to_string(m_.config.blockOut()) + ");\n";
      }
      ++npuIndex;
    }
    const uint64_t scratchOff = arena;
    arena += cpu::bundleAligned(std::max<uint64_t>(scratch, 1));

    cpu::writeBundleFile(dir / (name_ + ".weights.bin"), weights);
    written.push_back(name_ + ".weights.bin");
    cpu::writeBundleFile(dir / (name_ + ".h"), header(weights.size(), arena));
    written.push_back(name_ + ".h");
    cpu::writeBundleFile(dir / (name_ + ".c"), source(init, body, scratchOff, npuIndex));
    written.push_back(name_ + ".c");
    sources.weightBytes = weights.size();
    sources.mutableBytes = cpu::bundleAligned(std::max<uint64_t>(mutableBytes_, 1));
    sources.activationBytes = arena;
  }

 private:
  void planMutable() {
    uint64_t off = 0;
    for (const std::string& v : g_.inputs) {
      mutableOffset_[v] = off;
      off += cpu::bundleAligned(g_.typeOf(v).byteSize());
    }
    for (const std::string& v : g_.outputs) {
      if (mutableOffset_.count(v)) continue;
      mutableOffset_[v] = off;
      off += cpu::bundleAligned(g_.typeOf(v).byteSize());
    }
    mutableBytes_ = off;
  }

  std::string header(uint64_t weightBytes, uint64_t activationBytes) const {
    std::string h = "/* Generated by nestc (NEST Workbench): API of NPU bundle '" + name_ +
                    "' (docs/npu-isa.md; the same API as CPU bundles, docs/cpu-bundle.md). */\n";
    h += "#ifndef " + up_ + "_BUNDLE_H\n#define " + up_ + "_BUNDLE_H\n\n#include <stddef.h>\n#include <stdint.h>\n\n";
    h += "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    h += cpu::bundleTensorTypedef();
    h += "#define " + up_ + "_ALIGNMENT 64\n";
    h += "#define " + up_ + "_WEIGHTS_SIZE " + cpu::cUnsigned(weightBytes) + "\n";
    h += "#define " + up_ + "_MUTABLE_SIZE " + cpu::cUnsigned(cpu::bundleAligned(std::max<uint64_t>(mutableBytes_, 1))) + "\n";
    h += "#define " + up_ + "_ACTIVATIONS_SIZE " + cpu::cUnsigned(activationBytes) + "\n";
    h += "#define " + up_ + "_NUM_INPUTS " + std::to_string(g_.inputs.size()) + "\n";
    h += "#define " + up_ + "_NUM_OUTPUTS " + std::to_string(g_.outputs.size()) + "\n";
    h += "#define " + up_ + "_NPU_DRAM_BYTES " + cpu::cUnsigned(m_.dramBytes) + "\n\n";
    h += "extern const nest_bundle_tensor " + name_ + "_inputs[];\nextern const nest_bundle_tensor " + name_ + "_outputs[];\n\n";
    h += "/* Runs the model (NPU steps on the device behind npu_driver.h, opened on the first call).\n"
         " * Returns 0, 1 when a CPU part fails, 2 when the NPU cannot be opened, 3 when an NPU program fails\n"
         " * (the driver's message goes to stderr). */\n";
    h += "int " + name_ + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations);\n";
    h += "/* Simulated NPU cycles of the last run. */\nuint64_t " + name_ + "_npu_cycles(void);\n\n";
    h += "#ifdef __cplusplus\n}\n#endif\n\n#endif\n";
    return h;
  }

  std::string source(const std::string& init, const std::string& body, uint64_t scratchOff, int npuSteps) const {
    std::string s = "/* Generated by nestc (NEST Workbench): host code of NPU bundle '" + name_ + "': " +
                    std::to_string(npuSteps) + " NPU program(s), the rest on the CPU. */\n";
    s += "#include <stdio.h>\n#include <string.h>\n\n#include \"" + name_ + ".h\"\n#include \"npu_driver.h\"\n" + includes_ + "\n";
    s += "const nest_bundle_tensor " + name_ + "_inputs[] = {\n";
    for (const std::string& v : g_.inputs) s += cpu::bundleTensorEntry(v, g_.typeOf(v), mutableOffset_.at(v)) + ",\n";
    if (g_.inputs.empty()) s += "  {0}\n";
    s += "};\nconst nest_bundle_tensor " + name_ + "_outputs[] = {\n";
    for (const std::string& v : g_.outputs) s += cpu::bundleTensorEntry(v, g_.typeOf(v), mutableOffset_.at(v)) + ",\n";
    s += "};\n\n";
    s += "static nest_npu_device *dev;\nstatic uint64_t npu_total_cycles;\n\n";
    s += "static int fail(const char *what) {\n  fprintf(stderr, \"npu: %s: %s\\n\", what, dev ? nest_npu_error(dev) : \"no device\");\n"
         "  return 3;\n}\n\n";
    s += "uint64_t " + name_ + "_npu_cycles(void) { return npu_total_cycles; }\n\n";
    s += "int " + name_ + "(const uint8_t *weights, uint8_t *mutable_vars, uint8_t *activations) {\n";
    s += "  uint8_t *scratch = activations + " + cpu::cUnsigned(scratchOff) + ";\n  nest_npu_stats stats;\n";
    s += "  (void)scratch;\n  (void)stats;\n  (void)mutable_vars;\n";
    s += "  if (!dev) {\n    char error[512];\n    dev = nest_npu_open(" + cpu::cStringLiteral(vta::hwConfigToString(m_.config)) + ", " + up_ +
         "_NPU_DRAM_BYTES, error, sizeof error);\n";
    s += "    if (!dev) {\n      fprintf(stderr, \"npu: cannot open the device: %s\\n\", error);\n      return 2;\n    }\n";
    s += "    if (nest_npu_alloc(dev, " + up_ + "_NPU_DRAM_BYTES) == UINT64_MAX) return fail(\"DRAM allocation\");\n";
    s += init + "  }\n  npu_total_cycles = 0;\n" + body + "  return 0;\n}\n";
    return s;
  }

  const NpuModel& m_;
  const Graph& g_;
  std::string name_, up_;
  std::string includes_;
  std::map<std::string, uint64_t> mutableOffset_, arenaOffset_;
  uint64_t mutableBytes_ = 0;
};

}  // namespace

std::string npuListing(const NpuModel& model) {
  std::string text = "; NPU programs (docs/npu-isa.md), " + model.config.describe() + "\n";
  for (const NpuStep& step : model.steps) {
    if (step.device != "npu") continue;
    text += "\n; " + step.node + ": " + std::to_string(step.program.instructions.size()) + " instructions, " +
            step.program.plan + "\n";
    text += vta::formatProgram(step.program.instructions, step.program.comments);
    if (!text.ends_with('\n')) text += '\n';
  }
  return text;
}

NpuBundleSources writeNpuModelSources(const NpuModel& model, const Graph& graph, const std::string& name,
                                      const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir)) failBadInput("cannot create the bundle folder '" + dir.string() + "'");
  NpuBundleSources sources;
  HostCodeGen(model, graph, name).run(dir, sources);
  cpu::writeBundleFile(dir / (name + ".npu.s"), npuListing(model));
  sources.written.push_back(name + ".npu.s");

  sources.cFiles = {name + ".c"};
  for (const NpuStep& s : model.steps)
    if (s.device == "cpu") sources.cFiles.push_back(cpu::compiledModelOf(*s.cpu).name + ".c");
  if (sources.cFiles.size() > 1)  // the CPU parts' runtime
    for (const std::string& c : cpu::runtimeCFiles()) sources.cFiles.push_back(c);
  for (const cpu::EmbeddedFile& f : cpu::embeddedFiles()) {
    if (!isSimulatorFile(f.name)) continue;
    cpu::writeBundleFile(dir / std::string(f.name), f.text);
    sources.written.emplace_back(f.name);
    if (f.name.ends_with(".cpp")) sources.cppFiles.emplace_back(f.name);
  }
  return sources;
}

std::vector<std::string> writeNpuBundle(const NpuModel& model, const Graph& graph, const std::string& name,
                                        const fs::path& dir) {
  NpuBundleSources sources = writeNpuModelSources(model, graph, name, dir);
  cpu::writeBundleFile(dir / "main.c", cpu::runnerMainSource(name));
  sources.written.push_back("main.c");
  cpu::writeBundleFile(dir / "Makefile", cpu::runnerMakefile("Builds the runner of NPU bundle '" + name +
                                                      "' (generated by nestc): host code, CPU fallback parts and the "
                                                      "simulator, which is the NPU's driver here.",
                                                  sources.cFiles, sources.cppFiles));
  sources.written.push_back("Makefile");
  return sources.written;
}

}  // namespace nest::npu
