// Internal to nest_render: which name-scope groups a layout draws as boxes and which as frames
// (LayoutOptions::groupByScope), the group boxes' labels, and the frames of the layered engine.
#pragma once
#include <memory>
#include <vector>

#include "app/render/graph_layout.h"

namespace nest::render::detail {

struct Grouping {
  std::shared_ptr<const ScopeTree> tree;  // null: not grouped
  // Per node (index in graph.nodes): the group whose box stands for it, -1 when it has its own box.
  std::vector<int> boxedIn;
  // Per group: drawn as a frame (every enclosing group is expanded and it is not collapsed itself).
  std::vector<bool> framed;
  bool active() const { return tree != nullptr; }
};

Grouping planGrouping(const Graph& graph, const LayoutOptions& options);

// The box standing for a collapsed group: "layer3 · 56 nodes" over "18 Conv, 6 Add, 6 Relu · 1.47 GMAC".
NodeBox groupBox(const ScopeTree& tree, int group);

// The innermost framed group a box is drawn in (-1: none).
int frameOf(const Grouping& grouping, const NodeBox& box);

// Frames around the boxes of each framed group (the layered engine, which knows no clusters):
// the bounding box of its boxes and sub-frames, with a margin and a band on top for the name.
// Frames may overlap boxes of other groups laid out beside them.
void frameByBounds(GraphLayout& layout, const Grouping& grouping);

// Orders the group frames outer first (parents before children, as ScopeTree::groups is).
void sortFrames(GraphLayout& layout);

}  // namespace nest::render::detail
