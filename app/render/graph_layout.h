// Layout of a Graph for drawing (Graphviz `dot`, top to bottom), independent of any GUI toolkit:
// the workbench draws it with Qt, `nestc render` writes it as SVG or PNG.
// Coordinates are in points, y pointing DOWN (converted from Graphviz's y-up), origin top-left.
#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/graph.h"
#include "core/scope_tree.h"

namespace nest::render {

struct Point {
  double x = 0, y = 0;
};

struct NodeBox {
  // Group: a collapsed name scope drawn as one box (title: its name and node count, subtitle: its
  // op summary and MACs).
  enum class Kind { Op, Input, Output, Group };
  Kind kind = Kind::Op;
  NodeId id = 0;            // node id for Kind::Op; 0 otherwise
  int group = -1;           // Kind::Group: index in GraphLayout::scopes->groups
  std::string value;        // the value name for Input / Output boxes
  std::string title;        // op name (or value name)
  std::string subtitle;     // node name / type
  std::string category;     // op category (colour), "" for inputs/outputs
  double x = 0, y = 0;      // centre
  double width = 0, height = 0;
};

struct EdgePath {
  size_t from = 0, to = 0;   // indexes into GraphLayout::nodes
  std::string value;         // the tensor carried
  std::string type;          // its type, text-IR spelling ("f32[1,64,56,56]")
  std::vector<Point> points; // cubic B-spline control points (Graphviz "pos"), first = start
  bool hasArrow = false;     // Graphviz shortened the spline for an arrowhead ending at `arrowTip`
  Point arrowTip;
};

// An expanded group: a frame around its boxes (and its expanded sub-groups' frames), its name on
// the frame's top edge. Top-left corner and size, like the boxes' coordinates.
struct GroupFrame {
  int group = -1;  // index in GraphLayout::scopes->groups
  int depth = 0;   // 0 for a top-level group
  double x = 0, y = 0, width = 0, height = 0;
};

// The fill of a collapsed group's box (drawn with a double outline; not an op category's colour).
inline constexpr const char* kGroupFill = "#fdf6e3";

struct GraphLayout {
  double width = 0, height = 0;
  std::vector<NodeBox> nodes;
  std::vector<EdgePath> edges;
  // Grouped by name scope (LayoutOptions::groupByScope): the graph's scope tree and the frames of
  // the expanded groups, outer frames first. Null / empty otherwise.
  std::shared_ptr<const ScopeTree> scopes;
  std::vector<GroupFrame> frames;
  // Index in `nodes` of an op node, or -1.
  int indexOf(NodeId id) const;
  // Index in `nodes` of the box that shows node `id`: its own, or the collapsed group holding it (-1: none).
  int boxShowing(NodeId id) const;
};

struct LayoutOptions {
  // Auto: Graphviz dot up to kDotMaxBoxes boxes, the built-in layered layout above (dot's cost
  // grows much faster than linearly; see graph_layout.cpp).
  enum class Engine { Auto, Dot, Layered };
  Engine engine = Engine::Auto;
  // Checked between phases; set to true from another thread to cancel (layoutGraph then throws
  // nest::Error "layout cancelled").
  const std::atomic<bool>* cancel = nullptr;
  // Group nodes by name scope (core/scope_tree.h): the groups in `collapsed` (by scope, e.g.
  // "/layer1/") are drawn as one box each, the others as frames around their nodes. A collapsed
  // group that is not convex is drawn expanded.
  bool groupByScope = false;
  std::set<std::string> collapsed;
};

// Graphs with more boxes (ops + graph inputs + graph outputs) than this are laid out by the
// built-in layered layout when LayoutOptions::engine is Auto.
inline constexpr size_t kDotMaxBoxes = 500;

// Lays the graph out top to bottom (boxes never overlap; every edge has >= 4 points).
GraphLayout layoutGraph(const Graph& graph, const LayoutOptions& options = {});

// Standalone SVG of a layout (colours by op category, labels, arrows).
std::string layoutToSvg(const GraphLayout& layout, const std::string& title);

// Lays the graph out like layoutGraph (same boxes, filled with the category colours) and lets
// Graphviz render it to `file` in `format` ("png", "svg", "pdf", ...). Throws nest::Error when the
// format is unknown or the file cannot be written, and "layout cancelled" like layoutGraph.
void renderWithGraphviz(const Graph& graph, const std::filesystem::path& file, const std::string& format,
                        const LayoutOptions& options = {});

}  // namespace nest::render
