// Every ONNX conformance test in the shared suite runs through the interpreter; the checked-in
// list names each test that does not pass yet, with its reason.
#include <fstream>
#include <map>

#include "driver/driver.h"
#include "backends/onnx_test_case.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

class ConformanceTest : public QObject {
  Q_OBJECT

 private slots:
  void allConformanceTests() {
    auto expected = testing::readTestList(testing::sourceDir() / "tests" / "conformance_expected_failures.txt");
    QVERIFY(!expected.empty());
    int total = 0, passed = 0;
    std::string unexpected;
    for (const TestCaseResult& r : testing::runConformanceSuites(driver::graphRunner("interpreter", "O0"))) {
      ++total;
      if (r.passed) ++passed;
      bool listed = expected.count(r.name) != 0;
      if (r.passed && listed) unexpected += "\n  now passes, remove it from the list: " + r.name;
      if (!r.passed && !listed) unexpected += "\n  FAIL " + r.name + ": " + r.message;
    }
    qInfo("conformance: %d of %d tests pass (%.1f%%)", passed, total, 100.0 * passed / total);
    NEST_VERIFY(unexpected.empty(), "conformance results differ from the expected list:" + unexpected);
    QCOMPARE(total, 415);
    QVERIFY(passed * 100 >= total * 95);
  }
};

QTEST_APPLESS_MAIN(ConformanceTest)
#include "test_conformance.moc"
