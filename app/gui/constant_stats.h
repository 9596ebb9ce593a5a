// Statistics of a constant tensor for the inspector (min, max, mean, std, histogram) and the small
// histogram chart that shows them. The computation is plain code over nest::Tensor (tested by
// tests/test_workbench_tools.cpp); only HistogramChart and addConstantStatsItems touch Qt widgets.
#pragma once
#include <QWidget>

#include <cstdint>
#include <vector>

#include "core/graph.h"
#include "core/tensor.h"

class QTreeWidget;
class QTreeWidgetItem;

namespace nest::gui {

struct ConstantStats {
  int64_t count = 0;      // elements
  int64_t nonFinite = 0;  // NaN / ±Inf elements, left out of everything below
  double min = 0, max = 0, mean = 0, std = 0;  // std: population standard deviation
  // `bins` equal-width bins over [min, max] (the last one closed); they sum to count - nonFinite.
  std::vector<int64_t> bins;
  double binWidth() const { return bins.empty() ? 0.0 : (max - min) / static_cast<double>(bins.size()); }
};

// Statistics of every element of `tensor` as double (quantized tensors: the stored integers).
ConstantStats computeConstantStats(const Tensor& tensor, int binCount = 32);

// Paints a ConstantStats histogram: one bar per bin, min and max under the axis.
class HistogramChart : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramChart(QWidget* parent = nullptr);
  void setStats(const ConstantStats& stats);
  const ConstantStats& stats() const { return stats_; }
  QSize sizeHint() const override { return QSize(220, 72); }
  QSize minimumSizeHint() const override { return QSize(120, 60); }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  ConstantStats stats_;
};

// Adds a "constants" item under `parent` of `tree` for `node`'s constant operands (nothing when it
// has none): per constant its statistics and a histogram chart.
void addConstantStatsItems(QTreeWidget* tree, QTreeWidgetItem* parent, const Graph& graph, const Node& node);

}  // namespace nest::gui
