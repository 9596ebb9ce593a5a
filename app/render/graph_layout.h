// Layout of a Graph for drawing (Graphviz `dot`, top to bottom), independent of any GUI toolkit:
// the workbench draws it with Qt, `nestc render` writes it as SVG or PNG.
// Coordinates are in points, y pointing DOWN (converted from Graphviz's y-up), origin top-left.
#pragma once
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest::render {

struct Point {
  double x = 0, y = 0;
};

struct NodeBox {
  enum class Kind { Op, Input, Output };
  Kind kind = Kind::Op;
  NodeId id = 0;            // node id for Kind::Op; 0 otherwise
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

struct GraphLayout {
  double width = 0, height = 0;
  std::vector<NodeBox> nodes;
  std::vector<EdgePath> edges;
  // Index in `nodes` of an op node, or -1.
  int indexOf(NodeId id) const;
};

struct LayoutOptions {
  // Auto: Graphviz dot up to kDotMaxBoxes boxes, the built-in layered layout above (dot's cost
  // grows much faster than linearly; see graph_layout.cpp).
  enum class Engine { Auto, Dot, Layered };
  Engine engine = Engine::Auto;
  // Checked between phases; set to true from another thread to cancel (layoutGraph then throws
  // nest::Error "layout cancelled").
  const std::atomic<bool>* cancel = nullptr;
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
