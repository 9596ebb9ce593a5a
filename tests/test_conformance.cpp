// Every ONNX conformance test in the shared suite runs through the interpreter; the checked-in
// list names each test that does not pass yet, with its reason.
#include <fstream>
#include <map>

#include "backends/backend_runner.h"
#include "backends/onnx_test_case.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

class ConformanceTest : public QObject {
  Q_OBJECT

 private:
  std::map<std::string, std::string> expectedFailures() {
    std::map<std::string, std::string> list;
    std::ifstream in(testing::sourceDir() / "tests" / "conformance_expected_failures.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      auto tab = line.find('\t');
      list[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
    }
    return list;
  }

 private slots:
  void allConformanceTests() {
    auto expected = expectedFailures();
    QVERIFY(!expected.empty());
    GraphRunner runner = runnerForBackend("interpreter");
    int total = 0, passed = 0;
    std::string unexpected;
    for (const char* suite : {"onnx-node", "onnx-pytorch-converted"}) {
      for (const fs::path& dir : findTestCases(testing::testdata() / suite)) {
        TestCaseResult r = runOnnxTestCase(dir, runner);
        ++total;
        if (r.passed) ++passed;
        bool listed = expected.count(r.name) != 0;
        if (r.passed && listed) unexpected += "\n  now passes, remove it from the list: " + r.name;
        if (!r.passed && !listed) unexpected += "\n  FAIL " + r.name + ": " + r.message;
      }
    }
    qInfo("conformance: %d of %d tests pass (%.1f%%)", passed, total, 100.0 * passed / total);
    NEST_VERIFY(unexpected.empty(), "conformance results differ from the expected list:" + unexpected);
    QCOMPARE(total, 415);
    QVERIFY(passed * 100 >= total * 95);
  }
};

QTEST_APPLESS_MAIN(ConformanceTest)
#include "test_conformance.moc"
