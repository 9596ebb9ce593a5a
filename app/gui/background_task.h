// One kind of background work of the workbench's editing loop (recomputing after an edit, the
// partition schedule, auto partition, calibration, ...): runs on the thread pool with a cancel
// flag and progress, and hands its result back on the UI thread. Starting it again supersedes the
// run in flight (that one is cancelled and its result dropped), so the UI only ever sees the
// newest. The work must not touch widgets; the finisher it returns runs on the UI thread.
#pragma once
#include <QFuture>
#include <QObject>
#include <QString>

#include <functional>

#include "app/gui/load_jobs.h"
#include "app/gui/partition_jobs.h"  // JobProgress

namespace nest::gui {

class BackgroundTask : public QObject {
  Q_OBJECT
 public:
  using Finisher = std::function<void()>;
  using Work = std::function<Finisher(const Cancel& cancel, const JobProgress& progress)>;

  explicit BackgroundTask(QObject* parent = nullptr) : QObject(parent) {}
  ~BackgroundTask() override;  // cancels and waits for the run in flight

  // `label` is what the status bar says while it runs ("Auto partition").
  void start(const QString& label, Work work);
  void cancel();
  bool isRunning() const { return running_; }
  QString label() const { return label_; }
  // Blocks until the run in flight (if any) finished and its finisher ran (tests, shutdown).
  void waitForFinished();

 signals:
  void runningChanged(bool running);
  void progress(const QString& what, int done, int total);

 private:
  Cancel cancel_;
  QFuture<void> future_;
  QString label_;
  quint64 generation_ = 0;
  bool running_ = false;
};

}  // namespace nest::gui
