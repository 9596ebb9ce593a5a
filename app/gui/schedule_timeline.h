// A Gantt chart of a partition schedule: one lane per device, one bar per partition from its
// estimated start to its end (parallel partitions on different devices side by side in time),
// coloured by device (overlay.h's device colours), labelled with the node count; a time axis in
// ms. Clicking a bar emits its partition index.
#pragma once
#include <QWidget>

#include "app/gui/partition_jobs.h"

namespace nest::gui {

class ScheduleTimeline : public QWidget {
  Q_OBJECT
 public:
  explicit ScheduleTimeline(QWidget* parent = nullptr);
  void setSummary(const PartitionSummary& summary);
  // The bar of partition `index` in widget coordinates (empty when none), and the partition
  // under `pos` (-1 when none): for tests and clicks.
  QRect barRect(int index) const;
  int partitionAt(const QPoint& pos) const;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  void partitionClicked(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  PartitionSummary summary_;
};

}  // namespace nest::gui
