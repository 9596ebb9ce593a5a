// Turns a command's options into a driver::Job (driver/job.h): the model (MODEL or --project),
// --input-shape, the float pipeline (-O0/-O1/-O2 or the project's), quantization (--profile,
// --schema, --calibration, --precision, --per-channel, or the project's settings and profile),
// the project's assignments and devices. Parsing only: the driver does the work.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "app/cli/cli_args.h"
#include "driver/job.h"

namespace nest::cli {

// --profile, --schema, --calibration, --precision, --per-channel, --project, -O0/-O1/-O2.
// `profileRequired` phrases --profile as required (quantize) or as the switch (run, compile).
std::vector<OptionSpec> quantOptions(bool profileRequired);

enum class Quantize { IfRequested, Required };

// The job of a command: MODEL (positional 0) wins over the project's model; command-line
// settings override the project's "quantization" defaults, its per-node and per-op-type overrides
// stay. With Quantize::Required a profile (--profile or the project's) must be given.
// BadInput on a missing model or profile, a bad option value or an unreadable file.
driver::Job jobFrom(const ParsedArgs& args, Quantize quantize);

// The target: `option` (--backend or --target; `fallback` when absent) must name a registered
// backend or "hetero"; --hw-params "KEY=VALUE;..." (the NPU's, docs/npu-isa.md); for partitioning
// --devices D.yaml (whose devices assignments then name), --plan P.yaml and --strategy S.
// BadInput before any work for an unknown target or a hetero target without --devices.
void applyTarget(driver::Job& job, const ParsedArgs& args, const std::string& option, const std::string& fallback);
// --hw-params, --devices, --plan, --strategy.
std::vector<OptionSpec> targetOptions();

}  // namespace nest::cli
