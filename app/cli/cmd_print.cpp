#include <fstream>
#include <iostream>

#include "app/cli/commands.h"
#include "core/atomic_file.h"
#include "core/dot_export.h"
#include "core/error.h"
#include "core/model_loader.h"
#include "core/text_ir.h"

namespace nest::cli {

namespace {

void emit(const std::string& text, const ParsedArgs& args) {
  if (!args.has("-o")) {
    std::cout << text;
    return;
  }
  writeFileAtomically(args.get("-o"), text);
}

int print(const ParsedArgs& args) {
  Graph g = loadModel(args.positional[0], importOptionsFrom(args));
  if (args.has("-o") && std::filesystem::path(args.get("-o")).extension() == ".nir") {
    writeTextIrFile(g, args.get("-o"));
    return kExitOk;
  }
  emit(printGraph(g), args);
  return kExitOk;
}

int dot(const ParsedArgs& args) {
  Graph g = loadModel(args.positional[0], importOptionsFrom(args));
  DotOptions opts;
  opts.showConstants = args.has("--constants");
  emit(graphToDot(g, opts), args);
  return kExitOk;
}

}  // namespace

Command printCommand() {
  return {{"print", "MODEL [-o OUT.nir] [--input-shape NAME=DIMS]", "print the graph as text IR",
           "Constants of more than 16 elements are printed by reference (blob<fnv1a:HASH>). With -o OUT.nir\n"
           "the text goes to OUT.nir and the large constants to OUT.nir.weights, so that the pair can be\n"
           "edited by hand and read back by every nestc command.",
           {{"-o", "FILE", "write to FILE instead of standard output"}, inputShapeOption()}, 1, 1},
          print};
}

Command dotCommand() {
  return {{"dot", "MODEL [-o OUT.dot] [--constants]", "print the graph in Graphviz DOT",
           "Render with Graphviz, e.g. `nestc dot model.onnx | dot -Tsvg > model.svg`.",
           {{"-o", "FILE", "write to FILE instead of standard output"},
            {"--constants", "", "draw constants (weights) as nodes of their own"},
            inputShapeOption()},
           1, 1},
          dot};
}

}  // namespace nest::cli
