#include "app/gui/partition_panel.h"

#include <QHeaderView>
#include <QLabel>
#include <QPainter>
#include <QPixmap>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

#include "app/gui/overlay.h"
#include "app/gui/schedule_format.h"
#include "app/gui/schedule_timeline.h"

namespace nest::gui {

namespace {

enum Column { kIndex, kDevice, kNodes, kStart, kEnd, kTime, kBytesIn, kBytesOut, kColumns };

QIcon swatch(const QColor& color) {
  QPixmap pixmap(14, 14);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(color.darker(135));
  p.setBrush(color);
  p.drawRoundedRect(QRectF(1.5, 1.5, 11, 11), 3, 3);
  return QIcon(pixmap);
}

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignRight | Qt::AlignVCenter) {
  auto* item = new QTableWidgetItem(text);
  item->setTextAlignment(align);
  item->setFlags(Qt::ItemIsSelectable | Qt::ItemIsEnabled);
  return item;
}

}  // namespace

PartitionPanel::PartitionPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);
  layout->setSpacing(6);

  totals_ = new QLabel(this);
  totals_->setTextFormat(Qt::PlainText);
  QFont bold = totals_->font();
  bold.setBold(true);
  totals_->setFont(bold);
  layout->addWidget(totals_);

  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setAlignment(Qt::AlignCenter);
  message_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(message_, 1);

  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->setChildrenCollapsible(false);
  layout->addWidget(splitter, 3);
  table_ = new QTableWidget(0, kColumns, splitter);
  table_->setHorizontalHeaderLabels({tr("#"), tr("device"), tr("nodes"), tr("start ms"), tr("end ms"), tr("time ms"),
                                     tr("in KB"), tr("out KB")});
  table_->verticalHeader()->setVisible(false);
  table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setAlternatingRowColors(true);
  table_->setShowGrid(false);
  table_->setWordWrap(false);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(kDevice, QHeaderView::Stretch);
  table_->horizontalHeader()->setDefaultAlignment(Qt::AlignRight | Qt::AlignVCenter);
  table_->horizontalHeaderItem(kDevice)->setTextAlignment(Qt::AlignLeft | Qt::AlignVCenter);
  splitter->addWidget(table_);

  timeline_ = new ScheduleTimeline(splitter);
  splitter->addWidget(timeline_);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 1);
  splitter_ = splitter;

  connect(table_, &QTableWidget::cellClicked, this, [this](int row, int) {
    if (row < 0 || row >= summary_.partitions.size()) return;
    timeline_->setSelected(row);
    emit nodesClicked(summary_.partitions[row].nodes);
  });
  connect(timeline_, &ScheduleTimeline::partitionClicked, this, [this](int index) {
    if (index < 0 || index >= summary_.partitions.size()) return;
    const QSignalBlocker block(table_);
    table_->selectRow(index);
    table_->scrollToItem(table_->item(index, 0));
    emit nodesClicked(summary_.partitions[index].nodes);
  });
  showMessage(tr("No schedule yet: choose a device list."));
}

void PartitionPanel::setSummary(const PartitionSummary& summary) {
  summary_ = summary;
  {
    const QSignalBlocker block(table_);
    table_->clearContents();
    table_->setRowCount(static_cast<int>(summary.partitions.size()));
    for (int r = 0; r < summary.partitions.size(); ++r) {
      const PartitionRow& p = summary.partitions[r];
      const QString device = p.device < summary.devices.size() ? summary.devices[p.device] : QString::number(p.device);
      const QString backend = p.device < summary.backends.size() ? summary.backends[p.device] : QString();
      table_->setItem(r, kIndex, cell(QStringLiteral("p%1").arg(r)));
      QTableWidgetItem* deviceItem = cell(backend.isEmpty() ? device : QStringLiteral("%1  (%2)").arg(device, backend),
                                          Qt::AlignLeft | Qt::AlignVCenter);
      deviceItem->setIcon(swatch(deviceColor(p.device)));
      table_->setItem(r, kDevice, deviceItem);
      table_->setItem(r, kNodes, cell(QString::number(p.nodes.size())));
      table_->setItem(r, kStart, cell(msFixed(p.startUs)));
      table_->setItem(r, kEnd, cell(msFixed(p.endUs)));
      table_->setItem(r, kTime, cell(msFixed(p.endUs - p.startUs)));
      table_->setItem(r, kBytesIn, cell(kbText(p.bytesIn)));
      table_->setItem(r, kBytesOut, cell(kbText(p.bytesOut)));
    }
  }
  table_->setCurrentItem(nullptr);  // no focus frame until a row is clicked
  timeline_->setSummary(summary);
  const bool empty = summary.empty();
  totals_->setText(totalsText());
  totals_->setVisible(!empty);
  splitter_->setVisible(!empty);
  message_->setVisible(empty);
  if (empty) message_->setText(tr("The schedule has no partitions."));
  layout()->activate();  // the splitter's height after the message left, for fitSplitter
  fitSplitter();
}

// The table as tall as its rows need (the timeline taking the rest, up to the height its lanes
// use); the user's splitter drags hold until the next schedule.
void PartitionPanel::fitSplitter() {
  const int total = splitter_->height();
  if (total <= 0 || summary_.empty()) return;
  const int rows = static_cast<int>(summary_.partitions.size());
  const int tableWanted = table_->horizontalHeader()->height() + rows * table_->verticalHeader()->defaultSectionSize() +
                          2 * table_->frameWidth() + 2;
  const int timelineMin = timeline_->minimumSizeHint().height();
  const int timeline = std::clamp(total - tableWanted - splitter_->handleWidth(), timelineMin,
                                  std::max(timelineMin, timeline_->usefulHeight()));
  splitter_->setSizes({total - timeline, timeline});
}

void PartitionPanel::showMessage(const QString& message) {
  summary_ = PartitionSummary{};
  table_->setRowCount(0);
  timeline_->setSummary(summary_);
  message_->setText(message);
  message_->setVisible(true);
  totals_->setVisible(false);
  splitter_->setVisible(false);
}

QString PartitionPanel::totalsText() const {
  if (summary_.empty()) return QString();
  const int count = static_cast<int>(summary_.partitions.size());
  const QString partitions = count == 1 ? tr("1 partition") : tr("%1 partitions").arg(count);
  QStringList parts = {tr("latency %1 ms").arg(msText(summary_.latencyUs))};
  if (summary_.allCpuUs > 0 && summary_.latencyUs > 0) {
    parts << tr("all-CPU %1 ms").arg(msText(summary_.allCpuUs));
    const double ratio = summary_.allCpuUs / summary_.latencyUs;
    parts << (ratio >= 1 ? tr("%1× faster").arg(QString::number(ratio, 'f', 2))
                         : tr("%1× slower").arg(QString::number(1 / ratio, 'f', 2)));
  } else {
    parts << tr("all-CPU n/a");
  }
  parts << partitions;
  return parts.join(QStringLiteral(" · "));
}

}  // namespace nest::gui
