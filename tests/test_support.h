// Paths and small helpers shared by the tests.
#pragma once
#include <QtTest>

#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "backends/onnx_test_case.h"
#include "core/error.h"
#include "core/graph.h"
#include "core/quant_profile.h"
#include "core/tensor_compare.h"
#include "passes/pass.h"

namespace nest::testing {

// Node attributes from a list: attrs({{"axis", int64_t(1)}, {"perm", Ints{0, 2, 1}}}).
inline Attributes attrs(std::initializer_list<std::pair<const char*, Attribute>> list) {
  Attributes a;
  for (const auto& [k, v] : list) a.set(k, v);
  return a;
}

// Builds small float graphs with deterministic random weights, node by node.
struct GraphBuilder {
  Graph g;
  std::mt19937 rng;

  explicit GraphBuilder(const std::string& name = "g", unsigned seed = 11) : rng(seed) { g.name = name; }
  std::string input(const std::string& name, Shape s);
  // A constant uniform in [lo, hi].
  std::string weight(const std::string& name, Shape s, float lo = -1, float hi = 1);
  // Appends a node whose one result is named like the node.
  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs, Attributes a = {});
  // Sets the outputs, verifies and returns the graph.
  Graph done(std::vector<std::string> outputs);
};

inline std::filesystem::path testdata() { return NEST_TESTDATA_DIR; }
inline std::filesystem::path seedModels() { return NEST_SEED_MODELS_DIR; }
// Transformers and recurrent networks (make_seed_models.py --family sequence).
inline std::filesystem::path sequenceModels() { return NEST_SEQUENCE_MODELS_DIR; }
inline std::filesystem::path sourceDir() { return NEST_SOURCE_DIR; }
inline std::filesystem::path binDir() { return NEST_BIN_DIR; }

// A list of test names (tests/*.txt): one "name<TAB>reason" per line, '#' starts a comment line.
std::map<std::string, std::string> readTestList(const std::filesystem::path& file);
// Compares `actual` (name -> reason) with a checked-in list read by readTestList: empty when both
// hold the same names with the same reasons, else each difference and then the whole list as it
// should read now (to paste after checking it), also printed in full as a warning.
std::string compareWithTestList(const std::map<std::string, std::string>& actual, const std::filesystem::path& file);
// The same against entries already read (e.g. a part of a list), named `listName` in the message.
std::string compareWithTestList(const std::map<std::string, std::string>& actual,
                                const std::map<std::string, std::string>& listed, const std::string& listName);
// An error message as a list reason: one line (newlines and tabs become " | " and " "), the shared
// test data folder written as "testdata/".
std::string listReason(const std::string& message);
// Runs every shared ONNX conformance test (onnx-node, onnx-pytorch-converted) with `runner`.
std::vector<TestCaseResult> runConformanceSuites(const GraphRunner& runner);

// onnx.checker.check_model(full_check=True) in Debian's python3-onnx on `file`; empty when it
// passes, else its message.
std::string onnxChecker(const std::filesystem::path& file);

// Parses text IR (throws on error).
Graph graphFromText(const std::string& text);

// Deterministic random inputs for every graph input: floats uniform in [-2, 2], signed integers
// in [-5, 5], unsigned integers in [0, 5], bool 0/1.
std::vector<Tensor> randomInputs(const Graph& g, unsigned seed);
// Image i of an MNIST idx tensor (N x 28 x 28 u8) as mnist-8's f32 1x1x28x28 input, raw 0..255.
Tensor mnistImage(const Tensor& images, int64_t i);
// `g` quantized per tensor with power-of-two scales (what the NPU runs), verified.
Graph quantizedPower2(const Graph& g, const QuantProfile& profile);
// Runs both graphs on `inputs` in the interpreter; empty when every output agrees within `tol`
// (integers exactly), else a description of the first difference.
std::string compareRuns(const Graph& a, const Graph& b, const std::vector<Tensor>& inputs, const Tolerance& tol);

// Runs `pass` on the text-IR graph `input` and expects the text `expected` (nullptr: unchanged and
// run() returned false); then the verifier, a second run that finds nothing to do, and the
// interpreter before and after on 3 random inputs within `tol`.
void checkPassRewrite(const PassInfo& pass, const char* input, const char* expected, const Tolerance& tol);
// Number of nodes of op `op`.
int countOp(const Graph& g, const std::string& op);
// Runs build/bin/nestc with `args` and waits (10 minutes at most); code -1 when it crashed or
// did not finish.
struct NestcResult {
  int code = -1;
  std::string out, err;
  std::string all() const { return out + err; }
};
NestcResult runNestc(const QStringList& args);

// Runs `f` and returns the message of the nest::Error it throws; fails the test if none is thrown.
template <typename F>
std::string errorOf(F&& f, ErrorKind* kind = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (kind) *kind = e.kind();
    return e.what();
  }
  return "<no error>";
}

}  // namespace nest::testing

// QVERIFY2 with std::string messages.
#define NEST_VERIFY(cond, msg) QVERIFY2((cond), std::string(msg).c_str())
