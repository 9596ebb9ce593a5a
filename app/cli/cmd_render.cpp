#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/cli/commands.h"
#include "app/render/graph_layout.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "driver/driver.h"
#include "passes/pass_registry.h"

namespace nest::cli {

namespace {

// The pipeline to run before drawing (`run` false: draw the graph as imported).
struct RenderPipeline {
  bool run = false;
  std::string level = "O1";
  std::vector<std::string> passes;  // an explicit list instead of the level
};

RenderPipeline renderPipelineFrom(const ParsedArgs& args) {
  int levels = args.has("-O1") + args.has("-O2");
  if (levels > 1 || (levels && args.has("--passes"))) failBadInput("give one of -O1, -O2 or --passes");
  RenderPipeline r;
  if (args.has("--passes")) {
    std::vector<std::string> names;
    std::stringstream ss(args.get("--passes"));
    for (std::string name; std::getline(ss, name, ',');)
      if (!name.empty()) names.push_back(name);
    if (names.empty()) failBadInput("--passes needs a comma-separated list of passes (see nestc opt --list-passes)");
    explicitPipeline(names);  // throws BadInput on an unknown pass
    r.passes = names;
    r.run = true;
  } else if (levels || args.has("--after")) {
    r.level = args.has("-O2") ? "O2" : "O1";
    r.run = true;
  }
  return r;
}

int render(const ParsedArgs& args) {
  if (!args.has("-o")) failBadInput("nestc render: -o OUT.svg or -o OUT.png is required");
  std::filesystem::path out = args.get("-o");
  std::string ext = out.extension().string();
  if (ext != ".svg" && ext != ".png") failBadInput("-o " + out.string() + ": the output must end in .svg or .png");
  RenderPipeline rp = renderPipelineFrom(args);
  std::string after = args.get("--after");
  if (!after.empty()) findPass(after);  // unknown pass: BadInput naming the known ones

  driver::Job job;
  job.model = args.positional[0];
  job.import = importOptionsFrom(args);
  job.level = rp.run ? rp.level : "O0";
  job.passes = rp.passes;
  const driver::Prepared prepared = driver::prepare(job);
  const Graph& g = *prepared.imported;
  std::shared_ptr<const Graph> snapshot;
  std::string stage = "as imported";
  if (rp.run) {
    const PipelineRun& run = prepared.run;
    if (!after.empty()) {
      for (const PassRecord& r : run.records)
        if (r.pass == after) snapshot = r.after;  // the last run of the pass wins
      if (!snapshot) failBadInput("--after " + after + ": the pass does not run in the pipeline");
      stage = "after " + after;
    } else {
      snapshot = std::make_shared<const Graph>(run.result());
      stage = "optimized";
    }
  }
  const Graph& graph = snapshot ? *snapshot : g;

  auto start = std::chrono::steady_clock::now();
  size_t boxes = 0;
  if (ext == ".svg") {
    render::GraphLayout layout = render::layoutGraph(graph);
    boxes = layout.nodes.size();
    std::string title = (graph.name.empty() ? args.positional[0] : graph.name) + " (" + stage + ")";
    std::string svg = render::layoutToSvg(layout, title);
    writeFileAtomically(out, svg);
  } else {
    render::renderWithGraphviz(graph, out, "png");
    boxes = graph.inputs.size() + graph.nodes.size() + graph.outputs.size();
    std::error_code ec;
    if (!std::filesystem::exists(out, ec) || std::filesystem::file_size(out, ec) == 0)
      failBadInput("cannot write " + out.string());
  }
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  std::printf("laid out %zu nodes in %.1f ms (%s); wrote %s\n", boxes, ms, stage.c_str(), out.string().c_str());
  return kExitOk;
}

}  // namespace

Command renderCommand() {
  return {{"render", "MODEL [--after PASS | -O1 | -O2 | --passes a,b] -o OUT.svg|OUT.png", "draw a graph as SVG or PNG",
           "Lays the graph out top to bottom with Graphviz dot and draws one box per op (coloured by\n"
           "category), graph input and graph output; constants are not drawn. Without a pipeline option\n"
           "the graph is drawn as imported; -O1, -O2 or --passes draw the optimized graph, and\n"
           "--after PASS draws the graph right after the last run of PASS in the pipeline (-O1 unless\n"
           "-O2 or --passes is given). OUT.svg is written by nestc, OUT.png by Graphviz.",
           {{"--after", "PASS", "draw the graph after the last run of PASS in the pipeline"},
            {"-O1", "", "draw the graph after the standard optimizations"},
            {"-O2", "", "draw the graph after -O1 plus layout optimizations"},
            {"--passes", "LIST", "comma-separated passes to run in order before drawing"},
            {"-o", "OUT", "the picture to write: OUT.svg or OUT.png"},
            inputShapeOption()},
           1, 1},
          render};
}

}  // namespace nest::cli
