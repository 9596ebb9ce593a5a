// Writes a pipeline run to a folder: the graph after each pass (text IR, DOT or JSON) and, for
// JSON, pipeline.json with every pass's figures and change record. Format: docs/pass-dump-format.md.
#pragma once
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "passes/pass_manager.h"

namespace nest {

enum class DumpFormat { Text, Dot, Json };
DumpFormat parseDumpFormat(const std::string& name);  // "text", "dot", "json"

nlohmann::json pipelineRunJson(const PipelineRun& run);
// Files: 00-input.EXT, then NN-PASS.EXT per pass (NN from 01), and pipeline.json (JSON format).
void dumpPipeline(const PipelineRun& run, const std::filesystem::path& dir, DumpFormat format);

}  // namespace nest
