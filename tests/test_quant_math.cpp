// core/quant_math: every schema and calibration method against hand-computed parameters, the
// integer multiplier / shift against hand-computed values, and requantize() against
// round(x * real) over many random cases.
#include <cmath>
#include <random>

#include "core/quant_calibration.h"
#include "core/quant_math.h"
#include "tests/test_support.h"

using namespace nest;

namespace {

bool near(double a, double b, double rel = 1e-6) { return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)); }

std::string describe(const QuantChoice& c) {
  return std::string(elemTypeName(c.elem)) + " scale " + std::to_string(c.scale) + " zp " + std::to_string(c.zeroPoint);
}

}  // namespace

class QuantMathTest : public QObject {
  Q_OBJECT

 private slots:
  void asymmetric() {
    // [-1, 3]: scale 4/255, zero point round(-128 + 1 / (4/255)) = round(-64.25) = -64.
    QuantChoice c = chooseQuantParams(-1, 3, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(c.elem == ElemType::I8 && near(c.scale, 4.0 / 255) && c.zeroPoint == -64, describe(c));
    // [0.5, 2] is widened to [0, 2]: real 0 is q = -128.
    c = chooseQuantParams(0.5f, 2, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(near(c.scale, 2.0 / 255) && c.zeroPoint == -128, describe(c));
    // [-3, -1] is widened to [-3, 0]: real 0 is q = 127.
    c = chooseQuantParams(-3, -1, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(near(c.scale, 3.0 / 255) && c.zeroPoint == 127, describe(c));
    // int16: [-1, 3] over 65535 steps, zp round(-32768 + 65535/4) = round(-16384.25) = -16384.
    c = chooseQuantParams(-1, 3, QuantSchema::Asymmetric, QuantPrecision::Int16);
    NEST_VERIFY(c.elem == ElemType::I16 && near(c.scale, 4.0 / 65535) && c.zeroPoint == -16384, describe(c));
    // An empty range still gets a usable scale.
    c = chooseQuantParams(0, 0, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(c.scale == 1 && c.zeroPoint == 0, describe(c));
  }

  void symmetricSchemas() {
    QuantChoice c = chooseQuantParams(-1, 3, QuantSchema::Symmetric, QuantPrecision::Int8);
    NEST_VERIFY(c.elem == ElemType::I8 && near(c.scale, 3.0 / 127) && c.zeroPoint == 0, describe(c));
    c = chooseQuantParams(-4, 1, QuantSchema::Symmetric, QuantPrecision::Int8);  // the negative end saturates first
    NEST_VERIFY(near(c.scale, 4.0 / 128) && c.zeroPoint == 0, describe(c));
    c = chooseQuantParams(-1, 3, QuantSchema::Symmetric, QuantPrecision::Int16);
    NEST_VERIFY(c.elem == ElemType::I16 && near(c.scale, 3.0 / 32767) && c.zeroPoint == 0, describe(c));
    // symmetric_uint8: u8 with zero point 0 for a non-negative range, else symmetric int8.
    c = chooseQuantParams(0.5f, 2.55f, QuantSchema::SymmetricUInt8, QuantPrecision::Int8);
    NEST_VERIFY(c.elem == ElemType::U8 && near(c.scale, 0.01) && c.zeroPoint == 0, describe(c));
    c = chooseQuantParams(-1, 2, QuantSchema::SymmetricUInt8, QuantPrecision::Int8);
    NEST_VERIFY(c.elem == ElemType::I8 && near(c.scale, 2.0 / 127) && c.zeroPoint == 0, describe(c));
    // symmetric_power2: 3/127 = 0.0236 rounds up to 2^-5.
    c = chooseQuantParams(-1, 3, QuantSchema::SymmetricPower2, QuantPrecision::Int8);
    NEST_VERIFY(c.scale == 0.03125f && c.zeroPoint == 0, describe(c));
    c = chooseQuantParams(-100, 50, QuantSchema::SymmetricPower2, QuantPrecision::Int8);  // 100/128 -> 1
    NEST_VERIFY(c.scale == 1.0f, describe(c));
    QVERIFY(testing::errorOf([] { chooseQuantParams(2, 1, QuantSchema::Symmetric, QuantPrecision::Int8); })
                .find("cannot quantize the range") != std::string::npos);
  }

  void parsesNames() {
    QVERIFY(parseQuantSchema("symmetric_power2", "--schema") == QuantSchema::SymmetricPower2);
    QCOMPARE(parseCalibration("percentile=99.5", "--calibration").percentile, 99.5);
    QVERIFY(parseCalibration("percentile", "x").method == CalibrationMethod::Percentile);
    QCOMPARE(parseCalibration("percentile", "x").percentile, 99.99);
    QVERIFY(parseCalibration("kl", "x").method == CalibrationMethod::KL);
    QVERIFY(parseQuantPrecision("int16", "x") == QuantPrecision::Int16);
    std::string e = testing::errorOf([] { parseQuantSchema("asym", "--schema"); });
    NEST_VERIFY(e.find("--schema: unknown schema 'asym'") != std::string::npos && e.find("symmetric_power2") != std::string::npos, e);
    e = testing::errorOf([] { parseCalibration("percentile=200", "--calibration"); });
    NEST_VERIFY(e.find("(0, 100]") != std::string::npos, e);
    e = testing::errorOf([] { parseQuantPrecision("int4", "p"); });
    NEST_VERIFY(e.find("int8 or int16") != std::string::npos, e);
    QCOMPARE(calibrationName(parseCalibration("percentile=99.9", "x")), std::string("percentile=99.9"));
  }

  void minMaxCalibrationKeepsTheRange() {
    FloatRange r = calibrateRange(-2, 5, std::vector<float>(10, 1), {}, QuantSchema::Asymmetric, QuantPrecision::Int8);
    QCOMPARE(r.min, -2.0f);
    QCOMPARE(r.max, 5.0f);
  }

  void percentileCalibration() {
    // 100 bins of one value each over [0, 100]: the 5% and 95% quantiles of a uniform spread.
    Calibration c;
    c.method = CalibrationMethod::Percentile;
    c.percentile = 90;
    FloatRange r = calibrateRange(0, 100, std::vector<float>(100, 1), c, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(std::fabs(r.min - 5) < 1e-4 && std::fabs(r.max - 95) < 1e-4, std::to_string(r.min) + " " + std::to_string(r.max));
    // 98 values in [-1, 1] and one far outlier each side at +-100 (bins of width 1): 97% keeps
    // 1.5 values out on each side, the outlier and half a value of the central bins:
    // -1 + 0.5/49 and 1 - 0.5/49.
    std::vector<float> h(200, 0);
    h[0] = 1;
    h[199] = 1;
    h[99] = 49;
    h[100] = 49;
    c.percentile = 97;
    r = calibrateRange(-100, 100, h, c, QuantSchema::Symmetric, QuantPrecision::Int8);
    NEST_VERIFY(std::fabs(r.min - (-1 + 0.5 / 49)) < 1e-4 && std::fabs(r.max - (1 - 0.5 / 49)) < 1e-4,
                std::to_string(r.min) + " " + std::to_string(r.max));
  }

  void klCalibrationClipsOutliers() {
    // 2000 bins over [0, 100]: an exponentially decaying mass (99.3% below 25) plus one outlier
    // in the last bin. KL keeps most of the mass and clips the sparse tail and the outlier.
    std::vector<float> h(2000, 0);
    for (int i = 0; i < 2000; ++i) h[i] = std::floor(1e5f * std::exp(-i / 100.0f));
    h[1999] = 1;
    Calibration kl;
    kl.method = CalibrationMethod::KL;
    FloatRange r = calibrateRange(0, 100, h, kl, QuantSchema::Asymmetric, QuantPrecision::Int8);
    qInfo("KL asymmetric range [%g, %g]", r.min, r.max);
    NEST_VERIFY(r.min == 0 && r.max >= 12.75 && r.max < 60, std::to_string(r.min) + " " + std::to_string(r.max));
    // A histogram with fewer bins than quantization levels keeps its range (as Glow).
    r = calibrateRange(0, 100, std::vector<float>(100, 1), kl, QuantSchema::Asymmetric, QuantPrecision::Int8);
    QCOMPARE(r.max, 100.0f);
    // Symmetric: a bell around 0 with outliers at both ends; the window shrinks on both sides
    // and keeps the input's min/max ratio (so real 0 stays quantized 0).
    std::vector<float> s(2000, 0);
    for (int i = 0; i < 2000; ++i) s[i] = std::floor(1e5f * std::exp(-0.5f * std::pow((i - 1000) / 60.0f, 2.0f)));
    s[0] = 1;
    s[1999] = 1;
    r = calibrateRange(-100, 100, s, kl, QuantSchema::Symmetric, QuantPrecision::Int8);
    qInfo("KL symmetric range [%g, %g]", r.min, r.max);
    NEST_VERIFY(r.max >= 12.75 && r.max < 60 && std::fabs(r.min / r.max + 128.0 / 127) < 0.02,
                std::to_string(r.min) + " " + std::to_string(r.max));
  }

  void klKeepsReluOutputsWithAZeroSpike() {
    // mnist-8's Conv outputs: 80% of the values are ReLU zeros (bin 0), the rest a long tail.
    // Glow's KL smeared the zero spike over its level and clipped such a range to a quarter
    // ([0, 966] to [0, 245]); with the zero bin a level of its own the tail is kept.
    std::vector<float> h(2000, 0);
    h[0] = 800000;
    for (int i = 1; i < 2000; ++i) h[i] = std::floor(2000.0f * std::exp(-i / 250.0f));
    Calibration kl;
    kl.method = CalibrationMethod::KL;
    FloatRange r = calibrateRange(0, 966, h, kl, QuantSchema::Asymmetric, QuantPrecision::Int8);
    qInfo("KL range of a ReLU output: [%g, %g]", r.min, r.max);
    NEST_VERIFY(r.min == 0 && r.max > 0.75 * 966, std::to_string(r.max));
    // Symmetric schemas: the one-sided histogram against one side's 128 levels (TensorRT's |x|).
    FloatRange s = calibrateRange(0, 966, h, kl, QuantSchema::Symmetric, QuantPrecision::Int8);
    NEST_VERIFY(s.min == 0 && s.max > 0.75 * 966, std::to_string(s.max));
    // int16 has more levels than the histogram has bins: the range is kept, then widened by the
    // int16 headroom like every int16 range.
    r = calibrateRange(0, 966, h, kl, QuantSchema::Asymmetric, QuantPrecision::Int16);
    QCOMPARE(r.min, 0.0f);
    QCOMPARE(r.max, 966.0f * kInt16RangeHeadroom);
    QCOMPARE(kInt16RangeHeadroom, 2.0f);
    Calibration minmax;
    r = calibrateRange(-3, 5, h, minmax, QuantSchema::Asymmetric, QuantPrecision::Int16);
    QCOMPARE(r.min, -6.0f);
    QCOMPARE(r.max, 10.0f);
    r = calibrateRange(-3, 5, h, minmax, QuantSchema::Asymmetric, QuantPrecision::Int8);
    QCOMPARE(r.min, -3.0f);
    QCOMPARE(r.max, 5.0f);
  }

  void histogramMseIsExact() {
    // Values uniform over [0, 255] quantized with step 1 (asymmetric int8, zero point -128):
    // rounding error uniform in [-1/2, 1/2], so the MSE is exactly 1/12.
    std::vector<float> h(2000, 10);
    QuantChoice q = chooseQuantParams(0, 255, QuantSchema::Asymmetric, QuantPrecision::Int8);
    NEST_VERIFY(near(histogramQuantMse(0, 255, h, q), 1.0 / 12, 1e-9), std::to_string(histogramQuantMse(0, 255, h, q)));
    // Range [0, 127.5] (step 0.5): half the values round (0.5^2 / 12), the other half saturate at
    // 127.5: (1/255) * (∫ over [127.5, 127.75] of rounding + ∫_{127.75}^{255} (x - 127.5)^2 dx).
    q = chooseQuantParams(0, 127.5f, QuantSchema::Asymmetric, QuantPrecision::Int8);
    const double clipped = (std::pow(127.5, 3) - std::pow(0.25, 3)) / 3;
    const double rounded = 127.75 * 0.25 / 12;
    NEST_VERIFY(near(histogramQuantMse(0, 255, h, q), (clipped + rounded) / 255, 1e-6),
                std::to_string(histogramQuantMse(0, 255, h, q)));
  }

  void mseAndAutoCalibration() {
    // A Laplace-like bulk with a few far outliers: MSE clips the outliers' range, and its error is
    // the least of all methods; auto picks the method of least error and names it.
    std::vector<float> h(2000, 0);
    for (int i = 0; i < 2000; ++i) h[i] = std::floor(1e5f * std::exp(-std::fabs(i - 400) / 40.0f));
    h[1999] = 3;
    auto method = [](const char* m) { return parseCalibration(m, "test"); };
    const QuantSchema a = QuantSchema::Asymmetric;
    const QuantPrecision i8 = QuantPrecision::Int8;
    CalibratedRange mm = calibrate(-20, 80, h, method("minmax"), a, i8);
    CalibratedRange mse = calibrate(-20, 80, h, method("mse"), a, i8);
    CalibratedRange kl = calibrate(-20, 80, h, method("kl"), a, i8);
    CalibratedRange pc = calibrate(-20, 80, h, method("percentile"), a, i8);
    qInfo("MSE range [%g, %g] mse %g; minmax %g, kl %g, percentile %g", mse.range.min, mse.range.max, mse.mse, mm.mse,
          kl.mse, pc.mse);
    NEST_VERIFY(mse.range.max < 40 && mse.range.min < -10, std::to_string(mse.range.min) + " " + std::to_string(mse.range.max));
    QVERIFY(mse.mse < mm.mse / 3.5);  // 0.00325 against 0.0128
    QVERIFY(mse.mse <= kl.mse && mse.mse <= pc.mse);
    CalibratedRange au = calibrate(-20, 80, h, method("auto"), a, i8);
    QVERIFY(au.method.method != CalibrationMethod::Auto);
    QCOMPARE(au.mse, std::min({mm.mse, mse.mse, kl.mse, pc.mse}));
    // A uniform histogram: nothing worth clipping, auto keeps (almost) the whole range.
    std::vector<float> u(2000, 7);
    au = calibrate(0, 255, u, method("auto"), a, i8);
    NEST_VERIFY(au.range.max > 0.995 * 255 && au.mse <= calibrate(0, 255, u, method("minmax"), a, i8).mse,
                std::to_string(au.range.max));
    // An empty histogram (nothing profiled): min/max, named as such.
    au = calibrate(0, 255, {}, method("auto"), a, i8);
    QVERIFY(au.method.method == CalibrationMethod::MinMax);
    QCOMPARE(calibrationName(method("mse")), std::string("mse"));
    QCOMPARE(calibrationName(method("auto")), std::string("auto"));
  }

  void multiplierAndShift() {
    Requant r = quantizeMultiplier(0.5);
    QCOMPARE(r.multiplier, int32_t(1) << 30);
    QCOMPARE(r.shift, 0);
    r = quantizeMultiplier(1.0);
    QCOMPARE(r.multiplier, int32_t(1) << 30);
    QCOMPARE(r.shift, 1);
    r = quantizeMultiplier(0.3);  // 0.6 * 2^-1; 0.6 * 2^31 = 1288490188.8
    QCOMPARE(r.multiplier, 1288490189);
    QCOMPARE(r.shift, -1);
    r = quantizeMultiplier(3.0);  // 0.75 * 2^2
    QCOMPARE(r.multiplier, 1610612736);
    QCOMPARE(r.shift, 2);
    r = quantizeMultiplier(0.0);
    QCOMPARE(r.multiplier, 0);
    QVERIFY(testing::errorOf([] { quantizeMultiplier(-1); }).find("not a non-negative") != std::string::npos);
    // requantize: one rounding, ties away from zero.
    QCOMPARE(requantize(10, quantizeMultiplier(0.3)), int64_t(3));
    QCOMPARE(requantize(5, quantizeMultiplier(0.5)), int64_t(3));
    QCOMPARE(requantize(-5, quantizeMultiplier(0.5)), int64_t(-3));
    QCOMPARE(requantize(7, quantizeMultiplier(0.25)), int64_t(2));  // 1.75
    QCOMPARE(requantize(-6, quantizeMultiplier(0.25)), int64_t(-2));  // -1.5
    QCOMPARE(requantize(1000, quantizeMultiplier(3.0)), int64_t(3000));
    QCOMPARE(requantize(123456, Requant{}), int64_t(0));
  }

  void requantizeMatchesRealProduct() {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> logReal(-20, 7);
    std::uniform_int_distribution<int64_t> acc(-(int64_t(1) << 31), int64_t(1) << 31);
    int64_t worst = 0;
    // Within the range where results matter (|x * real| < 2^30: beyond int16 by far) the 31-bit
    // multiplier's error stays below half a unit, so one rounding is off by at most one.
    for (int i = 0; i < 200000; ++i) {
      const double real = std::exp2(logReal(rng));
      const int64_t x = acc(rng);
      if (std::fabs(static_cast<double>(x) * real) >= std::exp2(30)) {
        --i;
        continue;
      }
      const int64_t got = requantize(x, quantizeMultiplier(real));
      const double want = std::round(static_cast<double>(x) * real);
      const int64_t diff = std::llabs(got - static_cast<int64_t>(want));
      worst = std::max(worst, diff);
      if (diff > 1) QFAIL(qPrintable(QString("requantize(%1, %2) = %3, want %4").arg(x).arg(real).arg(got).arg(want)));
    }
    qInfo("requantize vs round(x * real) over 200000 cases: worst difference %lld", static_cast<long long>(worst));
  }

  void quantizeTensorsPerChannel() {
    Tensor w = Tensor::fromVector<float>(ElemType::F32, {2, 3}, {-1, 0, 1, -0.1f, 0.2f, 0.05f});
    ElemType elem;
    QuantParams p = weightParams(w, QuantSchema::Symmetric, QuantPrecision::Int8, 0, elem);
    QVERIFY(elem == ElemType::I8);
    QCOMPARE(p.axis, std::optional<int64_t>(0));
    QVERIFY(near(p.scales[0], 1.0 / 127) && near(p.scales[1], 0.2 / 127));
    Tensor q = quantizeTensor(w, elem, p);
    QCOMPARE(q.values<int8_t>()[0], int8_t(-127));
    QCOMPARE(q.values<int8_t>()[4], int8_t(127));
    QCOMPARE(q.values<int8_t>()[3], int8_t(-64));  // -0.1 / (0.2/127) = -63.5 -> -64 (ties to even)
    Tensor back = dequantizeTensor(q);
    for (int i = 0; i < 6; ++i)
      QVERIFY(std::fabs(back.values<float>()[i] - w.values<float>()[i]) <= p.scales[static_cast<size_t>(i / 3)] / 2 + 1e-7);
  }
};

QTEST_APPLESS_MAIN(QuantMathTest)
#include "test_quant_math.moc"
