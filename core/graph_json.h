// JSON form of a graph (for the pass-dump files the workbench reads; see docs/pass-dump-format.md).
#pragma once
#include <nlohmann/json.hpp>

#include "core/graph.h"

namespace nest {

// {"name", "inputs": [{"name","type"}], "outputs": [names], "constants": [{"name","type","bytes"}],
//  "nodes": [{"id","name","op","category","inputs","outputs","types","attributes","origin"}]}
nlohmann::json graphToJson(const Graph& graph);

}  // namespace nest
