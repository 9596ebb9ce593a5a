#include "app/gui/search_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QRegularExpression>
#include <QVBoxLayout>

#include "app/gui/graph_view.h"

namespace nest::gui {

std::vector<NodeId> findNodes(const Graph& graph, const QString& text, SearchMode mode) {
  std::vector<NodeId> found;
  if (text.isEmpty()) return found;
  QRegularExpression re;
  if (mode == SearchMode::Regex) {
    re = QRegularExpression(text, QRegularExpression::CaseInsensitiveOption);
    if (!re.isValid()) return found;
  }
  for (const Node& node : graph.nodes) {
    const QString name = QString::fromStdString(node.name);
    const QString op = QString::fromStdString(node.op);
    bool match = false;
    switch (mode) {
      case SearchMode::Name: match = name.contains(text, Qt::CaseInsensitive); break;
      case SearchMode::Op: match = op.compare(text, Qt::CaseInsensitive) == 0; break;
      case SearchMode::Regex: match = re.match(name).hasMatch() || re.match(op).hasMatch(); break;
    }
    if (match) found.push_back(node.id);
  }
  return found;
}

SearchPanel::SearchPanel(GraphView* view, QWidget* parent)
    : QWidget(parent), view_(view), edit_(new QLineEdit(this)), modeBox_(new QComboBox(this)),
      list_(new QListWidget(this)), count_(new QLabel(this)) {
  edit_->setPlaceholderText(tr("Find nodes…"));
  edit_->setClearButtonEnabled(true);
  modeBox_->addItem(tr("Name"), static_cast<int>(SearchMode::Name));
  modeBox_->addItem(tr("Op type"), static_cast<int>(SearchMode::Op));
  modeBox_->addItem(tr("Regex"), static_cast<int>(SearchMode::Regex));
  modeBox_->setToolTip(tr("Name: part of the node name · Op type: the exact op · Regex: over name and op"));
  auto* row = new QHBoxLayout;
  row->setContentsMargins(0, 0, 0, 0);
  row->addWidget(edit_, 1);
  row->addWidget(modeBox_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addLayout(row);
  layout->addWidget(count_);
  layout->addWidget(list_, 1);
  list_->setSelectionMode(QAbstractItemView::SingleSelection);

  connect(edit_, &QLineEdit::textChanged, this, &SearchPanel::search);
  connect(modeBox_, &QComboBox::currentIndexChanged, this, &SearchPanel::search);
  connect(list_, &QListWidget::currentRowChanged, this, &SearchPanel::onRowChanged);
  connect(edit_, &QLineEdit::returnPressed, this, [this] {
    if (list_->count() > 0) activateResult((list_->currentRow() + 1) % list_->count());
  });
  search();
}

void SearchPanel::setGraph(const Graph* graph) {
  graph_ = graph;
  search();
}

void SearchPanel::setMode(SearchMode mode) { modeBox_->setCurrentIndex(modeBox_->findData(static_cast<int>(mode))); }

SearchMode SearchPanel::mode() const { return static_cast<SearchMode>(modeBox_->currentData().toInt()); }

void SearchPanel::setText(const QString& text) { edit_->setText(text); }

void SearchPanel::focusSearch() {
  edit_->setFocus(Qt::ShortcutFocusReason);
  edit_->selectAll();
}

void SearchPanel::search() {
  results_ = graph_ ? findNodes(*graph_, edit_->text(), mode()) : std::vector<NodeId>{};
  {
    const QSignalBlocker block(list_);
    list_->clear();
    for (NodeId id : results_) {
      const Node* node = graph_->findNode(id);
      auto* item = new QListWidgetItem(QStringLiteral("%1  %2  #%3")
                                           .arg(QString::fromStdString(node->op), QString::fromStdString(node->name))
                                           .arg(id));
      item->setData(Qt::UserRole, static_cast<qulonglong>(id));
      list_->addItem(item);
    }
  }
  const bool badRegex = mode() == SearchMode::Regex && !edit_->text().isEmpty() &&
                        !QRegularExpression(edit_->text()).isValid();
  count_->setText(edit_->text().isEmpty() ? QString()
                  : badRegex              ? tr("invalid regular expression")
                                          : tr("%n match(es)", nullptr, static_cast<int>(results_.size())));
  view_->setSearchMatches(QList<NodeId>(results_.begin(), results_.end()));
}

void SearchPanel::activateResult(int row) {
  if (row < 0 || row >= list_->count()) return;
  if (list_->currentRow() == row)
    onRowChanged(row);
  else
    list_->setCurrentRow(row);
}

void SearchPanel::onRowChanged(int row) {
  if (row < 0 || row >= static_cast<int>(results_.size())) return;
  view_->focusNode(results_[static_cast<size_t>(row)]);
}

}  // namespace nest::gui
