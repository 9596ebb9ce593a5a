// nest-ocr-lines: renders text lines with known strings (QPainter into QImage) as calibration and
// evaluation data for the PaddleOCR models (scripts/bench-ocr-quant.sh, test_ocr_models). A data
// generator, not compiler logic: it only writes .npy files and the truth as text.
//
// Deterministic: every choice comes from one seeded std::mt19937 (its sequence is fixed by the
// standard; the distributions are our own arithmetic, not the library's implementation-defined
// ones), so the same seed, fonts and Qt version give the same bytes.
//
// Written into OUT (PaddleOCR's preprocessing, tools/infer in PaddleOCR 2.7):
//   rec.npy        N x 3 x 48 x 320 f32: the line scaled to height 48 keeping its ratio, (p/255 - 0.5)/0.5,
//                  padded on the right with 0 (the recognizer's resize_norm_img)
//   rec.txt        the N strings, one a line
//   cls.npy        N x 3 x 48 x 192 f32: the same lines, odd ones turned 180 degrees, normalized as rec
//   cls_labels.npy N int64: 0 upright, 1 turned (the classifier's label list ['0', '180'])
//   det.npy        P x 3 x 128 x 480 f32: pages of 2-3 lines, (p/255 - mean[c]) / std[c] with ImageNet's
//                  mean/std in BGR order (the detector's NormalizeImage on a cv2 image)
//   det.txt        each page's lines, ' | ' between them
#include <QFont>
#include <QFontDatabase>
#include <QFontMetricsF>
#include <QGuiApplication>
#include <QImage>
#include <QPainter>
#include <QTransform>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/npy.h"

namespace {

constexpr int kRecH = 48, kRecW = 320, kClsW = 192, kDetH = 128, kDetW = 480;

const char* const kWords[] = {
    "the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "invoice", "total", "amount", "date",
    "order", "number", "price", "street", "road", "city", "north", "south", "station", "open", "closed",
    "Monday", "Friday", "March", "June", "Hello", "World", "Paddle", "Model", "Quant", "Layer", "Kernel",
    "Tensor", "Graph", "Table", "Report", "Page", "Line", "Text", "Label", "Value", "Check", "Print",
    "Coffee", "Market", "Bridge", "Garden", "River", "School", "Office", "Museum", "Ticket", "Exit",
    "Phone", "Email", "Room", "Floor", "Gate", "Parking", "Hotel", "Bank", "Shop", "Menu", "Tea", "Bread",
    "Milk", "Sugar", "Salt", "Water", "Green", "Blue", "Red", "Black", "White", "Small", "Large", "New"};
const char* const kFamilies[] = {"DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono", "Liberation Sans",
                                 "Liberation Serif", "Liberation Mono"};

// Uniform integer in [lo, hi] from the generator's 32-bit output (a fixed formula, unlike
// std::uniform_int_distribution, whose algorithm differs between standard libraries).
struct Rng {
  std::mt19937 gen;
  explicit Rng(uint32_t seed) : gen(seed) {}
  int between(int lo, int hi) { return lo + static_cast<int>(gen() % static_cast<uint32_t>(hi - lo + 1)); }
};

std::string randomLine(Rng& r) {
  auto pad = [](int v, int w) { std::string s = std::to_string(v); return std::string(w - std::min<int>(w, s.size()), '0') + s; };
  constexpr int nw = sizeof(kWords) / sizeof(kWords[0]);
  switch (r.between(0, 5)) {
    case 0: return std::string(kWords[r.between(0, nw - 1)]) + " " + kWords[r.between(0, nw - 1)];
    case 1: return std::string(kWords[r.between(0, nw - 1)]) + " " + std::to_string(r.between(1, 999));
    case 2: return "$" + std::to_string(r.between(1, 9999)) + "." + pad(r.between(0, 99), 2);
    case 3: return std::to_string(r.between(1990, 2030)) + "-" + pad(r.between(1, 12), 2) + "-" + pad(r.between(1, 28), 2);
    case 4: {
      std::string s;
      for (int i = 0; i < 2; ++i) s += static_cast<char>('A' + r.between(0, 25));
      return s + "-" + std::to_string(r.between(100, 99999));
    }
    default: return std::string(kWords[r.between(0, nw - 1)]) + ", " + kWords[r.between(0, nw - 1)] + "!";
  }
}

QFont randomFont(Rng& r, int pixelSize) {
  QFont f(kFamilies[r.between(0, 5)]);
  f.setPixelSize(pixelSize);
  f.setBold(r.between(0, 3) == 0);
  f.setItalic(r.between(0, 5) == 0);
  f.setHintingPreference(QFont::PreferNoHinting);
  return f;
}

// One line of text, tightly framed (a small random margin), gray on gray.
QImage renderLine(Rng& r, const std::string& text) {
  const QFont font = randomFont(r, r.between(20, 40));
  const QFontMetricsF fm(font);
  const int margin = r.between(2, 8);
  const int w = static_cast<int>(fm.horizontalAdvance(QString::fromStdString(text))) + 2 * margin;
  const int h = static_cast<int>(fm.height()) + margin;
  QImage img(w, h, QImage::Format_Grayscale8);
  img.fill(r.between(180, 255));
  QPainter p(&img);
  p.setFont(font);
  const int ink = r.between(0, 80);
  p.setPen(QColor(ink, ink, ink));
  p.drawText(QPointF(margin, margin / 2.0 + fm.ascent()), QString::fromStdString(text));
  return img;
}

// Writes `img` (gray) scaled to height H keeping its ratio, at most W wide, into a 3 x H x W plane
// at `out`, normalized as (p/255 - 0.5)/0.5 and padded with 0 on the right.
void putNormalizedLine(const QImage& img, int H, int W, float* out) {
  const int w = std::min(W, std::max(1, static_cast<int>(std::ceil(H * double(img.width()) / img.height()))));
  const QImage s = img.scaled(w, H, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < H; ++y) {
      const uchar* row = s.constScanLine(y);
      for (int x = 0; x < W; ++x)
        out[(c * H + y) * W + x] = x < w ? (row[x] / 255.0f - 0.5f) / 0.5f : 0.0f;
    }
}

void writeText(const std::string& file, const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += l + "\n";
  nest::writeFileAtomically(file, s);
}

int usage() {
  std::fprintf(stderr,
               "usage: nest-ocr-lines OUT_DIR [--lines N] [--pages P] [--seed S]\n"
               "renders N text lines (default 300) and P detector pages (default 100) with a fixed seed (default 1)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QGuiApplication app(argc, argv);
  std::string out;
  int lines = 300, pages = 100;
  uint32_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto num = [&](long lo, long hi) -> long {
      if (i + 1 >= argc) { std::fprintf(stderr, "nest-ocr-lines: %s needs a value\n", a.c_str()); std::exit(2); }
      char* end = nullptr;
      const long v = std::strtol(argv[++i], &end, 10);
      if (*end || v < lo || v > hi) {
        std::fprintf(stderr, "nest-ocr-lines: %s must be a number in %ld..%ld, got '%s'\n", a.c_str(), lo, hi, argv[i]);
        std::exit(2);
      }
      return v;
    };
    if (a == "--lines") lines = static_cast<int>(num(1, 100000));
    else if (a == "--pages") pages = static_cast<int>(num(1, 100000));
    else if (a == "--seed") seed = static_cast<uint32_t>(num(0, 4294967295L));
    else if (a.rfind("--", 0) == 0 || !out.empty()) return usage();
    else out = a;
  }
  if (out.empty()) return usage();
  for (const char* fam : kFamilies)
    if (!QFontDatabase::families().contains(fam)) {
      std::fprintf(stderr, "nest-ocr-lines: font family '%s' is missing (Debian: fonts-dejavu-core, fonts-dejavu-extra, fonts-liberation2)\n", fam);
      return 2;
    }
  try {
    Rng r(seed);
    std::vector<std::string> truth;
    nest::Tensor rec(nest::TensorType(nest::ElemType::F32, {lines, 3, kRecH, kRecW}));
    nest::Tensor cls(nest::TensorType(nest::ElemType::F32, {lines, 3, kRecH, kClsW}));
    nest::Tensor clsLabels(nest::TensorType(nest::ElemType::I64, {lines}));
    for (int i = 0; i < lines; ++i) {
      std::string text;
      QImage img;
      do {  // lines longer than the recognizer's 320 x 48 are redrawn with another string
        text = randomLine(r);
        img = renderLine(r, text);
      } while (kRecH * double(img.width()) / img.height() > kRecW);
      truth.push_back(text);
      putNormalizedLine(img, kRecH, kRecW, rec.mutableData<float>() + int64_t(i) * 3 * kRecH * kRecW);
      const bool turned = i % 2 == 1;
      putNormalizedLine(turned ? img.transformed(QTransform().rotate(180)) : img, kRecH, kClsW,
                        cls.mutableData<float>() + int64_t(i) * 3 * kRecH * kClsW);
      clsLabels.mutableData<int64_t>()[i] = turned ? 1 : 0;
    }
    std::vector<std::string> pageText;
    nest::Tensor det(nest::TensorType(nest::ElemType::F32, {pages, 3, kDetH, kDetW}));
    const float mean[3] = {0.485f, 0.456f, 0.406f}, stdv[3] = {0.229f, 0.224f, 0.225f};
    for (int pg = 0; pg < pages; ++pg) {
      QImage page(kDetW, kDetH, QImage::Format_Grayscale8);
      page.fill(r.between(190, 255));
      QPainter p(&page);
      std::string joined;
      const int n = r.between(2, 3);
      int y = r.between(4, 12);
      for (int k = 0; k < n; ++k) {
        const std::string text = randomLine(r);
        const QImage line = renderLine(r, text);
        const int h = std::min(line.height(), kDetH / n - 4);
        const QImage s = line.scaledToHeight(h, Qt::SmoothTransformation);
        p.drawImage(r.between(4, 60), y, s);
        y += h + r.between(2, 6);
        joined += (k ? " | " : "") + text;
      }
      p.end();
      pageText.push_back(joined);
      float* o = det.mutableData<float>() + int64_t(pg) * 3 * kDetH * kDetW;
      for (int c = 0; c < 3; ++c)
        for (int yy = 0; yy < kDetH; ++yy) {
          const uchar* row = page.constScanLine(yy);
          for (int x = 0; x < kDetW; ++x) o[(c * kDetH + yy) * kDetW + x] = (row[x] / 255.0f - mean[c]) / stdv[c];
        }
    }
    const std::string dir = out + "/";
    std::filesystem::create_directories(out);
    nest::writeNpy(rec, dir + "rec.npy");
    writeText(dir + "rec.txt", truth);
    nest::writeNpy(cls, dir + "cls.npy");
    nest::writeNpy(clsLabels, dir + "cls_labels.npy");
    nest::writeNpy(det, dir + "det.npy");
    writeText(dir + "det.txt", pageText);
    std::printf("nest-ocr-lines: %d lines, %d pages (seed %u) in %s\n", lines, pages, seed, out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nest-ocr-lines: %s\n", e.what());
    return 2;
  }
  return 0;
}
