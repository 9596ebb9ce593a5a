#include "app/gui/ir_diff_view.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QVBoxLayout>

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "core/text_ir.h"

namespace nest::gui {

namespace {

constexpr size_t kMaxLcsCells = 16'000'000;  // 32 MB of uint16_t
const QColor kRemovedBg(0xfd, 0xd8, 0xd8);
const QColor kAddedBg(0xd6, 0xf5, 0xd6);

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

// Page Up / Page Down (and Home / End) scroll the text they are typed into: without this the
// window's Previous / Next Pass shortcuts would take them (shortcuts go before key presses).
class ScrollKeysFilter : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() == QEvent::ShortcutOverride) {
      const int key = static_cast<QKeyEvent*>(event)->key();
      if (key == Qt::Key_PageUp || key == Qt::Key_PageDown || key == Qt::Key_Home || key == Qt::Key_End) {
        event->accept();  // the key goes to the text as an ordinary key press
        return true;
      }
    }
    return QObject::eventFilter(watched, event);
  }
};

}  // namespace

std::vector<DiffRow> diffLines(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  // Intern lines so that comparisons are integer compares.
  std::unordered_map<std::string, int> ids;
  auto intern = [&](const std::vector<std::string>& lines) {
    std::vector<int> out;
    out.reserve(lines.size());
    for (const std::string& l : lines) out.push_back(ids.emplace(l, static_cast<int>(ids.size())).first->second);
    return out;
  };
  const std::vector<int> x = intern(a), y = intern(b);
  size_t prefix = 0;
  while (prefix < x.size() && prefix < y.size() && x[prefix] == y[prefix]) ++prefix;
  size_t suffix = 0;
  while (suffix < x.size() - prefix && suffix < y.size() - prefix &&
         x[x.size() - 1 - suffix] == y[y.size() - 1 - suffix])
    ++suffix;
  const size_t n = x.size() - prefix - suffix, m = y.size() - prefix - suffix;
  if ((n + 1) * (m + 1) > kMaxLcsCells || std::min(n, m) >= 65535) return {};

  // lcs[i][j]: LCS length of x[prefix+i..] and y[prefix+j..] (middle parts).
  std::vector<uint16_t> lcs((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint16_t& { return lcs[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      at(i, j) = x[prefix + i] == y[prefix + j] ? static_cast<uint16_t>(at(i + 1, j + 1) + 1)
                                                : std::max(at(i + 1, j), at(i, j + 1));

  std::vector<DiffRow> rows;
  rows.reserve(std::max(x.size(), y.size()));
  for (size_t k = 0; k < prefix; ++k) rows.push_back({static_cast<int>(k), static_cast<int>(k), false});
  std::vector<int> dels, inss;
  auto flush = [&] {
    const size_t count = std::max(dels.size(), inss.size());
    for (size_t k = 0; k < count; ++k)
      rows.push_back({k < dels.size() ? dels[k] : -1, k < inss.size() ? inss[k] : -1, true});
    dels.clear();
    inss.clear();
  };
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[prefix + i] == y[prefix + j]) {
      flush();
      rows.push_back({static_cast<int>(prefix + i), static_cast<int>(prefix + j), false});
      ++i, ++j;
    } else if (j >= m || (i < n && at(i + 1, j) >= at(i, j + 1))) {
      dels.push_back(static_cast<int>(prefix + i++));
    } else {
      inss.push_back(static_cast<int>(prefix + j++));
    }
  }
  flush();
  for (size_t k = 0; k < suffix; ++k)
    rows.push_back({static_cast<int>(x.size() - suffix + k), static_cast<int>(y.size() - suffix + k), false});
  return rows;
}

IrDiffView::IrDiffView(QWidget* parent) : QWidget(parent) {
  header_ = new QLabel(this);
  header_->setTextFormat(Qt::PlainText);
  const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
  auto makeSide = [&] {
    auto* edit = new QPlainTextEdit(this);
    edit->setReadOnly(true);
    edit->setLineWrapMode(QPlainTextEdit::NoWrap);
    edit->setFont(mono);
    edit->setUndoRedoEnabled(false);
    edit->installEventFilter(new ScrollKeysFilter(edit));
    return edit;
  };
  left_ = makeSide();
  right_ = makeSide();
  left_->setObjectName("irDiffBefore");
  right_->setObjectName("irDiffAfter");
  // Scroll both sides together.
  for (auto [a, b] : {std::pair{left_, right_}, std::pair{right_, left_}}) {
    connect(a->verticalScrollBar(), &QScrollBar::valueChanged, b->verticalScrollBar(), &QScrollBar::setValue);
    connect(a->horizontalScrollBar(), &QScrollBar::valueChanged, b->horizontalScrollBar(), &QScrollBar::setValue);
  }
  auto* sides = new QHBoxLayout;
  sides->setContentsMargins(0, 0, 0, 0);
  sides->addWidget(left_);
  sides->addWidget(right_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(header_);
  layout->addLayout(sides, 1);
}

void IrDiffView::clear() { setGraphs(nullptr, nullptr, QString(), QString()); }

void IrDiffView::setGraphs(std::shared_ptr<const Graph> before, std::shared_ptr<const Graph> after,
                           const QString& beforeTitle, const QString& afterTitle) {
  if (before == before_ && after == after_ && !stale_ && (before || after)) return;
  before_ = std::move(before);
  after_ = std::move(after);
  beforeTitle_ = beforeTitle;
  afterTitle_ = afterTitle;
  stale_ = true;
  diffed_ = false;
  if (isVisible() || (!before_ && !after_)) refresh();
}

void IrDiffView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  if (stale_) refresh();
}

void IrDiffView::refresh() {
  if (!stale_) return;
  stale_ = false;
  diffed_ = false;
  removed_ = added_ = 0;
  left_->clear();
  right_->clear();
  if (!before_ || !after_) {
    header_->setText(tr("Select a pass to compare its text IR before and after it."));
    return;
  }
  const std::vector<std::string> a = splitLines(printGraph(*before_));
  const std::vector<std::string> b = splitLines(printGraph(*after_));
  std::vector<DiffRow> rows;
  if (static_cast<int>(std::max(a.size(), b.size())) <= kMaxDiffLines) rows = diffLines(a, b);
  const QString sides = tr("before: %1   |   after: %2").arg(beforeTitle_, afterTitle_);
  if (rows.empty() && !(a.empty() && b.empty())) {
    auto join = [](const std::vector<std::string>& lines) {
      QStringList out;
      for (const std::string& l : lines) out << QString::fromStdString(l);
      return out.join('\n');
    };
    left_->setPlainText(join(a));
    right_->setPlainText(join(b));
    header_->setText(sides + tr("   —   too large to diff (%1 | %2 lines)").arg(a.size()).arg(b.size()));
    return;
  }
  QStringList leftText, rightText;
  std::vector<int> leftMarks, rightMarks;  // rows to tint
  for (size_t r = 0; r < rows.size(); ++r) {
    const DiffRow& row = rows[r];
    leftText << (row.left >= 0 ? QString::fromStdString(a[row.left]) : QString());
    rightText << (row.right >= 0 ? QString::fromStdString(b[row.right]) : QString());
    if (!row.changed) continue;
    if (row.left >= 0) leftMarks.push_back(static_cast<int>(r));
    if (row.right >= 0) rightMarks.push_back(static_cast<int>(r));
  }
  left_->setPlainText(leftText.join('\n'));
  right_->setPlainText(rightText.join('\n'));
  auto tint = [](QPlainTextEdit* edit, const std::vector<int>& marks, const QColor& color) {
    QList<QTextEdit::ExtraSelection> selections;
    selections.reserve(static_cast<qsizetype>(marks.size()));
    for (int r : marks) {
      QTextEdit::ExtraSelection s;
      s.cursor = QTextCursor(edit->document()->findBlockByNumber(r));
      s.format.setBackground(color);
      s.format.setProperty(QTextFormat::FullWidthSelection, true);
      selections.append(s);
    }
    edit->setExtraSelections(selections);
  };
  tint(left_, leftMarks, kRemovedBg);
  tint(right_, rightMarks, kAddedBg);
  removed_ = static_cast<int>(leftMarks.size());
  added_ = static_cast<int>(rightMarks.size());
  diffed_ = true;
  header_->setText(sides + tr("   —   %1 lines removed, %2 added").arg(removed_).arg(added_));
}

}  // namespace nest::gui
