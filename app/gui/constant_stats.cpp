#include "app/gui/constant_stats.h"

#include <QPainter>
#include <QTreeWidget>

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/text_format.h"

namespace nest::gui {

ConstantStats computeConstantStats(const Tensor& tensor, int binCount) {
  ConstantStats s;
  s.count = tensor.valid() ? tensor.numElements() : 0;
  s.bins.assign(static_cast<size_t>(std::max(binCount, 1)), 0);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, sum = 0;
  int64_t finite = 0;
  for (int64_t i = 0; i < s.count; ++i) {
    const double v = tensor.getDouble(i);
    if (!std::isfinite(v)) {
      ++s.nonFinite;
      continue;
    }
    lo = std::min(lo, v);
    hi = std::max(hi, v);
    sum += v;
    ++finite;
  }
  if (finite == 0) return s;
  s.min = lo;
  s.max = hi;
  s.mean = sum / static_cast<double>(finite);
  double sq = 0;  // second pass: numerically stable variance
  const double range = hi - lo;
  const int n = static_cast<int>(s.bins.size());
  for (int64_t i = 0; i < s.count; ++i) {
    const double v = tensor.getDouble(i);
    if (!std::isfinite(v)) continue;
    sq += (v - s.mean) * (v - s.mean);
    int bin = range > 0 ? static_cast<int>((v - lo) / range * n) : 0;
    ++s.bins[static_cast<size_t>(std::clamp(bin, 0, n - 1))];
  }
  s.std = std::sqrt(sq / static_cast<double>(finite));
  return s;
}

// ---- HistogramChart ----

HistogramChart::HistogramChart(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setFixedHeight(72);
}

void HistogramChart::setStats(const ConstantStats& stats) {
  stats_ = stats;
  setToolTip(tr("%1 bins of width %2").arg(stats.bins.size()).arg(stats.binWidth(), 0, 'g', 4));
  update();
}

void HistogramChart::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing, false);
  QFont font = p.font();
  font.setPixelSize(9);
  p.setFont(font);
  const int labelH = 11;
  const QRectF plot = QRectF(rect()).adjusted(2, 2, -2, -(labelH + 3));
  p.fillRect(plot, QColor(0xf4, 0xf5, 0xf7));
  const auto& bins = stats_.bins;
  const int64_t peak = bins.empty() ? 0 : *std::max_element(bins.begin(), bins.end());
  if (peak > 0) {
    const double w = plot.width() / static_cast<double>(bins.size());
    p.setPen(Qt::NoPen);
    p.setBrush(QColor(0x4c, 0x78, 0xa8));
    for (size_t i = 0; i < bins.size(); ++i) {
      if (bins[i] == 0) continue;
      // At least one pixel high so that rare values stay visible.
      const double h = std::max(1.0, plot.height() * static_cast<double>(bins[i]) / static_cast<double>(peak));
      p.drawRect(QRectF(plot.left() + i * w, plot.bottom() - h, std::max(1.0, w - 1), h));
    }
  }
  p.setPen(QColor(0x70, 0x70, 0x70));
  p.drawLine(plot.bottomLeft(), plot.bottomRight());
  const QRectF labels(plot.left(), plot.bottom() + 2, plot.width(), labelH);
  p.setPen(palette().color(QPalette::Text));
  p.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, QString::number(stats_.min, 'g', 4));
  p.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, QString::number(stats_.max, 'g', 4));
}

// ---- inspector items ----

namespace {

QString num(double v) { return QString::number(v, 'g', 6); }

QTreeWidgetItem* addRow(QTreeWidgetItem* parent, const QString& key, const QString& value) {
  auto* item = new QTreeWidgetItem(parent, {key, value});
  item->setToolTip(1, value);
  return item;
}

}  // namespace

void addConstantStatsItems(QTreeWidget* tree, QTreeWidgetItem* parent, const Graph& graph, const Node& node) {
  std::vector<std::string> names;
  for (const std::string& in : node.inputs)
    if (!in.empty() && graph.isConstant(in) && std::find(names.begin(), names.end(), in) == names.end())
      names.push_back(in);
  if (names.empty()) return;
  tree->setUniformRowHeights(false);  // the histogram rows are taller
  auto* group = addRow(parent, QObject::tr("constants"), QString::number(names.size()));
  for (const std::string& name : names) {
    const Tensor* t = graph.constant(name);
    if (!t) continue;
    const ConstantStats s = computeConstantStats(*t);
    auto* item = addRow(group, QString::fromStdString(name), QString::fromStdString(typeToString(t->type())));
    addRow(item, QObject::tr("elements"), QString::number(s.count));
    addRow(item, QObject::tr("min"), num(s.min));
    addRow(item, QObject::tr("max"), num(s.max));
    addRow(item, QObject::tr("mean"), num(s.mean));
    addRow(item, QObject::tr("std"), num(s.std));
    if (s.nonFinite > 0) addRow(item, QObject::tr("non-finite"), QString::number(s.nonFinite));
    if (s.count > 1) {
      auto* chartItem = new QTreeWidgetItem(item, {QObject::tr("histogram"), QString()});
      auto* chart = new HistogramChart;
      chart->setObjectName(QStringLiteral("histogram"));
      chart->setStats(s);
      chartItem->setSizeHint(1, QSize(chart->sizeHint().width(), chart->height() + 4));
      tree->setItemWidget(chartItem, 1, chart);
    }
  }
}

}  // namespace nest::gui
