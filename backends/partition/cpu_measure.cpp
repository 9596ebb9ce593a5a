#include "backends/partition/cpu_measure.h"

#include "core/atomic_file.h"
#include "core/quant_profile.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <random>

#include <nlohmann/json.hpp>

#include "backends/cpu/cpu_backend_entry.h"
#include "backends/partition/op_signature.h"
#include "core/error.h"
#include "core/subgraph.h"

namespace nest::partition {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Deterministic inputs of the subgraph's types: floats in [-1, 1], quantized integers over
// their whole range, other integers (indices, shapes, counts) zero so that no kernel reads out of
// range.
std::vector<Tensor> measurementInputs(const Graph& g) {
  std::mt19937 rng(12345);
  std::vector<Tensor> inputs;
  for (const std::string& name : g.inputs) {
    const TensorType& type = g.typeOf(name);
    Tensor t(type);
    const int64_t n = t.numElements();
    if (type.elem == ElemType::F32) {
      std::uniform_real_distribution<float> d(-1, 1);
      for (int64_t i = 0; i < n; ++i) t.mutableData<float>()[i] = d(rng);
    } else if (type.quant && type.elem == ElemType::I8) {
      std::uniform_int_distribution<int> d(-128, 127);
      for (int64_t i = 0; i < n; ++i) t.mutableData<int8_t>()[i] = static_cast<int8_t>(d(rng));
    } else if (type.quant && type.elem == ElemType::U8) {
      std::uniform_int_distribution<int> d(0, 255);
      for (int64_t i = 0; i < n; ++i) t.mutableData<uint8_t>()[i] = static_cast<uint8_t>(d(rng));
    } else if (type.quant && type.elem == ElemType::I16) {
      std::uniform_int_distribution<int> d(-32768, 32767);
      for (int64_t i = 0; i < n; ++i) t.mutableData<int16_t>()[i] = static_cast<int16_t>(d(rng));
    } else {
      std::fill_n(static_cast<char*>(t.rawMutable()), t.byteSize(), 0);
    }
    inputs.push_back(std::move(t));
  }
  return inputs;
}

// The node alone as a graph whose outputs are all its results (a dead result too).
Graph oneNodeGraph(const Graph& graph, const Node& node) {
  const size_t index = static_cast<size_t>(&node - graph.nodes.data());
  Graph sub = extractSubgraph(graph, {index}, "cost");
  sub.outputs.clear();
  for (const std::string& out : node.outputs)
    if (!out.empty()) sub.outputs.push_back(out);
  return sub;
}

}  // namespace

CpuCostMeasurer::CpuCostMeasurer(int repeats, std::filesystem::path cacheFile)
    : repeats_(std::max(1, repeats)), cacheFile_(std::move(cacheFile)) {
  if (cacheFile_.empty() || !std::filesystem::exists(cacheFile_)) return;
  std::ifstream in(cacheFile_);
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    for (const auto& [hash, entry] : j.at("measurements").items()) {
      CpuMeasurement m;
      if (entry.contains("us")) m.microseconds = entry.at("us").get<double>();
      else m.reason = entry.at("reason").get<std::string>();
      cache_[hash] = m;
    }
  } catch (const nlohmann::json::exception& e) {
    failBadInput("the CPU cost cache " + cacheFile_.string() + " is not a cost cache: " + e.what());
  }
}

CpuMeasurement CpuCostMeasurer::measure(const Graph& graph, const Node& node) {
  ++stats_.cpuNodes;
  const std::string hash = signatureHash(opSignature(graph, node));
  if (seenThisRun_.emplace(hash, true).second) ++stats_.signatures;
  if (auto it = cache_.find(hash); it != cache_.end()) {
    ++stats_.cacheHits;
    return it->second;
  }
  CpuMeasurement m;
  const cpu::CpuBackend cpu;
  if (const std::string reason = cpu.unsupportedReason(graph, node); !reason.empty()) {
    m.reason = "cpu: " + reason;
  } else {
    m = timeOnCpu(oneNodeGraph(graph, node));
  }
  cache_[hash] = m;
  dirty_ = true;
  return m;
}

CpuMeasurement CpuCostMeasurer::timeOnCpu(const Graph& graph) {
  CpuMeasurement m;
  const cpu::CpuBackend cpu;
  try {
    const auto compileStart = Clock::now();
    ++stats_.compiles;
    CompileRequest request;
    request.name = "cost";
    const auto artifact = cpu.compile(graph, request);
    const auto runner = cpu.load(*artifact);
    const std::vector<Tensor> inputs = measurementInputs(graph);
    runner->run(inputs);  // builds the library on first run; warms caches
    stats_.compileSeconds += secondsSince(compileStart);
    const auto measureStart = Clock::now();
    std::vector<double> times;
    for (int r = 0; r < repeats_; ++r) {
      const auto start = Clock::now();
      runner->run(inputs);
      times.push_back(secondsSince(start) * 1e6);
    }
    stats_.measureSeconds += secondsSince(measureStart);
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    m.microseconds = times[times.size() / 2];
  } catch (const Error& e) {
    m.reason = "cpu: " + std::string(e.what());
  }
  return m;
}

CpuMeasurement CpuCostMeasurer::measureWhole(const Graph& graph) {
  const std::string hash = "graph:" + graphHash(graph);
  if (auto it = cache_.find(hash); it != cache_.end()) return it->second;
  const cpu::CpuBackend cpu;
  CpuMeasurement m;
  for (const Node& node : graph.nodes)
    if (const std::string reason = cpu.unsupportedReason(graph, node); !reason.empty()) m.reason = "cpu: " + reason;
  if (m.reason.empty()) m = timeOnCpu(graph);
  cache_[hash] = m;
  dirty_ = true;
  return m;
}

double CpuCostMeasurer::callOverheadUs() {
  const std::string key = "call-overhead";
  if (auto it = cache_.find(key); it == cache_.end()) {
    Graph g;
    g.name = "overhead";
    const TensorType one(ElemType::F32, {1});
    g.inputs = {"x"};
    g.setType("x", one);
    g.addNode("Relu", "relu", {"x"}, {"y"});
    g.setType("y", one);
    g.outputs = {"y"};
    cache_[key] = timeOnCpu(g);
    dirty_ = true;
  }
  const CpuMeasurement& m = cache_.at(key);
  return m.reason.empty() ? m.microseconds : 0;
}

void CpuCostMeasurer::save() const {
  if (cacheFile_.empty() || !dirty_) return;
  nlohmann::json measurements = nlohmann::json::object();
  for (const auto& [hash, m] : cache_) {
    if (m.reason.empty()) measurements[hash] = {{"us", m.microseconds}};
    else measurements[hash] = {{"reason", m.reason}};
  }
  const nlohmann::json j = {{"format", "nest-cpu-costs-1"}, {"measurements", measurements}};
  if (cacheFile_.has_parent_path()) std::filesystem::create_directories(cacheFile_.parent_path());
  writeFileAtomically(cacheFile_, j.dump(1) + "\n");
}

}  // namespace nest::partition
