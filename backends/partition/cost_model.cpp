#include "backends/partition/cost_model.h"

namespace nest::partition {

double CostModel::transferUs(int64_t bytes, int from, int to) const {
  if (from == to) return 0;
  // Every transfer goes through the host: each non-host end crosses its own link.
  double us = 0;
  for (int end : {from, to}) {
    if (end == 0 || end < 0 || end >= static_cast<int>(devices.size())) continue;
    const DeviceInfo& d = devices[static_cast<size_t>(end)];
    us += d.linkLatencyUs + (d.linkBytesPerSecond > 0 ? static_cast<double>(bytes) / d.linkBytesPerSecond * 1e6 : 0);
  }
  return us;
}

}  // namespace nest::partition
