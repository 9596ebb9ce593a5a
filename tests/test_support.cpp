#include "tests/test_support.h"

#include <QProcess>
#include <fstream>
#include <random>

#include "backends/interpreter/interpreter.h"
#include "core/text_ir.h"
#include "core/verifier.h"
#include "passes/quantization/quantize.h"
#include "passes/rewrite.h"

namespace nest::testing {

Graph graphFromText(const std::string& text) { return parseGraph(text); }

Tensor mnistImage(const Tensor& images, int64_t i) {
  Tensor x(TensorType(ElemType::F32, {1, 1, 28, 28}));
  for (int p = 0; p < 784; ++p) x.mutableData<float>()[p] = images.data<uint8_t>()[i * 784 + p];
  return x;
}

Graph quantizedPower2(const Graph& g, const QuantProfile& profile) {
  QuantConfig config;
  config.defaults.schema = QuantSchema::SymmetricPower2;
  Graph q = g;
  quantizeGraph(q, profile, config, "test profile");
  verifyGraph(q);
  return q;
}

std::vector<Tensor> randomInputs(const Graph& g, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> real(-2.0, 2.0);
  std::uniform_int_distribution<int> signedInt(-5, 5), unsignedInt(0, 5), boolean(0, 1);
  std::vector<Tensor> inputs;
  for (const std::string& in : g.inputs) {
    const TensorType& t = g.typeOf(in);
    std::vector<double> v(static_cast<size_t>(t.numElements()));
    for (double& x : v)
      x = isFloat(t.elem)        ? real(rng)
          : isSignedInt(t.elem) ? signedInt(rng)
          : t.elem == ElemType::Bool ? boolean(rng)
                                     : unsignedInt(rng);
    inputs.push_back(convertTensor(Tensor::fromVector<double>(ElemType::F64, t.shape, v), t.elem));
  }
  return inputs;
}

std::string compareRuns(const Graph& a, const Graph& b, const std::vector<Tensor>& inputs, const Tolerance& tol) {
  std::vector<Tensor> ra = Interpreter(a).run(inputs), rb = Interpreter(b).run(inputs);
  if (ra.size() != rb.size()) return "different output counts";
  for (size_t i = 0; i < ra.size(); ++i)
    if (auto diff = compareTensors(ra[i], rb[i], tol)) return "output " + a.outputs[i] + ": " + *diff;
  return "";
}

NestcResult runNestc(const QStringList& args) {
  QProcess p;
  p.setProgram(QString::fromStdString((binDir() / "nestc").string()));
  p.setArguments(args);
  p.start();
  NestcResult r;
  if (!p.waitForStarted(30000)) {
    r.err = "nestc did not start: " + p.errorString().toStdString();
    return r;
  }
  if (!p.waitForFinished(600000)) {
    p.kill();
    p.waitForFinished();
    r.err = "nestc did not finish";
    return r;
  }
  r.out = p.readAllStandardOutput().toStdString();
  r.err = p.readAllStandardError().toStdString();
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  return r;
}

int countOp(const Graph& g, const std::string& op) {
  int n = 0;
  for (const Node& node : g.nodes) n += node.op == op;
  return n;
}

std::string GraphBuilder::input(const std::string& name, Shape s) {
  g.inputs.push_back(name);
  g.setType(name, TensorType(ElemType::F32, std::move(s)));
  return name;
}

std::string GraphBuilder::weight(const std::string& name, Shape s, float lo, float hi) {
  std::uniform_real_distribution<float> d(lo, hi);
  std::vector<float> v(static_cast<size_t>(numElements(s)));
  for (float& x : v) x = d(rng);
  g.setConstant(name, Tensor::fromVector<float>(ElemType::F32, std::move(s), v));
  return name;
}

std::string GraphBuilder::node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                               Attributes a) {
  rewrite::insertNode(g, g.nodes.size(), op, name, std::move(inputs), {name}, std::move(a), {});
  return name;
}

Graph GraphBuilder::done(std::vector<std::string> outputs) {
  g.outputs = std::move(outputs);
  verifyGraph(g);
  return g;
}

std::map<std::string, std::string> readTestList(const std::filesystem::path& file) {
  std::map<std::string, std::string> list;
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    list[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return list;
}

std::string compareWithTestList(const std::map<std::string, std::string>& actual, const std::filesystem::path& file) {
  return compareWithTestList(actual, readTestList(file), file.filename().string());
}

std::string compareWithTestList(const std::map<std::string, std::string>& actual,
                                const std::map<std::string, std::string>& listed, const std::string& listName) {
  std::string diff;
  for (const auto& [name, reason] : actual) {
    auto it = listed.find(name);
    if (it == listed.end()) diff += "\n  not listed: " + name + "\t" + reason;
    else if (it->second != reason) diff += "\n  listed as: " + name + "\t" + it->second + "\n       now: " + name + "\t" + reason;
  }
  for (const auto& [name, reason] : listed)
    if (!actual.count(name)) diff += "\n  listed but no longer so: " + name + "\t" + reason;
  if (diff.empty()) return "";
  diff = listName + " differs:" + diff + "\n--- the list now (after the header comment):\n";
  for (const auto& [name, reason] : actual) diff += name + "\t" + reason + "\n";
  qWarning("%s", diff.c_str());  // in full: QtTest truncates long failure messages
  return diff;
}

std::string listReason(const std::string& message) {
  std::string s = message;
  for (const std::string dir : {testdata().string(), testdata().lexically_normal().string()})
    for (size_t pos; (pos = s.find(dir)) != std::string::npos;) s.replace(pos, dir.size(), "testdata");
  std::string out;
  for (char c : s) {
    if (c == '\n') out += " | ";
    else if (c == '\t') out += ' ';
    else out += c;
  }
  return out;
}

std::vector<TestCaseResult> runConformanceSuites(const GraphRunner& runner) {
  std::vector<TestCaseResult> results;
  for (const char* suite : {"onnx-node", "onnx-pytorch-converted"})
    for (const std::filesystem::path& dir : findTestCases(testdata() / suite)) results.push_back(runOnnxTestCase(dir, runner));
  return results;
}

void checkPassRewrite(const PassInfo& pass, const char* input, const char* expected, const Tolerance& tol) {
  const Graph before = parseGraph(input);
  Graph after = before;
  const bool changed = pass.run(after, PassOptions{});
  verifyGraph(after);
  const std::string got = printGraph(after);
  if (expected) {
    QVERIFY(changed);
    const std::string want = printGraph(parseGraph(expected, blobsOf(before)));
    if (got != want) qWarning("got:\n%s\nexpected:\n%s", got.c_str(), want.c_str());
    QCOMPARE(got, want);
  } else {
    QVERIFY(!changed);
    QCOMPARE(got, printGraph(before));
  }
  Graph again = after;  // running the pass again finds nothing more to do
  QVERIFY(!pass.run(again, PassOptions{}));
  for (unsigned seed = 1; seed <= 3; ++seed) {
    const std::string diff = compareRuns(before, after, randomInputs(before, seed), tol);
    NEST_VERIFY(diff.empty(), diff);
  }
}

std::string onnxChecker(const std::filesystem::path& file) {
  QProcess p;
  p.start("/usr/bin/python3", {"-c", "import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)",
                               QString::fromStdString(file.string())});
  if (!p.waitForFinished(120000)) return "python3 did not finish";
  if (p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0) return "";
  return p.readAllStandardError().toStdString();
}

}  // namespace nest::testing
