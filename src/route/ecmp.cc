#include "route/ecmp.h"

#include <algorithm>
#include <numeric>

namespace sy {

std::vector<uint32_t> ecmp_targets(const std::vector<uint32_t>& weights, uint32_t buckets) {
  uint64_t total = std::accumulate(weights.begin(), weights.end(), uint64_t{0});
  std::vector<uint32_t> t(weights.size(), 0);
  if (total == 0) return t;
  std::vector<std::pair<uint64_t, size_t>> rem;  // (remainder, index)
  uint32_t dealt = 0;
  for (size_t i = 0; i < weights.size(); i++) {
    uint64_t share = uint64_t{weights[i]} * buckets;
    t[i] = static_cast<uint32_t>(share / total);
    dealt += t[i];
    rem.emplace_back(share % total, i);
  }
  std::stable_sort(rem.begin(), rem.end(),
                   [](const auto& x, const auto& y) { return x.first > y.first; });
  for (size_t k = 0; dealt < buckets; k++, dealt++) t[rem[k % rem.size()].second]++;
  return t;
}

std::vector<uint16_t> ecmp_assign(const std::vector<uint32_t>& weights,
                                  const std::vector<int32_t>& previous, uint32_t buckets) {
  std::vector<uint32_t> target = ecmp_targets(weights, buckets);
  std::vector<uint32_t> have(weights.size(), 0);
  std::vector<uint16_t> out(buckets, 0);
  std::vector<uint32_t> free_buckets;
  for (uint32_t b = 0; b < buckets; b++) {
    int32_t m = previous.size() == buckets ? previous[b] : -1;
    if (m >= 0 && static_cast<size_t>(m) < weights.size() && have[m] < target[m]) {
      out[b] = static_cast<uint16_t>(m);
      have[m]++;
    } else {
      free_buckets.push_back(b);
    }
  }
  // Deal the free buckets round-robin over members still short of their
  // share, so a new route's members interleave across the bucket space.
  size_t next = 0;
  for (uint32_t b : free_buckets) {
    for (size_t tries = 0; tries < weights.size(); tries++, next = (next + 1) % weights.size())
      if (have[next] < target[next]) break;
    out[b] = static_cast<uint16_t>(next);
    have[next]++;
    next = (next + 1) % weights.size();
  }
  return out;
}

}  // namespace sy
