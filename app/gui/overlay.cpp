#include "app/gui/overlay.h"

#include <algorithm>
#include <cmath>

#include "core/graph_stats.h"

namespace nest::gui {

namespace {

struct KindName {
  OverlayKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {{OverlayKind::Device, "device"}, {OverlayKind::Precision, "precision"},
                                   {OverlayKind::Error, "error"},   {OverlayKind::Macs, "macs"},
                                   {OverlayKind::Memory, "memory"}, {OverlayKind::Latency, "latency"}};

QColor mix(const QColor& a, const QColor& b, double t) {
  return QColor::fromRgbF(static_cast<float>(a.redF() + (b.redF() - a.redF()) * t),
                          static_cast<float>(a.greenF() + (b.greenF() - a.greenF()) * t),
                          static_cast<float>(a.blueF() + (b.blueF() - a.blueF()) * t));
}

// "1.2 M", "340 k": the legend's numbers.
QString compact(double v) {
  const double a = std::fabs(v);
  if (a >= 1e9) return QString::number(v / 1e9, 'f', 1) + " G";
  if (a >= 1e6) return QString::number(v / 1e6, 'f', 1) + " M";
  if (a >= 1e4) return QString::number(v / 1e3, 'f', 0) + " k";
  if (a >= 100) return QString::number(v, 'f', 0);
  return QString::number(v, 'g', 3);
}

}  // namespace

OverlayKind overlayKindFromName(const QString& name) {
  for (const KindName& k : kKindNames)
    if (name.compare(QLatin1String(k.name), Qt::CaseInsensitive) == 0) return k.kind;
  return OverlayKind::None;
}

QString overlayName(OverlayKind kind) {
  for (const KindName& k : kKindNames)
    if (k.kind == kind) return QLatin1String(k.name);
  return QStringLiteral("none");
}

QList<OverlayKind> allOverlayKinds() {
  QList<OverlayKind> kinds;
  for (const KindName& k : kKindNames) kinds.append(k.kind);
  return kinds;
}

QColor deviceColor(int index) {
  // Tableau-like hues, distinct from each other and readable under black text.
  static const QColor kColors[] = {QColor("#4C78A8"), QColor("#F58518"), QColor("#54A24B"), QColor("#E45756"),
                                   QColor("#72B7B2"), QColor("#B279A2"), QColor("#EECA3B"), QColor("#9D755D"),
                                   QColor("#FF9DA6")};
  constexpr int n = static_cast<int>(std::size(kColors));
  return kColors[((index % n) + n) % n];
}

QColor precisionColor(const QString& precision) {
  if (precision == QLatin1String("fp32")) return QColor("#6FA8DC");   // blue: float
  if (precision == QLatin1String("int8")) return QColor("#F6B26B");   // orange: 8-bit
  if (precision == QLatin1String("int16")) return QColor("#B4A7D6");  // violet: 16-bit
  return QColor("#CCCCCC");
}

QColor scaleColor(const Overlay& overlay, double value) {
  if (!std::isfinite(value)) return value > 0 ? overlay.highColor : overlay.lowColor;
  double lo = overlay.scaleLow, hi = overlay.scaleHigh, v = value;
  if (overlay.logScale) {
    lo = std::log10(std::max(lo, 1.0));
    hi = std::log10(std::max(hi, 1.0));
    v = std::log10(std::max(v, 1.0));
  }
  const double t = hi > lo ? std::clamp((v - lo) / (hi - lo), 0.0, 1.0) : 0.5;
  return t < 0.5 ? mix(overlay.lowColor, overlay.midColor, t * 2) : mix(overlay.midColor, overlay.highColor, t * 2 - 1);
}

Overlay categoryOverlay(OverlayKind kind, const QString& title, const QHash<NodeId, QString>& labelOf,
                        const QStringList& order, const std::function<QColor(const QString&)>& colorOf) {
  Overlay o;
  o.kind = kind;
  o.title = title;
  QHash<QString, int> counts;
  for (auto it = labelOf.begin(); it != labelOf.end(); ++it) {
    o.fill.insert(it.key(), colorOf(it.value()));
    o.notes.insert(it.key(), title.toLower() + QLatin1Char(' ') + it.value());
    ++counts[it.value()];
  }
  QStringList labels = order;
  QStringList extra;  // labels outside `order`, sorted
  for (auto it = counts.begin(); it != counts.end(); ++it)
    if (!labels.contains(it.key())) extra.append(it.key());
  std::sort(extra.begin(), extra.end());
  labels += extra;
  for (const QString& label : labels) o.keys.append({label, colorOf(label), counts.value(label)});
  return o;
}

Overlay numericOverlay(OverlayKind kind, const QString& title, const QHash<NodeId, double>& valueOf,
                       const QString& unit, bool highIsGood, bool logScale) {
  Overlay o;
  o.kind = kind;
  o.title = title;
  o.numeric = true;
  o.unit = unit;
  o.logScale = logScale;
  // Green is good, red is bad; for costs (MACs, memory, latency) the big ones are "bad" (hot).
  const QColor good("#57BB8A"), bad("#E67C73");
  o.lowColor = highIsGood ? bad : QColor("#FFF2CC");
  o.midColor = highIsGood ? QColor("#FFD666") : QColor("#F6B26B");
  o.highColor = highIsGood ? good : bad;
  bool first = true;
  for (auto it = valueOf.begin(); it != valueOf.end(); ++it) {
    if (!std::isfinite(it.value())) continue;
    o.scaleLow = first ? it.value() : std::min(o.scaleLow, it.value());
    o.scaleHigh = first ? it.value() : std::max(o.scaleHigh, it.value());
    first = false;
  }
  for (auto it = valueOf.begin(); it != valueOf.end(); ++it) {
    o.fill.insert(it.key(), scaleColor(o, it.value()));
    const QString shown = std::isfinite(it.value()) ? compact(it.value()) : QStringLiteral("∞");
    o.notes.insert(it.key(), QStringLiteral("%1: %2 %3").arg(title, shown, unit).trimmed());
  }
  // Legend: the two ends of the scale and its middle.
  const double mid = logScale ? std::sqrt(std::max(o.scaleLow, 1.0) * std::max(o.scaleHigh, 1.0))
                              : (o.scaleLow + o.scaleHigh) / 2;
  for (double v : {o.scaleHigh, mid, o.scaleLow})
    o.keys.append({QStringLiteral("%1 %2").arg(compact(v), unit).trimmed(), scaleColor(o, v), 0});
  return o;
}

Overlay macsOverlay(const Graph& graph) {
  QHash<NodeId, double> macs;
  for (const Node& n : graph.nodes) macs.insert(n.id, static_cast<double>(nodeMacs(graph, n)));
  return numericOverlay(OverlayKind::Macs, QStringLiteral("MACs"), macs, QString(), false, true);
}

Overlay memoryOverlay(const Graph& graph) {
  QHash<NodeId, double> bytes;
  for (const Node& n : graph.nodes) {
    size_t total = 0;
    for (const std::string& operand : n.inputs)
      if (!operand.empty() && graph.isConstant(operand)) total += graph.typeOf(operand).byteSize();
    for (const std::string& result : n.outputs)
      if (!result.empty()) total += graph.typeOf(result).byteSize();
    bytes.insert(n.id, static_cast<double>(total));
  }
  return numericOverlay(OverlayKind::Memory, QStringLiteral("Memory"), bytes, QStringLiteral("B"), false, true);
}

}  // namespace nest::gui
