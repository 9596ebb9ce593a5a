#include "app/gui/pass_explorer.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QScrollBar>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include "app/gui/graph_view.h"
#include "app/gui/ir_diff_view.h"

namespace nest::gui {

const QColor PassExplorer::kAdded(0x2e, 0xa0, 0x43);
const QColor PassExplorer::kRemoved(0xd7, 0x3a, 0x49);
const QColor PassExplorer::kModified(0xf0, 0xa0, 0x0c);
const QColor PassExplorer::kOrigin(0x1f, 0x6f, 0xeb);

namespace {

QString recordLabel(const PassRecord& r) {
  QString name = QString::fromStdString(r.pass);
  if (r.round > 0) name += QStringLiteral(" (round %1)").arg(r.round + 1);
  return name;
}

QString swatch(const QColor& c, const QString& text) {
  return QStringLiteral("<span style='color:%1'>&#9632;</span>&nbsp;%2").arg(c.name(), text);
}

}  // namespace

PassExplorer::PassExplorer(QWidget* parent)
    : QWidget(parent), before_(new GraphView(this)), after_(new GraphView(this)),
      cancel_(std::make_shared<std::atomic<bool>>(false)) {
  before_->setObjectName("beforeView");
  after_->setObjectName("afterView");
  // A drawing smaller than its view sits at the top (like the other's inputs), not in the middle.
  before_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
  after_->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
  beforeTitle_ = new QLabel(this);
  afterTitle_ = new QLabel(this);
  legend_ = new QLabel(this);
  legend_->setTextFormat(Qt::RichText);
  legend_->setWordWrap(true);  // else its one line is the window's minimum centre width (narrow docks)
  hideBox_ = new QCheckBox(tr("Hide passes that changed nothing"), this);  // placed by the window
  hideBox_->setObjectName("hideUnchanged");
  connect(hideBox_, &QCheckBox::toggled, this, [this] { applyFilter(); });

  auto side = [this](QLabel* title, GraphView* view) {
    auto* w = new QWidget(this);
    auto* l = new QVBoxLayout(w);
    l->setContentsMargins(0, 0, 0, 0);
    l->setSpacing(2);
    QFont bold = title->font();
    bold.setBold(true);
    title->setFont(bold);
    l->addWidget(title);
    l->addWidget(view, 1);
    return w;
  };
  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(side(beforeTitle_, before_));
  split->addWidget(side(afterTitle_, after_));
  split->setChildrenCollapsible(false);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addWidget(legend_);
  layout->addWidget(split, 1);
  legend_->setText(swatch(kAdded, tr("added")) + "&nbsp;&nbsp;" + swatch(kRemoved, tr("removed")) + "&nbsp;&nbsp;" +
                   swatch(kModified, tr("modified")) + "&nbsp;&nbsp;" +
                   swatch(kOrigin, tr("came from (select a node on the right)")) +
                   tr("&nbsp;&nbsp;&nbsp;&nbsp;Page Up / Page Down: previous / next pass"));

  for (GraphView* v : {before_, after_}) {
    connect(v->horizontalScrollBar(), &QScrollBar::valueChanged, this, [this, v] { syncFrom(v); });
    connect(v->verticalScrollBar(), &QScrollBar::valueChanged, this, [this, v] { syncFrom(v); });
    connect(v, &GraphView::viewTransformed, this, [this, v] { syncFrom(v); });
  }
  connect(before_, &GraphView::nodeSelected, this, &PassExplorer::onBeforeSelected);
  connect(after_, &GraphView::nodeSelected, this, &PassExplorer::onAfterSelected);
  connect(&watcher_, &QFutureWatcher<Job>::finished, this, &PassExplorer::onJobFinished);
}

PassExplorer::~PassExplorer() {
  *cancel_ = true;
  watcher_.waitForFinished();
}

void PassExplorer::setPassList(QListWidget* list) {
  list_ = list;
  connect(list_, &QListWidget::currentRowChanged, this, &PassExplorer::showRecord);
}

void PassExplorer::setModel(std::shared_ptr<const LoadedModel> model) {
  *cancel_ = true;
  model_ = std::move(model);
  shown_ = -1;
  shownModel_.reset();
  applyFilter();
  showRecord(list_ ? list_->currentRow() : -1);
}

bool PassExplorer::hideUnchanged() const { return hideBox_->isChecked(); }
void PassExplorer::setHideUnchanged(bool hide) { hideBox_->setChecked(hide); }

void PassExplorer::applyFilter() {
  if (!list_ || !model_) return;
  const auto& records = model_->run.records;
  const bool hide = hideUnchanged();
  for (int i = 0; i < list_->count() && i < static_cast<int>(records.size()); ++i)
    list_->setRowHidden(i, hide && !records[i].changed);
  const int row = list_->currentRow();
  if (row >= 0 && list_->isRowHidden(row) && !stepPass(+1)) stepPass(-1);
}

bool PassExplorer::stepPass(int delta) {
  if (!list_ || delta == 0) return false;
  const int step = delta > 0 ? 1 : -1;
  for (int row = list_->currentRow() + step; row >= 0 && row < list_->count(); row += step)
    if (!list_->isRowHidden(row)) {
      list_->setCurrentRow(row);
      list_->scrollToItem(list_->item(row));
      return true;
    }
  return false;
}

std::shared_ptr<const Graph> PassExplorer::beforeGraph() const {
  if (!model_ || record_ < 0 || record_ >= static_cast<int>(model_->run.records.size())) return nullptr;
  return record_ == 0 ? model_->run.initial : model_->run.records[record_ - 1].after;
}

std::shared_ptr<const Graph> PassExplorer::afterGraph() const {
  if (!model_ || record_ < 0 || record_ >= static_cast<int>(model_->run.records.size())) return nullptr;
  return model_->run.records[record_].after;
}

LayoutPtr PassExplorer::cached(const std::shared_ptr<const Graph>& graph) const {
  auto it = cache_->find(graph.get());
  return it == cache_->end() ? nullptr : it->second;
}

void PassExplorer::showRecord(int record) {
  record_ = model_ && record >= 0 && record < static_cast<int>(model_->run.records.size()) ? record : -1;
  updateDiff();
  refresh();
}

void PassExplorer::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  refresh();
}

void PassExplorer::updateDiff() {
  if (!diff_) return;
  if (record_ < 0) return diff_->clear();
  const QString before = record_ == 0 ? tr("imported") : recordLabel(model_->run.records[record_ - 1]);
  diff_->setGraphs(beforeGraph(), afterGraph(), before, recordLabel(model_->run.records[record_]));
}

void PassExplorer::refresh() {
  if (record_ < 0) {
    *cancel_ = true;
    shown_ = -1;
    before_->clear();
    after_->clear();
    beforeTitle_->setText(tr("Before"));
    afterTitle_->setText(tr("After"));
    return;
  }
  if (record_ == shown_ && model_ == shownModel_) return;
  if (!isVisible()) return;  // laid out when shown
  const std::shared_ptr<const Graph> graphs[2] = {beforeGraph(), afterGraph()};
  LayoutPtr layouts[2] = {cached(graphs[0]), cached(graphs[1])};
  if (layouts[0] && layouts[1]) return display(layouts[0], layouts[1]);
  if (pending_) return;  // onJobFinished comes back here
  std::vector<std::shared_ptr<const Graph>> missing;
  for (int k = 0; k < 2; ++k)
    if (!layouts[k]) missing.push_back(graphs[k]);
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  Cancel cancel = cancel_;
  std::shared_ptr<const LoadedModel> model = model_;
  pending_ = true;
  watcher_.setFuture(QtConcurrent::run([model, missing, cancel] {
    Job job{model, {}};
    for (const auto& g : missing) {
      if (*cancel) break;
      job.outcomes.push_back(layoutJob(g, cancel));
    }
    return job;
  }));
  emit busyChanged();
}

void PassExplorer::onJobFinished() {
  const Job job = watcher_.result();
  pending_ = false;
  emit busyChanged();
  if (job.model != model_) return refresh();  // another model meanwhile
  for (const LayoutOutcome& o : job.outcomes) {
    if (o.layout) {
      (*cache_)[o.graph.get()] = o.layout;
    } else if (!o.error.isEmpty() && !*cancel_) {
      afterTitle_->setText(tr("Cannot lay out the graph: %1").arg(o.error));
      return;
    }
  }
  refresh();
}

void PassExplorer::display(const LayoutPtr& beforeLayout, const LayoutPtr& afterLayout) {
  const bool keepView = shown_ >= 0 && shownModel_ == model_;
  {
    syncing_ = true;
    before_->showLayout(*beforeLayout, keepView);
    after_->showLayout(*afterLayout, keepView);
    syncing_ = false;
  }
  shown_ = record_;
  shownModel_ = model_;
  const std::shared_ptr<const Graph> beforeSnap = beforeGraph();
  beforeIds_.clear();
  for (const Node& n : beforeSnap->nodes) beforeIds_.insert(n.id);

  const PassRecord& r = model_->run.records[record_];
  const ChangeRecord& c = r.changes;
  QHash<NodeId, QColor> beforeColors, afterColors;
  for (NodeId id : c.removed) beforeColors.insert(id, kRemoved);
  for (NodeId id : c.added) afterColors.insert(id, kAdded);
  for (NodeId id : c.modified) {
    beforeColors.insert(id, kModified);
    afterColors.insert(id, kModified);
  }
  before_->setHighlights(beforeColors);
  after_->setHighlights(afterColors);
  before_->setMarks({}, kOrigin);

  beforeTitle_->setText(tr("Before %1 — %2 nodes, %3 removed")
                            .arg(recordLabel(r))
                            .arg(beforeSnap->nodes.size())
                            .arg(c.removed.size()));
  afterTitle_->setText(tr("After %1 — %2 nodes, %3 added, %4 modified%5")
                           .arg(recordLabel(r))
                           .arg(r.nodesAfter)
                           .arg(c.added.size())
                           .arg(c.modified.size())
                           .arg(r.changed ? QString() : tr(" (no change)")));
  const QRectF a = before_->sceneRect(), b = after_->sceneRect();
  offset_ = QPointF(a.center().x() - b.center().x(), a.top() - b.top());  // tops level, as fitBoth
  if (!keepView) fitBoth();
  else syncFrom(after_);
  emit shownChanged(shown_);
}

void PassExplorer::setOverlay(const QHash<NodeId, QColor>& fill, const QHash<NodeId, QString>& notes) {
  // Each view keeps the overlay by node id across showLayout: nothing to redo per record.
  before_->setOverlay(fill, notes);
  after_->setOverlay(fill, notes);
}

void PassExplorer::fitBoth() {
  // Fit the larger drawing, then give the other the same zoom, centred horizontally and with the
  // tops (the graph inputs) level.
  const QRectF a = before_->sceneRect(), b = after_->sceneRect();
  GraphView* bigger = a.width() * a.height() > b.width() * b.height() ? before_ : after_;
  syncing_ = true;
  bigger->fitToWindow();
  syncing_ = false;
  offset_ = QPointF(a.center().x() - b.center().x(), a.top() - b.top());
  syncFrom(bigger);
}

void PassExplorer::syncFrom(GraphView* source) {
  if (syncing_) return;
  GraphView* target = source == before_ ? after_ : before_;
  syncing_ = true;
  target->setTransform(source->transform());
  const QPointF centre = source->mapToScene(source->viewport()->rect().center());
  target->centerOn(source == after_ ? centre + offset_ : centre - offset_);
  syncing_ = false;
}

void PassExplorer::alignOn(const QList<NodeId>& beforeIds, NodeId afterId) {
  NodeItem* afterItem = afterId ? after_->itemForNode(afterId) : nullptr;
  QRectF area;
  for (NodeId id : beforeIds)
    if (NodeItem* item = before_->itemForNode(id)) area |= item->sceneBoundingRect();
  if (!afterItem || area.isNull()) return;
  offset_ = area.center() - afterItem->scenePos();
  syncFrom(after_);
}

QList<NodeId> PassExplorer::originsOf(NodeId id) const {
  QList<NodeId> out;
  if (!model_ || record_ < 0 || id == 0) return out;
  if (beforeIds_.contains(id)) out.append(id);
  const ChangeRecord& c = model_->run.records[record_].changes;
  auto it = c.derivedFrom.find(id);
  if (it != c.derivedFrom.end())
    for (NodeId from : it->second)
      if (beforeIds_.contains(from) && !out.contains(from)) out.append(from);
  return out;
}

void PassExplorer::onBeforeSelected(NodeId id) {
  if (mirroring_) return;
  mirroring_ = true;
  {
    const QSignalBlocker block(after_->scene());
    after_->scene()->clearSelection();
    if (NodeItem* item = id ? after_->itemForNode(id) : nullptr) item->setSelected(true);
  }
  before_->setMarks({}, kOrigin);
  mirroring_ = false;
  if (id) alignOn({id}, id);
  emit nodeSelected(beforeGraph().get(), id);
}

void PassExplorer::onAfterSelected(NodeId id) {
  if (mirroring_) return;
  mirroring_ = true;
  {
    const QSignalBlocker block(before_->scene());
    before_->scene()->clearSelection();
    if (NodeItem* item = id ? before_->itemForNode(id) : nullptr) item->setSelected(true);
  }
  const QList<NodeId> origins = originsOf(id);
  before_->setMarks(origins, kOrigin);
  mirroring_ = false;
  alignOn(origins, id);
  emit nodeSelected(afterGraph().get(), id);
}

}  // namespace nest::gui
