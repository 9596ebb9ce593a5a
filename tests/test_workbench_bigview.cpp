// Big graphs in the workbench: the readable first view (at the inputs, labels showing), the
// minimap in columns on deep graphs, and the PNG export's size limit (tiles).
#include <QDir>
#include <QImageReader>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "test_support.h"

using namespace nest;
using nest::gui::GraphView;
using nest::gui::MainWindow;

namespace {

constexpr int kLoadTimeoutMs = 180'000;

QString seedModel(const char* name) {
  return QString::fromStdString((testing::seedModels() / name / "model.onnx").string());
}
QString mnistPath() { return QString::fromStdString((testing::testdata() / "models/mnist-8/model.onnx").string()); }

// Generates a chain model of `nodes` nodes (scripts/make_big_model.py) at `path`.
bool makeBigModel(const QString& path, int nodes) {
  QProcess make;
  make.start("/usr/bin/python3", {QString::fromStdString((testing::sourceDir() / "scripts/make_big_model.py").string()),
                                  path, "--nodes", QString::number(nodes)});
  return make.waitForFinished(60'000) && make.exitStatus() == QProcess::NormalExit && make.exitCode() == 0;
}

// Opens `path` in a 1200 x 800 window and waits until it is drawn.
void openAndWait(MainWindow& w, const QString& path) {
  w.resize(1200, 800);
  w.show();
  w.openFile(path);
  QTRY_VERIFY_WITH_TIMEOUT(w.model() && !w.isBusy() && w.displayedGraph() && !w.graphView()->isDrawing(), kLoadTimeoutMs);
  QVERIFY2(w.lastError().isEmpty(), qPrintable(w.lastError()));
}

QRectF sceneRectOf(const GraphView& v) {
  return v.mapToScene(v.viewport()->rect()).boundingRect();
}

}  // namespace

class TestWorkbenchBigView : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // ResNet-50 opens at its input with labels showing, not fitted into a strip.
  void deepModelOpensReadableAtInputs() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    openAndWait(w, seedModel("resnet50"));
    GraphView* v = w.graphView();
    if (qEnvironmentVariableIsSet("NEST_TEST_GRABS")) w.grab().save(qEnvironmentVariable("NEST_TEST_GRABS") + "/resnet50-first.png");
    QVERIFY2(v->zoom() >= GraphView::kLabelZoom, qPrintable(QString::number(v->zoom())));
    QVERIFY(v->zoom() <= 1.0);
    QVERIFY(!v->drawsOverview());
    const QRectF shown = sceneRectOf(*v);
    const QRectF scene = v->scene()->sceneRect();
    QVERIFY2(shown.height() < scene.height() / 4, "the view shows only the top of the deep graph");
    QVERIFY2(std::abs(shown.top() - scene.top()) <= 1 / v->zoom(), "scrolled to the top (within a pixel)");
    // The graph input box is entirely in the viewport.
    int inputs = 0;
    for (QGraphicsItem* item : v->scene()->items()) {
      auto* n = qgraphicsitem_cast<gui::NodeItem*>(item);
      if (!n || n->box().kind != render::NodeBox::Kind::Input) continue;
      ++inputs;
      QVERIFY2(shown.contains(n->sceneBoundingRect()), qPrintable(QString::fromStdString(n->box().value)));
    }
    QCOMPARE(inputs, 1);

    // Switching passes keeps the view (no refit to the first view).
    v->zoomIn();
    const double zoomed = v->zoom();
    QVERIFY(w.selectPass(0));
    QTRY_VERIFY_WITH_TIMEOUT(w.displayedRecord() == 0 && !w.isBusy(), kLoadTimeoutMs);
    QCOMPARE(v->zoom(), zoomed);
  }

  // A small graph is still fitted whole (never magnified).
  void smallModelIsFitted() {
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    openAndWait(w, mnistPath());
    GraphView* v = w.graphView();
    const QRectF shown = sceneRectOf(*v);
    QVERIFY2(shown.contains(v->scene()->sceneRect().adjusted(1, 1, -1, -1)), "mnist-8 shows whole");
    QVERIFY(v->zoom() >= GraphView::kLabelZoom);
    QVERIFY(v->zoom() <= 1.0);
  }
};

QTEST_MAIN(TestWorkbenchBigView)
#include "test_workbench_bigview.moc"
