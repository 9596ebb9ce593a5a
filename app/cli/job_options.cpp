#include "app/cli/job_options.h"

#include "app/cli/commands.h"
#include "core/error.h"
#include "backends/backend_registry.h"
#include "backends/npu/vta/hw_config.h"
#include "core/device_config.h"
#include "driver/partition_stage.h"
#include "core/project_file.h"
#include "passes/quantization/quantize.h"

namespace nest::cli {

std::vector<OptionSpec> quantOptions(bool profileRequired) {
  return {
      {"--profile", "PROFILE.yaml",
       profileRequired ? "calibration profile from `nestc profile` (required)"
                       : "quantize with this calibration profile and run the integer graph"},
      {"--schema", "NAME", "asymmetric (default), symmetric, symmetric_uint8 or symmetric_power2"},
      {"--calibration", "METHOD", "minmax (default), kl, percentile[=P] (P in %, default 99.99), mse (least squared error) or auto (per value the method with the least squared error)"},
      {"--precision", "int8|int16", "activation and weight precision (default int8; bias is int32)"},
      {"--per-channel", "", "per-output-channel weight scales for Conv, Gemm and a MatMul's constant B"},
      {"--op-precision", "OP=P", "precision of every node of op type OP: fp32 (keep float), int8 or int16, e.g. Add=fp32, Gelu=int16; LayerNormalization and Softmax take int16 or fp32 (repeatable; a project's opTypes entry, which it overrides)", true},
      {"--bias-correction", "", "correct Conv / Gemm biases for the mean shift of quantized weights (profile with --channel-stats)"},
      {"--absorb-high-bias", "", "move the always-on part of Conv -> Relu -> Conv channels into the next bias (profile with --channel-stats)"},
      {"--project", "P.nestproj", "project file: model, pipeline, input shapes, per-node assignments, quantization"},
      {"-O0", "", "no graph optimization (with --profile: the profile was recorded without them)"},
      {"-O1", "", "standard graph optimizations (default)"},
      {"-O2", "", "-O1 plus layout optimizations"},
  };
}

namespace {

// --op-precision OP=P: the op type's override (as a project's "opTypes" entry) gets precision P.
void applyOpPrecision(QuantConfig& c, const std::string& spec) {
  const size_t eq = spec.find('=');
  const std::string op = spec.substr(0, eq), precision = eq == std::string::npos ? "" : spec.substr(eq + 1);
  const std::string where = "--op-precision " + spec;
  if (op.empty() || precision.empty()) failBadInput(where + ": expected OP=PRECISION, e.g. Add=fp32 or Gelu=int16");
  if (!hasIntegerForm(op))
    failBadInput(where + ": " + op + " has no integer form in the quantize pass and always stays float" +
                 " (integer ops: docs/quantization.md)");
  const QuantOverride parsed = parseQuantOverride(nlohmann::json{{"precision", precision}}, where);
  if (parsed.precision && !hasIntegerForm(op, *parsed.precision))
    failBadInput(where + ": " + op + " has no " + quantPrecisionName(*parsed.precision) +
                 " integer form (it would lose too much); the choices are int16 or fp32");
  QuantOverride& o = c.opTypes[op];
  o.keepFloat = parsed.keepFloat;
  if (parsed.precision) o.precision = parsed.precision;
}

}  // namespace

driver::Job jobFrom(const ParsedArgs& args, Quantize quantize) {
  driver::Job job;
  QuantConfig config;
  if (args.has("--project")) {
    const std::string file = args.get("--project");
    const ProjectFile project = readProjectFile(file);
    driver::applyProject(job, project, file);
    config = quantConfigOf(project, file);
  }
  if (!args.positional.empty()) job.model = args.positional[0];
  if (job.model.empty()) failBadInput("expected MODEL or --project P.nestproj");
  for (const auto& [name, shape] : importOptionsFrom(args).inputShapes) job.import.inputShapes[name] = shape;

  const int levels = args.has("-O0") + args.has("-O1") + args.has("-O2");
  if (levels > 1) failBadInput("give one of -O0, -O1, -O2");
  if (levels) {
    job.level = args.has("-O0") ? "O0" : args.has("-O2") ? "O2" : "O1";
    job.passes.clear();
  }

  const bool settings = args.has("--schema") || args.has("--calibration") || args.has("--precision") || args.has("--per-channel") ||
                        args.has("--bias-correction") || args.has("--absorb-high-bias") || args.has("--op-precision");
  if (args.has("--profile")) {
    job.quantization = driver::quantizationFromProfile(args.get("--profile"), config);
  } else if (quantize == Quantize::Required && !job.quantization) {
    failBadInput("--profile PROFILE.yaml is required (record one with nestc profile), or a --project whose "
                 "quantization names a profile");
  } else if (settings && !job.quantization) {
    failBadInput("--schema, --calibration, --precision, --per-channel, --bias-correction, --absorb-high-bias and --op-precision quantize: give --profile PROFILE.yaml too");
  }
  if (job.quantization) {
    QuantConfig& c = job.quantization->config;
    if (args.has("--schema")) c.defaults.schema = parseQuantSchema(args.get("--schema"), "--schema");
    if (args.has("--calibration")) c.defaults.calibration = parseCalibration(args.get("--calibration"), "--calibration");
    if (args.has("--precision")) c.defaults.precision = parseQuantPrecision(args.get("--precision"), "--precision");
    if (args.has("--per-channel")) c.perChannel = true;
    if (args.has("--bias-correction")) c.biasCorrection = true;
    if (args.has("--absorb-high-bias")) c.absorbHighBias = true;
    for (const std::string& spec : args.all("--op-precision")) applyOpPrecision(c, spec);
  }
  return job;
}

std::vector<OptionSpec> targetOptions() {
  return {
      {"--hw-params", "K=V;...", "hardware parameters of the target, e.g. LOG_BLOCK=5;CLOCK_MHZ=200 (npu; docs/npu-isa.md)"},
      {"--devices", "D.yaml", "device list in NEST-C's format (docs/partitioning.md): the devices of --backend/--target hetero"},
      {"--plan", "P.yaml", "NEST-C partition plan placing the nodes on the devices (hetero)"},
      {"--strategy", "S", "placement without a plan: auto (default; least latency), greedy, nestc-dp or cpu (hetero)"},
  };
}

void applyTarget(driver::Job& job, const ParsedArgs& args, const std::string& option, const std::string& fallback) {
  job.target = args.get(option, fallback);
  if (job.target != "hetero") findBackend(job.target);  // an unknown name fails before any work
  if (args.has("--hw-params")) {
    try {
      job.targetParameters = vta::parseParameterList(args.get("--hw-params"));
    } catch (const vta::ConfigError& e) {
      failBadInput(std::string("--hw-params: ") + e.what());
    }
  }
  if (args.has("--devices")) {
    job.devicesFile = args.get("--devices");
    job.devices = driver::deviceSpecsOf(readDeviceConfigs(job.devicesFile));
  }
  if (args.has("--plan")) job.planFile = args.get("--plan");
  if (args.has("--strategy")) job.strategy = args.get("--strategy");
  if (job.target == "hetero" && job.devicesFile.empty())
    failBadInput(option + " hetero needs --devices D.yaml (a device list in NEST-C's format)");
  if ((args.has("--plan") || args.has("--strategy")) && job.target != "hetero" && job.devicesFile.empty())
    failBadInput("--plan and --strategy place nodes across devices: give --devices D.yaml (and " + option + " hetero)");
}

}  // namespace nest::cli
