// The workbench's UI-stall probe (benchmarks and the editing test): a 10 ms timer on the UI
// thread; the largest gap between its ticks is the longest time the event loop was blocked.
#pragma once
#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

#include <algorithm>

namespace nest::testing {

// Largest gap between ticks of a 10 ms timer on the UI thread since reset().
class LatencyProbe {
 public:
  LatencyProbe() {
    timer_.setTimerType(Qt::PreciseTimer);
    timer_.setInterval(10);
    QObject::connect(&timer_, &QTimer::timeout, [this] {
      const qint64 now = clock_.nsecsElapsed();
      maxGapNs_ = std::max(maxGapNs_, now - lastNs_);
      lastNs_ = now;
    });
    clock_.start();
    timer_.start();
  }
  void reset() {
    lastNs_ = clock_.nsecsElapsed();
    maxGapNs_ = 0;
  }
  // The gap still open counts too (a stall that has not ended yet).
  double maxGapMs() const { return std::max(maxGapNs_, clock_.nsecsElapsed() - lastNs_) / 1e6; }

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 lastNs_ = 0, maxGapNs_ = 0;
};

}  // namespace nest::testing
