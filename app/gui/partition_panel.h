// The "Partitions" dock of device mode: a table of the schedule's partitions (device, node count,
// estimated start, end and time, bytes in and out), the totals against all-CPU, and the Gantt
// timeline below it. Clicking a table row or a timeline bar selects that partition's nodes.
#pragma once
#include <QWidget>

#include "app/gui/partition_jobs.h"

class QLabel;
class QSplitter;
class QTableWidget;

namespace nest::gui {

class ScheduleTimeline;

class PartitionPanel : public QWidget {
  Q_OBJECT
 public:
  explicit PartitionPanel(QWidget* parent = nullptr);
  void setSummary(const PartitionSummary& summary);
  // No schedule (no device list, an error, or still computing): the message replaces the table.
  void showMessage(const QString& message);
  const PartitionSummary& summary() const { return summary_; }
  QTableWidget* table() const { return table_; }
  ScheduleTimeline* timeline() const { return timeline_; }
  QString totalsText() const;  // "latency 12.3 ms · all-CPU 20.1 ms · 1.63× faster · 4 partitions"

 signals:
  void nodesClicked(const QList<nest::NodeId>& ids);

 private:
  void fitSplitter();

  PartitionSummary summary_;
  QTableWidget* table_ = nullptr;
  QLabel* totals_ = nullptr;
  QLabel* message_ = nullptr;
  ScheduleTimeline* timeline_ = nullptr;
  QSplitter* splitter_ = nullptr;  // the table above the timeline
};

}  // namespace nest::gui
