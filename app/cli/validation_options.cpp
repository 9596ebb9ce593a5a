#include "app/cli/validation_options.h"

#include "backends/quant_report.h"
#include "core/error.h"
#include "driver/driver.h"

namespace nest::cli {

std::vector<OptionSpec> validationOptions() {
  return {
      {"--input", "VAL", "validation data, positional or NAME=VAL (as nestc profile's CALIB; repeatable)", true},
      {"--labels", "LABELS", "class labels: .npy (N or Nx1 integers) or an MNIST idx labels file"},
      {"--preprocess", "SPEC", "how image pixels become input values (see nestc profile --help)"},
      {"--skip", "N", "leave out the first N samples (labels are skipped alike)"},
      {"--limit", "N", "use at most N samples (after --skip)"},
  };
}

Validation validationFrom(const Graph& g, const ParsedArgs& args) {
  if (!args.has("--input")) failBadInput("--input VAL is required (the validation data)");
  CalibrationOptions options;
  if (args.has("--preprocess")) {
    options.preprocess = parsePreprocessSpec(args.get("--preprocess"));
    options.preprocessGiven = true;
  }
  options.skip = countOption(args, "--skip", 0, 0);
  options.limit = countOption(args, "--limit", -1, 1);
  Validation v{openCalibrationSet(g, args.all("--input"), options), std::nullopt};
  if (args.has("--labels")) {
    v.labels = readLabels(args.get("--labels"), options.skip);
    const int64_t samples = static_cast<int64_t>(v.data.runs()) * v.data.samplesPerRun();
    if (static_cast<int64_t>(v.labels->size()) < samples)
      failBadInput("--labels " + args.get("--labels") + " has " + std::to_string(v.labels->size()) +
                   " labels after --skip, but the validation data has " + std::to_string(samples) + " samples");
  }
  return v;
}

Graph floatPipelineGraph(driver::Job job) {
  job.quantization.reset();
  return driver::prepare(job).graph();
}

}  // namespace nest::cli
