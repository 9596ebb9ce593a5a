// Internal to nest_render: the fast layered layout used for graphs too large for Graphviz `dot`
// (see the comment at kDotMaxBoxes in graph_layout.cpp).
#pragma once
#include <atomic>
#include <vector>

#include "app/render/graph_layout.h"

namespace nest::render::detail {

// Lays out `boxes` and `edges` (sizes, centres, straight-segment edges drawn as cubic pieces) into
// `layout`, which takes both over. Edges must go from a lower to a higher box index (what
// describe() in graph_layout.cpp produces). Throws nest::Error "layout cancelled" when `cancel` is
// set between phases.
void layeredLayout(std::vector<NodeBox> boxes, std::vector<EdgePath> edges, GraphLayout& layout,
                   const std::atomic<bool>* cancel);

}  // namespace nest::render::detail
