#include "app/gui/quant_jobs.h"


#include <exception>
#include <filesystem>

#include "backends/profiler.h"
#include "backends/quant_report.h"
#include "backends/quant_sensitivity.h"
#include "core/calibration_data.h"
#include "core/error.h"

namespace nest::gui {

namespace {

// Thrown from a progress callback when the cancel flag is set, caught by the job.
struct JobCancelled {};

void checkCancel(const Cancel& cancel) {
  if (cancel && *cancel) throw JobCancelled{};
}

// The set `nestc profile --input ... [--preprocess SPEC] [--limit N]` opens.
CalibrationSet openSet(const Graph& g, const CalibrationInputs& in) {
  CalibrationOptions options;
  const std::string spec = in.preprocess.trimmed().toStdString();
  if (!spec.empty()) {
    options.preprocess = parsePreprocessSpec(spec);
    options.preprocessGiven = true;
  }
  options.limit = in.limit < 0 ? -1 : in.limit;
  std::vector<std::string> specs;
  for (const QString& s : in.inputs) specs.push_back(s.toStdString());
  return openCalibrationSet(g, specs, options);
}

template <typename Outcome, typename Work>
Outcome runGuarded(const Cancel& cancel, Work work) {
  Outcome out;
  try {
    checkCancel(cancel);
    work(out);
  } catch (const JobCancelled&) {
    out = {};
    out.cancelled = true;
  } catch (const Error& e) {
    out.error = QString::fromStdString(e.what());
  } catch (const std::exception& e) {
    out.error = QStringLiteral("internal error: %1").arg(QString::fromStdString(e.what()));
  }
  return out;
}

QString percent(double v) { return QString::number(v, 'f', 1) + QLatin1Char('%'); }

QString points(double v) {
  return QString::number(v, 'g', 6) + (v == 1 ? QStringLiteral(" point") : QStringLiteral(" points"));
}

}  // namespace

QStringList preprocessPresetNames() { return {QStringLiteral("ImageNet"), QStringLiteral("MNIST"), QStringLiteral("None")}; }

QString presetSpec(const QString& name) {
  if (name == QLatin1String("ImageNet"))
    return QStringLiteral(
        "resize=256x256,crop=224x224,layout=NCHW,channels=rgb,scale=0.00392157,mean=0.485,0.456,0.406,"
        "std=0.229,0.224,0.225");
  // Raw pixels 0..255 as mnist-8 expects; valid for idx files (which refuse the image-only items)
  // and for folders of 28x28 gray images alike.
  if (name == QLatin1String("MNIST")) return QStringLiteral("scale=1,mean=0,std=1");
  return {};
}

CalibrationOutcome calibrationJob(std::shared_ptr<const Graph> floatGraph, CalibrationInputs inputs, QString output,
                                  Cancel cancel, JobProgress progress) {
  return runGuarded<CalibrationOutcome>(cancel, [&](CalibrationOutcome& out) {
    if (inputs.empty()) failBadInput("calibration: no input given");
    if (output.isEmpty()) failBadInput("calibration: no profile path given");
    const CalibrationSet data = openSet(*floatGraph, inputs);
    const int64_t perRun = data.samplesPerRun();
    ProfileRunOptions options;  // 2000 bins, as nestc profile's default
    options.onProgress = [&](size_t done, size_t total) {
      checkCancel(cancel);
      if (progress)
        progress(QStringLiteral("Profiling"), static_cast<int>(done * perRun), static_cast<int>(total * perRun));
    };
    const QuantProfile profile = profileGraph(*floatGraph, data, options);
    checkCancel(cancel);
    writeProfile(output.toStdString(), profile);  // atomic: a failed write leaves no partial profile
    out.profilePath = output;
    out.values = static_cast<int>(profile.values.size());
    out.samples = static_cast<qint64>(data.runs()) * perRun;
  });
}

ErrorOutcome quantErrorJob(std::shared_ptr<const Graph> floatGraph, std::shared_ptr<const Graph> quantGraph,
                           CalibrationInputs inputs, Cancel cancel, JobProgress progress) {
  return runGuarded<ErrorOutcome>(cancel, [&](ErrorOutcome& out) {
    if (inputs.empty()) failBadInput("quantization error: no validation input given");
    const CalibrationSet data = openSet(*floatGraph, inputs);
    QuantReportOptions options;
    options.onProgress = [&](size_t done, size_t total) {
      checkCancel(cancel);
      if (progress) progress(QStringLiteral("Measuring quantization error"), static_cast<int>(done), static_cast<int>(total));
    };
    const QuantReport report = quantReport(*floatGraph, *quantGraph, data, options);
    checkCancel(cancel);
    for (const NodeQuality& n : report.nodes)
      if (std::optional<size_t> i = quantGraph->producerIndex(n.value))
        out.sqnrDb.insert(quantGraph->nodes[*i].id, n.error.sqnrDb());
    out.outputSqnrDb = report.outputSqnrDb();
    out.top1Agreement = report.top1Agreement();
    out.runs = report.runs;
  });
}

SuggestOutcome suggestFloatJob(std::shared_ptr<const Graph> floatGraph, std::shared_ptr<const QuantProfile> profile,
                               QuantConfig config, CalibrationInputs inputs, double maxDrop, Cancel cancel,
                               JobProgress progress) {
  return runGuarded<SuggestOutcome>(cancel, [&](SuggestOutcome& out) {
    if (inputs.empty()) failBadInput("suggest float nodes: no validation input given");
    if (!profile) failBadInput("suggest float nodes: no calibration profile (calibrate first)");
    const CalibrationSet data = openSet(*floatGraph, inputs);
    SensitivityOptions options;
    options.target = SensitivityTarget::MaxDrop;
    options.value = maxDrop;
    int step = 0;
    options.onProgress = [&](const std::string& line) {
      checkCancel(cancel);
      if (progress) progress(QString::fromStdString(line), ++step, 0);  // total unknown
    };
    const SensitivityResult result = analyzeSensitivity(*floatGraph, *profile, config, data, options);
    checkCancel(cancel);
    out.keepFloat = result.keptFloat;
    const QString target = QStringLiteral("(target: drop <= %1)").arg(points(maxDrop));
    const size_t n = result.keptFloat.size();
    if (n == 0)
      out.summary = QStringLiteral("no node needs to stay float: top-1 agreement %1 %2")
                        .arg(percent(result.fullyQuantized.top1Agreement), target);
    else
      out.summary = QStringLiteral("keep %1 node%2 float: top-1 agreement %3 -> %4 %5")
                        .arg(n)
                        .arg(n == 1 ? "" : "s")
                        .arg(percent(result.fullyQuantized.top1Agreement), percent(result.chosen.top1Agreement), target);
    if (!result.met) out.summary += QStringLiteral("; not met even with every ranked node float");
  });
}

}  // namespace nest::gui
