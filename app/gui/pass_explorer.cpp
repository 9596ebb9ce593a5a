#include "app/gui/pass_explorer.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QScrollBar>
#include <QShortcut>
#include <QToolButton>
#include <QSplitter>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>

#include "app/gui/graph_view.h"
#include "app/gui/ir_diff_view.h"

namespace nest::gui {

const QColor PassExplorer::kAdded(0x2e, 0xa0, 0x43);
const QColor PassExplorer::kRemoved(0xd7, 0x3a, 0x49);
const QColor PassExplorer::kModified(0xf0, 0xa0, 0x0c);
const QColor PassExplorer::kRewired(0x57, 0x60, 0x6a);
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

// A legend entry for a diff mark: its badge in a disc of its colour, as drawn on the nodes.
QString badgeSwatch(const QColor& c, const QString& badge, const QString& text) {
  return QStringLiteral("<span style='background-color:%1; color:%2'>&nbsp;<b>%3</b>&nbsp;</span>&nbsp;%4")
      .arg(c.name(), c.lightness() < 140 ? QStringLiteral("white") : QStringLiteral("black"), badge, text);
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
  previousButton_ = new QToolButton(this);
  previousButton_->setObjectName("previousChange");
  previousButton_->setText(tr("Previous change"));
  previousButton_->setToolTip(tr("Select and centre the previous changed node (Shift+N)"));
  nextButton_ = new QToolButton(this);
  nextButton_->setObjectName("nextChange");
  nextButton_->setText(tr("Next change"));
  nextButton_->setToolTip(tr("Select and centre the next changed node (N)"));
  changeLabel_ = new QLabel(this);
  changedOnlyBox_ = new QCheckBox(tr("Changed only"), this);
  changedOnlyBox_->setObjectName("changedOnly");
  changedOnlyBox_->setToolTip(tr("Dim the nodes this pass did not add, remove, modify or rewire"));
  connect(previousButton_, &QToolButton::clicked, this, [this] { stepChange(-1); });
  connect(nextButton_, &QToolButton::clicked, this, [this] { stepChange(+1); });
  connect(changedOnlyBox_, &QCheckBox::toggled, this, [this] { applyChangedOnly(); });
  // Not Page Up / Page Down (they step passes) nor Alt+Up / Alt+Down (producer / consumer).
  auto* next = new QShortcut(QKeySequence(Qt::Key_N), this, [this] { stepChange(+1); });
  auto* previous = new QShortcut(QKeySequence(Qt::SHIFT | Qt::Key_N), this, [this] { stepChange(-1); });
  next->setContext(Qt::WidgetWithChildrenShortcut);
  previous->setContext(Qt::WidgetWithChildrenShortcut);

  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(0, 0, 0, 0);
  bar->addWidget(previousButton_);
  bar->addWidget(nextButton_);
  bar->addWidget(changeLabel_);
  bar->addSpacing(12);
  bar->addWidget(changedOnlyBox_);
  bar->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  layout->addLayout(bar);
  layout->addWidget(legend_);
  layout->addWidget(split, 1);
  legend_->setWordWrap(true);
  const QString gap = QStringLiteral("&nbsp;&nbsp; ");
  legend_->setText(badgeSwatch(kAdded, "+", tr("added")) + gap + badgeSwatch(kRemoved, QStringLiteral("&minus;"), tr("removed")) +
                   gap + badgeSwatch(kModified, "M", tr("modified")) + gap +
                   badgeSwatch(kRewired, "R", tr("rewired (only operands renamed)")) + gap +
                   swatch(kOrigin, tr("came from (select a node on the right)")) + gap +
                   swatch(GraphView::kSearchColor, tr("search match")) +
                   tr("&nbsp;&nbsp;&nbsp; N / Shift+N: next / previous change; Page Up / Page Down: pass"));

  for (GraphView* v : {before_, after_}) {
    connect(v->horizontalScrollBar(), &QScrollBar::valueChanged, this, [this, v] { syncFrom(v); });
    connect(v->verticalScrollBar(), &QScrollBar::valueChanged, this, [this, v] { syncFrom(v); });
    connect(v, &GraphView::viewTransformed, this, [this, v] { syncFrom(v); });
  }
  connect(before_, &GraphView::nodeSelected, this, &PassExplorer::onBeforeSelected);
  connect(after_, &GraphView::nodeSelected, this, &PassExplorer::onAfterSelected);
  connect(&watcher_, &QFutureWatcher<Job>::finished, this, &PassExplorer::onJobFinished);
  updateChangeLabel();
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
    changes_.clear();
    currentChange_ = -1;
    updateChangeLabel();
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
  QHash<NodeId, GraphView::DiffMark> beforeMarks, afterMarks;
  for (NodeId id : c.removed) beforeMarks.insert(id, {kRemoved, QStringLiteral("\u2212"), false});
  for (NodeId id : c.added) afterMarks.insert(id, {kAdded, QStringLiteral("+"), false});
  for (NodeId id : c.modified) {
    beforeMarks.insert(id, {kModified, QStringLiteral("M"), false});
    afterMarks.insert(id, {kModified, QStringLiteral("M"), false});
  }
  for (NodeId id : c.rewired) {
    beforeMarks.insert(id, {kRewired, QStringLiteral("R"), true});
    afterMarks.insert(id, {kRewired, QStringLiteral("R"), true});
  }
  before_->setDiffMarks(beforeMarks);
  after_->setDiffMarks(afterMarks);
  before_->setMarks({}, kOrigin);

  beforeTitle_->setText(tr("Before %1 — %2 nodes, %3 removed")
                            .arg(recordLabel(r))
                            .arg(beforeSnap->nodes.size())
                            .arg(c.removed.size()));
  afterTitle_->setText(tr("After %1 — %2 nodes, %3 added, %4 modified, %5 rewired%6")
                           .arg(recordLabel(r))
                           .arg(r.nodesAfter)
                           .arg(c.added.size())
                           .arg(c.modified.size())
                           .arg(c.rewired.size())
                           .arg(r.changed ? QString() : tr(" (no change)")));
  const QRectF a = before_->sceneRect(), b = after_->sceneRect();
  offset_ = QPointF(a.center().x() - b.center().x(), a.top() - b.top());  // tops level, as fitBoth
  collectChanges();
  applyChangedOnly();
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
  // One scale for both: the largest at which each drawing fits its own view, never magnified
  // beyond natural size; centred horizontally with the tops (the graph inputs) level.
  const QRectF a = before_->sceneRect(), b = after_->sceneRect();
  auto fitScale = [](GraphView* v, const QRectF& r) {
    const QSize port = v->viewport()->size();
    if (r.isEmpty() || port.isEmpty()) return 1.0;
    return std::min({1.0, (port.width() - 4) / r.width(), (port.height() - 4) / r.height()});
  };
  const double scale = std::max(0.01, std::min(fitScale(before_, a), fitScale(after_, b)));
  syncing_ = true;
  for (GraphView* v : {before_, after_}) {
    v->setTransform(QTransform::fromScale(scale, scale));
    const QRectF r = v->sceneRect();
    v->centerOn(QPointF(r.center().x(), r.top() + v->viewport()->height() / (2 * scale)));
  }
  syncing_ = false;
  offset_ = QPointF(a.center().x() - b.center().x(), a.top() - b.top());
  syncFrom(after_);
}

void PassExplorer::collectChanges() {
  changes_.clear();
  currentChange_ = -1;
  if (!model_ || shown_ < 0) return updateChangeLabel();
  const ChangeRecord& c = model_->run.records[shown_].changes;
  struct Placed {
    Change change;
    QPointF pos;  // in after's scene coordinates
  };
  std::vector<Placed> placed;
  for (const auto* ids : {&c.added, &c.modified, &c.rewired})
    for (NodeId id : *ids)
      if (NodeItem* item = after_->itemForNode(id)) placed.push_back({{id, false}, item->scenePos()});
  for (NodeId id : c.removed)
    if (NodeItem* item = before_->itemForNode(id)) placed.push_back({{id, true}, item->scenePos() - offset_});
  std::stable_sort(placed.begin(), placed.end(), [](const Placed& x, const Placed& y) {
    return x.pos.y() != y.pos.y() ? x.pos.y() < y.pos.y() : x.pos.x() < y.pos.x();
  });
  for (const Placed& p : placed) changes_.push_back(p.change);
  updateChangeLabel();
}

void PassExplorer::updateChangeLabel() {
  nextButton_->setEnabled(!changes_.empty());
  previousButton_->setEnabled(!changes_.empty());
  if (changes_.empty()) return changeLabel_->setText(shown_ >= 0 ? tr("no changes") : QString());
  changeLabel_->setText(currentChange_ < 0 ? tr("%n change(s)", nullptr, static_cast<int>(changes_.size()))
                                           : tr("change %1 of %2").arg(currentChange_ + 1).arg(changes_.size()));
}

bool PassExplorer::stepChange(int delta) {
  if (changes_.empty() || delta == 0) return false;
  const int n = static_cast<int>(changes_.size());
  if (currentChange_ < 0) currentChange_ = delta > 0 ? 0 : n - 1;
  else currentChange_ = ((currentChange_ + (delta > 0 ? 1 : -1)) % n + n) % n;
  const Change& change = changes_[currentChange_];
  GraphView* view = change.inBefore ? before_ : after_;
  view->focusNode(change.id);  // the selection aligns the other view on it
  if (NodeItem* item = view->itemForNode(change.id)) view->centerOn(item);
  updateChangeLabel();
  return true;
}

void PassExplorer::setChangedOnly(bool on) { changedOnlyBox_->setChecked(on); }
bool PassExplorer::changedOnly() const { return changedOnlyBox_->isChecked(); }

void PassExplorer::applyChangedOnly() {
  const bool on = changedOnly() && model_ && shown_ >= 0;
  QSet<NodeId> keepBefore, keepAfter;
  if (on) {
    const ChangeRecord& c = model_->run.records[shown_].changes;
    for (NodeId id : c.removed) keepBefore.insert(id);
    for (NodeId id : c.added) keepAfter.insert(id);
    for (const auto* ids : {&c.modified, &c.rewired})
      for (NodeId id : *ids) {
        keepBefore.insert(id);
        keepAfter.insert(id);
      }
  }
  before_->setDimmed(on, keepBefore);
  after_->setDimmed(on, keepAfter);
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
