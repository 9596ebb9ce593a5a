#include "passes/pipeline_dump.h"

#include <cstdio>
#include <fstream>

#include "core/atomic_file.h"
#include "core/dot_export.h"
#include "core/error.h"
#include "core/graph_json.h"
#include "core/text_ir.h"

namespace nest {

namespace fs = std::filesystem;

DumpFormat parseDumpFormat(const std::string& name) {
  if (name == "text") return DumpFormat::Text;
  if (name == "dot") return DumpFormat::Dot;
  if (name == "json") return DumpFormat::Json;
  failBadInput("unknown dump format '" + name + "' (use text, dot or json)");
}

namespace {

std::string snapshotFile(size_t index, const std::string& pass, DumpFormat f) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02zu-", index);
  const char* ext = f == DumpFormat::Text ? ".nir" : f == DumpFormat::Dot ? ".dot" : ".json";
  return buf + pass + ext;
}

std::string render(const Graph& g, DumpFormat f) {
  if (f == DumpFormat::Text) return printGraph(g);
  if (f == DumpFormat::Dot) return graphToDot(g);
  return graphToJson(g).dump(1);
}

}  // namespace

nlohmann::json pipelineRunJson(const PipelineRun& run) {
  nlohmann::json j;
  j["format"] = "nest-pipeline-dump";
  j["version"] = 1;
  j["input"] = {{"snapshot", snapshotFile(0, "input", DumpFormat::Json)}, {"nodes", run.initial->nodes.size()}};
  j["passes"] = nlohmann::json::array();
  for (size_t i = 0; i < run.records.size(); ++i) {
    const PassRecord& r = run.records[i];
    nlohmann::json derived = nlohmann::json::object();
    for (const auto& [id, from] : r.changes.derivedFrom) derived[std::to_string(id)] = from;
    j["passes"].push_back({{"index", i + 1},
                           {"pass", r.pass},
                           {"round", r.round},
                           {"milliseconds", r.milliseconds},
                           {"nodesBefore", r.nodesBefore},
                           {"nodesAfter", r.nodesAfter},
                           {"changed", r.changed},
                           {"added", r.changes.added},
                           {"removed", r.changes.removed},
                           {"modified", r.changes.modified},
                           {"rewired", r.changes.rewired},
                           {"derivedFrom", derived},
                           {"snapshot", snapshotFile(i + 1, r.pass, DumpFormat::Json)}});
  }
  return j;
}

void dumpPipeline(const PipelineRun& run, const fs::path& dir, DumpFormat format) {
  fs::create_directories(dir);
  writeFileAtomically(dir / snapshotFile(0, "input", format), render(*run.initial, format));
  for (size_t i = 0; i < run.records.size(); ++i)
    writeFileAtomically(dir / snapshotFile(i + 1, run.records[i].pass, format), render(*run.records[i].after, format));
  if (format == DumpFormat::Json) writeFileAtomically(dir / "pipeline.json", pipelineRunJson(run).dump(1));
}

}  // namespace nest
