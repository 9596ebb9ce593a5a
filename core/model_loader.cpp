#include "core/model_loader.h"

#include "core/text_ir.h"

namespace nest {

Graph loadModel(const std::filesystem::path& file, const ImportOptions& options) {
  if (file.extension() == ".nir") return readTextIrFile(file);
  return importOnnxFile(file, options).graph;
}

}  // namespace nest
