#include "core/model_loader.h"

#include "core/node_keys.h"
#include "core/text_ir.h"

namespace nest {

Graph loadModel(const std::filesystem::path& file, const ImportOptions& options) {
  Graph g = file.extension() == ".nir" ? readTextIrFile(file) : importOnnxFile(file, options).graph;
  assignStableKeys(g);
  return g;
}

}  // namespace nest
