#include "backends/hetero/hetero_runner.h"

#include <chrono>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "backends/npu/npu_runner.h"
#include "core/error.h"

namespace nest::hetero {

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

class HeteroRunner final : public Runner {
 public:
  HeteroRunner(const HeteroModel& model, const Graph& graph)
      : model_(model), graph_(graph), totalMs_(model.parts.size(), 0.0), threadsOfStage_(model.stages.size()) {
    for (const HeteroPart& part : model.parts) runners_.push_back(part.backend->load(*part.artifact));
  }

  // Every part that can use threads (the CPU ones) gets them; the simulated NPU parts run as they do.
  bool setThreads(int threads) override {
    for (const std::unique_ptr<Runner>& r : runners_)
      if (!r->setThreads(threads)) r->setThreads(1);
    return true;
  }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs) override {
    if (inputs.size() != graph_.inputs.size())
      failBadInput("the model takes " + std::to_string(graph_.inputs.size()) + " input(s), got " + std::to_string(inputs.size()));
    results_.assign(model_.parts.size(), {});
    for (size_t s = 0; s < model_.stages.size(); ++s) {
      const std::vector<int>& stage = model_.stages[s];
      std::set<std::thread::id> threads;
      if (stage.size() == 1) {
        runPart(stage[0], inputs);
        threads.insert(std::this_thread::get_id());
      } else {
        // A parallel group: each part on a thread of its own; the first error is rethrown here.
        std::mutex mu;
        std::exception_ptr error;
        std::vector<std::thread> pool;
        for (int k : stage)
          pool.emplace_back([&, k] {
            try {
              runPart(k, inputs);
              std::lock_guard<std::mutex> lock(mu);
              threads.insert(std::this_thread::get_id());
            } catch (...) {
              std::lock_guard<std::mutex> lock(mu);
              if (!error) error = std::current_exception();
            }
          });
        for (std::thread& t : pool) t.join();
        if (error) std::rethrow_exception(error);
      }
      threadsOfStage_[s] = threads.size();
    }
    ++runs_;
    std::vector<Tensor> outputs;
    for (const ValueSource& src : model_.outputSources) outputs.push_back(valueOf(src, inputs));
    return outputs;
  }

  std::vector<std::string> statistics() const override;

 private:
  const Tensor& valueOf(const ValueSource& src, const std::vector<Tensor>& inputs) const {
    return src.part < 0 ? inputs[src.index] : results_[src.part][src.index];
  }

  // Runs part k on inputs already made (earlier stages); writes only results_[k] and totalMs_[k].
  void runPart(int k, const std::vector<Tensor>& inputs) {
    const HeteroPart& part = model_.parts[k];
    std::vector<Tensor> args;
    for (const ValueSource& src : part.sources) args.push_back(valueOf(src, inputs));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<Tensor> out = runners_[k]->run(args);
    const double wallMs = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    totalMs_[k] += part.simulated() ? npu::npuCyclesOfLastRun(*runners_[k]) / (part.npuClockMhz * 1000.0) : wallMs;
    results_[k] = std::move(out);
  }

  const HeteroModel& model_;
  const Graph& graph_;
  std::vector<std::unique_ptr<Runner>> runners_;
  std::vector<std::vector<Tensor>> results_;  // [part][output] of the current run
  std::vector<double> totalMs_;               // [part], summed over runs
  std::vector<size_t> threadsOfStage_;        // distinct threads the last run used per stage
  int runs_ = 0;
};

std::vector<std::string> HeteroRunner::statistics() const {
  std::vector<std::string> lines;
  if (runs_ == 0) return lines;
  double total = 0;
  for (size_t s = 0; s < model_.stages.size(); ++s) {
    double stageMs = 0;  // a parallel group takes as long as its slowest part
    for (int k : model_.stages[s]) stageMs = std::max(stageMs, totalMs_[k] / runs_);
    total += stageMs;
  }
  for (size_t k = 0; k < model_.parts.size(); ++k) {
    const HeteroPart& p = model_.parts[k];
    lines.push_back("p" + std::to_string(k) + " " + p.deviceName + " (" + p.kind + "): " + std::to_string(p.nodeCount) +
                    " nodes, " + fixed(totalMs_[k] / runs_, 3) + " ms " + (p.simulated() ? "simulated" : "measured"));
  }
  for (size_t s = 0; s < model_.stages.size(); ++s) {
    if (model_.stages[s].size() < 2) continue;
    std::string group;
    for (int k : model_.stages[s]) group += (group.empty() ? "p" : "+p") + std::to_string(k);
    lines.push_back("hetero: parallel group " + group + " ran on " + std::to_string(threadsOfStage_[s]) + " threads");
  }
  // Times are per run (averaged over the runs so far).
  lines.push_back("hetero: partitions=" + std::to_string(model_.parts.size()) + " total_ms=" + fixed(total, 3));
  return lines;
}

}  // namespace

std::unique_ptr<Runner> loadHetero(const HeteroModel& model, const Graph& graph) {
  return std::make_unique<HeteroRunner>(model, graph);
}

}  // namespace nest::hetero
