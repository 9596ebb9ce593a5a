#include "core/calibration_data.h"

#include <stb_image.h>
#include <stb_image_resize.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

#include "core/error.h"
#include "core/idx_file.h"
#include "core/npy.h"

namespace nest {

namespace fs = std::filesystem;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool isImageFile(const fs::path& p) {
  std::string ext = lower(p.extension().string());
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

bool isIdxFile(const fs::path& p) {
  std::string name = lower(p.filename().string());
  return p.extension() == ".idx" || p.extension() == ".gz" || name.find("-ubyte") != std::string::npos;
}

float parseFloat(const std::string& s, const std::string& what) {
  float v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
    failBadInput("--preprocess: " + what + " '" + s + "' is not a number\n" + preprocessGrammar());
  return v;
}

void parseSize(const std::string& key, const std::string& s, int64_t& h, int64_t& w) {
  auto x = s.find('x');
  auto toInt = [&](const std::string& part) {
    int64_t v = 0;
    auto r = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || r.ec != std::errc() || r.ptr != part.data() + part.size() || v <= 0)
      failBadInput("--preprocess: " + key + "=" + s + " must be HEIGHTxWIDTH, e.g. 224x224\n" + preprocessGrammar());
    return v;
  };
  if (x == std::string::npos) toInt("");
  h = toInt(s.substr(0, x));
  w = toInt(s.substr(x + 1));
}

// Rows of a tensor already in memory (npy, pb, idx), laid out as [rows, model shape[1:]...].
class TensorRows : public InputSource {
 public:
  TensorRows(Tensor t, const TensorType& want, std::string what, bool reshapeRows) : what_(std::move(what)) {
    if (want.shape.empty()) {
      if (t.numElements() != 1) failBadInput(what_ + ": shape " + shapeToString(t.shape()) + " does not fit the scalar input");
      t_ = t.reshaped({});
      rows_ = 1;
    } else {
      Shape rest(want.shape.begin() + 1, want.shape.end());
      Shape have = t.shape();
      bool fits = have.size() == want.shape.size() && std::equal(rest.begin(), rest.end(), have.begin() + 1);
      if (!fits && reshapeRows && !have.empty() && numElements(Shape(have.begin() + 1, have.end())) == numElements(rest))
        fits = true;
      if (!fits)
        failBadInput(what_ + ": shape " + shapeToString(have) + " does not fit the model input " + shapeToString(want.shape) +
                     " (expected N x " + shapeToString(rest) + ", N a multiple of " + std::to_string(want.shape[0]) + ")");
      rows_ = have[0];
      Shape shape = rest;
      shape.insert(shape.begin(), rows_);
      t_ = t.reshaped(shape);
    }
    if (t_.elem() != want.elem)
      failBadInput(what_ + " holds " + std::string(elemTypeName(t_.elem())) + " values but the model input takes " + std::string(elemTypeName(want.elem)));
  }
  int64_t rows() const override { return rows_; }
  Tensor rowRange(int64_t first, int64_t count) const override {
    if (t_.shape().empty()) return t_;
    Shape shape = t_.shape();
    shape[0] = count;
    Tensor out(TensorType(t_.elem(), shape));
    std::memcpy(out.rawMutable(), static_cast<const char*>(t_.raw()) + first * (t_.byteSize() / rows_), out.byteSize());
    return out;
  }
  std::string describe() const override { return what_ + " (" + std::to_string(rows_) + " samples)"; }

 private:
  Tensor t_;
  int64_t rows_ = 0;
  std::string what_;
};

// Geometry of an image input: channels and spatial size from the model's shape and the layout.
struct ImageGeometry {
  int64_t c = 0, h = 0, w = 0;
  bool nhwc = false;
};

ImageGeometry imageGeometry(const TensorType& want, const PreprocessSpec& spec, const std::string& what) {
  if (want.shape.size() != 4)
    failBadInput(what + ": images need a 4-d model input (N,C,H,W or N,H,W,C), this one is " + shapeToString(want.shape));
  ImageGeometry g;
  g.nhwc = spec.layout == "NHWC";
  g.c = g.nhwc ? want.shape[3] : want.shape[1];
  g.h = g.nhwc ? want.shape[1] : want.shape[2];
  g.w = g.nhwc ? want.shape[2] : want.shape[3];
  if (g.c != 1 && g.c != 3)
    failBadInput(what + ": the model input " + shapeToString(want.shape) + " has " + std::to_string(g.c) + " channels in " +
                 spec.layout + " layout; images give 1 (gray) or 3 (rgb/bgr) — wrong layout= ?");
  std::string channels = spec.channels.empty() ? (g.c == 1 ? "gray" : "rgb") : spec.channels;
  if ((channels == "gray") != (g.c == 1))
    failBadInput(what + ": channels=" + channels + " does not fit the model input's " + std::to_string(g.c) + " channels");
  for (const auto* list : {&spec.mean, &spec.std})
    if (list->size() != 1 && static_cast<int64_t>(list->size()) != g.c)
      failBadInput("--preprocess: mean and std need 1 or " + std::to_string(g.c) + " values for this model, got " +
                   std::to_string(list->size()));
  int64_t finalH = spec.cropH ? spec.cropH : spec.resizeH ? spec.resizeH : g.h;
  int64_t finalW = spec.cropW ? spec.cropW : spec.resizeW ? spec.resizeW : g.w;
  if (finalH != g.h || finalW != g.w)
    failBadInput("--preprocess: images end up " + std::to_string(finalH) + "x" + std::to_string(finalW) +
                 " but the model input takes " + std::to_string(g.h) + "x" + std::to_string(g.w));
  return g;
}

// An image folder (or one image file): each image is one sample, preprocessed when its run needs it.
class ImageRows : public InputSource {
 public:
  ImageRows(std::vector<fs::path> files, const TensorType& want, PreprocessSpec spec, std::string what)
      : files_(std::move(files)), want_(want), spec_(std::move(spec)), what_(std::move(what)) {
    geo_ = imageGeometry(want_, spec_, what_);
  }
  int64_t rows() const override { return static_cast<int64_t>(files_.size()); }
  Tensor rowRange(int64_t first, int64_t count) const override {
    Shape shape = want_.shape;
    shape[0] = count;
    Tensor out(TensorType(ElemType::F32, shape));
    const size_t perImage = static_cast<size_t>(geo_.c * geo_.h * geo_.w);
    for (int64_t i = 0; i < count; ++i) load(files_[first + i], out.mutableData<float>() + i * perImage);
    return want_.elem == ElemType::F32 ? out : convertTensor(out, want_.elem);
  }
  std::string describe() const override { return what_ + " (" + std::to_string(files_.size()) + " images)"; }

 private:
  void load(const fs::path& file, float* dst) const {
    const int c = static_cast<int>(geo_.c);
    int w = 0, h = 0, n = 0;
    unsigned char* raw = stbi_load(file.c_str(), &w, &h, &n, c);
    if (!raw) failBadInput("image " + file.string() + ": " + stbi_failure_reason());
    std::vector<unsigned char> pixels(raw, raw + static_cast<size_t>(w) * h * c);
    stbi_image_free(raw);
    auto resize = [&](int64_t nh, int64_t nw) {
      if (nh == h && nw == w) return;
      std::vector<unsigned char> out(static_cast<size_t>(nh * nw * c));
      if (!stbir_resize_uint8(pixels.data(), w, h, 0, out.data(), static_cast<int>(nw), static_cast<int>(nh), 0, c))
        failBadInput("image " + file.string() + ": resize to " + std::to_string(nh) + "x" + std::to_string(nw) + " failed");
      pixels.swap(out);
      h = static_cast<int>(nh);
      w = static_cast<int>(nw);
    };
    if (spec_.resizeH) resize(spec_.resizeH, spec_.resizeW);
    else if (!spec_.cropH) resize(geo_.h, geo_.w);
    int top = 0, left = 0;
    if (spec_.cropH) {
      if (spec_.cropH > h || spec_.cropW > w)
        failBadInput("image " + file.string() + " (" + std::to_string(h) + "x" + std::to_string(w) + ") is smaller than crop=" +
                     std::to_string(spec_.cropH) + "x" + std::to_string(spec_.cropW));
      top = static_cast<int>((h - spec_.cropH) / 2);
      left = static_cast<int>((w - spec_.cropW) / 2);
    }
    const bool bgr = spec_.channels == "bgr";
    for (int64_t y = 0; y < geo_.h; ++y)
      for (int64_t x = 0; x < geo_.w; ++x)
        for (int64_t ch = 0; ch < geo_.c; ++ch) {
          int64_t src = bgr ? geo_.c - 1 - ch : ch;
          float p = pixels[((top + y) * w + (left + x)) * c + src];
          float mean = spec_.mean.size() == 1 ? spec_.mean[0] : spec_.mean[ch];
          float std = spec_.std.size() == 1 ? spec_.std[0] : spec_.std[ch];
          size_t at = geo_.nhwc ? (y * geo_.w + x) * geo_.c + ch : (ch * geo_.h + y) * geo_.w + x;
          dst[at] = (p * spec_.scale - mean) / std;
        }
  }
  std::vector<fs::path> files_;
  TensorType want_;
  PreprocessSpec spec_;
  std::string what_;
  ImageGeometry geo_;
};

// MNIST idx images (u8 N x 28 x 28) as float rows, scaled by the spec (raw 0..255 by default).
Tensor idxAsModelValues(const fs::path& file, const TensorType& want, const CalibrationOptions& o) {
  const PreprocessSpec& spec = o.preprocess;
  if (spec.imageOnly) failBadInput("--preprocess: resize, crop, layout and channels apply to image folders, not to idx file " + file.string());
  if (spec.mean.size() != 1 || spec.std.size() != 1)
    failBadInput("--preprocess: idx images have one channel: give one mean and one std value");
  Tensor t = convertTensor(readIdxFile(file), ElemType::F32);
  float* v = t.mutableData<float>();
  for (int64_t i = 0; i < t.numElements(); ++i) v[i] = (v[i] * spec.scale - spec.mean[0]) / spec.std[0];
  return want.elem == ElemType::F32 ? t : convertTensor(t, want.elem);
}

std::shared_ptr<const InputSource> openSource(const fs::path& path, const std::string& input, const TensorType& want,
                                              const CalibrationOptions& o) {
  std::string what = "--input " + path.string();
  if (!fs::exists(path)) failBadInput(what + ": no such file or folder");
  auto refusePreprocess = [&](const std::string& kind) {
    if (o.preprocessGiven) failBadInput("--preprocess applies to image folders and idx files, not to " + kind + " " + path.string());
  };
  if (fs::is_directory(path)) {
    std::vector<fs::path> images, tensors;
    for (const auto& e : fs::directory_iterator(path)) {
      if (!e.is_regular_file()) continue;
      if (isImageFile(e.path())) images.push_back(e.path());
      else if (e.path().extension() == ".pb") tensors.push_back(e.path());
    }
    if (!images.empty() && !tensors.empty())
      failBadInput(what + ": the folder holds both images and .pb tensors; give one kind per folder");
    if (images.empty() && tensors.empty())
      failBadInput(what + ": the folder holds no images (.png .jpg .jpeg .bmp) and no .pb tensors");
    std::sort(images.begin(), images.end());
    std::sort(tensors.begin(), tensors.end());
    if (!images.empty()) return std::make_shared<ImageRows>(images, want, o.preprocess, what);
    refusePreprocess("the .pb folder");
    // Each file holds one or more samples along the leading dimension; concatenate them.
    std::vector<std::shared_ptr<TensorRows>> parts;
    int64_t rows = 0;
    for (const fs::path& f : tensors) {
      parts.push_back(std::make_shared<TensorRows>(readTensorFile(f), want, "--input " + f.string(), false));
      rows += parts.back()->rows();
    }
    if (want.shape.empty()) {
      if (parts.size() != 1) failBadInput(what + ": a scalar input takes one .pb file, the folder holds " + std::to_string(parts.size()));
      return parts[0];
    }
    Shape shape = want.shape;
    shape[0] = rows;
    Tensor all(TensorType(want.elem, shape));
    size_t offset = 0;
    for (const auto& p : parts) {
      Tensor t = p->rowRange(0, p->rows());
      std::memcpy(static_cast<char*>(all.rawMutable()) + offset, t.raw(), t.byteSize());
      offset += t.byteSize();
    }
    return std::make_shared<TensorRows>(all, want, what, false);
  }
  if (isImageFile(path)) return std::make_shared<ImageRows>(std::vector<fs::path>{path}, want, o.preprocess, what);
  if (path.extension() == ".npy" || path.extension() == ".pb") {
    refusePreprocess("tensor file");
    return std::make_shared<TensorRows>(readTensorFile(path), want, what, false);
  }
  if (isIdxFile(path)) return std::make_shared<TensorRows>(idxAsModelValues(path, want, o), want, what, true);
  failBadInput(what + ": unknown kind of input for '" + input +
               "' (expected .npy, .pb, an idx file, an image, or a folder of images or .pb files)");
}

}  // namespace

PreprocessSpec parsePreprocessSpec(const std::string& text) {
  PreprocessSpec spec;
  if (text.empty()) failBadInput("--preprocess: empty spec\n" + preprocessGrammar());
  std::string key;
  bool meanGiven = false, stdGiven = false;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    auto eq = item.find('=');
    std::string value = item;
    if (eq != std::string::npos) {
      key = lower(item.substr(0, eq));
      value = item.substr(eq + 1);
      if (key == "mean") spec.mean.clear(), meanGiven = true;
      else if (key == "std") spec.std.clear(), stdGiven = true;
    } else if (key != "mean" && key != "std") {
      failBadInput("--preprocess: '" + item + "' is not KEY=VALUE (only mean= and std= take several comma-separated values)\n" +
                   preprocessGrammar());
    }
    if (key == "resize") parseSize(key, value, spec.resizeH, spec.resizeW), spec.imageOnly = true;
    else if (key == "crop") parseSize(key, value, spec.cropH, spec.cropW), spec.imageOnly = true;
    else if (key == "layout") {
      spec.layout = value;
      for (char& c : spec.layout) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (spec.layout != "NCHW" && spec.layout != "NHWC") failBadInput("--preprocess: layout must be NCHW or NHWC, not '" + value + "'");
      spec.imageOnly = true;
    } else if (key == "channels") {
      spec.channels = lower(value);
      if (spec.channels != "rgb" && spec.channels != "bgr" && spec.channels != "gray")
        failBadInput("--preprocess: channels must be rgb, bgr or gray, not '" + value + "'");
      spec.imageOnly = true;
    } else if (key == "scale") spec.scale = parseFloat(value, "scale");
    else if (key == "mean") spec.mean.push_back(parseFloat(value, "mean value"));
    else if (key == "std") {
      float s = parseFloat(value, "std value");
      if (s == 0) failBadInput("--preprocess: std values must not be 0");
      spec.std.push_back(s);
    } else failBadInput("--preprocess: unknown key '" + key + "'\n" + preprocessGrammar());
  }
  if ((meanGiven && spec.mean.empty()) || (stdGiven && spec.std.empty())) failBadInput("--preprocess: mean= and std= need values");
  return spec;
}

std::string preprocessGrammar() {
  return "  SPEC = ITEM{,ITEM}; items (all optional):\n"
         "    resize=HxW      resize every image to H x W (default: to the model's size)\n"
         "    crop=HxW        then take the centre H x W (e.g. resize=256x256,crop=224x224)\n"
         "    layout=NCHW|NHWC  model input layout (default NCHW)\n"
         "    channels=rgb|bgr|gray  channel order (default gray for 1 channel, rgb for 3)\n"
         "    scale=S         multiply pixels (0..255) by S first (default 1: raw 0..255)\n"
         "    mean=M[,M,M]    subtract per channel after scaling (default 0)\n"
         "    std=S[,S,S]     then divide per channel (default 1)\n"
         "  value = (pixel * scale - mean[c]) / std[c]. idx files take scale, mean and std only.\n";
}

std::vector<Tensor> CalibrationSet::inputsForRun(size_t r) const {
  if (r >= runs_) failInternal("calibration run " + std::to_string(r) + " of " + std::to_string(runs_));
  std::vector<Tensor> inputs;
  for (const Slot& s : slots_) {
    int64_t batch = s.type.shape.empty() ? 1 : s.type.shape[0];
    if (s.broadcast) inputs.push_back(s.source->rowRange(0, s.source->rows()));
    else inputs.push_back(s.source->rowRange(skip_ + static_cast<int64_t>(r) * batch, batch));
  }
  return inputs;
}

std::string CalibrationSet::describe() const {
  std::string s;
  for (const Slot& slot : slots_) {
    s += slot.input + ": " + slot.source->describe();
    int64_t used = static_cast<int64_t>(runs_) * (slot.type.shape.empty() ? 1 : slot.type.shape[0]);
    if (slot.broadcast) s += ", the same for every run";
    else if (skip_ > 0 || used < slot.source->rows())
      s += ", using samples " + std::to_string(skip_) + ".." + std::to_string(skip_ + used - 1);
    s += "\n";
  }
  return s;
}

CalibrationSet openCalibrationSet(const Graph& g, const std::vector<std::string>& specs, const CalibrationOptions& o) {
  if (o.skip < 0) failBadInput("--skip must not be negative");
  if (o.limit == 0 || o.limit < -1) failBadInput("--limit must be positive");
  // Pair specs with graph inputs: positional in graph-input order, or NAME=PATH.
  std::vector<std::string> paths(g.inputs.size());
  size_t nextPositional = 0;
  for (const std::string& spec : specs) {
    size_t slot = g.inputs.size();
    std::string path = spec;
    if (auto eq = spec.find('='); eq != std::string::npos && !fs::exists(spec)) {
      auto it = std::find(g.inputs.begin(), g.inputs.end(), spec.substr(0, eq));
      if (it == g.inputs.end()) failBadInput("--input " + spec + ": the model has no input named '" + spec.substr(0, eq) + "'");
      slot = static_cast<size_t>(it - g.inputs.begin());
      path = spec.substr(eq + 1);
    }
    if (slot == g.inputs.size()) {
      while (nextPositional < g.inputs.size() && !paths[nextPositional].empty()) ++nextPositional;
      if (nextPositional == g.inputs.size())
        failBadInput("too many --input arguments: the model takes " + std::to_string(g.inputs.size()));
      slot = nextPositional;
    }
    if (!paths[slot].empty()) failBadInput("input '" + g.inputs[slot] + "' is given twice");
    paths[slot] = path;
  }
  CalibrationSet set;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const TensorType& want = g.typeOf(g.inputs[i]);
    if (paths[i].empty()) failBadInput("no --input for graph input '" + g.inputs[i] + "' (" + typeToString(want) + ")");
    set.slots_.push_back({g.inputs[i], want, openSource(paths[i], g.inputs[i], want, o)});
  }
  // Runs per input; an input with exactly one run's worth of data is reused when others have more.
  auto batchOf = [](const CalibrationSet::Slot& s) { return s.type.shape.empty() ? int64_t{1} : s.type.shape[0]; };
  bool anyMany = false;
  for (const auto& s : set.slots_) anyMany |= s.source->rows() > batchOf(s);
  std::optional<size_t> runs;
  std::string runsFrom;
  for (auto& s : set.slots_) {
    int64_t batch = batchOf(s), rows = s.source->rows();
    if (anyMany && rows == batch) {
      s.broadcast = true;
      continue;
    }
    int64_t avail = rows - o.skip;
    if (avail <= 0) failBadInput(s.source->describe() + ": --skip " + std::to_string(o.skip) + " leaves no samples");
    if (o.limit > 0) avail = std::min(avail, o.limit);
    if (avail % batch != 0)
      failBadInput(s.source->describe() + ": " + std::to_string(avail) + " samples (after --skip/--limit) are not a multiple of the model's batch " +
                   std::to_string(batch) + " for input '" + s.input + "'");
    size_t r = static_cast<size_t>(avail / batch);
    if (runs && *runs != r)
      failBadInput("inputs disagree on the number of runs: " + runsFrom + " gives " + std::to_string(*runs) + ", '" + s.input +
                   "' gives " + std::to_string(r));
    runs = r;
    runsFrom = "'" + s.input + "'";
  }
  set.runs_ = runs.value_or(1);
  set.skip_ = o.skip;
  set.batch_ = set.slots_.empty() ? 1 : batchOf(set.slots_[0]);
  return set;
}

}  // namespace nest
