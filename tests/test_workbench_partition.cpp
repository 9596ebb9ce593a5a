// Device mode's partitioning (app/gui/partition_jobs.h, partition_panel.h, schedule_timeline.h):
// ResNet-18 (seed model, int8 with power-of-two scales) on resources/devices/cpu-npu.yaml. The
// schedule of the document's placement (all on the CPU: one partition; every Conv on the NPU: the
// devices alternate block by block), auto partition with and without pins, cancelling, and the
// panel's table, timeline and totals.
#include <QDir>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTableWidget>
#include <QtTest>

#include <set>

#include "app/gui/partition_jobs.h"
#include "app/gui/partition_panel.h"
#include "app/gui/schedule_timeline.h"
#include "backends/profiler.h"
#include "core/model_loader.h"
#include "core/node_keys.h"
#include "driver/assignment_check.h"
#include "driver/driver.h"
#include "driver/partition_stage.h"
#include "passes/pass_manager.h"
#include "tests/test_support.h"

using namespace nest;
using nest::gui::PartitionOutcome;
using nest::gui::PartitionPanel;
using nest::gui::PartitionSummary;
using nest::gui::ScheduleTimeline;

Q_DECLARE_METATYPE(QList<nest::NodeId>)

namespace {

gui::Cancel noCancel() { return std::make_shared<std::atomic<bool>>(false); }

QList<NodeId> idsOf(const Graph& g, const std::function<bool(const Node&)>& pred) {
  QList<NodeId> ids;
  for (const Node& n : g.nodes)
    if (pred(n)) ids << n.id;
  return ids;
}

// The device of node `id` in a summary (-1 when no partition holds it).
int deviceOfNode(const PartitionSummary& s, NodeId id) {
  for (const gui::PartitionRow& p : s.partitions)
    if (p.nodes.contains(id)) return p.device;
  return -1;
}

}  // namespace

class TestWorkbenchPartition : public QObject {
  Q_OBJECT

  driver::Job job_;
  std::shared_ptr<const Graph> imported_, graph_;
  gui::CostsPtr costs_;
  PartitionSummary convsOnNpu_;

  driver::Job convsOnNpuJob() const {
    driver::Job job = job_;
    for (const Node& n : graph_->nodes)
      if (n.op == "Conv") job.assignments.byKey[stableKey(n)].device = "NPU1";
    return job;
  }

  // The keys the auto placement may name: those of nodes carrying their key's device assignment.
  std::set<std::string> assignableKeys() const {
    std::set<std::string> keys;
    for (const Node& n : graph_->nodes)
      if (driver::carriesDeviceAssignment(n, *imported_)) keys.insert(stableKey(n));
    return keys;
  }

 private slots:
  void initTestCase() {
    qRegisterMetaType<QList<NodeId>>();
    job_.model = testing::seedModels() / "resnet18" / "model.onnx";
    job_.devicesFile = testing::sourceDir() / "resources" / "devices" / "cpu-npu.yaml";
    job_.target = "hetero";
    job_.devices = driver::deviceSpecsOf(readDeviceConfigs(job_.devicesFile));
    job_.defaultDevice = "CPU0";
    // Profiled as test_hetero does: the -O1 graph on two random inputs, power-of-two scales.
    const Graph o1 = runPipeline(loadModel(job_.model), namedPipeline("O1")).result();
    Profiler profiler(o1);
    for (unsigned i = 0; i < 2; ++i) profiler.run(testing::randomInputs(o1, 10 + i));
    driver::Quantization q;
    q.profile = std::make_shared<const QuantProfile>(profiler.profile());
    q.profileSource = "test profile";
    q.config.defaults.schema = QuantSchema::SymmetricPower2;
    job_.quantization = q;
    const driver::Prepared prepared = driver::prepare(job_);
    imported_ = prepared.imported;
    graph_ = std::make_shared<const Graph>(prepared.graph());
    // Quantize, stem Conv, MaxPool, 8 blocks (27 nodes: Relus fused), GlobalAveragePool, Flatten,
    // Gemm, Dequantize.
    QCOMPARE(graph_->nodes.size(), size_t{34});
    QCOMPARE(testing::countOp(*graph_, "Conv"), 20);
  }

  // Everything on the CPU (no assignment): one partition, the all-CPU latency itself.
  void allOnCpuIsOnePartition() {
    QList<int> done;
    int total = -1;
    QElapsedTimer timer;
    timer.start();
    const PartitionOutcome out = gui::scheduleJob(job_, imported_, graph_, nullptr, noCancel(), [&](const QString& what, int d, int t) {
      QCOMPARE(what, QStringLiteral("measuring costs"));
      done << d;
      total = t;
    });
    qInfo("scheduleJob, costs measured (cache): %lld ms", static_cast<long long>(timer.elapsed()));
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QVERIFY(!out.cancelled && out.costs && out.graph == graph_);
    QCOMPARE(total, 34);
    QCOMPARE(done.size(), 35);  // 0 first, then after each node
    QCOMPARE(done.first(), 0);
    QCOMPARE(done.last(), 34);
    costs_ = out.costs;

    const PartitionSummary& s = out.summary;
    QCOMPARE(s.devices, QStringList({"CPU0", "NPU1"}));
    QCOMPARE(s.backends, QStringList({"cpu", "npu"}));
    QCOMPARE(s.partitions.size(), 1);
    QCOMPARE(s.partitions[0].device, 0);
    QCOMPARE(s.partitions[0].nodes, idsOf(*graph_, [](const Node&) { return true; }));
    QCOMPARE(s.partitions[0].startUs, 0.0);
    QCOMPARE(s.partitions[0].endUs, s.latencyUs);
    QCOMPARE(s.latencyUs, s.allCpuUs);
    QVERIFY(s.parallelGroups.isEmpty());

    timer.restart();
    const PartitionOutcome again = gui::scheduleJob(job_, imported_, graph_, costs_, noCancel());
    qInfo("scheduleJob, costs known: %lld ms", static_cast<long long>(timer.elapsed()));
    QCOMPARE(again.costs, costs_);  // reused, not measured again
    QCOMPARE(again.summary.latencyUs, s.latencyUs);
  }

  // Every Conv on the NPU (Add, pooling, Gemm and the Quantize / Dequantize stay on the CPU): the
  // stem's Quantize (CPU; it does not carry the Conv's pin and the NPU cannot run it), the stem
  // Conv (NPU), MaxPool (CPU), then per residual block its Convs (2, or 3 with a downsample) on
  // the NPU and its Add on the CPU; the last CPU partition adds GlobalAveragePool, Flatten, Gemm
  // and Dequantize: 3 + 2 x 8 = 19 partitions, CPU and NPU alternating.
  void convsOnNpuAlternate() {
    QVERIFY(costs_);
    const PartitionOutcome out = gui::scheduleJob(convsOnNpuJob(), imported_, graph_, costs_, noCancel());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    const PartitionSummary& s = out.summary;
    const QList<int> counts = {1, 1, 1, 2, 1, 2, 1, 3, 1, 2, 1, 3, 1, 2, 1, 3, 1, 2, 5};
    QCOMPARE(s.partitions.size(), counts.size());
    QList<NodeId> all;
    for (int p = 0; p < s.partitions.size(); ++p) {
      QCOMPARE(s.partitions[p].device, p % 2);
      QCOMPARE(static_cast<int>(s.partitions[p].nodes.size()), counts[p]);
      if (p > 0) QVERIFY(s.partitions[p].startUs >= s.partitions[p - 1].endUs);  // one after another
      all += s.partitions[p].nodes;
    }
    QCOMPARE(all, idsOf(*graph_, [](const Node&) { return true; }));
    for (const Node& n : graph_->nodes) QCOMPARE(deviceOfNode(s, n.id), n.op == "Conv" ? 1 : 0);
    QCOMPARE(graph_->nodes.front().op, std::string("Quantize"));
    QVERIFY(s.parallelGroups.isEmpty());
    QCOMPARE(s.partitions.last().endUs, s.latencyUs);
    {  // partition 1 is the stem Conv alone: its input and its result cross to and from the NPU
      QCOMPARE(s.partitions[1].nodes.size(), 1);
      const Node* stem = graph_->findNode(s.partitions[1].nodes[0]);
      QCOMPARE(s.partitions[1].bytesIn, qint64(graph_->typeOf(stem->inputs[0]).byteSize()));
      QCOMPARE(s.partitions[1].bytesOut, qint64(graph_->typeOf(stem->outputs[0]).byteSize()));
    }
    QVERIFY(s.latencyUs > s.allCpuUs);  // this CPU outruns the 300 MHz NPU (docs/partitioning.md)
    convsOnNpu_ = s;
  }

  void placementErrorsNameTheNode() {
    QVERIFY(costs_);
    driver::Job job = job_;
    const Node* pool = nullptr;
    for (const Node& n : graph_->nodes)
      if (n.op == "MaxPool") pool = &n;
    QVERIFY(pool);
    job.assignments.byKey[stableKey(*pool)].device = "NPU9";
    PartitionOutcome out = gui::scheduleJob(job, imported_, graph_, costs_, noCancel());
    QVERIFY(out.summary.empty() && !out.cancelled);
    QVERIFY2(out.error.contains("NPU9") && out.error.contains("MaxPool") && out.error.contains("cpu-npu.yaml"), qPrintable(out.error));
    job.assignments.byKey[stableKey(*pool)].device = "NPU1";  // the NPU does not run MaxPool
    out = gui::scheduleJob(job, imported_, graph_, costs_, noCancel());
    QVERIFY2(out.error.contains("MaxPool") && out.error.contains("cannot run on device 'NPU1'"), qPrintable(out.error));
    driver::Job noDevices = job_;
    noDevices.devicesFile.clear();
    out = gui::scheduleJob(noDevices, imported_, graph_, costs_, noCancel());
    QVERIFY2(out.error.contains("device list"), qPrintable(out.error));
  }

  void autoPartitionPlacesEveryUnpinnedKey() {
    QVERIFY(costs_);
    const std::set<std::string> keys = assignableKeys();
    QCOMPARE(keys.size(), size_t{32});  // every node but the Quantize and Dequantize
    QElapsedTimer timer;
    timer.start();
    int calls = 0;
    PartitionOutcome out = gui::autoPartitionJob(job_, imported_, graph_, nullptr, noCancel(), [&](const QString&, int, int) { ++calls; });
    qInfo("autoPartitionJob, costs measured (cache): %lld ms", static_cast<long long>(timer.elapsed()));
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(calls, 35);
    timer.restart();
    out = gui::autoPartitionJob(job_, imported_, graph_, costs_, noCancel());
    qInfo("autoPartitionJob, costs known: %lld ms", static_cast<long long>(timer.elapsed()));
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.placement.size(), keys.size());
    for (const auto& [key, device] : out.placement) {
      QVERIFY2(keys.count(key), key.c_str());
      QVERIFY2(device == "CPU0" || device == "NPU1", device.c_str());
    }
    QVERIFY(!out.summary.empty());
    QVERIFY(out.summary.latencyUs <= out.summary.allCpuUs);
    QVERIFY(out.summary.latencyUs <= convsOnNpu_.latencyUs);
    // The placement is the summary's: each key's device is its node's.
    for (const Node& n : graph_->nodes)
      if (driver::carriesDeviceAssignment(n, *imported_))
        QCOMPARE(QString::fromStdString(out.placement.at(stableKey(n))), out.summary.devices[deviceOfNode(out.summary, n.id)]);

    // A pin holds and is left out of the placement.
    const Node* stem = nullptr;
    for (const Node& n : graph_->nodes)
      if (!stem && n.op == "Conv") stem = &n;
    driver::Job pinned = job_;
    pinned.assignments.byKey[stableKey(*stem)].device = "CPU0";
    out = gui::autoPartitionJob(pinned, imported_, graph_, costs_, noCancel());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.placement.size(), size_t{31});
    QVERIFY(!out.placement.count(stableKey(*stem)));
    QCOMPARE(deviceOfNode(out.summary, stem->id), 0);
    // Pinned to the NPU, it runs there whatever the cost.
    pinned.assignments.byKey[stableKey(*stem)].device = "NPU1";
    out = gui::autoPartitionJob(pinned, imported_, graph_, costs_, noCancel());
    QVERIFY2(out.error.isEmpty(), qPrintable(out.error));
    QCOMPARE(out.placement.size(), size_t{31});
    QCOMPARE(deviceOfNode(out.summary, stem->id), 1);
    QVERIFY(out.summary.partitions.size() >= 3);
  }

  // The driver's stage: its progress stages, the costs handed in used as they are, cancelling.
  void partitionForJobStagesAndKnownCosts() {
    QVERIFY(costs_);
    std::vector<std::string> stages;
    driver::Progress progress;
    progress.onStage = [&](const std::string& s) { stages.push_back(s); };
    const driver::Partitioned parts = driver::partitionForJob(job_, *graph_, imported_.get(), progress, costs_.get());
    QCOMPARE(stages, (std::vector<std::string>{"costs", "partition"}));
    QCOMPARE(parts.costs.nodeUs, costs_->nodeUs);
    QCOMPARE(parts.baselines.size(), size_t{4});
    std::atomic<bool> cancel{true};
    progress.cancel = &cancel;
    bool cancelled = false;
    try {
      driver::partitionForJob(job_, *graph_, imported_.get(), progress, costs_.get());
    } catch (const driver::Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
  }

  void cancelledBeforeStart() {
    auto cancel = std::make_shared<std::atomic<bool>>(true);
    for (gui::CostsPtr costs : {gui::CostsPtr{}, costs_}) {
      PartitionOutcome out = gui::scheduleJob(job_, imported_, graph_, costs, cancel);
      QVERIFY(out.cancelled && out.error.isEmpty() && out.summary.empty());
      out = gui::autoPartitionJob(job_, imported_, graph_, costs, cancel);
      QVERIFY(out.cancelled && out.error.isEmpty() && out.summary.empty() && out.placement.empty());
    }
    // Cancelled in the middle of the measurement (after the 5th node): stops there.
    auto later = std::make_shared<std::atomic<bool>>(false);
    int last = 0;
    const PartitionOutcome out = gui::scheduleJob(job_, imported_, graph_, nullptr, later, [&](const QString&, int done, int) {
      last = done;
      if (done == 5) later->store(true);
    });
    QVERIFY(out.cancelled && out.error.isEmpty());
    QCOMPARE(last, 5);
  }

  void panelTableTimelineAndTotals() {
    QVERIFY(!convsOnNpu_.empty());
    PartitionPanel panel;
    panel.resize(900, 560);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.setSummary(convsOnNpu_);
    QCOMPARE(panel.table()->rowCount(), 19);
    QCOMPARE(panel.table()->columnCount(), 8);
    QCOMPARE(panel.table()->horizontalHeaderItem(7)->text(), QStringLiteral("out KB"));
    QCOMPARE(panel.table()->item(7, 2)->text(), QStringLiteral("3"));
    QCOMPARE(panel.table()->item(7, 1)->text(), QStringLiteral("NPU1  (npu)"));
    QCOMPARE(panel.table()->item(7, 6)->text(), QString::number(convsOnNpu_.partitions[7].bytesIn / 1024.0, 'f', 1));

    QSignalSpy clicked(&panel, &PartitionPanel::nodesClicked);
    ScheduleTimeline* timeline = panel.timeline();
    for (int i : {7, 18, 0}) {
      const QRect bar = timeline->barRect(i);
      QVERIFY(!bar.isEmpty());
      QCOMPARE(timeline->partitionAt(bar.center()), i);
      QTest::mouseClick(timeline, Qt::LeftButton, {}, bar.center());
      QCOMPARE(clicked.size(), 1);
      QCOMPARE(clicked.takeFirst().at(0).value<QList<NodeId>>(), convsOnNpu_.partitions[i].nodes);
      QCOMPARE(panel.table()->currentRow(), i);
    }
    QCOMPARE(timeline->partitionAt(QPoint(2, 2)), -1);  // the label column
    QTest::mouseClick(timeline, Qt::LeftButton, {}, QPoint(2, 2));
    QCOMPARE(clicked.size(), 0);
    // Bars of one lane do not overlap; the NPU's lane is below the CPU's.
    QVERIFY(timeline->barRect(1).top() > timeline->barRect(0).bottom());
    QVERIFY(timeline->barRect(2).left() >= timeline->barRect(0).right());

    QTableWidget* table = panel.table();
    const QRect cell = table->visualItemRect(table->item(3, 0));
    QTest::mouseClick(table->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(clicked.size(), 1);
    QCOMPARE(clicked.takeFirst().at(0).value<QList<NodeId>>(), convsOnNpu_.partitions[3].nodes);
    QCOMPARE(timeline->selected(), 3);

    PartitionSummary s;
    s.devices = {"CPU0", "NPU1"};
    s.backends = {"cpu", "npu"};
    for (int i = 0; i < 4; ++i) s.partitions << gui::PartitionRow{i % 2, {NodeId(i)}, i * 1000.0, (i + 1) * 1000.0, 0, 0};
    s.latencyUs = 12345;
    s.allCpuUs = 20100;
    panel.setSummary(s);
    QCOMPARE(panel.totalsText(), QStringLiteral("latency 12.3 ms · all-CPU 20.1 ms · 1.63× faster · 4 partitions"));
    s.partitions.resize(1);
    s.latencyUs = 9630;
    s.allCpuUs = 9630;
    panel.setSummary(s);
    QCOMPARE(panel.totalsText(), QStringLiteral("latency 9.63 ms · all-CPU 9.63 ms · 1.00× faster · 1 partition"));
    s.latencyUs = 36038;
    s.allCpuUs = 9112;
    panel.setSummary(s);
    QCOMPARE(panel.totalsText(), QStringLiteral("latency 36.0 ms · all-CPU 9.11 ms · 3.96× slower · 1 partition"));
    panel.showMessage("no device list");
    QCOMPARE(panel.table()->rowCount(), 0);
    QVERIFY(panel.summary().empty() && panel.totalsText().isEmpty());
  }

  // The panel as it looks (for people: written to the temp folder).
  void renderPanels() {
    QVERIFY(costs_);
    driver::Job job = job_;
    // The first downsample (1x1) Conv pinned to the NPU: it may run beside its block's main branch.
    for (const Node& n : graph_->nodes) {
      const Shape& w = graph_->typeOf(n.inputs.size() > 1 ? n.inputs[1] : n.outputs[0]).shape;
      if (n.op == "Conv" && w.size() == 4 && w[2] == 1 && w[3] == 1) {
        job.assignments.byKey[stableKey(n)].device = "NPU1";
        break;
      }
    }
    const PartitionOutcome autoOut = gui::autoPartitionJob(job, imported_, graph_, costs_, noCancel());
    QVERIFY2(autoOut.error.isEmpty(), qPrintable(autoOut.error));
    for (const auto& [name, summary] : {std::pair<const char*, PartitionSummary>{"auto-pinned", autoOut.summary},
                                        {"convs-on-npu", convsOnNpu_}}) {
      PartitionPanel panel;
      panel.resize(900, 600);
      panel.show();
      QVERIFY(QTest::qWaitForWindowExposed(&panel));
      panel.setSummary(summary);
      const QString file = QDir::temp().filePath(QStringLiteral("nest-partition-panel-%1.png").arg(name));
      QVERIFY(panel.grab().save(file));
      qInfo("%s: %s (%s)", name, qPrintable(file), qPrintable(panel.totalsText()));
    }
  }
};

QTEST_MAIN(TestWorkbenchPartition)
#include "test_workbench_partition.moc"
