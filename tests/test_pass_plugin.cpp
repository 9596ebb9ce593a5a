// Pass plugins (passes/pass_plugin.h): the example plugin (examples/pass_plugin, relu-after-maxpool)
// loaded in this process and by nestc on mnist-8, exact node counts and outputs before and after;
// every refusal of the loader with its message, and nestc's exit code 2 for each.
#include "tests/test_support.h"

#include <QTemporaryDir>
#include <fstream>

#include "core/model_loader.h"
#include "core/npy.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/pass_manager.h"
#include "passes/pass_plugin.h"
#include "passes/pass_registry.h"

namespace fs = std::filesystem;
using namespace nest;

namespace {

fs::path libDir() { return testing::binDir().parent_path() / "lib"; }
fs::path examplePlugin() { return libDir() / "relu_after_maxpool.so"; }
fs::path testPlugin(const std::string& name) { return libDir() / "test_pass_plugins" / (name + ".so"); }
fs::path mnistModel() { return testing::testdata() / "models" / "mnist-8" / "model.onnx"; }
QString q(const fs::path& p) { return QString::fromStdString(p.string()); }

// Nodes of op `op` whose first operand is the result of an `producerOp` node.
int countAfter(const Graph& g, const std::string& op, const std::string& producerOp) {
  int n = 0;
  for (const Node& node : g.nodes) {
    if (node.op != op || !node.hasInput(0)) continue;
    auto p = g.producerIndex(node.inputs[0]);
    n += p && g.nodes[*p].op == producerOp;
  }
  return n;
}

#define NEST_EXIT2(r)                                                                                                 \
  NEST_VERIFY((r).code == 2, "exit code " + std::to_string((r).code) + ", expected 2\nstdout:\n" + (r).out + "\nstderr:\n" + \
                                 (r).err)

}  // namespace

class TestPassPlugin : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() {
    NEST_VERIFY(fs::exists(examplePlugin()), examplePlugin().string() + " is not built (target relu_after_maxpool)");
    NEST_VERIFY(fs::exists(testing::binDir() / "nestc"), "nestc is not built");
  }

  // In this process: the example registers its pass with its origin; loading it again is a no-op.
  void loadsAndRegisters() {
    const LoadedPassPlugin plugin = loadPassPlugin(examplePlugin().string());
    QCOMPARE(plugin.path, examplePlugin().string());
    QCOMPARE(plugin.passes, std::vector<std::string>{"relu-after-maxpool"});
    QCOMPARE(passOrigin("relu-after-maxpool"), examplePlugin().string());
    QCOMPARE(passOrigin("dce"), std::string("built-in"));
    QCOMPARE(findPass("relu-after-maxpool").summary,
             std::string("MaxPool(Relu(x)) -> Relu(MaxPool(x)): the Relu runs on the pooled tensor"));
    QCOMPARE(allPasses().back().name, std::string("relu-after-maxpool"));
    const size_t count = allPasses().size();
    // Again, by another path to the same file: the first load's result, nothing registered twice.
    const fs::path other = examplePlugin().parent_path() / "." / examplePlugin().filename();
    QCOMPARE(loadPassPlugin(other.string()).passes, plugin.passes);
    QCOMPARE(allPasses().size(), count);
    QCOMPARE(loadedPassPlugins().size(), size_t(1));
  }

  // mnist-8 has two Relu -> MaxPool pairs: both become MaxPool -> Relu, the node count stays 12,
  // the outputs are bit-identical, and the notes give the element counts the Relus save.
  void rewritesMnistExactly() {
    loadPassPlugin(examplePlugin().string());
    const Graph g = loadModel(mnistModel());
    QCOMPARE(g.nodes.size(), size_t(12));
    QCOMPARE(countAfter(g, "MaxPool", "Relu"), 2);
    QCOMPARE(countAfter(g, "Relu", "MaxPool"), 0);
    const PipelineRun run = runPipeline(g, explicitPipeline({"relu-after-maxpool"}));
    QCOMPARE(run.records.size(), size_t(1));
    const PassRecord& r = run.records[0];
    QVERIFY(r.changed);
    QCOMPARE(r.nodesBefore, size_t(12));
    QCOMPARE(r.nodesAfter, size_t(12));
    QCOMPARE(r.changes.added.size(), size_t(4));
    QCOMPARE(r.changes.removed.size(), size_t(4));
    const Graph& after = run.result();
    verifyGraph(after);
    QCOMPARE(countAfter(after, "MaxPool", "Relu"), 0);
    QCOMPARE(countAfter(after, "Relu", "MaxPool"), 2);
    QCOMPARE(testing::countOp(after, "Relu"), 2);
    QCOMPARE(testing::countOp(after, "MaxPool"), 2);
    QCOMPARE(r.notes, (std::vector<std::string>{
                          "Relu 'ReLU32' moved after MaxPool 'Pooling66': it now runs on 1568 instead of 6272 elements",
                          "Relu 'ReLU114' moved after MaxPool 'Pooling160': it now runs on 256 instead of 3136 elements"}));
    // Max and Relu commute exactly: the three reference inputs and random ones give equal bits.
    for (int k = 0; k < 3; ++k) {
      const fs::path input = mnistModel().parent_path() / ("test_data_set_" + std::to_string(k)) / "input_0.pb";
      const std::string diff = testing::compareRuns(g, after, {readTensorFile(input)}, Tolerance{0, 0});
      NEST_VERIFY(diff.empty(), diff);
    }
    for (unsigned seed = 1; seed <= 3; ++seed) {
      const std::string diff = testing::compareRuns(g, after, testing::randomInputs(g, seed), Tolerance{0, 0});
      NEST_VERIFY(diff.empty(), diff);
    }
    // Nothing left to do a second time.
    QVERIFY(!runPipeline(after, explicitPipeline({"relu-after-maxpool"})).records[0].changed);
  }

  // nestc opt --load-pass-plugin: the row of the pass, the written graph, --list-passes with origin.
  void nestcOptRunsThePluginPass() {
    QTemporaryDir dir;
    const fs::path out = fs::path(dir.path().toStdString()) / "mnist-swapped.nir";
    const auto r = testing::runNestc({"opt", q(mnistModel()), "--load-pass-plugin", q(examplePlugin()), "--passes",
                                      "relu-after-maxpool", "-o", q(out)});
    NEST_VERIFY(r.code == 0, r.all());
    NEST_VERIFY(r.out.find("relu-after-maxpool") != std::string::npos, r.out);
    NEST_VERIFY(r.out.find("1 passes") != std::string::npos && r.out.find("nodes 12 -> 12") != std::string::npos, r.out);
    const Graph written = readTextIrFile(out);
    QCOMPARE(countAfter(written, "Relu", "MaxPool"), 2);
    QCOMPARE(countAfter(written, "MaxPool", "Relu"), 0);
    const Graph g = loadModel(mnistModel());
    const std::string diff = testing::compareRuns(g, written, testing::randomInputs(g, 7), Tolerance{0, 0});
    NEST_VERIFY(diff.empty(), diff);

    const auto list = testing::runNestc({"opt", "--list-passes", "--load-pass-plugin", q(examplePlugin())});
    NEST_VERIFY(list.code == 0, list.all());
    const std::string line = "relu-after-maxpool         MaxPool(Relu(x)) -> Relu(MaxPool(x)): the Relu runs on the pooled tensor  [plugin " +
                             examplePlugin().string() + "]\n";
    NEST_VERIFY(list.out.find(line) != std::string::npos, list.out);
    NEST_VERIFY(list.out.find("dce ") != std::string::npos && list.out.find("[plugin", list.out.find("dce ")) ==
                                                                   list.out.find("[plugin"), list.out);
  }

  // The commands that run the pass pipeline take the option (the project's pass list names the
  // plugin pass); those that do not refuse it as an unknown option.
  void everyPipelineCommandTakesTheOption() {
    for (const char* command : {"opt", "run", "compile", "quantize", "profile", "quant-report", "sensitivity", "render",
                                "partition", "costs"}) {
      const auto help = testing::runNestc({command, "--help"});
      NEST_VERIFY(help.out.find("--load-pass-plugin LIB.so") != std::string::npos, std::string(command) + ":\n" + help.out);
    }
    const auto info = testing::runNestc({"info", q(mnistModel()), "--load-pass-plugin", q(examplePlugin())});
    NEST_EXIT2(info);
    NEST_VERIFY(info.err.find("unknown option '--load-pass-plugin'") != std::string::npos, info.err);

    QTemporaryDir dir;
    const fs::path project = fs::path(dir.path().toStdString()) / "swapped.nestproj";
    std::ofstream(project) << "{\"format\": \"nest-project\", \"version\": 1, \"model\": \"" << mnistModel().string()
                           << "\", \"pipeline\": [\"relu-after-maxpool\", \"dce\"]}\n";
    const fs::path input = mnistModel().parent_path() / "test_data_set_0" / "input_0.pb";
    const QString outDir = dir.filePath("out");
    const auto run = testing::runNestc({"run", q(mnistModel()), "--project", q(project), "--input", q(input), "--output-dir", outDir,
                                        "--load-pass-plugin", q(examplePlugin())});
    NEST_VERIFY(run.code == 0, run.all());
    const auto without = testing::runNestc({"run", q(mnistModel()), "--project", q(project), "--input", q(input), "--output-dir", outDir});
    NEST_EXIT2(without);
    NEST_VERIFY(without.err.find("unknown pass 'relu-after-maxpool'") != std::string::npos, without.err);
  }

  // Every refusal: the message names the file and what is wrong; nestc exits 2 and runs nothing.
  void refusals_data() {
    QTest::addColumn<QString>("plugin");
    QTest::addColumn<QString>("message");
    const QString missing = "/nonexistent/dir/missing_plugin.so";
    QTest::newRow("missing file") << missing << "pass plugin " + missing + ": no such file";
    QTest::newRow("directory") << q(libDir()) << "pass plugin " + q(libDir()) + ": is a directory, not a shared library";
    const QString noEntry = q(testPlugin("no_entry"));
    QTest::newRow("no entry point") << noEntry
                                    << "pass plugin " + noEntry +
                                           ": no entry point nest_pass_plugin_api_version (define the plugin's passes with "
                                           "NEST_PASS_PLUGIN, passes/pass_plugin_api.h)";
    const QString wrong = q(testPlugin("wrong_version"));
    QTest::newRow("api version") << wrong
                                 << "pass plugin " + wrong +
                                        ": built for pass plugin API version 2, this program provides version 1 (rebuild the "
                                        "plugin against its headers)";
    const QString clash = q(testPlugin("clashing_name"));
    QTest::newRow("name clash") << clash << "pass plugin " + clash + ": pass 'dce' is already registered (a built-in pass)";
  }
  void refusals() {
    QFETCH(QString, plugin);
    QFETCH(QString, message);
    const size_t before = allPasses().size();
    QCOMPARE(QString::fromStdString(testing::errorOf([&] { loadPassPlugin(plugin.toStdString()); })), message);
    QCOMPARE(allPasses().size(), before);  // nothing registered, not even a clashing plugin's first pass
    const auto r = testing::runNestc({"opt", q(mnistModel()), "--load-pass-plugin", plugin, "--passes", "dce"});
    NEST_EXIT2(r);
    QCOMPARE(QString::fromStdString(r.err), "nestc opt: error: " + message + "\n");
    QVERIFY(r.out.empty());
  }

  // A file that is not a shared library: dlopen's own reason follows the file's name.
  void notASharedLibrary() {
    QTemporaryDir dir;
    const fs::path fake = fs::path(dir.path().toStdString()) / "fake.so";
    std::ofstream out(fake);
    for (int i = 0; i < 8; ++i) out << "this is text, not an ELF shared object\n";  // longer than an ELF header
    out.close();
    const std::string prefix = "pass plugin " + fake.string() + ": cannot load it as a shared library: " + fake.string() + ": ";
    const std::string e = testing::errorOf([&] { loadPassPlugin(fake.string()); });
    NEST_VERIFY(e.rfind(prefix, 0) == 0 && e.find("invalid ELF header") != std::string::npos, e);
    const auto r = testing::runNestc({"opt", q(mnistModel()), "--load-pass-plugin", q(fake)});
    NEST_EXIT2(r);
    QCOMPARE(r.err, "nestc opt: error: " + e + "\n");
  }

  // Loaded plugins keep their order; a second plugin cannot take the first one's pass name.
  void secondPluginCannotTakeAPluginPassName() {
    loadPassPlugin(examplePlugin().string());
    QTemporaryDir dir;
    const fs::path copy = fs::path(dir.path().toStdString()) / "copy_of_relu_after_maxpool.so";
    fs::copy_file(examplePlugin(), copy);
    QCOMPARE(testing::errorOf([&] { loadPassPlugin(copy.string()); }),
             "pass plugin " + copy.string() + ": pass 'relu-after-maxpool' is already registered (by plugin " +
                 examplePlugin().string() + ")");
  }
};

QTEST_GUILESS_MAIN(TestPassPlugin)
#include "test_pass_plugin.moc"
