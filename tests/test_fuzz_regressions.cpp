// Every input the fuzzers (fuzz/) crashed on, and the resource-limit cases, checked in under
// tests/fuzz_regressions/ and run through the reader that crashed: expected.txt pins, for each
// file, its reader and the outcome ("ok", or an error and a substring of its message). Each file
// in the folder must be listed, each listed file must exist, and the counts are pinned, so a new
// crash input cannot be added without its expectation (or silently lost).
#include <QtTest>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "backends/npu/vta/assembly.h"
#include "backends/npu/vta/isa.h"
#include "backends/partition/node_costs.h"
#include "core/assignment.h"
#include "core/device_config.h"
#include "core/npy.h"
#include "core/onnx_import.h"
#include "core/onnx_tensor.h"
#include "core/partition_plan.h"
#include "core/project_file.h"
#include "core/quant_config.h"
#include "core/quant_profile.h"
#include "core/resource_limits.h"
#include "core/text_ir.h"
#include "tests/test_support.h"

namespace fs = std::filesystem;
using namespace nest;

namespace {

fs::path regressionDir() { return nest::testing::sourceDir() / "tests" / "fuzz_regressions"; }

std::string fileBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The readers, by the names expected.txt uses (the fuzz targets' names), each on a file path.
const std::map<std::string, std::function<void(const fs::path&)>>& readers() {
  static const std::map<std::string, std::function<void(const fs::path&)>> r = {
      {"onnx", [](const fs::path& p) { importOnnxFile(p); }},
      {"text_ir", [](const fs::path& p) { readTextIrFile(p); }},
      {"quant_profile", [](const fs::path& p) { readProfile(p); }},
      {"device_config", [](const fs::path& p) { readDeviceConfigs(p); }},
      {"partition_plan", [](const fs::path& p) { planProblems(readPlan(p)); }},
      {"op_costs", [](const fs::path& p) { partition::readOpCostTable(p); }},
      {"project_file",
       [](const fs::path& p) {
         const ProjectFile project = readProjectFile(p);
         assignmentsOf(project);
         quantConfigOf(project);
       }},
      {"npy", [](const fs::path& p) { readNpy(p); }},
      {"tensor_pb", [](const fs::path& p) { readTensorPb(p); }},
      {"npu_assembly",
       [](const fs::path& p) {
         try {
           vta::formatProgram(vta::parseProgram(fileBytes(p)));
         } catch (const vta::AssemblyError& e) {
           failBadInput(e.what());  // the module's own errors, as nest errors for the comparison
         }
       }},
      {"npu_decode",
       [](const fs::path& p) {
         const std::string b = fileBytes(p);
         try {
           vta::decodeProgram(reinterpret_cast<const uint8_t*>(b.data()), b.size(), vta::HwConfig{});
         } catch (const vta::ConfigError& e) {
           failBadInput(e.what());
         }
       }},
  };
  return r;
}

struct Expectation {
  std::string file, reader, outcome;  // outcome: "ok" or "error: SUBSTRING"
};

// expected.txt: "FILE | READER | ok" or "FILE | READER | error: SUBSTRING"; '#' starts a comment line.
std::vector<Expectation> readExpectations() {
  std::vector<Expectation> out;
  std::ifstream in(regressionDir() / "expected.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find(" | "), b = line.find(" | ", a + 3);
    if (a == std::string::npos || b == std::string::npos) {
      out.push_back({line, "?", "?"});
      continue;
    }
    out.push_back({line.substr(0, a), line.substr(a + 3, b - a - 3), line.substr(b + 3)});
  }
  return out;
}

}  // namespace

class FuzzRegressionsTest : public QObject {
  Q_OBJECT

 private slots:
  // The list and the folder agree, with pinned counts per reader.
  void everyFileIsListedOnce() {
    const std::vector<Expectation> list = readExpectations();
    std::set<std::string> listed;
    std::map<std::string, int> perReader;
    for (const Expectation& e : list) {
      QVERIFY2(listed.insert(e.file).second, ("listed twice: " + e.file).c_str());
      QVERIFY2(readers().count(e.reader), ("unknown reader '" + e.reader + "' for " + e.file).c_str());
      QVERIFY2(e.outcome == "ok" || e.outcome.rfind("error: ", 0) == 0, ("bad outcome for " + e.file).c_str());
      ++perReader[e.reader];
    }
    std::set<std::string> present;
    for (const auto& entry : fs::directory_iterator(regressionDir()))
      if (entry.path().filename() != "expected.txt") present.insert(entry.path().filename().string());
    QCOMPARE(present, listed);
    QCOMPARE(static_cast<int>(list.size()), 29);
    const std::map<std::string, int> expectedCounts = {{"onnx", 10}, {"text_ir", 10}, {"npy", 4}, {"tensor_pb", 2},
                                                       {"quant_profile", 2}, {"project_file", 1}};
    QCOMPARE(perReader, expectedCounts);
  }

  // Each input gives exactly its expected outcome (a nest::Error; anything else fails the test).
  void eachInputHasItsOutcome() {
    int ok = 0, errors = 0;
    for (const Expectation& e : readExpectations()) {
      std::string actual = "ok";
      try {
        readers().at(e.reader)(regressionDir() / e.file);
      } catch (const Error& err) {
        actual = std::string("error: ") + err.what();
      }
      if (e.outcome == "ok") {
        QVERIFY2(actual == "ok", (e.file + ": expected ok, got " + actual).c_str());
        ++ok;
      } else {
        QVERIFY2(actual.rfind("error: ", 0) == 0 && actual.find(e.outcome.substr(7)) != std::string::npos,
                 (e.file + ": expected " + e.outcome + "\n  got " + actual).c_str());
        ++errors;
      }
    }
    QCOMPARE(ok, 7);
    QCOMPARE(errors, 22);
  }

  // The byte entry points the fuzzers call are what the file readers run.
  void bytesAndFilesAgree() {
    const fs::path mnist = nest::testing::testdata() / "models" / "mnist-8";
    const Graph fromFile = importOnnxFile(mnist / "model.onnx").graph;
    const Graph fromBytes = importOnnxBytes(fileBytes(mnist / "model.onnx"), OnnxFormat::Binary, "model", mnist).graph;
    QCOMPARE(printGraph(fromBytes), printGraph(fromFile));
    const fs::path pb = mnist / "test_data_set_0" / "input_0.pb";
    const Tensor a = readTensorPb(pb), b = parseTensorPb(fileBytes(pb), "input_0.pb");
    QVERIFY(a.type() == b.type() && a.sameBytes(b));
    QCOMPARE(a.shape(), (Shape{1, 1, 28, 28}));
    // External data needs the model's folder: from bytes alone it is refused.
    const std::string msg = nest::testing::errorOf([] {
      importOnnxBytes(fileBytes(regressionDir() / "external_data_escape.onnxtxt"), OnnxFormat::Text, "m");
    });
    QCOMPARE(msg, std::string("initializer 'w': external data location '../../etc/passwd' leaves the model's folder "
                              "(absolute paths and '..' are refused)"));
  }

  // The limits themselves, at their edges (no file holds 4M nodes).
  void limitsAtTheirEdges() {
    QCOMPARE(checkTensorSize({65536, 65536}, ElemType::I8, "t"), int64_t{1} << 32);
    QCOMPARE(checkTensorSize({int64_t{1} << 62, 4, 0}, ElemType::F32, "t"), int64_t{0});
    std::string msg = nest::testing::errorOf([] { checkTensorSize({65536, 65537}, ElemType::I8, "initializer 'w'"); });
    QCOMPARE(msg, std::string("initializer 'w' has shape 65536x65537, more than the limit of 4294967296 (2^32) elements per tensor"));
    msg = nest::testing::errorOf([] { checkTensorSize({65536, 65536}, ElemType::F64, "initializer 'w'"); });
    QCOMPARE(msg, std::string("initializer 'w' has shape 65536x65536 of f64, 34359738368 bytes, more than the limit of "
                              "17179869184 (2^34) bytes per tensor"));
    checkNodeCount(ResourceLimits::kMaxNodes, "g");
    msg = nest::testing::errorOf([] { checkNodeCount(ResourceLimits::kMaxNodes + 1, "the model"); });
    QCOMPARE(msg, std::string("the model has 4194305 nodes, more than the limit of 4194304 (2^22)"));
    checkNestingDepth(16, "m");
    msg = nest::testing::errorOf([] { checkNestingDepth(17, "the model"); });
    QCOMPARE(msg, std::string("the model nests subgraphs deeper than the limit of 16 levels"));
    checkExternalDataLocation("weights/w.bin", "w");
    for (const char* bad : {"../w.bin", "a/../../w.bin", "/etc/passwd"}) {
      msg = nest::testing::errorOf([&] { checkExternalDataLocation(bad, "tensor 'w'"); });
      QCOMPARE(msg, "tensor 'w': external data location '" + std::string(bad) +
                        "' leaves the model's folder (absolute paths and '..' are refused)");
    }
  }
};

QTEST_APPLESS_MAIN(FuzzRegressionsTest)
#include "test_fuzz_regressions.moc"
