// How the partition panel and the timeline write times and sizes (shared so that they agree).
#pragma once
#include <QString>

#include <cmath>

namespace nest::gui {

// Milliseconds with three significant digits ("12.3", "9.63", "0.0512"), at most 3 decimals
// beyond the first significant one.
inline QString msText(double us) {
  const double ms = us / 1000.0;
  if (ms == 0 || !std::isfinite(ms)) return QStringLiteral("0");
  const int digits = static_cast<int>(std::floor(std::log10(std::fabs(ms))));
  const int decimals = std::max(0, 2 - digits);
  return QString::number(ms, 'f', decimals);
}
// Milliseconds with a fixed 3 decimals (table columns line up).
inline QString msFixed(double us) { return QString::number(us / 1000.0, 'f', 3); }
// Kilobytes (1024 bytes) with one decimal.
inline QString kbText(qint64 bytes) { return QString::number(static_cast<double>(bytes) / 1024.0, 'f', 1); }

}  // namespace nest::gui
