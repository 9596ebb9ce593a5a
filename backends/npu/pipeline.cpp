#include "backends/npu/pipeline.h"

namespace nest::npu {

namespace {

struct Group {
  size_t firstStep = 0;
  bool input = false, weights = false;
  int inputHalf = 0, weightHalf = 0;
};

// The range of instructions one callback appended; it must not be empty.
struct Range {
  size_t begin, end;
  vta::Instruction& first(ProgramBuilder& b) const { return b.at(begin); }
  vta::Instruction& last(ProgramBuilder& b) const { return b.at(end - 1); }
};

template <typename F>
Range record(ProgramBuilder& b, F&& emit) {
  const size_t begin = b.size();
  emit();
  if (b.size() == begin) throw DoesNotFit{"internal: a pipeline callback emitted nothing"};
  return {begin, b.size()};
}

}  // namespace

void emitPipeline(ProgramBuilder& b, const std::vector<PipelineStep>& steps, const std::vector<PipelineTile>& tiles) {
  // Groups and the halves each step reads.
  std::vector<Group> groups;
  std::vector<int> groupOfStep(steps.size(), -1), inputHalf(steps.size()), weightHalf(steps.size());
  int64_t inputLoads = 0, weightLoads = 0;
  bool haveInput = false, haveWeights = false;
  int64_t residentInput = 0, residentWeights = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    const bool needInput = !haveInput || steps[s].inputKey != residentInput;
    const bool needWeights = !haveWeights || steps[s].weightKey != residentWeights;
    if (needInput || needWeights) {
      Group g{s, needInput, needWeights, 0, 0};
      if (needInput) g.inputHalf = static_cast<int>(inputLoads++ % 2);
      if (needWeights) g.weightHalf = static_cast<int>(weightLoads++ % 2);
      groupOfStep[s] = static_cast<int>(groups.size());
      groups.push_back(g);
    }
    haveInput = haveWeights = true;
    residentInput = steps[s].inputKey;
    residentWeights = steps[s].weightKey;
    inputHalf[s] = static_cast<int>((inputLoads - 1) % 2);
    weightHalf[s] = static_cast<int>((weightLoads - 1) % 2);
  }
  const size_t groupCount = groups.size();

  auto emitGroup = [&](size_t g) {
    const PipelineStep& step = steps[groups[g].firstStep];
    Range r = record(b, [&] {
      if (groups[g].input) step.loadInput(groups[g].inputHalf);
      if (groups[g].weights) step.loadWeights(groups[g].weightHalf);
    });
    if (g >= 2) r.first(b).popNext = true;
    r.last(b).pushNext = true;
  };

  if (groupCount > 0) emitGroup(0);
  const size_t tileCount = tiles.size();
  size_t currentGroup = 0;
  for (size_t s = 0; s < steps.size(); ++s) {
    const PipelineStep& step = steps[s];
    const size_t tile = static_cast<size_t>(step.tile);
    const int accHalf = static_cast<int>(tile % 2);
    const bool startsGroup = groupOfStep[s] >= 0;
    if (startsGroup) {
      currentGroup = static_cast<size_t>(groupOfStep[s]);
      if (currentGroup + 1 < groupCount) emitGroup(currentGroup + 1);  // one group ahead
    }
    if (s == 0 || steps[s - 1].tile != step.tile) {
      Range r = record(b, [&] { tiles[tile].reset(accHalf); });
      if (tile >= 2) r.first(b).popNext = true;
    }
    Range r = record(b, [&] { step.compute(inputHalf[s], weightHalf[s], accHalf); });
    if (startsGroup) r.first(b).popPrev = true;
    const bool endsSpan = s + 1 == steps.size() || groupOfStep[s + 1] >= 0;
    if (endsSpan && currentGroup + 2 < groupCount) r.last(b).pushPrev = true;
    if (s + 1 == steps.size() || steps[s + 1].tile != step.tile) {
      Range alu = record(b, [&] { tiles[tile].requantize(accHalf); });
      alu.last(b).pushNext = true;
      Range st = record(b, [&] { tiles[tile].store(accHalf); });
      st.first(b).popPrev = true;
      if (tile + 2 < tileCount || tile + 1 == tileCount) st.last(b).pushPrev = true;
    }
  }
  vta::Instruction finish;
  finish.opcode = vta::Opcode::Finish;
  finish.popNext = tileCount > 0;
  b.emit(finish, "finish");
}

}  // namespace nest::npu
