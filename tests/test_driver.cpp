// The backend registry and interface, stable node keys, per-node assignments through the passes,
// assignment validation, and the compile driver (its CLI faces: backends, info --project, compile).
#include <QTemporaryDir>

#include <atomic>
#include <fstream>
#include <set>

#include "backends/backend_registry.h"
#include "backends/interpreter/interpreter.h"
#include "core/node_keys.h"
#include "core/project_file.h"
#include "core/text_ir.h"
#include "driver/assignment_check.h"
#include "driver/driver.h"
#include "tests/driver_graphs.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

namespace {

// The graph as the loader gives it: keys assigned.
Graph keyed(const char* text) {
  Graph g = testing::graphFromText(text);
  assignStableKeys(g);
  return g;
}

const Node* byKey(const Graph& g, const std::string& key, const std::string& op) {
  for (const Node& n : g.nodes)
    if (n.key == key && n.op == op) return &n;
  return nullptr;
}

Assignment onDevice(const std::string& device) {
  Assignment a;
  a.device = device;
  return a;
}

PipelineRun runO1(const Graph& g, const Assignments& a) {
  PassManagerOptions options;
  options.passOptions.assignments = std::make_shared<const Assignments>(a);
  options.verifyEachPass = true;
  return runPipeline(g, namedPipeline("O1"), options);
}

}  // namespace

class DriverTest : public QObject {
  Q_OBJECT

 private slots:
  void registryListsBackendsAndRefusesUnknownNames() {
    QCOMPARE(backendNames(), (std::vector<std::string>{"interpreter", "cpu", "npu"}));
    ErrorKind kind{};
    const std::string msg = testing::errorOf([] { findBackend("gpu"); }, &kind);
    QCOMPARE(kind, ErrorKind::BadInput);
    QCOMPARE(msg, std::string("unknown backend 'gpu' (available: interpreter, cpu, npu)"));
    const Backend& cpu = findBackend("cpu");
    QVERIFY(cpu.runsPrecision("fp32") && cpu.runsPrecision("int8") && !cpu.runsPrecision("int16"));
    QVERIFY(cpu.capabilities().generatesCode);
    QVERIFY(findBackend("interpreter").runsPrecision("int16"));
    QVERIFY(!findBackend("interpreter").capabilities().generatesCode);
  }

  void supportsAnswersWithReasons() {
    const Graph g = keyed(driver_graphs::kArgMax);
    const Backend& cpu = findBackend("cpu");
    QVERIFY(cpu.supports(g, g.nodes[0]));
    QCOMPARE(cpu.unsupportedReason(g, g.nodes[1]), std::string("no CPU kernel for ArgMax"));
    QCOMPARE(cpu.unsupportedNodes(g), (std::vector<std::string>{"node 'argmax' (ArgMax): no CPU kernel for ArgMax"}));
    const Backend& interp = findBackend("interpreter");
    QVERIFY(interp.unsupportedNodes(g).empty());
    // The default cost: MACs at 1 GMAC/s plus bytes at 10 GB/s.
    const Graph conv = keyed(driver_graphs::kConvBnReluTwins);
    const NodeCost c = interp.cost(conv, conv.nodes[0]);
    QCOMPARE(c.macs, int64_t{2 * 2 * 9});                  // 2 outputs x 2 inputs x 3x3 positions
    QCOMPARE(c.bytes, int64_t{(18 + 2 + 4 + 18) * 4});     // x, b, w, result
    QCOMPARE(c.microseconds, 36 / 1e3 + 168 / 1e4);
  }

  void keysAreStableAndNamedLikeGlow() {
    const Graph g = keyed(driver_graphs::kMatMulAdd);
    QCOMPARE(g.nodes[0].key, std::string("mm"));
    QCOMPARE(g.nodes[2].key, std::string("Relu:y"));  // unnamed: OP:OUTPUT
    QCOMPARE(glowStyleName(g.nodes[2]), std::string("Relu_y"));
    Node n;
    n.name = "/layer1/conv.0/Conv";
    QCOMPARE(glowStyleName(n), std::string("_layer1_conv_0_Conv"));
  }

  // Same device everywhere: every -O1 pass runs; the folded BatchNorm and the fused Relu leave
  // their Conv with the Conv's key, and every node of every snapshot keeps a key of the model.
  void assignmentFollowsEveryO1Pass() {
    const Graph g = keyed(driver_graphs::kConvBnReluTwins);
    Assignments a;
    for (const char* key : {"conv", "bn", "relu", "sig_a", "sig_b", "sum"}) a.byKey[key] = onDevice("cpu");
    const PipelineRun run = runO1(g, a);
    std::set<std::string> keys;
    for (const Node& n : g.nodes) keys.insert(n.key);
    for (const PassRecord& r : run.records)
      for (const Node& n : r.after->nodes) NEST_VERIFY(keys.count(n.key), r.pass + ": " + n.describe() + " has key '" + n.key + "'");
    const Graph& out = run.result();
    QCOMPARE(out.nodes.size(), size_t{3});  // Conv (BN folded, Relu fused), one Sigmoid, Add
    const Node* conv = byKey(out, "conv", "Conv");
    QVERIFY(conv);
    QCOMPARE(conv->attrs.getString("activation", ""), std::string("Relu"));
    QCOMPARE(a.deviceOf(*conv), std::string("cpu"));
    QCOMPARE(testing::countOp(out, "Sigmoid"), 1);
  }

  // Nodes assigned apart are never merged: the BatchNorm on another device stays, the twin
  // Sigmoids on two devices both stay; the Relu is fused into its Conv and the pass says so.
  void nodesOnDifferentDevicesAreNotMerged() {
    const Graph g = keyed(driver_graphs::kConvBnReluTwins);
    Assignments a;
    a.byKey["conv"] = onDevice("cpu");
    a.byKey["bn"] = onDevice("interpreter");
    a.byKey["sig_a"] = onDevice("cpu");
    a.byKey["sig_b"] = onDevice("interpreter");
    const PipelineRun run = runO1(g, a);
    const Graph& out = run.result();
    QCOMPARE(testing::countOp(out, "BatchNormalization"), 1);
    QCOMPARE(testing::countOp(out, "Sigmoid"), 2);
    QVERIFY(byKey(out, "bn", "BatchNormalization"));
    // relu (unassigned) follows bn (interpreter): fused, with a note.
    const Node* bn = byKey(out, "bn", "BatchNormalization");
    QVERIFY(!bn->attrs.has("activation"));  // BatchNormalization takes no fused activation
    std::vector<std::string> notes;
    for (const PassRecord& r : run.records) notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    QVERIFY(notes.empty());
    // Conv with a Relu of another device: fused, and the pass says so.
    Assignments b;
    b.byKey["conv"] = onDevice("cpu");
    b.byKey["bn"] = onDevice("cpu");
    b.byKey["relu"] = onDevice("interpreter");
    const PipelineRun fused = runO1(g, b);
    notes.clear();
    for (const PassRecord& r : fused.records) notes.insert(notes.end(), r.notes.begin(), r.notes.end());
    QCOMPARE(notes, (std::vector<std::string>{
                        "node 'relu' (Relu) is fused into node 'conv' (Conv) and follows its device and precision"}));
    QCOMPARE(b.deviceOf(*byKey(fused.result(), "conv", "Conv")), std::string("cpu"));
    // Same twins on one device: CSE merges them.
    Assignments same;
    same.byKey["sig_a"] = onDevice("cpu");
    same.byKey["sig_b"] = onDevice("cpu");
    QCOMPARE(testing::countOp(runO1(g, same).result(), "Sigmoid"), 1);
    // A precision difference keeps them apart too; a setting only one of them gives does not.
    Assignments precision;
    precision.byKey["sig_a"].quant.keepFloat = true;
    QCOMPARE(testing::countOp(runO1(g, precision).result(), "Sigmoid"), 1);
    precision.byKey["sig_b"].quant.precision = QuantPrecision::Int8;
    QCOMPARE(testing::countOp(runO1(g, precision).result(), "Sigmoid"), 2);
    precision.byKey["sig_b"] = precision.byKey["sig_a"];
    QCOMPARE(testing::countOp(runO1(g, precision).result(), "Sigmoid"), 1);
  }

  // A node a pass creates takes the key of the node it came from (MatMul + Add -> Gemm).
  void createdNodesInheritKeys() {
    const PipelineRun run = runO1(keyed(driver_graphs::kMatMulAdd), {});
    const Graph& out = run.result();
    QCOMPARE(out.nodes.size(), size_t{1});
    QCOMPARE(out.nodes[0].op, std::string("Gemm"));
    QCOMPARE(out.nodes[0].key, std::string("mm"));
  }

  // Every invalid assignment is listed in one error, each with its reason.
  void validationListsEveryProblem() {
    QTemporaryDir dir;
    const fs::path model = fs::path(dir.path().toStdString()) / "argmax.nir";
    writeTextIrFile(testing::graphFromText(driver_graphs::kArgMax), model);
    const fs::path project = fs::path(dir.path().toStdString()) / "p.nestproj";
    std::ofstream(project) << R"({"format": "nest-project", "version": 1, "model": "argmax.nir",
      "devices": [{"name": "cpu0", "backend": "cpu"}, {"name": "ref", "backend": "interpreter"}],
      "defaultDevice": "ref",
      "nodes": {"argmax": {"device": "cpu0"}, "relu": {"device": "cpu0", "precision": "int16"},
                "nope": {"device": "cpu0"}, "Relu:r": {"device": "gpu"}}})";
    driver::Job job;
    driver::applyProject(job, readProjectFile(project), project);
    const std::string msg = testing::errorOf([&] { driver::prepare(job); });
    QCOMPARE(msg, project.string() + ": 4 invalid assignment(s):\n"
                  "  nodes.Relu:r: the model has no node with this key (a node's name, or OP:OUTPUT when it has none)\n"
                  "  nodes.argmax: device 'cpu0' (cpu) does not support node 'argmax' (ArgMax): no CPU kernel for ArgMax\n"
                  "  nodes.nope: the model has no node with this key (a node's name, or OP:OUTPUT when it has none)\n"
                  "  nodes.relu: device 'cpu0' (cpu) cannot run precision int16");
    // An unknown device and a device list naming an unknown backend.
    job.assignments.byKey = {{"relu", onDevice("gpu")}};
    job.devices.push_back({"npu0", "vta"});
    const std::string msg2 = testing::errorOf([&] { driver::prepare(job); });
    QCOMPARE(msg2, project.string() + ": 2 invalid assignment(s):\n"
                   "  devices: device 'npu0' names backend 'vta', which is not registered (available: interpreter, cpu, npu)\n"
                   "  nodes.relu: unknown device 'gpu' (devices: cpu0, ref, npu0)");
  }

  // The project file keeps devices, the default device and assignments (precision fp32 is keep
  // float); a second write gives the same text.
  void projectFileRoundTripsAssignments() {
    const std::string text = R"({"format": "nest-project", "version": 1, "model": "m.onnx",
      "devices": [{"name": "cpu", "backend": "cpu"}], "defaultDevice": "cpu",
      "nodes": {"conv1": {"device": "cpu", "precision": "fp32", "name": "conv1", "glowName": "conv1"},
                "Relu:r": {"precision": "int8", "schema": "symmetric"}}})";
    const ProjectFile p = parseProjectFile(text);
    QCOMPARE(p.devices, (std::vector<DeviceSpec>{{"cpu", "cpu"}}));
    QCOMPARE(p.defaultDevice, std::string("cpu"));
    const Assignments a = assignmentsOf(p);
    QVERIFY(a.find("conv1")->quant.keepFloat);
    QCOMPARE(a.find("conv1")->device, std::string("cpu"));
    QCOMPARE(*a.find("Relu:r")->quant.precision, QuantPrecision::Int8);
    QVERIFY(quantConfigOf(p).keepsFloat([] { Node n; n.key = "conv1"; return n; }()));
    const std::string json = projectFileToJson(p);
    QCOMPARE(projectFileToJson(parseProjectFile(json)), json);
    for (const char* bad : {R"("devices": [{"name": "x"}])", R"("devices": [{"name": "a", "backend": "cpu"}, {"name": "a", "backend": "cpu"}])",
                            R"("nodes": {"n": {"device": 3}})", R"("nodes": {"n": {"precision": "fp32", "keepFloat": false}})"}) {
      const std::string t = std::string(R"({"format": "nest-project", "version": 1, "model": "m.onnx", )") + bad + "}";
      ErrorKind kind{};
      const std::string msg = testing::errorOf([&] { parseProjectFile(t, "p.nestproj"); }, &kind);
      NEST_VERIFY(kind == ErrorKind::BadInput && msg.rfind("p.nestproj: ", 0) == 0, msg);
    }
  }

  // The driver compiles for the target; nodes placed on another device are refused with a
  // message naming them; a job without assignments compiles and runs on either backend.
  void driverCompilesForTheTargetAndRefusesOtherDevices() {
    QTemporaryDir dir;
    const fs::path model = fs::path(dir.path().toStdString()) / "assign.nir";
    writeTextIrFile(testing::graphFromText(driver_graphs::kConvBnReluTwins), model);
    driver::Job job;
    job.model = model;
    std::vector<std::string> stages;
    driver::Progress progress;
    progress.onStage = [&](const std::string& s) { stages.push_back(s); };
    const driver::Prepared prepared = driver::prepare(job, progress);
    const std::vector<Tensor> inputs = testing::randomInputs(*prepared.imported, 3);
    const std::vector<Tensor> reference = Interpreter(*prepared.imported).run(inputs);
    for (const char* target : {"cpu", "interpreter"}) {
      job.target = target;
      const driver::Compiled c = driver::compile(job, prepared, CompileRequest{}, progress);
      QCOMPARE(c.artifact->backend, std::string(target));
      const std::optional<std::string> diff = compareTensors(reference[0], driver::run(c, inputs)[0], Tolerance{1e-5, 1e-6});
      NEST_VERIFY(!diff, diff.value_or(""));
    }
    QCOMPARE(stages, (std::vector<std::string>{"import", "pipeline", "placement", "compile", "placement", "compile"}));
    job.target = "cpu";
    job.assignments.byKey["sig_b"] = onDevice("interpreter");
    const driver::Prepared split = driver::prepare(job);
    ErrorKind kind{};
    const std::string msg = testing::errorOf([&] { driver::compile(job, split, CompileRequest{}); }, &kind);
    QCOMPARE(kind, ErrorKind::Unsupported);
    NEST_VERIFY(msg.find("the target is cpu but nodes are placed on interpreter (interpreter, 1 node(s))") == 0, msg);
    // Cancelled before the import: nothing runs.
    std::atomic<bool> cancel{true};
    progress.cancel = &cancel;
    bool cancelled = false;
    try {
      driver::prepare(job, progress);
    } catch (const driver::Cancelled&) {
      cancelled = true;
    }
    QVERIFY(cancelled);
  }

  // nestc backends lists the registry; an unknown --backend names the valid ones; nestc info
  // --project shows the assignments and fails (exit 2) on an invalid one.
  void cliShowsBackendsAndAssignments() {
    testing::NestcResult r = testing::runNestc({"backends"});
    NEST_VERIFY(r.code == 0 && r.out.rfind("interpreter\n", 0) == 0 && r.out.find("\ncpu\n") != std::string::npos &&
                    r.out.find("precisions:    fp32, int8\n") != std::string::npos,
                r.all());
    QTemporaryDir dir;
    const fs::path d = dir.path().toStdString();
    writeTextIrFile(testing::graphFromText(driver_graphs::kArgMax), d / "argmax.nir");
    r = testing::runNestc({"run", QString::fromStdString((d / "argmax.nir").string()), "--backend", "gpu", "--output-dir",
                           QString::fromStdString((d / "out").string())});
    NEST_VERIFY(r.code == 2 && r.err.find("unknown backend 'gpu' (available: interpreter, cpu, npu)") != std::string::npos, r.all());
    std::ofstream(d / "p.nestproj") << R"({"format": "nest-project", "version": 1, "model": "argmax.nir",
      "nodes": {"relu": {"device": "cpu", "precision": "fp32"}}})";
    r = testing::runNestc({"info", "--project", QString::fromStdString((d / "p.nestproj").string())});
    NEST_VERIFY(r.code == 0 && r.out.find("relu                         Relu           relu                     cpu          fp32") !=
                                   std::string::npos,
                r.all());
    std::ofstream(d / "bad.nestproj") << R"({"format": "nest-project", "version": 1, "model": "argmax.nir",
      "nodes": {"argmax": {"device": "cpu"}}})";
    r = testing::runNestc({"info", "--project", QString::fromStdString((d / "bad.nestproj").string())});
    NEST_VERIFY(r.code == 2 && r.err.find("invalid assignment: nodes.argmax: device 'cpu' (cpu) does not support") != std::string::npos,
                r.all());
    // nestc compile refuses the project: the ArgMax cannot go to the CPU.
    r = testing::runNestc({"compile", "--project", QString::fromStdString((d / "bad.nestproj").string()), "-o",
                           QString::fromStdString((d / "bundle").string())});
    NEST_VERIFY(r.code == 2 && r.err.find("1 invalid assignment(s)") != std::string::npos, r.all());
  }
};

QTEST_GUILESS_MAIN(DriverTest)
#include "test_driver.moc"
