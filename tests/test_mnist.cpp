// mnist-8 (ONNX Model Zoo, real weights): its three reference sets, and top-1 accuracy over the
// full MNIST test set read from the idx .gz files.
#include "driver/driver.h"
#include "backends/interpreter/interpreter.h"
#include "backends/onnx_test_case.h"
#include "core/idx_file.h"
#include "core/model_loader.h"
#include "tests/test_support.h"

using namespace nest;

class MnistTest : public QObject {
  Q_OBJECT

 private slots:
  void referenceSets() {
    TestCaseResult r = runOnnxTestCase(testing::testdata() / "models" / "mnist-8", driver::graphRunner("interpreter", "O0"));
    NEST_VERIFY(r.passed, r.message);
    QCOMPARE(r.dataSets, 3);
  }

  void fullTestSetAccuracy() {
    Tensor images = readIdxFile(testing::testdata() / "mnist" / "t10k-images-idx3-ubyte.gz");
    Tensor labels = readIdxFile(testing::testdata() / "mnist" / "t10k-labels-idx1-ubyte.gz");
    QCOMPARE(images.shape(), (Shape{10000, 28, 28}));
    QCOMPARE(labels.shape(), (Shape{10000}));
    Graph g = loadModel(testing::testdata() / "models" / "mnist-8" / "model.onnx");
    Interpreter interp(g);
    int correct = 0;
    for (int64_t i = 0; i < 10000; ++i) {
      Tensor x(TensorType(ElemType::F32, {1, 1, 28, 28}));
      for (int p = 0; p < 784; ++p) x.mutableData<float>()[p] = images.data<uint8_t>()[i * 784 + p];  // raw 0..255
      std::vector<Tensor> outputs = interp.run({x});
      const float* l = outputs.at(0).data<float>();
      int best = static_cast<int>(std::max_element(l, l + 10) - l);
      correct += best == labels.data<uint8_t>()[i];
    }
    double accuracy = correct / 100.0;
    qInfo("mnist-8 top-1 on the 10000 MNIST test images: %.2f%%", accuracy);
    QVERIFY(accuracy >= 98.9);
  }
};

QTEST_APPLESS_MAIN(MnistTest)
#include "test_mnist.moc"
