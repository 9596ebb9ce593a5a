// The workbench's precision mode off the UI thread (app/gui/quant_jobs.h) and its calibration
// dialog: calibration writes the very bytes `nestc profile` writes (mnist-8 over idx images,
// SqueezeNet 1.1 over an image folder with the ImageNet preset), cancel writes nothing, the
// per-node SQNR matches backends/quant_report.h, "Suggest float nodes" matches `nestc sensitivity`.
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>
#include <sstream>

#include "app/gui/calibration_dialog.h"
#include "app/gui/quant_jobs.h"
#include "backends/quant_report.h"
#include "core/calibration_data.h"
#include "driver/driver.h"
#include "test_support.h"

using namespace nest;
using namespace nest::gui;
namespace fs = std::filesystem;

namespace {

fs::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }
fs::path mnistImages() { return testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz"; }
QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

QByteArray fileBytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

Cancel freshCancel() { return std::make_shared<std::atomic<bool>>(false); }

// The graph `nestc profile` profiles: after the -O1 float pipeline.
std::shared_ptr<const Graph> floatGraph(const fs::path& model) {
  driver::Job job;
  job.model = model;
  job.level = "O1";
  return std::make_shared<Graph>(driver::prepare(job).graph());
}

// The same graph quantized (default settings) with `profile`.
std::shared_ptr<const Graph> quantizedGraph(const fs::path& model, const fs::path& profile) {
  driver::Job job;
  job.model = model;
  job.level = "O1";
  job.quantization = driver::quantizationFromProfile(profile, QuantConfig{});
  return std::make_shared<Graph>(driver::prepare(job).graph());
}

int countOpsWithSqnr(const Graph& g, const ErrorOutcome& out, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op && out.sqnrDb.contains(node.id);
  return n;
}

CalibrationInputs mnistInputs(int limit) { return {{q(mnistImages())}, presetSpec("MNIST"), limit}; }

}  // namespace

class TestWorkbenchPrecision : public QObject {
  Q_OBJECT

  QTemporaryDir dir_;
  QString mnistProfile_;  // calibrationJob's mnist-8 profile over the first 200 idx images

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    mnistProfile_ = dir_.filePath("mnist.yaml");
    const CalibrationOutcome out = calibrationJob(floatGraph(mnistModel()), mnistInputs(200), mnistProfile_, freshCancel());
    NEST_VERIFY(out.error.isEmpty(), out.error.toStdString());
  }

  void presetsParseAsDocumented() {
    QCOMPARE(preprocessPresetNames(), QStringList({"ImageNet", "MNIST", "None"}));
    const PreprocessSpec imagenet = parsePreprocessSpec(presetSpec("ImageNet").toStdString());
    QCOMPARE(imagenet.resizeH, int64_t{256});
    QCOMPARE(imagenet.resizeW, int64_t{256});
    QCOMPARE(imagenet.cropH, int64_t{224});
    QCOMPARE(imagenet.cropW, int64_t{224});
    QCOMPARE(imagenet.layout, std::string("NCHW"));
    QCOMPARE(imagenet.channels, std::string("rgb"));
    QCOMPARE(imagenet.scale, 0.00392157f);
    QCOMPARE(imagenet.mean, std::vector<float>({0.485f, 0.456f, 0.406f}));
    QCOMPARE(imagenet.std, std::vector<float>({0.229f, 0.224f, 0.225f}));
    // MNIST: raw 0..255, and nothing an idx file refuses.
    const PreprocessSpec mnist = parsePreprocessSpec(presetSpec("MNIST").toStdString());
    QCOMPARE(mnist.scale, 1.0f);
    QCOMPARE(mnist.mean, std::vector<float>({0}));
    QCOMPARE(mnist.std, std::vector<float>({1}));
    QVERIFY(!mnist.imageOnly);
    QCOMPARE(presetSpec("None"), QString());
    QCOMPARE(presetSpec("nonsense"), QString());
  }

  void calibrationOnMnistWritesWhatNestcProfileWrites() {
    const QString path = dir_.filePath("job.yaml");
    int lastDone = -1, lastTotal = -1;
    const CalibrationOutcome out = calibrationJob(floatGraph(mnistModel()), mnistInputs(200), path,
                                                  freshCancel(), [&](const QString&, int done, int total) {
                                                    lastDone = done;
                                                    lastTotal = total;
                                                  });
    NEST_VERIFY(out.error.isEmpty(), out.error.toStdString());
    QVERIFY(!out.cancelled);
    QCOMPARE(out.profilePath, path);
    QCOMPARE(out.samples, qint64{200});
    QCOMPARE(out.values, 7);  // Input3 and the 6 node results of mnist-8 after -O1
    QCOMPARE(lastDone, 200);
    QCOMPARE(lastTotal, 200);
    QVERIFY(!QFile::exists(path + ".part"));

    // nestc with the preset's spec, and with none (raw is the idx default): the same bytes.
    const QString withSpec = dir_.filePath("cli-spec.yaml"), plain = dir_.filePath("cli.yaml");
    testing::NestcResult r = testing::runNestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--preprocess",
                                                presetSpec("MNIST"), "--limit", "200", "-o", withSpec});
    NEST_VERIFY(r.code == 0, r.all());
    r = testing::runNestc({"profile", q(mnistModel()), "--input", q(mnistImages()), "--limit", "200", "-o", plain});
    NEST_VERIFY(r.code == 0, r.all());
    const QByteArray mine = fileBytes(path);
    QVERIFY(mine.size() > 1000);
    QVERIFY(mine == fileBytes(withSpec));
    QVERIFY(mine == fileBytes(plain));
  }

  void calibrationOnAnImageFolderWithTheImageNetPreset() {
    const fs::path model = testing::seedModels() / "squeezenet1_1" / "model.onnx";
    const fs::path images = testing::testdata() / "images";  // cat, dog, zebra (224x224 png)
    const QString mine = dir_.filePath("squeeze-job.yaml"), cli = dir_.filePath("squeeze-cli.yaml");
    const CalibrationOutcome out = calibrationJob(floatGraph(model), {{q(images)}, presetSpec("ImageNet"), -1}, mine,
                                                  freshCancel());
    NEST_VERIFY(out.error.isEmpty(), out.error.toStdString());
    QCOMPARE(out.samples, qint64{3});
    const testing::NestcResult r =
        testing::runNestc({"profile", q(model), "--input", q(images), "--preprocess", presetSpec("ImageNet"), "-o", cli});
    NEST_VERIFY(r.code == 0, r.all());
    QVERIFY(fileBytes(mine).size() > 1000);
    QVERIFY(fileBytes(mine) == fileBytes(cli));
  }

  void calibrationErrorsNameTheirSource() {
    const QString path = dir_.filePath("never.yaml");
    CalibrationOutcome out = calibrationJob(floatGraph(mnistModel()), {{"/nonexistent/calib.npy"}, "", -1}, path, freshCancel());
    NEST_VERIFY(out.error.contains("/nonexistent/calib.npy"), out.error.toStdString());
    QVERIFY(!out.cancelled && out.profilePath.isEmpty() && !QFile::exists(path));
    // idx files refuse the image-only items of the ImageNet preset.
    out = calibrationJob(floatGraph(mnistModel()), {{q(mnistImages())}, presetSpec("ImageNet"), 5}, path, freshCancel());
    NEST_VERIFY(out.error.contains("not to idx file"), out.error.toStdString());
    QVERIFY(!QFile::exists(path));
  }

  void cancelWritesNothing() {
    const QString path = dir_.filePath("cancelled.yaml");
    Cancel before = freshCancel();
    *before = true;
    CalibrationOutcome out = calibrationJob(floatGraph(mnistModel()), mnistInputs(50), path, before);
    QVERIFY(out.cancelled);
    QVERIFY(out.error.isEmpty() && out.profilePath.isEmpty());
    QVERIFY(!QFile::exists(path));

    // Cancelled from the progress callback after 5 of 50 samples.
    Cancel during = freshCancel();
    int calls = 0;
    out = calibrationJob(floatGraph(mnistModel()), mnistInputs(50), path, during, [&](const QString&, int done, int) {
      ++calls;
      if (done == 5) *during = true;
    });
    QVERIFY(out.cancelled);
    QCOMPARE(calls, 5);
    QVERIFY(!QFile::exists(path));
    QVERIFY(!QFile::exists(path + ".part"));

    Cancel errorCancel = freshCancel();
    *errorCancel = true;
    QVERIFY(quantErrorJob(floatGraph(mnistModel()), floatGraph(mnistModel()), mnistInputs(5), errorCancel).cancelled);
  }

  void quantErrorMatchesTheQualityReport() {
    const auto f = floatGraph(mnistModel());
    const auto quant = quantizedGraph(mnistModel(), mnistProfile_.toStdString());
    int calls = 0;
    const ErrorOutcome out =
        quantErrorJob(f, quant, mnistInputs(100), freshCancel(), [&](const QString&, int, int total) {
          ++calls;
          QCOMPARE(total, 100);
        });
    NEST_VERIFY(out.error.isEmpty(), out.error.toStdString());
    QCOMPARE(calls, 100);
    QCOMPARE(out.runs, qint64{100});

    CalibrationOptions o;
    o.limit = 100;
    const QuantReport direct = quantReport(*f, *quant, openCalibrationSet(*f, {mnistImages().string()}, o));
    QCOMPARE(out.outputSqnrDb, direct.outputSqnrDb());
    QCOMPARE(out.top1Agreement, direct.top1Agreement());
    QCOMPARE(out.top1Agreement, 100.0);  // every one of the 100 images classified as float does
    // Input3's Quantize and the six integer nodes (the output's Dequantize has no float twin).
    QCOMPARE(out.sqnrDb.size(), qsizetype{7});
    QCOMPARE(countOpsWithSqnr(*quant, out, "Quantize"), 1);
    QCOMPARE(countOpsWithSqnr(*quant, out, "Dequantize"), 0);
    for (const NodeQuality& n : direct.nodes) {
      const std::optional<size_t> i = quant->producerIndex(n.value);
      NEST_VERIFY(i, "no producer of " + n.value);
      const NodeId id = quant->nodes[*i].id;
      NEST_VERIFY(out.sqnrDb.contains(id), "no SQNR for " + n.value);
      QCOMPARE(out.sqnrDb.value(id), n.error.sqnrDb());
    }
  }

  void suggestFloatMatchesNestcSensitivity() {
    // The mnist profile with Convolution28's result range made 1000 times too wide (top-1 agreement
    // falls to 8%): that node alone must be kept float.
    QuantProfile bad = readProfile(mnistProfile_.toStdString());
    for (ValueProfile& v : bad.values)
      if (v.name == "Convolution28_Output_0") v.max *= 1000;
    const QString badPath = dir_.filePath("bad.yaml");
    writeProfile(badPath.toStdString(), bad);

    const SuggestOutcome out = suggestFloatJob(floatGraph(mnistModel()), std::make_shared<QuantProfile>(bad), QuantConfig{},
                                               mnistInputs(100), 1.0, freshCancel());
    NEST_VERIFY(out.error.isEmpty(), out.error.toStdString());
    QCOMPARE(out.keepFloat, std::vector<std::string>{"Convolution28"});
    QCOMPARE(out.summary, QString("keep 1 node float: top-1 agreement 8.0% -> 100.0% (target: drop <= 1 point)"));

    const testing::NestcResult r =
        testing::runNestc({"sensitivity", q(mnistModel()), "--profile", badPath, "--input", q(mnistImages()), "--limit",
                           "100", "--max-drop", "1", "-o", dir_.filePath("s.nestproj")});
    NEST_VERIFY(r.code == 0, r.all());
    std::string kept = "kept float (" + std::to_string(out.keepFloat.size()) + "): ";
    for (size_t i = 0; i < out.keepFloat.size(); ++i) kept += (i ? ", " : "") + out.keepFloat[i];
    if (out.keepFloat.empty()) kept += "none";
    NEST_VERIFY(r.out.find(kept + "\n") != std::string::npos, r.out);
  }

  void suggestFloatCancels() {
    Cancel cancel = freshCancel();
    const SuggestOutcome out = suggestFloatJob(floatGraph(mnistModel()), std::make_shared<QuantProfile>(readProfile(mnistProfile_.toStdString())),
                                               QuantConfig{}, mnistInputs(20), 0.0, cancel,
                                               [&](const QString&, int, int) { *cancel = true; });
    QVERIFY(out.cancelled);
    QVERIFY(out.keepFloat.empty() && out.error.isEmpty());
  }

  void dialogFieldsAndOk() {
    CalibrationDialog dialog({}, "/tmp/model.yaml");
    QPushButton* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
    QVERIFY(!ok->isEnabled());  // no input yet
    QCOMPARE(dialog.profilePath(), QString("/tmp/model.yaml"));
    dialog.inputEdit()->setText(q(mnistImages()));
    QVERIFY(ok->isEnabled());
    dialog.outputEdit()->setText("  ");
    QVERIFY(!ok->isEnabled());
    dialog.outputEdit()->setText("/tmp/out.yaml");
    QVERIFY(ok->isEnabled());

    QCOMPARE(dialog.presetBox()->currentText(), QString("None"));  // the empty spec given
    dialog.presetBox()->setCurrentIndex(dialog.presetBox()->findText("ImageNet"));
    QCOMPARE(dialog.specEdit()->text(), presetSpec("ImageNet"));
    dialog.presetBox()->setCurrentIndex(dialog.presetBox()->findText("MNIST"));
    QCOMPARE(dialog.specEdit()->text(), QString("scale=1,mean=0,std=1"));
    dialog.specEdit()->end(false);
    QTest::keyClicks(dialog.specEdit(), ",std=2");  // edited: no preset any more, the text stays
    QCOMPARE(dialog.presetBox()->currentText(), QString("Custom"));
    QCOMPARE(dialog.specEdit()->text(), QString("scale=1,mean=0,std=1,std=2"));
    dialog.limitBox()->setValue(0);
    QCOMPARE(dialog.inputs().limit, -1);  // 0 = all
    dialog.limitBox()->setValue(200);
    dialog.inputEdit()->setText("Input3=/data/a.npy; /data/b.npy");
    const CalibrationInputs in = dialog.inputs();
    QCOMPARE(in.inputs, QStringList({"Input3=/data/a.npy", "/data/b.npy"}));
    QCOMPARE(in.preprocess, QString("scale=1,mean=0,std=1,std=2"));
    QCOMPARE(in.limit, 200);
    QCOMPARE(dialog.profilePath(), QString("/tmp/out.yaml"));

    // Opening with earlier choices shows them, the preset recognised from its spec.
    CalibrationDialog again({{"/x/images"}, presetSpec("ImageNet"), 50}, "/tmp/p.yaml");
    QCOMPARE(again.presetBox()->currentText(), QString("ImageNet"));
    QCOMPARE(again.limitBox()->value(), 50);
    QCOMPARE(again.inputs().inputs, QStringList({"/x/images"}));
  }
};

QTEST_MAIN(TestWorkbenchPrecision)
#include "test_workbench_precision.moc"
