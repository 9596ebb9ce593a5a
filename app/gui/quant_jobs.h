// Precision mode's work, off the UI thread: calibration (the profile `nestc profile` writes, from
// the same inputs), the per-node quantization error against float (SQNR, backends/quant_report.h)
// and "Suggest float nodes" (backends/quant_sensitivity.h). Each job takes a cancel flag and a
// progress callback (called from the worker thread), never throws, and returns its outcome.
#pragma once
#include <QHash>
#include <QString>
#include <QStringList>

#include <memory>
#include <string>
#include <vector>

#include "app/gui/load_jobs.h"
#include "app/gui/partition_jobs.h"  // JobProgress
#include "core/quant_config.h"
#include "core/quant_profile.h"

namespace nest::gui {

// Where calibration / validation samples come from: what `nestc profile --input ... --preprocess`
// takes (an image folder, a .npy or .pb file, an MNIST idx file; one per graph input, or
// NAME=PATH), the preprocessing spec for images (core/calibration_data.h grammar; empty: none)
// and at most `limit` samples (-1: all).
struct CalibrationInputs {
  QStringList inputs;
  QString preprocess;
  int limit = -1;
  bool empty() const { return inputs.isEmpty(); }
};

// Preprocessing presets offered in the calibration dialog: "ImageNet" (resize 256, crop 224,
// scale 1/255, ImageNet mean/std, NCHW rgb), "MNIST" (28x28 gray, raw 0..255 as mnist-8 expects),
// "None" (empty spec). Names in menu order; presetSpec returns the spec text ("" for None / unknown).
QStringList preprocessPresetNames();
QString presetSpec(const QString& name);

struct CalibrationOutcome {
  QString profilePath;   // written (empty on error or cancel)
  int values = 0;        // values profiled
  qint64 samples = 0;    // samples run
  QString error;
  bool cancelled = false;
};
// Profiles `floatGraph` (the graph after the float pipeline, before quantize) over `inputs` with
// backends/profiler.h's profileGraph, 2000 bins, and writes the profile to `output` exactly as
// `nestc profile --input ... [--preprocess ...] [--limit N] -o output` does on the same pipeline.
CalibrationOutcome calibrationJob(std::shared_ptr<const Graph> floatGraph, CalibrationInputs inputs, QString output,
                                  Cancel cancel, JobProgress progress = {});

struct ErrorOutcome {
  // SQNR in dB of each node of `quantGraph` that has a float counterpart (quant_report.h's
  // NodeQuality), by the quantized graph's node id; +inf when exact.
  QHash<NodeId, double> sqnrDb;
  double outputSqnrDb = 0;
  double top1Agreement = 0;  // %
  qint64 runs = 0;
  QString error;
  bool cancelled = false;
};
ErrorOutcome quantErrorJob(std::shared_ptr<const Graph> floatGraph, std::shared_ptr<const Graph> quantGraph,
                           CalibrationInputs inputs, Cancel cancel, JobProgress progress = {});

struct SuggestOutcome {
  std::vector<std::string> keepFloat;  // stable node keys to keep in float, in ranking order
  QString summary;  // "keep 3 nodes float: top-1 agreement 96.0% -> 99.0% (target: drop <= 1 point)"
  QString error;
  bool cancelled = false;
};
// analyzeSensitivity with the default target (top-1 agreement drop at most `maxDrop` points) over
// `inputs`; `config` the document's quantization settings (its keepFloat overrides stay).
SuggestOutcome suggestFloatJob(std::shared_ptr<const Graph> floatGraph, std::shared_ptr<const QuantProfile> profile,
                               QuantConfig config, CalibrationInputs inputs, double maxDrop, Cancel cancel,
                               JobProgress progress = {});

}  // namespace nest::gui
