// Files are never lost: every writer goes through core/atomic_file.h. A write that fails midway
// (the process's file-size limit, RLIMIT_FSIZE / `ulimit -f`, makes write(2) fail with EFBIG
// after the first bytes, like a disk that fills up) must leave the old file byte for byte, no
// temporary file behind, and an error naming the file.
#include <sys/resource.h>
#include <sys/stat.h>

#include <QProcess>
#include <csignal>
#include <fstream>
#include <functional>

#include "core/atomic_file.h"
#include "core/model_loader.h"
#include "core/npy.h"
#include "core/onnx_export.h"
#include "core/onnx_tensor.h"
#include "core/project_file.h"
#include "core/quant_profile.h"
#include "core/text_ir.h"
#include "passes/pass_manager.h"
#include "passes/pass_registry.h"
#include "passes/pipeline_dump.h"
#include "test_support.h"

using namespace nest;
using namespace nest::testing;
namespace fs = std::filesystem;

namespace {

constexpr const char* kOldContent = "the user's old file\n";

std::string readAll(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writePlain(const fs::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary);
  out << text;
}

// The files of `dir`, sorted (a leftover temporary file would show here).
std::vector<std::string> filesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// While alive, a write past `bytes` in a regular file fails with EFBIG (SIGXFSZ ignored).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previousHandler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved_;
    limited.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    std::signal(SIGXFSZ, previousHandler_);
  }

 private:
  rlimit saved_{};
  void (*previousHandler_)(int) = nullptr;
};

Graph mnist() { return loadModel(testdata() / "models/mnist-8/model.onnx"); }

}  // namespace

class TestAtomicFile : public QObject {
  Q_OBJECT

  QTemporaryDir tmp_;
  fs::path dir() const { return tmp_.path().toStdString(); }

  // `write` replaces `file` (which holds kOldContent) with more than `limit` bytes; under that
  // file-size limit it must fail naming `file`, keep the old bytes and leave nothing else behind.
  void expectFailureKeepsOldFile(const fs::path& file, const std::function<void()>& write, rlim_t limit = 4096) {
    writePlain(file, kOldContent);
    const std::vector<std::string> before = filesIn(file.parent_path());
    std::string message;
    {
      FileSizeLimit limited(limit);
      message = errorOf(write);
    }
    NEST_VERIFY(message.find("cannot write " + file.string() + ": File too large") != std::string::npos, message);
    NEST_VERIFY(message.find("the previous file, if any, is unchanged") != std::string::npos, message);
    QCOMPARE(readAll(file), std::string(kOldContent));
    QCOMPARE(filesIn(file.parent_path()), before);
    // Without the limit the same write succeeds and replaces the file whole.
    write();
    QVERIFY(readAll(file).size() > limit);
  }

 private slots:
  void initTestCase() { QVERIFY(tmp_.isValid()); }

  void newFileHasTheUsualPermissions() {
    const mode_t mask = umask(022);
    const fs::path file = dir() / "new.txt";
    writeFileAtomically(file, "hello");
    umask(mask);
    QCOMPARE(readAll(file), std::string("hello"));
    struct stat st {};
    QCOMPARE(stat(file.c_str(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0644));
  }

  void existingFileKeepsItsPermissions() {
    const fs::path file = dir() / "private.txt";
    writePlain(file, "old");
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
    writeFileAtomically(file, "new");
    QCOMPARE(readAll(file), std::string("new"));
    struct stat st {};
    QCOMPARE(stat(file.c_str(), &st), 0);
    QCOMPARE(st.st_mode & 07777, mode_t(0640));
  }

  void writesThroughASymbolicLink() {
    const fs::path target = dir() / "target.txt", link = dir() / "link.txt";
    writePlain(target, "old");
    fs::create_symlink(target, link);
    writeFileAtomically(link, "new");
    QVERIFY(fs::is_symlink(link));
    QCOMPARE(readAll(target), std::string("new"));
  }

  void missingFolderIsNamed() {
    const fs::path file = dir() / "no-such-folder" / "x.txt";
    QCOMPARE(errorOf([&] { writeFileAtomically(file, "x"); }),
             "cannot write " + file.string() + ": the folder " + (dir() / "no-such-folder").string() +
                 " does not exist; the previous file, if any, is unchanged");
  }

  void failedWriteKeepsTheOldFile() {
    const fs::path file = dir() / "plain.bin";
    expectFailureKeepsOldFile(file, [&] { writeFileAtomically(file, std::string(100000, 'x')); });
  }

  // Each writer of the tools, one by one, with a real model where there is one.
  void everyWriterKeepsTheOldFile() {
    const Graph g = mnist();
    const fs::path folder = dir() / "writers";
    fs::create_directories(folder);

    expectFailureKeepsOldFile(folder / "model.onnx", [&] { exportOnnx(g, folder / "model.onnx"); });
    const Tensor input = readTensorPb(testdata() / "models/mnist-8/test_data_set_0/input_0.pb");
    expectFailureKeepsOldFile(folder / "input.npy", [&] { writeNpy(input, folder / "input.npy"); }, 1024);
    expectFailureKeepsOldFile(folder / "input.pb", [&] { writeTensorPb(input, "Input3", folder / "input.pb"); }, 1024);

    QuantProfile profile = readProfile(testdata() / "nestc-interop/quant-profiles/resnet18-calib1.yaml");
    expectFailureKeepsOldFile(folder / "profile.yaml", [&] { writeProfile(folder / "profile.yaml", profile); });

    ProjectFile project;
    project.model = "model.onnx";
    for (int i = 0; i < 200; ++i) project.nodes["/features/block" + std::to_string(i) + "/Conv"] = {{"device", "cpu"}};
    expectFailureKeepsOldFile(folder / "p.nestproj", [&] { writeProjectFile(folder / "p.nestproj", project); });

    const PipelineRun run = runPipeline(g, namedPipeline("O1"));
    fs::create_directories(folder / "dump");
    // The first file of the dump is the input graph.
    expectFailureKeepsOldFile(folder / "dump" / "00-input.json", [&] { dumpPipeline(run, folder / "dump", DumpFormat::Json); });
  }

  // The text IR's weights are written first: when they fail, neither file changes.
  void textIrWeightsFailFirst() {
    const fs::path folder = dir() / "nir";
    fs::create_directories(folder);
    const fs::path text = folder / "m.nir", weights = folder / "m.nir.weights";
    writePlain(text, kOldContent);
    expectFailureKeepsOldFile(weights, [&] { writeTextIrFile(mnist(), text); });
    QVERIFY(readAll(text).find("Conv") != std::string::npos);  // the last, unlimited write replaced both
  }

  // The command line under `ulimit -f`: exit code 2, the message, the old file intact.
  void nestcReportsAFailedWrite() {
    const fs::path out = dir() / "cli-out.onnx";
    writePlain(out, kOldContent);
    QProcess p;
    // ulimit -f counts 512-byte blocks in dash: 8 blocks = 4 KiB; mnist-8 is 26 KB.
    p.start("/bin/sh", {"-c", "ulimit -f 8; exec \"$0\" opt \"$1\" -o \"$2\"", QString::fromStdString((binDir() / "nestc").string()),
                        QString::fromStdString((testdata() / "models/mnist-8/model.onnx").string()), QString::fromStdString(out.string())});
    QVERIFY(p.waitForFinished(120000));
    const std::string err = p.readAllStandardError().toStdString();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    NEST_VERIFY(p.exitCode() == 2, err);
    NEST_VERIFY(err.find("nestc opt: error: cannot write " + out.string() + ": File too large") != std::string::npos, err);
    QCOMPARE(readAll(out), std::string(kOldContent));
    for (const std::string& name : filesIn(dir())) NEST_VERIFY(name.find(".tmp-") == std::string::npos, "left behind: " + name);
  }

  // A full disk: a 48 KiB tmpfs, 40 KiB of it taken, in a private mount namespace (unshare).
  void nestcOnAFullDisk() {
    if (QProcess::execute("unshare", {"-rm", "true"}) != 0) QSKIP("no private mount namespace (unshare -rm) here");
    const QString script =
        "mount -t tmpfs -o size=48k tmpfs \"$2\" || exit 90; dd if=/dev/zero of=\"$2/filler\" bs=1k count=40 2>/dev/null; "
        "printf 'old bytes' > \"$2/m.onnx\"; \"$0\" opt \"$1\" -o \"$2/m.onnx\" >/dev/null; echo \"exit $?\"; "
        "cat \"$2/m.onnx\"; echo; ls -A \"$2\"";
    const fs::path mountPoint = dir() / "full-disk";
    fs::create_directories(mountPoint);
    QProcess p;
    p.start("unshare", {"-rm", "sh", "-c", script, QString::fromStdString((binDir() / "nestc").string()),
                        QString::fromStdString((testdata() / "models/mnist-8/model.onnx").string()),
                        QString::fromStdString(mountPoint.string())});
    QVERIFY(p.waitForFinished(120000));
    const std::string out = p.readAllStandardOutput().toStdString(), err = p.readAllStandardError().toStdString();
    NEST_VERIFY(out == "exit 2\nold bytes\nfiller\nm.onnx\n", out + err);
    NEST_VERIFY(err.find("cannot write " + (mountPoint / "m.onnx").string() + ": No space left on device") != std::string::npos, err);
  }

  // The workbench's headless screenshot (a PNG of about 100 KB) under the same limit.
  void workbenchReportsAFailedWrite() {
    const fs::path out = dir() / "shot.png";
    writePlain(out, kOldContent);
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("QT_QPA_PLATFORM", "offscreen");
    p.setProcessEnvironment(env);
    p.start("/bin/sh", {"-c", "ulimit -f 8; exec \"$0\" \"$1\" --screenshot \"$2\"",
                        QString::fromStdString((binDir() / "nestc-workbench").string()),
                        QString::fromStdString((testdata() / "models/mnist-8/model.onnx").string()), QString::fromStdString(out.string())});
    QVERIFY(p.waitForFinished(120000));
    const std::string err = p.readAllStandardError().toStdString();
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    NEST_VERIFY(p.exitCode() == 2, err);
    NEST_VERIFY(err.find("cannot write " + out.string() + ": File too large") != std::string::npos, err);
    QCOMPARE(readAll(out), std::string(kOldContent));
  }
};

QTEST_GUILESS_MAIN(TestAtomicFile)
#include "test_atomic_file.moc"
