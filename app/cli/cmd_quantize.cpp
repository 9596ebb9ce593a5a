#include <cstdio>
#include <map>

#include "app/cli/commands.h"
#include "app/cli/job_options.h"
#include "core/error.h"
#include "core/onnx_export_qdq.h"
#include "core/text_ir.h"
#include "driver/driver.h"
#include "passes/pipeline_dump.h"

namespace nest::cli {

namespace {

int quantize(const ParsedArgs& args) {
  if (!args.has("-o")) failBadInput("-o OUT.nir is required");
  const std::filesystem::path out = args.get("-o");
  if (out.extension() != ".nir" && out.extension() != ".onnx")
    failBadInput("-o " + out.string() + ": the output must end in .nir (text IR) or .onnx (QDQ ONNX)");
  const driver::Prepared prepared = driver::prepare(jobFrom(args, Quantize::Required));
  const PipelineRun& run = prepared.run;
  const Graph& q = run.result();
  std::map<std::string, int> integerOps;
  int quantize = 0, dequantize = 0, floatOps = 0;
  for (const Node& n : q.nodes) {
    if (n.op == "Quantize") ++quantize;
    else if (n.op == "Dequantize") ++dequantize;
    else if (!n.outputs.empty() && q.typeOf(n.outputs[0]).quant) ++integerOps[n.op];
    else ++floatOps;
  }
  int integer = 0;
  std::string ops;
  for (const auto& [op, count] : integerOps) {
    integer += count;
    ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(count);
  }
  std::printf("%d integer nodes (%s), %d float nodes, %d Quantize, %d Dequantize\n", integer, ops.c_str(), floatOps,
              quantize, dequantize);
  if (args.has("--dump-after-each-pass"))
    dumpPipeline(run, args.get("--dump-after-each-pass"), parseDumpFormat(args.get("--format", "json")));
  if (out.extension() == ".onnx") exportQdqOnnx(q, out);
  else writeTextIrFile(q, out);
  std::printf("wrote %s\n", out.string().c_str());
  return kExitOk;
}

}  // namespace

Command quantizeCommand() {
  std::vector<OptionSpec> options = quantOptions(true);
  options.push_back({"-o", "OUT.nir|OUT.onnx", "write the quantized graph as text IR (with OUT.nir.weights) or QDQ ONNX"});
  options.push_back({"--dump-after-each-pass", "DIR", "write every pass's snapshot (the quantize pass's too) into DIR"});
  options.push_back({"--format", "json|text|dot", "format of the dumped snapshots (default json, with pipeline.json)"});
  options.push_back(inputShapeOption());
  return {{"quantize", "MODEL --profile PROFILE.yaml [options] -o OUT.nir|OUT.onnx", "quantize a model from a calibration profile",
           "Runs the float pipeline the profile was recorded after (-O1 unless told otherwise), then\n"
           "the quantize pass: weights and activations become int8 (or int16) with int32 biases,\n"
           "nodes with integer kernels compute in integers (requantized with integer multipliers),\n"
           "other nodes stay float, and Quantize / Dequantize appear where precision changes.\n"
           "A project file (--project) adds per-node and per-op-type overrides (keep float,\n"
           "precision, schema, calibration); options given here override its defaults.\n"
           "OUT.onnx is ONNX QDQ (float ops between QuantizeLinear / DequantizeLinear, int8\n"
           "weights and int32 biases as initializers; int8 only), which onnxruntime runs.\n"
           "A profile recorded on a different graph is refused. See docs/quantization.md.",
           options, 1, 1},
          quantize};
}

}  // namespace nest::cli
