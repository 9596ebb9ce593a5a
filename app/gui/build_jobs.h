// "Build" menu work, off the UI thread: compile the document for a target (the bundle's text
// files kept for the Code tab) and "Build and Run": the same compile, then the artifact loaded by
// its backend's runner (cpu: the generated C compiled and loaded) and run on one input, with the
// float interpreter's outputs for comparison and per-node latencies. Both go through the driver
// exactly as `nestc compile` / `nestc run` do. Jobs never throw: errors come back as text.
#pragma once
#include <QHash>
#include <QMap>
#include <QString>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

#include "app/gui/load_jobs.h"
#include "app/gui/partition_jobs.h"  // JobProgress
#include "driver/job.h"

namespace nest::gui {

// What a run is fed: a tensor file (.npy / .pb), an image with a preprocessing preset
// (quant_jobs.h presetSpec), or random data from a seed (floats uniform in [-1, 1]).
struct RunInput {
  enum class Kind { File, Image, Random };
  Kind kind = Kind::Random;
  QString path;             // File, Image
  QString preset;           // Image: "ImageNet", "MNIST", "None"
  unsigned seed = 1;        // Random
  QString describe() const;
};

struct BuildOutcome {
  QString target;
  std::shared_ptr<const Graph> graph;  // as compiled
  QStringList files;                   // every bundle file (relative names)
  QMap<QString, QString> sources;      // the text files (.c, .h, .s, Makefile) by name
  QString listing;                     // NAME.npu.s (empty for targets without an NPU)
  QStringList placement;               // where nodes run when some fall back (NPU)
  double compileMs = 0;
  // Build and Run only:
  bool ran = false;
  QString inputNote;                   // what was run on ("input_0.pb", "random (seed 1)")
  QStringList outputNames;
  std::vector<Tensor> inputs, outputs, reference;  // reference: the float interpreter
  QStringList statistics;              // Runner::statistics
  QHash<QString, double> nodeUs;       // per node name: microseconds
  QString latencySource;               // where nodeUs came from (for the legend / status)
  double runMs = 0;
  QString error;
  bool cancelled = false;
};

// `job` is the document's (documentJob); its target is replaced by `target`.
BuildOutcome compileJob(driver::Job job, QString target, Cancel cancel, JobProgress progress = {});
BuildOutcome buildAndRunJob(driver::Job job, QString target, RunInput input, Cancel cancel, JobProgress progress = {});

// Per-node NPU microseconds from an NPU runner's statistics ("node 'NAME' (Op): cycles=N ..." lines and the
// "npu: cycles=C time_ms=T" total giving the clock).
QHash<QString, double> npuNodeMicroseconds(const QStringList& statistics);

}  // namespace nest::gui
