#include "passes/quantization/bias_correction.h"

#include "core/quant_math.h"

namespace nest {

std::optional<Tensor> correctedBias(const Graph& g, const Node& n, const Tensor& wFloat, const Tensor& wQuant,
                                    const std::vector<double>& inputMeans) {
  const Tensor dq = dequantizeTensor(wQuant);
  const float* wf = wFloat.data<float>();
  const float* wq = dq.data<float>();
  const Shape& s = wFloat.shape();
  int64_t outputs = 0;
  std::vector<double> shift;
  if (n.op == "Conv") {
    // W: [M, C/group, k...]; output o reads input channels of its group.
    outputs = s[0];
    const int64_t perGroupIn = s[1], group = n.attrs.getInt("group", 1);
    if (static_cast<int64_t>(inputMeans.size()) != perGroupIn * group || outputs % group) return std::nullopt;
    const int64_t perGroupOut = outputs / group, inner = wFloat.numElements() / (s[0] * s[1]);
    shift.assign(static_cast<size_t>(outputs), 0.0);
    for (int64_t i = 0; i < wFloat.numElements(); ++i) {
      const int64_t o = i / (perGroupIn * inner), ci = (i / inner) % perGroupIn;
      shift[o] += (static_cast<double>(wq[i]) - wf[i]) * inputMeans[(o / perGroupOut) * perGroupIn + ci];
    }
  } else if (n.op == "Gemm") {
    // B: [K, N], or [N, K] with transB; the input's channels are its K columns.
    const bool transB = n.attrs.getInt("transB", 0) != 0;
    const int64_t k = transB ? s[1] : s[0];
    outputs = transB ? s[0] : s[1];
    if (static_cast<int64_t>(inputMeans.size()) != k) return std::nullopt;
    shift.assign(static_cast<size_t>(outputs), 0.0);
    for (int64_t i = 0; i < wFloat.numElements(); ++i) {
      const int64_t row = i / s[1], col = i % s[1];
      const int64_t o = transB ? row : col, in = transB ? col : row;
      shift[o] += (static_cast<double>(wq[i]) - wf[i]) * inputMeans[in];
    }
  } else {
    return std::nullopt;
  }
  Tensor bias(TensorType(ElemType::F32, {outputs}));
  if (n.hasInput(2)) {
    const Tensor b = convertTensor(*g.constant(n.inputs[2]), ElemType::F32);
    if (b.numElements() != outputs) return std::nullopt;
    bias = Tensor(TensorType(ElemType::F32, b.shape()), b.raw());
  }
  float* pb = bias.mutableData<float>();
  for (int64_t o = 0; o < outputs; ++o) pb[o] = static_cast<float>(pb[o] - shift[o]);
  return bias;
}

}  // namespace nest
