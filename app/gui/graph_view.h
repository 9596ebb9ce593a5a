// Draws a render::GraphLayout: rounded boxes coloured by op category, cubic edges with
// "value: type" tooltips. Wheel zooms, dragging the background pans, clicking a node selects it
// (Ctrl/Shift: adds or removes; Ctrl/Shift-drag: rubber band), right click asks for a context menu.
#pragma once
#include <QGraphicsItem>
#include <QGraphicsView>
#include <QHash>
#include <QPointer>
#include <QSet>

#include <memory>
#include <vector>

#include "app/gui/overview_picture.h"
#include "app/render/graph_layout.h"

class QRubberBand;

namespace nest::gui {

class GroupFrameItem;

// One box of the layout (an op node, a graph input or output, or a collapsed name-scope group).
class NodeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };
  // `group`: for a group box, its group (tooltip); null otherwise.
  explicit NodeItem(const render::NodeBox& box, const ScopeGroup* group = nullptr);
  int type() const override { return Type; }
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;
  const render::NodeBox& box() const { return box_; }
  bool isOp() const { return box_.kind == render::NodeBox::Kind::Op; }
  bool isGroup() const { return box_.kind == render::NodeBox::Kind::Group; }
  // Highlight: a thick ring around the box in `color` over a dark contour (solid or dashed), and
  // `badge` (a letter or sign, may be empty) in a disc of that colour on the top right corner; the
  // fill keeps its category or overlay colour, so the ring never blends into it (invalid colour:
  // none). Mark: a halo around the box (invalid colour: none). Both are independent of the
  // selection.
  void setHighlight(const QColor& color, const QString& badge = {}, bool dashed = false);
  QColor highlight() const { return highlight_; }
  QString badge() const { return badge_; }
  void setMark(const QColor& color);
  QColor mark() const { return mark_; }
  // Overlay: the fill used instead of the category colour (invalid: none) and a line added to the
  // tooltip (empty: none). GraphView::setOverlay sets it on every box.
  void setOverlay(const QColor& fill, const QString& note);
  QColor overlayFill() const { return overlay_; }
  QColor shownFill() const { return overlay_.isValid() ? overlay_ : fill_; }

 private:
  render::NodeBox box_;
  QColor fill_;
  QColor highlight_, mark_;
  QString badge_;
  bool dashed_ = false;
  QColor overlay_;
  QString tip_;  // the tooltip without the overlay note
};

// One edge: a cubic B-spline path ending in an arrow head.
class EdgeItem : public QGraphicsPathItem {
 public:
  enum { Type = UserType + 2 };
  explicit EdgeItem(const render::EdgePath& edge);
  int type() const override { return Type; }
  QPainterPath shape() const override;
  QRectF boundingRect() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  QPolygonF arrow_;
  QPolygonF coarse_;  // the curve's knots, drawn instead of it when zoomed far out
  QRectF bounds_;
};

// The boxes, frames and overview picture of a big layout, made off the UI thread (in the job that
// laid it out) for GraphView::showLayout to adopt: creating 30,000 boxes stalls the UI thread for
// 150 ms or more. What no view adopts is deleted with it (items outside a scene may be deleted on
// any thread).
class PreparedItems {
 public:
  explicit PreparedItems(const render::GraphLayout& layout);
  ~PreparedItems();
  PreparedItems(const PreparedItems&) = delete;
  PreparedItems& operator=(const PreparedItems&) = delete;
  // Worth preparing: a layout GraphView draws in batches.
  static bool worthIt(const render::GraphLayout& layout);

 private:
  friend class GraphView;
  const render::GraphLayout* layout_;
  QList<NodeItem*> nodes_;
  QList<GroupFrameItem*> frames_;
  OverviewPicture overview_;
  bool adopted_ = false;
};
using PreparedItemsPtr = std::shared_ptr<PreparedItems>;

class GraphView : public QGraphicsView {
  Q_OBJECT
 public:
  explicit GraphView(QWidget* parent = nullptr);
  ~GraphView() override;

  // Replaces the drawing (an empty layout clears it). Keeps the zoom when `keepView` is set and
  // the view was already showing something, else opens the first view (openReadable). A small layout
  // (under kSyncItemLimit boxes + edges) is drawn at once; a larger one is added to the scene in
  // batches from the event loop (boxes first, then edges, each turn kept short) so the UI stays
  // responsive: isDrawing() is true until drawingFinished(). Either way every NodeItem exists
  // as soon as showLayout returns (the item queries, selection, highlights and marks below work
  // at once; items not yet in the scene join it with their state). Showing another layout or
  // clearing cancels the batches still pending.
  // `prepared`: the layout's items made in advance (taken when made of this very layout and not
  // adopted yet; otherwise the items are made here).
  void showLayout(const render::GraphLayout& layout, bool keepView = false, const PreparedItemsPtr& prepared = nullptr);
  void clear();
  static constexpr int kSyncItemLimit = 1500;
  bool isDrawing() const { return drawing_; }
  int opItemCount() const;  // NodeItems of op nodes
  int edgeItemCount() const;  // edges of the shown layout (some may still be pending while drawing)
  NodeItem* itemForNode(NodeId id) const;
  void selectNode(NodeId id);  // 0 clears the selection
  double zoom() const { return transform().m11(); }
  // At or above this zoom boxes show their labels; below kBlockZoom the overview is drawn.
  static constexpr double kLabelZoom = 0.45;
  static constexpr double kBlockZoom = 0.12;
  // The first view of a layout: the whole graph fitted when that zoom still shows labels (never
  // magnified beyond 1); otherwise a readable zoom (1, or less so the width fits, but at least
  // kLabelZoom) scrolled to the top of the layout (the graph inputs), centred on the inputs.
  void openReadable();
  // The shown layout as plain boxes and lines (the Minimap draws it too).
  const OverviewPicture& overview() const { return overview_; }
  quint64 overviewVersion() const { return overviewVersion_; }  // changes with every new picture or overlay
  // Zoomed so far out that the view draws the overview instead of its items.
  bool drawsOverview() const;
  // The Graph the shown layout was made of (set by MainWindow with the layout; null: none), for
  // navigation: producers (of its operands, operand order) / consumers (of its results, graph
  // order) of node `id`.
  void setGraph(const Graph* graph) { graph_ = graph; }
  const Graph* graph() const { return graph_; }
  std::vector<NodeId> producersOf(NodeId id) const;
  std::vector<NodeId> consumersOf(NodeId id) const;
  NodeId selectedNode() const;  // 0 when none
  // Name-scope groups of the shown layout (render::GraphLayout::scopes; null when not grouped):
  // a collapsed group is one box (NodeItem::isGroup) standing for all its nodes: selecting it
  // selects them, and a selection that holds some of them selects the box and keeps exactly those
  // (so collapsing and expanding keeps the selection). An expanded group is a frame.
  const ScopeTree* scopes() const { return scopes_.get(); }
  int groupItemCount() const;
  int frameCount() const { return static_cast<int>(frames_.size()); }
  const QList<GroupFrameItem*>& frames() const { return frames_; }
  NodeItem* groupItem(const QString& scope) const;  // the box of a collapsed group, or null
  int namesDrawn() const { return namesDrawn_; }  // group names the last paint drew zoomed out
  // The box that shows node `id`: its own, or its collapsed group's (null: none).
  NodeItem* itemShowing(NodeId id) const;
  // Selects and centres the first producer / consumer of the selected node; false when none.
  bool selectProducer();
  bool selectConsumer();
  void focusNode(NodeId id);  // selects `id` and centres the view on it
  // Search matches: a ring in kSearchColor around these nodes (replacing the previous ones). The
  // colour is used by nothing else (categories, diff, selection, origin marks).
  static const QColor kSearchColor;
  void setSearchMatches(const QList<NodeId>& ids);
  int searchMatchCount() const;
  // Per-node highlight colours (replacing the previous ones) and marked nodes (halo in `color`).
  void setHighlights(const QHash<NodeId, QColor>& colors);
  // The same with a badge and a line style per node (the pass explorer's diff).
  struct DiffMark {
    QColor color;
    QString badge;
    bool dashed = false;
  };
  void setDiffMarks(const QHash<NodeId, DiffMark>& marks);
  int highlightCount(const QColor& color) const;  // op items highlighted in `color`
  // Dims the op nodes not in `keep` (drawn faintly); an empty optional-like `dim == false` undims all.
  void setDimmed(bool dim, const QSet<NodeId>& keep = {});
  int dimmedCount() const;  // op items drawn dimmed
  void setMarks(const QList<NodeId>& ids, const QColor& color);
  QList<NodeId> markedNodes() const;

  // Multi-selection for editing: click selects one node, Ctrl/Shift-click adds or removes one,
  // Shift-drag (or Ctrl-drag) on the background draws a rubber band that adds the nodes it
  // touches; a plain drag on the background still pans. selectedNode() is the first selected.
  QList<NodeId> selectedNodes() const;  // in graph order
  void selectNodes(const QList<NodeId>& ids);  // replaces the selection (empty clears it)

  // Overlay (device, precision, error, ... : app/gui/overlay.h): each listed op node is filled
  // with its colour instead of its category colour (op nodes not listed: light grey) and its
  // tooltip gains the note; an empty `fill` restores the category colours. Survives showLayout
  // of another layout of the same graph ids (it is keyed by node id).
  void setOverlay(const QHash<NodeId, QColor>& fill, const QHash<NodeId, QString>& notes = {});
  bool hasOverlay() const;
  QColor overlayColor(NodeId id) const;  // invalid when not overlaid

 public slots:
  void zoomIn();
  void zoomOut();
  void fitToWindow();

 signals:
  void nodeSelected(nest::NodeId id);  // 0 when the selection was cleared
  void selectionChanged(const QList<nest::NodeId>& ids);  // every change of selectedNodes()
  // Right click on a node (it is selected first unless already part of the selection) or on the
  // background (id 0); `globalPos` for QMenu::exec.
  void contextMenuRequested(nest::NodeId id, const QPoint& globalPos);
  void viewTransformed();              // zoom changed or the view was fitted
  // Double click on a collapsed group's box (collapse = false) or on an expanded group's name (true).
  void groupToggleRequested(const QString& scope, bool collapse);
  void drawingFinished();              // every item of the shown layout is in the scene
  void sceneReplaced();                // scene() is another QGraphicsScene (clear() of a big drawing)

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  void drawForeground(QPainter* painter, const QRectF& rect) override;

 private:
  // Zoomed out below kLabelZoom: the names of group frames and collapsed groups, about 12 pixels
  // high whatever the zoom, outer groups first, none over another (`painter` in scene coordinates).
  void drawGroupNames(QPainter& painter, const QRectF& exposed) const;
  QList<NodeId> membersOf(const NodeItem* group) const;
  GroupFrameItem* frameBandAt(const QPoint& viewPos) const;
  void scaleBy(double factor);
  void onSelectionChanged();
  void drawBatch();                  // adds pending items for a few ms, then yields
  void addNode(NodeItem* item);      // into the scene, if not there yet
  void finishDrawing();
  // The selectable box (op or group) under a viewport point, or null.
  NodeItem* opItemAt(const QPoint& viewPos) const;
  // Sets the selection to `ids` (scene signals blocked) and reports it once.
  void setSelection(const QSet<NodeId>& ids);
  void applyOverlay(NodeItem* item) const;
  void finishRubberBand(const QPoint& end);

  QGraphicsScene* scene_;
  QList<NodeItem*> nodes_;
  int edges_ = 0;
  std::shared_ptr<const ScopeTree> scopes_;
  QList<GroupFrameItem*> frames_;
  // Per selected group box: the nodes of the group in the selection (absent: all of them).
  QHash<const NodeItem*, QSet<NodeId>> groupSelection_;
  mutable int namesDrawn_ = 0;
  quint64 overviewVersion_ = 0;
  // Batched drawing: nodes_[nextNode_..] and pendingEdges_[nextEdge_..] are not in the scene yet.
  bool drawing_ = false;
  int nextNode_ = 0;
  int nextFrame_ = 0;
  size_t nextEdge_ = 0;
  std::vector<render::EdgePath> pendingEdges_;
  quint64 drawGeneration_ = 0;  // bumped on clear: stale batch callbacks do nothing
  const Graph* graph_ = nullptr;
  OverviewPicture overview_;
  // Overlay by node id, applied to every box as it is created (so across showLayout).
  QHash<NodeId, QColor> overlayFill_;
  QHash<NodeId, QString> overlayNotes_;
  // Mouse: a left press on an op box handled here (no pan); a Ctrl/Shift rubber band from bandOrigin_.
  bool boxPress_ = false;
  QPointer<QRubberBand> rubberBand_;
  QPoint bandOrigin_;
  bool banding_ = false;
};

}  // namespace nest::gui
