// Every Glow importer test model either imports and prints, or is refused with a clear error.
#include "core/model_loader.h"
#include "core/text_ir.h"
#include "tests/test_support.h"

using namespace nest;
namespace fs = std::filesystem;

class GlowModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void everyModelImportsOrIsRefused() {
    std::vector<fs::path> models;
    for (const auto& e : fs::directory_iterator(testing::testdata() / "glow-onnx"))
      if (e.path().extension() == ".onnxtxt" || e.path().extension() == ".onnx") models.push_back(e.path());
    std::sort(models.begin(), models.end());
    QVERIFY(models.size() >= 200);
    int imported = 0, refused = 0;
    for (const fs::path& m : models) {
      try {
        Graph g = loadModel(m);
        std::string text = printGraph(g);
        NEST_VERIFY(text.rfind("graph ", 0) == 0, m.filename().string() + ": printed text does not start a graph");
        // What prints must parse back to the same text.
        NEST_VERIFY(printGraph(parseGraph(text, blobsOf(g))) == text, m.filename().string() + ": text IR round trip differs");
        ++imported;
      } catch (const Error& e) {
        std::string msg = e.what();
        NEST_VERIFY(msg.size() > 10, m.filename().string() + ": error message too short: " + msg);
        NEST_VERIFY(e.kind() != ErrorKind::Internal, m.filename().string() + ": internal error: " + msg);
        ++refused;
      }
    }
    qInfo("glow-onnx: %d imported, %d refused with an error", imported, refused);
    QVERIFY(imported > 0);
  }
};

QTEST_APPLESS_MAIN(GlowModelsTest)
#include "test_glow_models.moc"
