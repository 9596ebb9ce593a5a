// Workbench project files (core/project_file): parse, write, round trip and error messages.
#include <QTemporaryDir>
#include <QtTest>

#include "core/error.h"
#include "core/project_file.h"

using namespace nest;

namespace {

// The message of the nest::Error `f` throws, or "" when it does not throw.
template <typename F>
QString errorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return QString::fromStdString(e.what());
  }
  return {};
}

}  // namespace

class TestProjectFile : public QObject {
  Q_OBJECT

 private slots:
  void parsesAllFields() {
    const ProjectFile p = parseProjectFile(R"({"format": "nest-project", "version": 1,
      "model": "models/net.onnx", "pipeline": ["constant-fold", "dce"],
      "inputShapes": {"x": [1, 3, 224, 224]}, "nodes": {"conv1": {"device": "cpu"}}})");
    QCOMPARE(p.model.generic_string(), std::string("models/net.onnx"));
    QCOMPARE(p.passes, (std::vector<std::string>{"constant-fold", "dce"}));
    QCOMPARE(p.inputShapes.at("x"), (Shape{1, 3, 224, 224}));
    QCOMPARE(p.nodes["conv1"]["device"].get<std::string>(), std::string("cpu"));

    const ProjectFile level = parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a.onnx", "pipeline": "O2"})");
    QCOMPARE(level.level, std::string("O2"));
    QVERIFY(level.passes.empty());
    const ProjectFile defaults = parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a.onnx"})");
    QCOMPARE(defaults.level, std::string("O1"));
    QVERIFY(defaults.inputShapes.empty());
    QVERIFY(defaults.nodes.is_object() && defaults.nodes.empty());
  }

  void writesAndReadsBack() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ProjectFile p;
    p.model = "sub/model.onnx";
    p.level = "O0";
    p.inputShapes["data"] = {2, 1, 28, 28};
    const std::filesystem::path file = dir.filePath("p.nestproj").toStdString();
    writeProjectFile(file, p);
    const ProjectFile q = readProjectFile(file);
    QCOMPARE(q.model, p.model);
    QCOMPARE(q.level, std::string("O0"));
    QCOMPARE(q.inputShapes, p.inputShapes);
    QVERIFY(q.nodes.is_object());
    QVERIFY(projectFileToJson(q).find("\"format\": \"nest-project\"") != std::string::npos);
    QCOMPARE(resolveModelPath(q, file), (std::filesystem::path(dir.path().toStdString()) / "sub/model.onnx").lexically_normal());

    p.passes = {"dce"};
    writeProjectFile(file, p);
    QCOMPARE(readProjectFile(file).passes, std::vector<std::string>{"dce"});
    p.model = "/abs/model.onnx";
    QCOMPARE(resolveModelPath(p, file), std::filesystem::path("/abs/model.onnx"));
  }

  void errorsSayWhatIsWrong() {
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 1})", "p.nestproj"); })
                .contains("missing \"model\""));
    const QString badJson = errorOf([] { parseProjectFile("{\"format\": \"nest-project\",\n \"version\": }", "p.nestproj"); });
    QVERIFY2(badJson.startsWith("p.nestproj:2:13: not valid JSON: syntax error while parsing value"), qPrintable(badJson));
    const QString level = errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a", "pipeline": "O9"})"); });
    QVERIFY2(level.contains("unknown pipeline 'O9'"), qPrintable(level));
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a", "pipeline": 3})"); })
                .contains("\"pipeline\" must be"));
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "other", "version": 1, "model": "a"})"); }).contains("\"format\""));
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 2, "model": "a"})"); })
                .contains("unsupported version 2"));
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a", "inputShapes": {"x": [1, -2]}})"); })
                .contains("inputShapes.x"));
    QVERIFY(errorOf([] { parseProjectFile(R"({"format": "nest-project", "version": 1, "model": "a", "nodes": []})"); })
                .contains("\"nodes\""));
    QVERIFY(errorOf([] { readProjectFile("/nonexistent/x.nestproj"); }).contains("cannot open project file"));
  }
};

QTEST_APPLESS_MAIN(TestProjectFile)
#include "test_project_file.moc"
