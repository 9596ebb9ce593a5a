#include "core/project_file.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/quant_config.h"

namespace nest {

namespace {

constexpr const char* kFormat = "nest-project";
constexpr int kVersion = 1;

bool isLevel(const std::string& s) { return s == "O0" || s == "O1" || s == "O2"; }

// "3:14": the 1-based line and column of byte offset `offset` of `text` (columns count bytes).
std::string lineColumn(const std::string& text, size_t offset) {
  offset = std::min(offset, text.size());
  size_t line = 1, lineStart = 0;
  for (size_t i = 0; i < offset; ++i)
    if (text[i] == '\n') ++line, lineStart = i + 1;
  return std::to_string(line) + ":" + std::to_string(offset - lineStart + 1);
}

// The parser's message without its "[json.exception.parse_error.101] parse error at line 3,
// column 14: " prefix (the position is given as file:line:column instead).
std::string parserReason(const std::string& what) {
  const size_t colon = what.find(": ");
  return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

ProjectFile parseProjectFile(const std::string& text, const std::string& source) {
  using nlohmann::json;
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    // e.byte is 1-based: the byte the parser stopped at (the one after the text at its end).
    failBadInput(source + ":" + lineColumn(text, e.byte ? e.byte - 1 : 0) + ": not valid JSON: " + parserReason(e.what()));
  } catch (const json::exception& e) {  // out_of_range 406: a number too large for a double (1e999)
    const std::string what = e.what();  // "[json.exception.out_of_range.406] number overflow ..."
    failBadInput(source + ": not valid JSON: " + what.substr(what.find("] ") == std::string::npos ? 0 : what.find("] ") + 2));
  }
  // "p.nestproj:3:14: ..." at the first occurrence of "key" (a top-level or nested key), else
  // "p.nestproj: ...".
  auto bad = [&](const std::string& msg, const std::string& key = std::string()) {
    const size_t at = key.empty() ? std::string::npos : text.find("\"" + key + "\"");
    failBadInput(source + (at == std::string::npos ? std::string() : ":" + lineColumn(text, at)) + ": " + msg);
  };
  if (!j.is_object()) bad("a project file is a JSON object");
  if (!j.contains("format") || j["format"] != kFormat) bad("\"format\" must be \"nest-project\"", "format");
  if (!j.contains("version") || !j["version"].is_number_integer()) bad("\"version\" (an integer) is missing", "version");
  if (j["version"].get<int64_t>() != kVersion)
    bad("unsupported version " + j["version"].dump() + " (this workbench reads version 1)", "version");

  ProjectFile p;
  if (!j.contains("model") || !j["model"].is_string() || j["model"].get<std::string>().empty())
    bad("missing \"model\" (the path of the model file)", "model");
  p.model = std::filesystem::path(j["model"].get<std::string>());

  if (j.contains("pipeline")) {
    const json& pl = j["pipeline"];
    if (pl.is_string()) {
      p.level = pl.get<std::string>();
      if (!isLevel(p.level)) bad("unknown pipeline '" + p.level + "' (use \"O0\", \"O1\", \"O2\" or a list of passes)", "pipeline");
    } else if (pl.is_array()) {
      if (pl.empty()) bad("\"pipeline\" is an empty pass list (use \"O0\" for no passes)", "pipeline");
      for (const json& pass : pl) {
        if (!pass.is_string() || pass.get<std::string>().empty()) bad("\"pipeline\" list entries must be pass names", "pipeline");
        p.passes.push_back(pass.get<std::string>());
      }
    } else {
      bad("\"pipeline\" must be \"O0\", \"O1\", \"O2\" or a list of pass names", "pipeline");
    }
  }

  if (j.contains("inputShapes")) {
    const json& shapes = j["inputShapes"];
    if (!shapes.is_object()) bad("\"inputShapes\" must be an object: input name -> [dims]", "inputShapes");
    for (const auto& [name, dims] : shapes.items()) {
      if (!dims.is_array()) bad("inputShapes." + name + " must be a list of dimensions", name);
      Shape shape;
      for (const json& d : dims) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0)
          bad("inputShapes." + name + ": dimensions must be non-negative integers", name);
        shape.push_back(d.get<int64_t>());
      }
      p.inputShapes[name] = std::move(shape);
    }
  }

  if (j.contains("nodes")) {
    if (!j["nodes"].is_object()) bad("\"nodes\" must be an object (node key -> assignment)", "nodes");
    p.nodes = j["nodes"];
  }
  if (j.contains("devices")) p.devices = parseDeviceList(j["devices"], source);
  if (j.contains("defaultDevice")) {
    if (!j["defaultDevice"].is_string() || j["defaultDevice"].get<std::string>().empty())
      bad("\"defaultDevice\" must be a device name", "defaultDevice");
    p.defaultDevice = j["defaultDevice"].get<std::string>();
  }
  if (j.contains("deviceConfig")) {
    if (!j["deviceConfig"].is_string() || j["deviceConfig"].get<std::string>().empty())
      bad("\"deviceConfig\" must be the path of a device configuration (NEST-C's format)", "deviceConfig");
    if (j.contains("devices")) bad("give either \"devices\" or \"deviceConfig\", not both", "deviceConfig");
    p.deviceConfig = j["deviceConfig"].get<std::string>();
  }
  for (const char* key : {"opTypes", "quantization"}) {
    if (!j.contains(key)) continue;
    if (!j[key].is_object()) bad(std::string("\"") + key + "\" must be an object", key);
    (std::string(key) == "opTypes" ? p.opTypes : p.quantization) = j[key];
  }
  quantConfigOf(p, source);  // rejects bad quantization entries now, not when quantizing
  assignmentsOf(p, source);
  if (p.quantization.contains("profile") &&
      (!p.quantization["profile"].is_string() || p.quantization["profile"].get<std::string>().empty()))
    failBadInput(source + ": quantization.profile must be the path of a profile (nestc profile)");
  return p;
}

std::string projectFileToJson(const ProjectFile& project) {
  using nlohmann::json;
  json j = json::object();
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = project.model.generic_string();
  if (project.passes.empty())
    j["pipeline"] = project.level;
  else
    j["pipeline"] = project.passes;
  json shapes = json::object();
  for (const auto& [name, shape] : project.inputShapes) shapes[name] = shape;
  j["inputShapes"] = shapes;
  if (!project.devices.empty()) j["devices"] = deviceListToJson(project.devices);
  if (!project.deviceConfig.empty()) j["deviceConfig"] = project.deviceConfig.generic_string();
  if (!project.defaultDevice.empty()) j["defaultDevice"] = project.defaultDevice;
  j["nodes"] = project.nodes.is_object() ? project.nodes : json::object();
  if (project.opTypes.is_object() && !project.opTypes.empty()) j["opTypes"] = project.opTypes;
  if (project.quantization.is_object() && !project.quantization.empty()) j["quantization"] = project.quantization;
  return j.dump(2) + "\n";
}

Assignments assignmentsOf(const ProjectFile& project, const std::string& source) {
  return parseAssignments(project.nodes, source);
}

QuantConfig quantConfigOf(const ProjectFile& project, const std::string& source) {
  return parseQuantConfig(project.quantization, project.opTypes, project.nodes, source);
}

std::optional<std::filesystem::path> projectProfilePath(const ProjectFile& project,
                                                        const std::filesystem::path& projectFile) {
  if (!project.quantization.is_object() || !project.quantization.contains("profile")) return std::nullopt;
  const std::filesystem::path profile(project.quantization["profile"].get<std::string>());
  return profile.is_absolute() ? profile : (projectFile.parent_path() / profile).lexically_normal();
}

ProjectFile readProjectFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) failBadInput("cannot open project file " + file.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parseProjectFile(text.str(), file.string());
}

std::optional<std::filesystem::path> projectDeviceConfigPath(const ProjectFile& project,
                                                             const std::filesystem::path& projectFile) {
  if (project.deviceConfig.empty()) return std::nullopt;
  if (project.deviceConfig.is_absolute()) return project.deviceConfig;
  return (projectFile.parent_path() / project.deviceConfig).lexically_normal();
}

void writeProjectFile(const std::filesystem::path& file, const ProjectFile& project) {
  writeFileAtomically(file, projectFileToJson(project));
}

std::filesystem::path resolveModelPath(const ProjectFile& project, const std::filesystem::path& projectFile) {
  if (project.model.is_absolute()) return project.model;
  return (projectFile.parent_path() / project.model).lexically_normal();
}

}  // namespace nest
