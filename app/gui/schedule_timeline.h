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
  // The partition drawn highlighted (-1: none): the one last clicked here or in the table.
  void setSelected(int index);
  int selected() const { return selected_; }
  // The bar of partition `index` in widget coordinates (empty when none), and the partition
  // under `pos` (-1 when none): for tests and clicks.
  QRect barRect(int index) const;
  int partitionAt(const QPoint& pos) const;
  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;
  int usefulHeight() const;  // the height at which lanes stop growing

 signals:
  void partitionClicked(int index);

 protected:
  void paintEvent(QPaintEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;  // a pointing hand over bars
  bool event(QEvent* event) override;  // tooltips

 private:
  struct Geometry {  // where things are, for the current size
    QRect plot;        // the lanes' area (right of the labels, above the axis)
    double msEnd = 1;  // the time at plot.right()
    double tickMs = 1;
    int laneHeight = 30;
  };
  Geometry geometry() const;
  QRect laneRect(int device, const Geometry& g) const;
  QRect barRect(int index, const Geometry& g) const;
  int labelWidth() const;
  QString tooltipOf(int index) const;

  PartitionSummary summary_;
  int selected_ = -1;
};

}  // namespace nest::gui
