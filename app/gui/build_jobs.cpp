#include "app/gui/build_jobs.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>

#include <chrono>
#include <random>

#include "app/gui/quant_jobs.h"
#include "backends/partition/node_costs.h"
#include "core/calibration_data.h"
#include "core/device_config.h"
#include "core/error.h"
#include "core/npy.h"
#include "driver/driver.h"

namespace nest::gui {

namespace {

double msSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

bool isTextFile(const QString& name) {
  const QString suffix = QFileInfo(name).suffix();
  return suffix == "c" || suffix == "h" || suffix == "s" || suffix == "cpp" || suffix == "nir" || name == "Makefile" ||
         suffix == "txt";
}

driver::Progress progressOf(const Cancel& cancel, const JobProgress& progress) {
  driver::Progress p;
  p.cancel = cancel.get();
  if (progress) p.onStage = [progress](const std::string& stage) { progress(QString::fromStdString(stage), 0, 0); };
  return p;
}

// The run's input as a file the driver binds like `nestc run --input` (an image or random data
// is written as .npy into `dir` first, so every kind goes through the same binding).
std::string inputFileFor(const RunInput& input, const Graph& imported, const QString& dir, QString* note) {
  switch (input.kind) {
    case RunInput::Kind::File:
      if (!QFileInfo::exists(input.path)) failBadInput("the input file '" + input.path.toStdString() + "' does not exist");
      *note = QFileInfo(input.path).fileName();
      return input.path.toStdString();
    case RunInput::Kind::Image: {
      if (imported.inputs.size() != 1) failBadInput("an image input needs a model with one input");
      QDir(dir).mkpath("image");  // calibration data reads image folders
      const QString copy = QDir(dir).filePath("image/" + QFileInfo(input.path).fileName());
      if (!QFile::copy(input.path, copy)) failBadInput("cannot read the image '" + input.path.toStdString() + "'");
      CalibrationOptions options;
      const QString spec = presetSpec(input.preset);
      if (!spec.isEmpty()) {
        options.preprocess = parsePreprocessSpec(spec.toStdString());
        options.preprocessGiven = true;
      }
      options.limit = 1;
      const CalibrationSet set = openCalibrationSet(imported, {QDir(dir).filePath("image").toStdString()}, options);
      const std::string file = QDir(dir).filePath("image_input.npy").toStdString();
      writeNpy(set.inputsForRun(0).at(0), file);
      *note = QStringLiteral("%1 (%2)").arg(QFileInfo(input.path).fileName(), input.preset);
      return file;
    }
    case RunInput::Kind::Random: {
      if (imported.inputs.size() != 1) failBadInput("random data is offered for models with one input");
      const TensorType type = imported.typeOf(imported.inputs[0]);
      for (int64_t d : type.shape)
        if (d < 0) failBadInput("random data needs a fixed input shape (set it in the project's inputShapes)");
      std::mt19937 rng(input.seed);
      std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
      std::vector<float> values(static_cast<size_t>(type.numElements()));
      for (float& v : values) v = uniform(rng);
      Tensor t = convertTensor(Tensor::fromVector(ElemType::F32, type.shape, values), type.elem);
      const std::string file = QDir(dir).filePath("random_input.npy").toStdString();
      writeNpy(t, file);
      *note = QStringLiteral("random (seed %1)").arg(input.seed);
      return file;
    }
  }
  return {};
}

void keepBundle(const driver::Compiled& compiled, const QString& dir, BuildOutcome& out) {
  const std::filesystem::path bundle = QDir(dir).filePath("bundle").toStdString();
  for (const std::string& f : compiled.artifact->write(bundle)) {
    const QString name = QString::fromStdString(f);
    out.files << name;
    if (!isTextFile(name)) continue;
    QFile file(QString::fromStdString((bundle / f).string()));
    if (file.open(QIODevice::ReadOnly)) out.sources.insert(name, QString::fromUtf8(file.readAll()));
    if (name.endsWith(".npu.s")) out.listing = out.sources.value(name);
  }
  for (const std::string& line : compiled.artifact->placement()) out.placement << QString::fromStdString(line);
}

// CPU per-node times: the CPU runner measures the whole call only, so the partition cost model's
// per-node measurement (each node compiled alone and timed, scaled to the whole graph's time;
// cached by op signature) stands in.
QHash<QString, double> cpuNodeMicroseconds(const Graph& graph, const Cancel& cancel) {
  DeviceConfig cpu;
  cpu.name = "CPU";
  cpu.backendName = "CPU";
  cpu.linkBytesPerSecond = 0;
  cpu.linkLatencyUs = 0;
  partition::CostOptions options;
  options.cacheFile = partition::defaultCostCache();
  options.onProgress = [&](size_t, size_t) {
    if (*cancel) throw driver::Cancelled();
  };
  const partition::CostModel costs = partition::measureCosts(graph, {cpu}, options);
  QHash<QString, double> us;
  for (size_t i = 0; i < graph.nodes.size() && i < costs.nodeUs.size(); ++i)
    us.insert(QString::fromStdString(graph.nodes[i].name), costs.nodeUs[i][0]);
  return us;
}

template <typename F>
void catching(BuildOutcome& out, F&& f) {
  try {
    f();
  } catch (const driver::Cancelled&) {
    out.cancelled = true;
  } catch (const std::exception& e) {
    out.error = QString::fromStdString(e.what());
  }
}

}  // namespace

QString RunInput::describe() const {
  switch (kind) {
    case Kind::File: return QFileInfo(path).fileName();
    case Kind::Image: return QStringLiteral("%1 (%2)").arg(QFileInfo(path).fileName(), preset);
    case Kind::Random: return QStringLiteral("random (seed %1)").arg(seed);
  }
  return {};
}

QHash<QString, double> npuNodeMicroseconds(const QStringList& statistics) {
  static const QRegularExpression node(QStringLiteral("^node '(.+)' \\(\\w+\\): cycles=(\\d+) "));
  static const QRegularExpression total(QStringLiteral("^npu: cycles=(\\d+) time_ms=([0-9.]+)"));
  double usPerCycle = 0;
  for (const QString& line : statistics) {
    const auto m = total.match(line);
    if (m.hasMatch() && m.captured(1).toDouble() > 0) usPerCycle = m.captured(2).toDouble() * 1000.0 / m.captured(1).toDouble();
  }
  QHash<QString, double> us;
  for (const QString& line : statistics) {
    const auto m = node.match(line);
    if (m.hasMatch()) us.insert(m.captured(1), m.captured(2).toDouble() * usPerCycle);
  }
  return us;
}

BuildOutcome compileJob(driver::Job job, QString target, Cancel cancel, JobProgress progress) {
  BuildOutcome out;
  out.target = target;
  catching(out, [&] {
    QTemporaryDir dir;
    job.target = target.toStdString();
    const auto start = std::chrono::steady_clock::now();
    const driver::Progress p = progressOf(cancel, progress);
    const driver::Prepared prepared = driver::prepare(job, p);
    const driver::Compiled compiled = driver::compile(job, prepared, CompileRequest{}, p);
    out.compileMs = msSince(start);
    out.graph = compiled.artifact->graph;
    if (progress) progress(QStringLiteral("write"), 0, 0);
    keepBundle(compiled, dir.path(), out);
  });
  return out;
}

BuildOutcome buildAndRunJob(driver::Job job, QString target, RunInput input, Cancel cancel, JobProgress progress) {
  BuildOutcome out;
  out.target = target;
  catching(out, [&] {
    QTemporaryDir dir;
    job.target = target.toStdString();
    const driver::Progress p = progressOf(cancel, progress);
    const Graph imported = driver::importModel(job);
    job.inputFiles = std::vector<std::string>{inputFileFor(input, imported, dir.path(), &out.inputNote)};
    // As `nestc run`: prepare (binding the input), compile, run.
    const auto start = std::chrono::steady_clock::now();
    const driver::Prepared prepared = driver::prepare(job, p);
    const driver::Compiled compiled = driver::compile(job, prepared, CompileRequest{}, p);
    out.compileMs = msSince(start);
    out.graph = compiled.artifact->graph;
    keepBundle(compiled, dir.path(), out);
    if (*cancel) throw driver::Cancelled();
    if (progress) progress(QStringLiteral("run"), 0, 0);
    const auto runStart = std::chrono::steady_clock::now();
    std::vector<std::string> statistics;
    out.outputs = driver::run(compiled, prepared.inputs, &statistics);
    out.runMs = msSince(runStart);
    out.inputs = prepared.inputs;
    for (const std::string& s : statistics) out.statistics << QString::fromStdString(s);
    for (const std::string& o : prepared.graph().outputs) out.outputNames << QString::fromStdString(o);
    out.ran = true;
    // The float interpreter on the same input: no quantization, the same float pipeline.
    if (progress) progress(QStringLiteral("float reference"), 0, 0);
    driver::Job reference = job;
    reference.quantization.reset();
    reference.assignments = {};
    reference.target = "interpreter";
    reference.devices.clear();
    reference.devicesFile.clear();
    reference.defaultDevice.clear();
    const driver::Prepared floatPrepared = driver::prepare(reference, p);
    out.reference = driver::run(driver::compile(reference, floatPrepared, CompileRequest{}, p), floatPrepared.inputs);
    // Per-node latencies: NPU simulated (cycles), CPU measured.
    if (progress) progress(QStringLiteral("per-node latency"), 0, 0);
    out.nodeUs = npuNodeMicroseconds(out.statistics);
    if (!out.nodeUs.isEmpty()) {
      out.latencySource = QStringLiteral("NPU simulated");  // cycles at the configured clock
    } else if (target == "cpu") {
      out.nodeUs = cpuNodeMicroseconds(*out.graph, cancel);
      out.latencySource = QStringLiteral("CPU measured");  // each node timed alone, scaled to the whole run
    }
  });
  return out;
}

}  // namespace nest::gui
