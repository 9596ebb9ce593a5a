#include "app/cli/quant_options.h"

#include "core/error.h"
#include "core/project_file.h"
#include "passes/quantization/quantize.h"

namespace nest::cli {

std::vector<OptionSpec> quantOptions(bool profileRequired) {
  return {
      {"--profile", "PROFILE.yaml",
       profileRequired ? "calibration profile from `nestc profile` (required)"
                       : "quantize with this calibration profile and run the integer graph"},
      {"--schema", "NAME", "asymmetric (default), symmetric, symmetric_uint8 or symmetric_power2"},
      {"--calibration", "METHOD", "minmax (default), kl or percentile[=P] (P in %, default 99.99)"},
      {"--precision", "int8|int16", "activation and weight precision (default int8; bias is int32)"},
      {"--per-channel", "", "per-output-channel weight scales for Conv and Gemm"},
      {"--project", "P.nestproj", "project file: quantization defaults and per-node / per-op-type overrides"},
      {"-O0", "", "the profile was recorded without float optimizations"},
      {"-O1", "", "the profile was recorded after -O1 (default)"},
      {"-O2", "", "the profile was recorded after -O2"},
  };
}

QuantRequest quantRequestFrom(const ParsedArgs& args) {
  QuantRequest r;
  std::optional<std::filesystem::path> projectProfile;
  if (args.has("--project")) {
    const std::string file = args.get("--project");
    ProjectFile project = readProjectFile(file);
    r.config = quantConfigOf(project, file);
    r.level = project.level;
    r.passes = project.passes;
    projectProfile = projectProfilePath(project, file);
  }
  if (args.has("--profile")) {
    r.profileSource = args.get("--profile");
  } else if (projectProfile) {
    r.profileSource = projectProfile->string();
  } else {
    failBadInput("--profile PROFILE.yaml is required (record one with nestc profile), or a --project whose "
                 "quantization names a profile");
  }
  r.profile = std::make_shared<const QuantProfile>(readProfile(r.profileSource));
  if (args.has("--schema")) r.config.defaults.schema = parseQuantSchema(args.get("--schema"), "--schema");
  if (args.has("--calibration"))
    r.config.defaults.calibration = parseCalibration(args.get("--calibration"), "--calibration");
  if (args.has("--precision"))
    r.config.defaults.precision = parseQuantPrecision(args.get("--precision"), "--precision");
  if (args.has("--per-channel")) r.config.perChannel = true;
  const int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1) failBadInput("give one of -O0, -O1, -O2");
  if (levels) {
    r.level = args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1";
    r.passes.clear();
  }
  return r;
}

bool quantizationRequested(const ParsedArgs& args) {
  return args.has("--profile") ||
         (args.has("--project") && projectProfilePath(readProjectFile(args.get("--project")), args.get("--project")));
}

PipelineRun quantizeModel(const Graph& g, const QuantRequest& request) {
  return runPipeline(g, quantizationPipeline(request.level, request.passes, request.profile, request.config,
                                             request.profileSource));
}

}  // namespace nest::cli
