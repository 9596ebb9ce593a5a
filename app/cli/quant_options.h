// Quantization options shared by the commands that quantize a model (quantize, run --profile,
// and later quant-report and sensitivity): the profile, schema, calibration, precision,
// per-channel weights, the float pipeline level and a project file with per-node overrides.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "core/graph.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"
#include "passes/pass_manager.h"

namespace nest::cli {

// --profile, --schema, --calibration, --precision, --per-channel, --project, -O0/-O1/-O2.
// `profileRequired` phrases --profile as required (quantize) or as the switch (run).
std::vector<OptionSpec> quantOptions(bool profileRequired);

struct QuantRequest {
  std::shared_ptr<const QuantProfile> profile;
  std::string profileSource;
  QuantConfig config;
  std::string level = "O1";         // float pipeline the profile was recorded after
  std::vector<std::string> passes;  // or an explicit pass list (from the project file)
};

// Reads the profile (--profile, else the one the --project file names) and the project file (if
// any); command-line settings override the project's "quantization" defaults, its per-node and
// per-op-type overrides stay. BadInput on a missing profile, a bad option value or an unreadable
// file.
QuantRequest quantRequestFrom(const ParsedArgs& args);

// Whether a command that quantizes only on request (run, compile) should: --profile is given, or
// --project names a profile.
bool quantizationRequested(const ParsedArgs& args);

// Runs the float pipeline and the quantize pass on `g` (stale profile: BadInput).
PipelineRun quantizeModel(const Graph& g, const QuantRequest& request);

}  // namespace nest::cli
