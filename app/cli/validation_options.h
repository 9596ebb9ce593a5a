// Options of the commands that compare a quantized model with its float original over a
// validation set (quant-report, sensitivity): --input, --labels, --preprocess, --skip, --limit.
// The data is read exactly as `nestc profile` reads calibration data (core/calibration_data.h).
#pragma once
#include <optional>
#include <vector>

#include "app/cli/cli_args.h"
#include "app/cli/job_options.h"
#include "driver/job.h"
#include "core/calibration_data.h"
#include "core/graph.h"

namespace nest::cli {

std::vector<OptionSpec> validationOptions();

struct Validation {
  CalibrationSet data;
  std::optional<std::vector<int64_t>> labels;  // from --labels, starting at the first sample used
  const std::vector<int64_t>* labelsOrNull() const { return labels ? &*labels : nullptr; }
};

// Opens --input for `g` (after --skip / --limit) and --labels. BadInput names the option.
Validation validationFrom(const Graph& g, const ParsedArgs& args);

// The graph the profile was recorded on: the job's model after its float pipeline.
Graph floatPipelineGraph(driver::Job job);

}  // namespace nest::cli
