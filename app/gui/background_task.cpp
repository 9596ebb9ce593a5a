#include "app/gui/background_task.h"

#include <QCoreApplication>
#include <QPointer>
#include <QtConcurrent/QtConcurrentRun>

#include <atomic>

namespace nest::gui {

BackgroundTask::~BackgroundTask() {
  if (cancel_) *cancel_ = true;
  future_.waitForFinished();
}

void BackgroundTask::start(const QString& label, Work work) {
  if (cancel_) *cancel_ = true;  // the run in flight is superseded
  cancel_ = std::make_shared<std::atomic<bool>>(false);
  const quint64 generation = ++generation_;
  label_ = label;
  const bool wasRunning = running_;
  running_ = true;
  QPointer<BackgroundTask> self(this);
  Cancel cancel = cancel_;
  JobProgress progress = [self, generation](const QString& what, int done, int total) {
    QMetaObject::invokeMethod(
        self.data(), [self, generation, what, done, total] {
          if (self && self->generation_ == generation) emit self->progress(what, done, total);
        },
        Qt::QueuedConnection);
  };
  future_ = QtConcurrent::run([self, generation, cancel, progress, work = std::move(work)] {
    Finisher finish = work(cancel, progress);
    QMetaObject::invokeMethod(
        self.data(), [self, generation, finish = std::move(finish)] {
          if (!self || self->generation_ != generation) return;  // superseded
          self->running_ = false;
          emit self->runningChanged(false);
          if (finish) finish();
        },
        Qt::QueuedConnection);
  });
  if (!wasRunning) emit runningChanged(true);
}

void BackgroundTask::cancel() {
  if (cancel_) *cancel_ = true;
}

void BackgroundTask::waitForFinished() {
  future_.waitForFinished();
  QCoreApplication::sendPostedEvents(this);  // the finisher
}

}  // namespace nest::gui
