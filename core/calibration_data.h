// Calibration (and validation) inputs: turns `--input` arguments into a sequence of model runs.
// Sources per graph input: .npy / .pb tensor files (the leading dimension iterated as in
// `nestc run`), folders of .pb TensorProto files (sorted by name, concatenated along the leading
// dimension), image folders (PNG/JPEG/BMP, preprocessed by a PreprocessSpec) and MNIST idx files
// (images become float [N,1,28,28] raw 0..255 unless the spec scales them). Images are loaded
// lazily, one run at a time, so a large folder does not have to fit in memory.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/graph.h"

namespace nest {

// How image/idx pixels (0..255) become model input values:
//   value[c] = (pixel * scale - mean[c]) / std[c]
// after an optional resize to HxW and centre crop to HxW, in NCHW or NHWC layout, with
// channels in rgb, bgr or gray order. See preprocessGrammar().
struct PreprocessSpec {
  int64_t resizeH = 0, resizeW = 0;  // 0: resize straight to the model's size when it differs
  int64_t cropH = 0, cropW = 0;      // 0: no crop
  std::string layout = "NCHW";       // or "NHWC"
  std::string channels;              // "rgb", "bgr", "gray"; empty: gray for 1 channel, rgb for 3
  float scale = 1;
  std::vector<float> mean = {0}, std = {1};  // one value, or one per channel
  bool imageOnly = false;            // resize, crop, layout or channels was given
};

// Parses "resize=256x256,crop=224x224,layout=NCHW,channels=rgb,scale=0.00392157,
// mean=0.485,0.456,0.406,std=0.229,0.224,0.225"; throws BadInput naming the bad item.
PreprocessSpec parsePreprocessSpec(const std::string& text);
// The grammar, for --help and error messages.
std::string preprocessGrammar();

struct CalibrationOptions {
  PreprocessSpec preprocess;
  bool preprocessGiven = false;  // a spec was given (it is refused for plain tensor files)
  int64_t skip = 0;              // samples (rows of the leading dimension) to leave out first
  int64_t limit = -1;            // at most this many samples after the skip; -1: all
};

// One graph input's samples: rows along the leading dimension, converted to the input's type.
class InputSource {
 public:
  virtual ~InputSource() = default;
  virtual int64_t rows() const = 0;
  // Rows [first, first + count) as a tensor of shape [count, model shape[1:]...].
  virtual Tensor rowRange(int64_t first, int64_t count) const = 0;
  virtual std::string describe() const = 0;  // "images/ (3 images)", for messages
};

class CalibrationSet {
 public:
  size_t runs() const { return runs_; }
  int64_t samplesPerRun() const { return batch_; }
  // The inputs of run r, in graph-input order, with exactly the graph's input types.
  std::vector<Tensor> inputsForRun(size_t r) const;
  // One line per graph input: its source and how many samples it gives.
  std::string describe() const;

 private:
  friend CalibrationSet openCalibrationSet(const Graph&, const std::vector<std::string>&, const CalibrationOptions&);
  struct Slot {
    std::string input;
    TensorType type;
    std::shared_ptr<const InputSource> source;
    bool broadcast = false;  // one run's worth of data, reused for every run
  };
  std::vector<Slot> slots_;
  size_t runs_ = 0;
  int64_t batch_ = 1, skip_ = 0;
};

// Pairs `specs` with graph inputs (positional in graph-input order, or NAME=PATH) and opens
// them. Throws BadInput naming the file or input when a source is missing, unreadable, of the
// wrong shape or type, or when the inputs disagree on the number of runs.
CalibrationSet openCalibrationSet(const Graph& graph, const std::vector<std::string>& specs,
                                  const CalibrationOptions& options);

}  // namespace nest
