// Big graphs in the workbench: the readable first view (at the inputs, labels showing), the
// minimap in columns on deep graphs, and the PNG export's size limit (tiles).
#include <QDir>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include "app/gui/graph_view.h"
#include "app/gui/main_window.h"
#include "app/gui/minimap.h"
#include "app/gui/minimap_columns.h"
#include "app/gui/view_export.h"
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

  // The column geometry alone: a 100 x 10000 scene in 176 x 176 pixels.
  void minimapColumnGeometry() {
    const gui::MinimapColumns c(QRectF(0, 0, 100, 10000), QSizeF(176, 176));
    // k columns: scale min((176 - 4(k-1)) / 100k, 176k / 10000): k = 8: 0.1408, k = 9:
    // min(0.16, 0.1584), k = 10: min(0.14, 0.176).
    QCOMPARE(c.columns(), 9);
    QVERIFY(qFuzzyCompare(c.scale(), 9 * 176 / 10000.0));
    QVERIFY(qFuzzyCompare(c.bandHeight(), 10000 / 9.0));
    QVERIFY(qFuzzyCompare(c.size().width(), 9 * 100 * c.scale() + 8 * 4));
    QVERIFY(c.size().width() <= 176 && c.size().height() <= 176 + 1e-9);
    const QPointF p(30, 2 * 10000 / 9.0 + 100);  // in the third band
    const QPointF q = c.toPicture(p);
    QVERIFY(c.columnRect(2).contains(q));
    QVERIFY(qFuzzyCompare(q.x(), c.columnRect(2).left() + 30 * c.scale()));
    QVERIFY(qFuzzyCompare(q.y(), 100 * c.scale()));
    QVERIFY(qFuzzyCompare(c.toScene(q).x(), p.x()));
    QVERIFY(qFuzzyCompare(c.toScene(q).y(), p.y()));
    // A rectangle across a band boundary is drawn in two columns.
    const auto parts = c.pieces(QRectF(0, 10000 / 9.0 - 50, 100, 100));
    QCOMPARE(parts.size(), size_t(2));
    QVERIFY(qFuzzyCompare(parts[0].height(), 50 * c.scale()));
    QCOMPARE(parts[1].top(), 0.0);
    // A wide, flat scene keeps one column.
    QCOMPARE(gui::MinimapColumns(QRectF(0, 0, 1000, 300), QSizeF(176, 176)).columns(), 1);
  }

  // On a deep generated model the minimap is laid out in columns, shows the viewport in the
  // column of the first view, and a click in column 2 centres the view on that scene point.
  void minimapColumnsOnDeepGraph() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString big = dir.filePath("big.onnx");
    QVERIFY(makeBigModel(big, 3000));
    MainWindow w(MainWindow::Options{.persistSettings = false, .errorDialogs = false});
    openAndWait(w, big);
    GraphView* v = w.graphView();
    QVERIFY2(v->zoom() >= GraphView::kLabelZoom, qPrintable(QString::number(v->zoom())));
    gui::Minimap* map = w.minimap();
    QTRY_VERIFY(map->isVisible());
    const gui::MinimapColumns& c = map->columns();
    const QRectF scene = v->scene()->sceneRect();
    qInfo("scene %.0f x %.0f, %d columns, scale %.5f, minimap %d x %d", scene.width(), scene.height(), c.columns(),
          c.scale(), map->width(), map->height());
    QVERIFY2(c.columns() >= 4, "a deep graph is folded into columns");
    QVERIFY(map->width() <= 180 && map->height() <= 180);
    QVERIFY2(map->width() >= 120 && map->height() >= 120, "the overview fills its square");
    if (qEnvironmentVariableIsSet("NEST_TEST_GRABS")) w.grab().save(qEnvironmentVariable("NEST_TEST_GRABS") + "/big-minimap.png");
    // The first view is at the top: its outline is in column 1 only.
    const auto pieces = c.pieces(map->visibleSceneRect());
    QCOMPARE(pieces.size(), size_t(1));
    QVERIFY(c.columnRect(0).contains(pieces[0].center()));

    // Click the middle of column 2: the view centres on the middle of band 2.
    const QRectF column2 = c.columnRect(1);
    const QPoint click = map->positionOf(c.band(1).center()).toPoint();
    QVERIFY(column2.translated(map->positionOf(scene.topLeft()) - c.columnRect(0).topLeft()).contains(click));
    const QPointF expected = map->scenePointAt(click);
    QVERIFY2(std::abs(expected.y() - c.band(1).center().y()) <= 1 / c.scale(), "within a minimap pixel");
    QTest::mouseClick(map->viewport(), Qt::LeftButton, {}, click);
    const QPointF centre = v->mapToScene(v->viewport()->rect().center());
    QVERIFY2(std::abs(centre.y() - expected.y()) <= 1 / v->zoom() + 1,
             qPrintable(QStringLiteral("%1 vs %2").arg(centre.y()).arg(expected.y())));
    QVERIFY(map->visibleSceneRect().contains(expected));
    // The outline is now drawn in column 2.
    const auto moved = c.pieces(map->visibleSceneRect());
    QCOMPARE(moved.size(), size_t(1));
    QVERIFY(c.columnRect(1).contains(moved[0].center()));

    // PNG export of the same graph: 511 x 233578 px at 2x is over the 16384 px limit.
    const QRectF sceneRect = v->scene()->sceneRect();
    QVERIFY(std::abs(sceneRect.width() - 255.5) < 1e-3 && std::abs(sceneRect.height() - 116788.8) < 1e-3);
    const gui::PngTiles plan = gui::planPng(sceneRect, 2.0);
    QCOMPARE(plan.full, QSize(511, 233578));
    QCOMPARE(plan.rows, 15);  // ceil(233578 / 16384)
    QCOMPARE(plan.cols, 1);
    QCOMPARE(plan.tile, QSize(511, 15572));  // ceil(233578 / 15)
    const QString png = dir.filePath("out.png");
    QVERIFY(!w.exportPng(png));
    QVERIFY2(w.lastError().contains(QStringLiteral("511×233578 px")) && w.lastError().contains("15 tiles"),
             qPrintable(w.lastError()));
    QVERIFY(!QFile::exists(png));
    QStringList written;
    QVERIFY2(w.exportPng(png, gui::PngOversize::Tile, &written), qPrintable(w.lastError()));
    QCOMPARE(written.size(), 15);
    for (int r = 0; r < 15; ++r) {
      QCOMPARE(written[r], dir.filePath(QStringLiteral("out-r%1-c1.png").arg(r + 1)));
      QImageReader reader(written[r]);
      QCOMPARE(reader.size(), r < 14 ? QSize(511, 15572) : QSize(511, 233578 - 14 * 15572));
    }
    QVERIFY(!QFile::exists(png));
    if (qEnvironmentVariableIsSet("NEST_TEST_GRABS"))
      QImage(written[3]).copy(0, 0, 511, 1600).save(qEnvironmentVariable("NEST_TEST_GRABS") + "/tile-r4.png");
    // Shrunk to one image instead: the largest that fits a 4000 px limit.
    QStringList one;
    const QString small = dir.filePath("small.png");
    QCOMPARE(gui::exportScenePng(v->scene(), small, 2.0, gui::PngOversize::Shrink, &one, 4000), QString());
    QCOMPARE(one, QStringList{small});
    const QSize shrunk = QImageReader(small).size();
    QCOMPARE(shrunk.height(), 4000);
    QCOMPARE(shrunk.width(), 9);  // ceil(255.5 * 4000 / 116789)
  }

  // The tile plan alone: a side limit of 600 and a pixel limit of 200000 on a 1000 x 1000 image.
  void pngTilePlan() {
    const gui::PngTiles plan = gui::planPng(QRectF(0, 0, 500, 500), 2.0, 600, 200'000);
    QCOMPARE(plan.full, QSize(1000, 1000));
    // 2 x 2 tiles of 500 x 500 keep the side limit but not the pixel limit: 3 rows of 334.
    QCOMPARE(plan.rows, 3);
    QCOMPARE(plan.cols, 2);
    QCOMPARE(plan.tile, QSize(500, 334));
    QCOMPARE(plan.tileRect(2, 1), QRect(500, 668, 500, 332));
    QCOMPARE(gui::PngTiles::tilePath("/x/graph.png", 2, 1), QStringLiteral("/x/graph-r3-c2.png"));
    QVERIFY(!gui::planPng(QRectF(0, 0, 8192, 8192), 2.0).oversize());  // 16384 x 16384 is allowed
  }
};

QTEST_MAIN(TestWorkbenchBigView)
#include "test_workbench_bigview.moc"
