#include "backends/input_binding.h"

#include <algorithm>
#include <map>
#include <optional>

#include "core/error.h"
#include "core/npy.h"
#include "core/text_format.h"
#include "core/text_ir.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

std::string dimsText(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + (dims[i] < 0 ? std::string("?") : std::to_string(dims[i]));
  return s + "]";
}

// A bound value for the note: its elements when there are a few, else its type.
std::string valueText(const Tensor& t) {
  if (t.numElements() > 8) return typeToString(t.type());
  std::string s;
  if (isFloat(t.elem())) {
    std::vector<double> v = t.toDoubles();
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + formatFloat(v[i]);
  } else {
    std::vector<int64_t> v = t.toInts();
    for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  }
  return t.shape().empty() ? s : "[" + s + "]";
}

// Pairs specs with input names: NAME=FILE by name (unless the whole spec is an existing file),
// FILE by position among the inputs not named. Returns the file per input; unnamed ones are absent.
std::vector<std::optional<fs::path>> pairSpecs(const std::vector<std::string>& names, const std::vector<std::string>& specs) {
  std::vector<std::optional<fs::path>> files(names.size());
  size_t nextPositional = 0;
  for (const std::string& spec : specs) {
    size_t slot = names.size();
    std::string file = spec;
    if (auto eq = spec.find('='); eq != std::string::npos) {
      auto it = std::find(names.begin(), names.end(), spec.substr(0, eq));
      if (it == names.end() && !fs::exists(spec))
        failBadInput("--input " + spec + ": the model has no input named '" + spec.substr(0, eq) + "'");
      if (it != names.end()) {
        slot = static_cast<size_t>(it - names.begin());
        file = spec.substr(eq + 1);
      }
    }
    if (slot == names.size()) {
      while (nextPositional < names.size() && files[nextPositional]) ++nextPositional;
      if (nextPositional == names.size())
        failBadInput("too many --input files: the model takes " + std::to_string(names.size()));
      slot = nextPositional;
    }
    if (files[slot]) failBadInput("input '" + names[slot] + "' is given twice");
    files[slot] = file;
  }
  return files;
}

void failMissing(const Graph& g, const std::string& name) {
  failBadInput("no --input for graph input '" + name + "' (" + typeToString(g.typeOf(name)) + ")");
}

BoundModel bindTextIr(const fs::path& model, const std::vector<std::string>& specs) {
  BoundModel b;
  b.graph = readTextIrFile(model);
  std::vector<std::optional<fs::path>> files = pairSpecs(b.graph.inputs, specs);
  for (size_t i = 0; i < files.size(); ++i) {
    if (!files[i]) failMissing(b.graph, b.graph.inputs[i]);
    b.inputs.push_back(readTensorFile(*files[i]));
  }
  return b;
}

}  // namespace

BoundModel bindModelInputs(const fs::path& model, const std::vector<std::string>& specs, ImportOptions options) {
  if (model.extension() == ".nir") return bindTextIr(model, specs);
  const std::vector<DeclaredInput> declared = declaredOnnxInputs(model);
  std::vector<std::string> names;
  for (const DeclaredInput& d : declared) names.push_back(d.name);
  std::vector<std::optional<fs::path>> files = pairSpecs(names, specs);

  std::vector<std::pair<std::string, Shape>> fromFile;  // inputs whose dynamic dims a file gave
  for (size_t i = 0; i < declared.size(); ++i) {
    const DeclaredInput& d = declared[i];
    const bool dynamic = !d.hasShape || std::any_of(d.dims.begin(), d.dims.end(), [](int64_t x) { return x < 0; });
    const bool shapeGiven = options.inputShapes.count(d.name) != 0;
    if (!files[i]) {
      if (dynamic && !shapeGiven)
        failBadInput("no --input for graph input '" + d.name + "' (shape " + dimsText(d.dims) +
                     " with dynamic dimensions)");
      continue;  // reported after import, with its type, unless the import binds it otherwise
    }
    Tensor value = readTensorFile(*files[i]);
    if (!shapeGiven) {
      // Static dims stay the model's: the value then either matches, holds k batches, or is
      // reported as a wrong shape when the graph runs (an input bound as a constant keeps its own).
      Shape shape = value.shape();
      if (d.hasShape && !dynamic) {
        shape = d.dims;
      } else if (d.hasShape) {
        if (d.dims.size() != shape.size())
          failBadInput("input '" + d.name + "': " + files[i]->string() + " has shape " + dimsText(shape) +
                       " but the model's input has rank " + std::to_string(d.dims.size()) + " " + dimsText(d.dims));
        for (size_t k = 0; k < shape.size(); ++k)
          if (d.dims[k] >= 0) shape[k] = d.dims[k];
      }
      options.inputShapes[d.name] = shape;
      if (dynamic) fromFile.emplace_back(d.name, shape);
    }
    options.inputValues[d.name] = std::move(value);
  }

  ImportResult imported = importOnnxFile(model, options);
  BoundModel b;
  b.graph = std::move(imported.graph);
  b.boundInputs = imported.boundInputs;
  for (const std::string& name : b.graph.inputs) {
    auto it = options.inputValues.find(name);
    if (it == options.inputValues.end()) failMissing(b.graph, name);
    b.inputs.push_back(it->second);
  }

  std::vector<std::string> parts;
  for (const std::string& name : b.boundInputs) {
    auto use = imported.boundUses.find(name);
    parts.push_back(name + "=" + valueText(options.inputValues.at(name)) +
                    (use != imported.boundUses.end() ? " (" + use->second + ")" : "") + " as a constant");
  }
  // Bound inputs are constants now; their shapes are not input shapes any more.
  for (const auto& [name, shape] : fromFile)
    if (std::find(b.boundInputs.begin(), b.boundInputs.end(), name) == b.boundInputs.end())
      parts.push_back(name + ": dynamic dims from the input file " + dimsText(shape));
  if (!parts.empty()) {
    b.note = "bound: ";
    for (size_t i = 0; i < parts.size(); ++i) b.note += (i ? "; " : "") + parts[i];
  }
  return b;
}

}  // namespace nest
