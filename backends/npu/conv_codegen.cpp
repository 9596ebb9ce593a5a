#include "backends/npu/conv_codegen.h"

#include <algorithm>

#include "backends/npu/pipeline.h"

namespace nest::npu {

namespace {

using vta::Instruction;
using vta::MemId;
using vta::Uop;

std::string range(int64_t first, int64_t count) {
  return std::to_string(first) + ".." + std::to_string(first + count - 1);
}

struct OutTile {
  int64_t batch = 0, y0 = 0, rows = 1, x0 = 0, cols = 1, co0 = 0, coCount = 1;
  int64_t spatialIndex = 0, coTile = 0;
  std::string label;
};

class MacEmitter {
 public:
  MacEmitter(ProgramBuilder& b, const MacSpec& spec, const MacGeometry& g, const RequantPlan& plan, const MacTiling& t,
             const MacAddresses& at)
      : b_(b), s_(spec), g_(g), plan_(plan), t_(t), at_(at) {}

  void run() {
    const int64_t yTiles = ceilDiv(g_.outH, t_.tileH), xTiles = ceilDiv(g_.outW, t_.tileW);
    const int64_t coTiles = ceilDiv(g_.coBlocks, t_.coBlocks);
    ciTiles_ = ceilDiv(g_.ciBlocks, t_.ciBlocks);
    std::vector<OutTile> tiles;
    auto spatial = [&](int64_t index, OutTile& o) {
      o.spatialIndex = index;
      o.x0 = (index % xTiles) * t_.tileW;
      o.y0 = (index / xTiles % yTiles) * t_.tileH;
      o.batch = index / (xTiles * yTiles);
      o.rows = std::min(t_.tileH, g_.outH - o.y0);
      o.cols = std::min(t_.tileW, g_.outW - o.x0);
    };
    const int64_t spatialTiles = g_.batchBlocks * yTiles * xTiles;
    for (int64_t outer = 0; outer < (t_.weightsOuter ? coTiles : spatialTiles); ++outer)
      for (int64_t inner = 0; inner < (t_.weightsOuter ? spatialTiles : coTiles); ++inner) {
        OutTile o;
        spatial(t_.weightsOuter ? inner : outer, o);
        o.coTile = t_.weightsOuter ? outer : inner;
        o.co0 = o.coTile * t_.coBlocks;
        o.coCount = std::min(t_.coBlocks, g_.coBlocks - o.co0);
        tiles.push_back(o);
      }
    const size_t tileCount = tiles.size();
    for (size_t j = 0; j < tileCount; ++j) {
      OutTile& o = tiles[j];
      o.label = "tile " + std::to_string(j + 1) + "/" + std::to_string(tileCount) +
                (s_.matrix ? " rows " + range(o.y0 * b_.config().batch(), o.rows * b_.config().batch())
                           : (g_.batchBlocks > 1 ? " image " + std::to_string(o.batch) : std::string()) + " rows " +
                                 range(o.y0, o.rows) + " cols " + range(o.x0, o.cols)) +
                " co-blocks " + range(o.co0, o.coCount);
    }
    std::vector<PipelineStep> steps;
    std::vector<PipelineTile> pipelineTiles;
    for (size_t j = 0; j < tileCount; ++j) {
      const OutTile& o = tiles[j];
      for (int64_t cit = 0; cit < ciTiles_; ++cit) {
        PipelineStep step;
        step.tile = static_cast<int>(j);
        step.inputKey = o.spatialIndex * ciTiles_ + cit;
        step.weightKey = o.coTile * ciTiles_ + cit;
        const int64_t ci0 = cit * t_.ciBlocks, ciCount = std::min(t_.ciBlocks, g_.ciBlocks - ci0);
        step.loadInput = [this, o, ci0, ciCount](int half) { loadInput(o, ci0, ciCount, half); };
        step.loadWeights = [this, o, ci0, ciCount](int half) { loadWeights(o, ci0, ciCount, half); };
        step.compute = [this, o, ci0, ciCount](int ih, int wh, int ah) { gemm(o, ci0, ciCount, ih, wh, ah); };
        steps.push_back(std::move(step));
      }
      PipelineTile pt;
      pt.reset = [this, o](int ah) {
        emitReset(b_, accBase(ah), static_cast<uint32_t>(o.coCount * o.rows * o.cols * g_.accPerEntry), o.label + ": reset");
      };
      pt.requantize = [this, o](int ah) { emitRequant(b_, plan_, at_.vectors, accTile(o, ah), o.label); };
      pt.store = [this, o](int ah) { store(o, ah); };
      pipelineTiles.push_back(std::move(pt));
    }
    emitPipeline(b_, steps, pipelineTiles);
  }

 private:
  static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }
  uint32_t inpBase(int half) const { return static_cast<uint32_t>(half * g_.inpHalf); }
  uint32_t wgtBase(int half) const { return static_cast<uint32_t>(half * g_.wgtHalf); }
  uint32_t accBase(int half) const { return static_cast<uint32_t>(g_.accConstEntries + half * g_.accHalf); }
  int64_t inRows(const OutTile& o) const { return (o.rows - 1) * s_.strideH + s_.kh; }
  int64_t inCols(const OutTile& o) const { return (o.cols - 1) * s_.strideW + s_.kw; }

  AccTile accTile(const OutTile& o, int half) const {
    AccTile a;
    const uint32_t pixels = static_cast<uint32_t>(o.rows * o.cols);
    a.sum = accBase(half);
    a.sign = a.sum + static_cast<uint32_t>(o.coCount) * pixels;
    a.coBlocks = static_cast<uint32_t>(o.coCount);
    a.pixels = pixels;
    a.coStride = s_.matrix ? 1 : pixels;
    a.pixelStride = s_.matrix ? static_cast<uint32_t>(o.coCount) : 1;
    a.firstBlock = static_cast<uint32_t>(o.co0);
    return a;
  }

  void loadInput(const OutTile& o, int64_t ci0, int64_t ciCount, int half) {
    const std::string what = o.label + ": load input ci-blocks " + range(ci0, ciCount);
    if (s_.matrix) {
      b_.emit(loadInsn(MemId::Inp, inpBase(half), at_.input + o.y0 * g_.ciBlocks + ci0, static_cast<uint32_t>(o.rows),
                       static_cast<uint32_t>(ciCount), static_cast<uint32_t>(g_.ciBlocks)),
              what);
      return;
    }
    const int64_t rows = inRows(o), cols = inCols(o);
    const int64_t iy0 = o.y0 * s_.strideH - s_.padTop, ix0 = o.x0 * s_.strideW - s_.padLeft;
    const int64_t vy0 = std::max<int64_t>(iy0, 0), vy1 = std::min(iy0 + rows, g_.inH);
    const int64_t vx0 = std::max<int64_t>(ix0, 0), vx1 = std::min(ix0 + cols, g_.inW);
    const bool empty = vy1 <= vy0 || vx1 <= vx0;  // the window lies in the padding only
    for (int64_t c = 0; c < ciCount; ++c) {
      Instruction i = loadInsn(MemId::Inp, inpBase(half) + static_cast<uint32_t>(c * rows * cols),
                               empty ? at_.input : at_.input + ((o.batch * g_.ciBlocks + ci0 + c) * g_.inH + vy0) * g_.inW + vx0,
                               empty ? 0 : static_cast<uint32_t>(vy1 - vy0), empty ? 0 : static_cast<uint32_t>(vx1 - vx0),
                               static_cast<uint32_t>(g_.inW));
      i.yPad0 = static_cast<uint32_t>(empty ? rows : vy0 - iy0);
      i.yPad1 = static_cast<uint32_t>(empty ? 0 : iy0 + rows - vy1);
      i.xPad0 = static_cast<uint32_t>(empty ? cols : vx0 - ix0);
      i.xPad1 = static_cast<uint32_t>(empty ? 0 : ix0 + cols - vx1);
      b_.emit(i, what + (ciCount > 1 ? " (" + std::to_string(c + 1) + "/" + std::to_string(ciCount) + ")" : std::string()));
    }
  }

  void loadWeights(const OutTile& o, int64_t ci0, int64_t ciCount, int half) {
    const int64_t kk = g_.kernelEntries;
    b_.emit(loadInsn(MemId::Wgt, wgtBase(half), at_.weights + (o.co0 * g_.ciBlocks + ci0) * kk, static_cast<uint32_t>(o.coCount),
                     static_cast<uint32_t>(ciCount * kk), static_cast<uint32_t>(g_.ciBlocks * kk)),
            o.label + ": load weights ci-blocks " + range(ci0, ciCount));
  }

  void gemm(const OutTile& o, int64_t ci0, int64_t ciCount, int ih, int wh, int ah) {
    Instruction i;
    i.opcode = vta::Opcode::Gemm;
    std::vector<Uop> uops;
    const uint32_t acc = accBase(ah), inp = inpBase(ih), wgt = wgtBase(wh);
    if (s_.matrix) {
      for (int64_t c = 0; c < ciCount; ++c) uops.push_back({acc, inp + static_cast<uint32_t>(c), wgt + static_cast<uint32_t>(c)});
      i.iterOut = static_cast<uint32_t>(o.rows);
      i.dstFactorOut = static_cast<uint32_t>(o.coCount);
      i.srcFactorOut = static_cast<uint32_t>(ciCount);
      i.iterIn = static_cast<uint32_t>(o.coCount);
      i.dstFactorIn = 1;
      i.wgtFactorIn = static_cast<uint32_t>(ciCount);
    } else {
      const int64_t rows = inRows(o), cols = inCols(o), pixels = o.rows * o.cols, kk = g_.kernelEntries;
      for (int64_t co = 0; co < o.coCount; ++co)
        for (int64_t c = 0; c < ciCount; ++c)
          for (int64_t ky = 0; ky < s_.kh; ++ky)
            for (int64_t kx = 0; kx < s_.kw; ++kx)
              uops.push_back({acc + static_cast<uint32_t>(co * pixels), inp + static_cast<uint32_t>(c * rows * cols + ky * cols + kx),
                              wgt + static_cast<uint32_t>((co * ciCount + c) * kk + ky * s_.kw + kx)});
      i.iterOut = static_cast<uint32_t>(o.rows);
      i.dstFactorOut = static_cast<uint32_t>(o.cols);
      i.srcFactorOut = static_cast<uint32_t>(s_.strideH * cols);
      i.iterIn = static_cast<uint32_t>(o.cols);
      i.dstFactorIn = 1;
      i.srcFactorIn = static_cast<uint32_t>(s_.strideW);
    }
    std::tie(i.uopBegin, i.uopEnd) = b_.kernel(uops);
    b_.emit(i, o.label + ": gemm ci-blocks " + range(ci0, ciCount));
  }

  void store(const OutTile& o, int ah) {
    if (s_.matrix) {
      b_.emit(storeInsn(accBase(ah), at_.output + o.y0 * g_.coBlocks + o.co0, static_cast<uint32_t>(o.rows),
                        static_cast<uint32_t>(o.coCount), static_cast<uint32_t>(g_.coBlocks)),
              o.label + ": store");
      return;
    }
    const int64_t pixels = o.rows * o.cols;
    for (int64_t co = 0; co < o.coCount; ++co)
      b_.emit(storeInsn(accBase(ah) + static_cast<uint32_t>(co * pixels),
                        at_.output + ((o.batch * g_.coBlocks + o.co0 + co) * g_.outH + o.y0) * g_.outW + o.x0,
                        static_cast<uint32_t>(o.rows), static_cast<uint32_t>(o.cols), static_cast<uint32_t>(g_.outW)),
              o.label + ": store co-block " + std::to_string(o.co0 + co));
  }

  ProgramBuilder& b_;
  const MacSpec& s_;
  const MacGeometry& g_;
  const RequantPlan& plan_;
  const MacTiling& t_;
  const MacAddresses& at_;
  int64_t ciTiles_ = 1;
};

}  // namespace

void generateMacProgram(ProgramBuilder& b, const MacSpec& spec, const MacGeometry& g, const RequantPlan& plan,
                        const MacTiling& t, const MacAddresses& at) {
  MacEmitter(b, spec, g, plan, t, at).run();
}

}  // namespace nest::npu
