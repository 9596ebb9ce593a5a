#include "backends/npu/weight_packing.h"

#include <cstring>

namespace nest::npu {

namespace {
int64_t blocks(int64_t n, int64_t block) { return (n + block - 1) / block; }

void appendInt32(std::vector<uint8_t>& out, int32_t v) {
  uint8_t bytes[4];
  std::memcpy(bytes, &v, 4);  // the simulator's DRAM is little-endian like its host
  out.insert(out.end(), bytes, bytes + 4);
}
}  // namespace

std::vector<uint8_t> packWeights(const WeightFn& weight, int64_t co, int64_t ci, int64_t kh, int64_t kw,
                                 const vta::HwConfig& config) {
  const int64_t bo = config.blockOut(), bi = config.blockIn();
  const int64_t cob = blocks(co, bo), cib = blocks(ci, bi);
  std::vector<uint8_t> out(static_cast<size_t>(cob * cib * kh * kw * bo * bi), 0);
  size_t at = 0;
  for (int64_t ob = 0; ob < cob; ++ob)
    for (int64_t ib = 0; ib < cib; ++ib)
      for (int64_t y = 0; y < kh; ++y)
        for (int64_t x = 0; x < kw; ++x)
          for (int64_t o = 0; o < bo; ++o)
            for (int64_t i = 0; i < bi; ++i, ++at) {
              const int64_t oc = ob * bo + o, ic = ib * bi + i;
              if (oc < co && ic < ci) out[at] = static_cast<uint8_t>(weight(oc, ic, y, x));
            }
  return out;
}

std::vector<uint8_t> identityWeights(const vta::HwConfig& config) {
  const int64_t bo = config.blockOut(), bi = config.blockIn();
  std::vector<uint8_t> out(static_cast<size_t>(bo * bi), 0);
  for (int64_t o = 0; o < bo && o < bi; ++o) out[static_cast<size_t>(o * bi + o)] = 1;
  return out;
}

int64_t accVectorEntries(const AccVector& v, const vta::HwConfig& config) {
  return v.perChannel ? blocks(static_cast<int64_t>(v.values.size()), config.blockOut()) : 1;
}

void appendAccVector(const AccVector& v, const vta::HwConfig& config, std::vector<uint8_t>& out) {
  const int64_t bo = config.blockOut();
  const int64_t entries = accVectorEntries(v, config);
  for (int64_t e = 0; e < entries; ++e)
    for (int b = 0; b < config.batch(); ++b)
      for (int64_t o = 0; o < bo; ++o) {
        const int64_t c = e * bo + o;
        const int32_t value = !v.perChannel ? v.values.at(0) : c < static_cast<int64_t>(v.values.size()) ? v.values[static_cast<size_t>(c)] : 0;
        appendInt32(out, value);
      }
}

std::vector<uint8_t> packUops(const std::vector<vta::Uop>& uops, const vta::HwConfig& config) {
  std::vector<uint8_t> out;
  out.reserve(uops.size() * 4);
  for (const vta::Uop& u : uops) {
    const uint32_t bits = vta::encodeUop(u, config);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(bits >> (8 * i)));
  }
  return out;
}

}  // namespace nest::npu
