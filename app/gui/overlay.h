// Overlays: any per-node value colouring the graph's nodes, with a legend (categories) or a colour
// scale (numbers). Device and precision colour by category; error (SQNR in dB), MACs, memory and
// latency by a scale. An overlay is computed from the shown graph and the document's data and
// handed to GraphView::setOverlay; the Legend dock shows its key. Pure presentation: the values
// come from the compiler core.
#pragma once
#include <QColor>
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <map>
#include <string>

#include "core/graph.h"

namespace nest::gui {

enum class OverlayKind { None, Device, Precision, Error, Macs, Memory, Latency };
OverlayKind overlayKindFromName(const QString& name);  // "device", "precision", ... ; None when unknown
QString overlayName(OverlayKind kind);                 // "device", ...
QList<OverlayKind> allOverlayKinds();                  // every kind but None, menu order

// The colour of device `index` of a device list (0: the host CPU): fixed, distinct hues.
QColor deviceColor(int index);
// The colour of a precision: "fp32", "int8", "int16" (anything else grey).
QColor precisionColor(const QString& precision);

struct OverlayKey {  // one legend row
  QString label;
  QColor color;
  int count = 0;  // nodes with it
};

struct Overlay {
  OverlayKind kind = OverlayKind::None;
  QString title;                    // "Device", "SQNR (dB)"
  QHash<NodeId, QColor> fill;       // per op node
  QHash<NodeId, QString> notes;     // tooltip line per node ("device NPU1", "SQNR 31.2 dB")
  QList<OverlayKey> keys;           // categorical legend (device, precision)
  // Numeric scale (error, MACs, memory, latency): low and high values, their colours and units;
  // scaleLow > scaleHigh never. `logScale` for quantities spanning decades (MACs, memory).
  bool numeric = false;
  double scaleLow = 0, scaleHigh = 0;
  QColor lowColor, midColor, highColor;  // a three-stop scale (two blends of two hues look muddy)
  QString unit;
  bool logScale = false;
  bool empty() const { return fill.isEmpty(); }
};

// The colour of `value` on a numeric overlay's scale (clamped).
QColor scaleColor(const Overlay& overlay, double value);

// Categorical overlays: one label per node id (the device name, the precision).
Overlay categoryOverlay(OverlayKind kind, const QString& title, const QHash<NodeId, QString>& labelOf,
                        const QStringList& order, const std::function<QColor(const QString&)>& colorOf);
// Numeric overlays: one value per node id; `highIsGood` flips the colours (SQNR: high is good).
Overlay numericOverlay(OverlayKind kind, const QString& title, const QHash<NodeId, double>& valueOf,
                       const QString& unit, bool highIsGood, bool logScale);

// MACs and memory (weights + result bytes) of every op node of `graph`.
Overlay macsOverlay(const Graph& graph);
Overlay memoryOverlay(const Graph& graph);

}  // namespace nest::gui
