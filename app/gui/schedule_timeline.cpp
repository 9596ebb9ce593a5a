#include "app/gui/schedule_timeline.h"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>

#include <algorithm>
#include <cmath>

#include "app/gui/overlay.h"
#include "app/gui/schedule_format.h"

namespace nest::gui {

namespace {

constexpr int kTop = 8, kLaneHeight = 30, kMaxLaneHeight = 46, kLaneGap = 6, kAxisHeight = 26, kRightMargin = 16, kLabelPadding = 12;
constexpr int kMinTickSpacing = 70;  // pixels between time ticks, at least

// 1, 2 or 5 times a power of ten, at least `raw`.
double niceStep(double raw) {
  if (raw <= 0 || !std::isfinite(raw)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw * (1 - 1e-9)) return m * power;
  return 10 * power;
}

QString tickLabel(double ms, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return QString::number(ms, 'f', decimals);
}

}  // namespace

ScheduleTimeline::ScheduleTimeline(QWidget* parent) : QWidget(parent) {
  setMouseTracking(true);
  setAttribute(Qt::WA_OpaquePaintEvent, false);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ScheduleTimeline::setSummary(const PartitionSummary& summary) {
  summary_ = summary;
  selected_ = -1;
  updateGeometry();
  update();
}

void ScheduleTimeline::setSelected(int index) {
  selected_ = index >= 0 && index < summary_.partitions.size() ? index : -1;
  update();
}

int ScheduleTimeline::labelWidth() const {
  QFont bold = font();
  bold.setBold(true);
  const QFontMetrics fm(bold);
  int w = 48;
  for (const QString& d : summary_.devices) w = std::max(w, fm.horizontalAdvance(d));
  return w + 2 * kLabelPadding;
}

ScheduleTimeline::Geometry ScheduleTimeline::geometry() const {
  Geometry g;
  const int lanes = std::max<int>(1, static_cast<int>(summary_.devices.size()));
  // Lanes grow with the height they are given, up to kMaxLaneHeight.
  g.laneHeight = std::clamp((height() - kTop - kAxisHeight - 4 - (lanes - 1) * kLaneGap) / lanes, kLaneHeight, kMaxLaneHeight);
  g.plot = QRect(labelWidth(), kTop, std::max(40, width() - labelWidth() - kRightMargin),
                 lanes * g.laneHeight + (lanes - 1) * kLaneGap);
  double endUs = summary_.latencyUs;
  for (const PartitionRow& p : summary_.partitions) endUs = std::max(endUs, p.endUs);
  const double endMs = std::max(endUs / 1000.0, 1e-3);
  const int maxTicks = std::max(1, g.plot.width() / kMinTickSpacing);
  g.tickMs = niceStep(endMs / maxTicks);
  g.msEnd = std::max(g.tickMs, std::ceil(endMs / g.tickMs - 1e-9) * g.tickMs);
  return g;
}

QRect ScheduleTimeline::laneRect(int device, const Geometry& g) const {
  return QRect(g.plot.left(), g.plot.top() + device * (g.laneHeight + kLaneGap), g.plot.width(), g.laneHeight);
}

QRect ScheduleTimeline::barRect(int index, const Geometry& g) const {
  if (index < 0 || index >= summary_.partitions.size()) return {};
  const PartitionRow& p = summary_.partitions[index];
  if (p.device < 0 || p.device >= summary_.devices.size()) return {};
  const QRect lane = laneRect(p.device, g);
  auto xOf = [&](double us) { return g.plot.left() + static_cast<int>(std::lround(us / 1000.0 / g.msEnd * g.plot.width())); };
  const int x0 = xOf(p.startUs);
  const int x1 = std::max(x0 + 3, xOf(p.endUs));  // a very short partition stays clickable
  return QRect(QPoint(x0, lane.top() + 4), QPoint(x1 - 1, lane.bottom() - 4));
}

QRect ScheduleTimeline::barRect(int index) const { return barRect(index, geometry()); }

int ScheduleTimeline::partitionAt(const QPoint& pos) const {
  const Geometry g = geometry();
  // The last drawn wins (later partitions are painted over earlier ones).
  for (int i = static_cast<int>(summary_.partitions.size()) - 1; i >= 0; --i)
    if (barRect(i, g).contains(pos)) return i;
  return -1;
}

QSize ScheduleTimeline::sizeHint() const {
  const int lanes = std::max<int>(1, static_cast<int>(summary_.devices.size()));
  return QSize(640, kTop + lanes * kLaneHeight + (lanes - 1) * kLaneGap + kAxisHeight + 4);
}

QSize ScheduleTimeline::minimumSizeHint() const { return QSize(240, sizeHint().height()); }

int ScheduleTimeline::usefulHeight() const {
  const int lanes = std::max<int>(1, static_cast<int>(summary_.devices.size()));
  return kTop + lanes * kMaxLaneHeight + (lanes - 1) * kLaneGap + kAxisHeight + 4;
}

QString ScheduleTimeline::tooltipOf(int index) const {
  const PartitionRow& p = summary_.partitions[index];
  const QString device = p.device < summary_.devices.size() ? summary_.devices[p.device] : QString::number(p.device);
  const QString backend = p.device < summary_.backends.size() ? summary_.backends[p.device] : QString();
  QString group;
  for (const QList<int>& g : summary_.parallelGroups)
    if (g.contains(index)) {
      QStringList members;
      for (int m : g) members << QStringLiteral("p%1").arg(m);
      group = QStringLiteral("<br>runs in parallel: %1").arg(members.join(QStringLiteral(" ∥ ")));
    }
  return QStringLiteral("<b>p%1</b> on <b>%2</b> (%3)<br>%4 node%5<br>%6 – %7 ms (%8 ms)<br>in %9 KB · out %10 KB%11")
      .arg(index)
      .arg(device.toHtmlEscaped(), backend.toHtmlEscaped())
      .arg(p.nodes.size())
      .arg(p.nodes.size() == 1 ? "" : "s")
      .arg(msFixed(p.startUs), msFixed(p.endUs), msFixed(p.endUs - p.startUs))
      .arg(kbText(p.bytesIn), kbText(p.bytesOut))
      .arg(group);
}

void ScheduleTimeline::paintEvent(QPaintEvent*) {
  QPainter painter(this);
  painter.setRenderHint(QPainter::Antialiasing);
  const QPalette& pal = palette();
  painter.fillRect(rect(), pal.color(QPalette::Base));
  const QColor text = pal.color(QPalette::Text);
  QColor faint = text;
  faint.setAlpha(110);
  if (summary_.empty()) {
    painter.setPen(faint);
    painter.drawText(rect(), Qt::AlignCenter, tr("No schedule"));
    return;
  }
  const Geometry g = geometry();
  const bool dark = pal.color(QPalette::Base).lightness() < 128;
  const QColor laneFill = dark ? QColor(255, 255, 255, 14) : QColor(0, 0, 0, 10);
  const QColor grid = dark ? QColor(255, 255, 255, 30) : QColor(0, 0, 0, 28);

  // Lanes with their device labels.
  QFont bold = font();
  bold.setBold(true);
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() * 0.82));
  for (int d = 0; d < summary_.devices.size(); ++d) {
    const QRect lane = laneRect(d, g);
    painter.setPen(Qt::NoPen);
    painter.setBrush(laneFill);
    painter.drawRoundedRect(QRectF(lane).adjusted(-4, 0, 4, 0), 4, 4);
    const QRect label(kLabelPadding, lane.top(), g.plot.left() - 2 * kLabelPadding, lane.height());
    painter.setBrush(deviceColor(d));
    painter.drawRoundedRect(QRectF(4, lane.top() + 6, 4, lane.height() - 12), 2, 2);
    painter.setPen(text);
    painter.setFont(bold);
    painter.drawText(label.adjusted(0, 0, 0, -lane.height() / 2 + 2), Qt::AlignLeft | Qt::AlignBottom, summary_.devices[d]);
    painter.setFont(small);
    painter.setPen(faint);
    const QString backend = d < summary_.backends.size() ? summary_.backends[d] : QString();
    painter.drawText(label.adjusted(0, lane.height() / 2, 0, 0), Qt::AlignLeft | Qt::AlignTop, backend);
  }
  painter.setFont(font());

  // Time grid and axis.
  const int axisY = g.plot.bottom() + 6;
  painter.setPen(QPen(grid, 1));
  painter.drawLine(g.plot.left(), axisY, g.plot.right(), axisY);
  const int ticks = static_cast<int>(std::lround(g.msEnd / g.tickMs));
  const QFontMetrics fm(small);
  for (int t = 0; t <= ticks; ++t) {
    const double ms = t * g.tickMs;
    const int x = g.plot.left() + static_cast<int>(std::lround(ms / g.msEnd * g.plot.width()));
    painter.setPen(QPen(grid, 1, t == 0 ? Qt::SolidLine : Qt::DotLine));
    painter.drawLine(x, g.plot.top() - 2, x, axisY + 4);
    painter.setPen(faint);
    painter.setFont(small);
    QString label = tickLabel(ms, g.tickMs);
    if (t == ticks) label += QStringLiteral(" ms");
    const int w = fm.horizontalAdvance(label);
    const int left = t == ticks ? x - w : t == 0 ? x : x - w / 2;
    painter.drawText(QRect(left, axisY + 5, w + 2, fm.height()), Qt::AlignLeft | Qt::AlignTop, label);
  }

  // Parallel groups: a dashed frame around members that run at the same time.
  for (const QList<int>& group : summary_.parallelGroups) {
    QRect span;
    for (int m : group) span = span.united(barRect(m, g));
    if (span.isEmpty()) continue;
    QColor frame = text;
    frame.setAlpha(120);
    painter.setPen(QPen(frame, 1, Qt::DashLine));
    painter.setBrush(dark ? QColor(255, 255, 255, 12) : QColor(0, 0, 0, 8));
    painter.drawRoundedRect(QRectF(span).adjusted(-3, -2, 3, 2), 4, 4);
  }

  // Bars.
  const QFontMetrics barMetrics(font());
  for (int i = 0; i < summary_.partitions.size(); ++i) {
    const QRect bar = barRect(i, g);
    if (bar.isEmpty()) continue;
    const PartitionRow& p = summary_.partitions[i];
    const QColor fill = deviceColor(p.device);
    const bool selected = i == selected_;
    painter.setPen(QPen(selected ? pal.color(QPalette::Highlight) : fill.darker(135), selected ? 2.5 : 1));
    painter.setBrush(selected ? fill.lighter(112) : fill);
    painter.drawRoundedRect(QRectF(bar).adjusted(0.5, 0.5, -0.5, -0.5), 3, 3);
    const QString full = QStringLiteral("%1 node%2").arg(p.nodes.size()).arg(p.nodes.size() == 1 ? "" : "s");
    const QString count = QString::number(p.nodes.size());
    const QString label = barMetrics.horizontalAdvance(full) + 8 <= bar.width()    ? full
                          : barMetrics.horizontalAdvance(count) + 4 <= bar.width() ? count
                                                                                   : QString();
    if (label.isEmpty()) continue;
    painter.setPen(fill.lightness() > 150 ? QColor(0x20, 0x20, 0x20) : QColor(Qt::white));
    painter.drawText(bar, Qt::AlignCenter, label);
  }
}

void ScheduleTimeline::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  const int index = partitionAt(event->position().toPoint());
  if (index < 0) return;
  setSelected(index);
  emit partitionClicked(index);
}

void ScheduleTimeline::mouseMoveEvent(QMouseEvent* event) {
  setCursor(partitionAt(event->position().toPoint()) >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
  QWidget::mouseMoveEvent(event);
}

bool ScheduleTimeline::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip) {
    auto* help = static_cast<QHelpEvent*>(event);
    const int index = partitionAt(help->pos());
    if (index >= 0) QToolTip::showText(help->globalPos(), tooltipOf(index), this, barRect(index));
    else QToolTip::hideText();
    return true;
  }
  return QWidget::event(event);
}

}  // namespace nest::gui
