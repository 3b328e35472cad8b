#include "pipeline/clock.h"

#include <rte_cycles.h>

#include <atomic>

namespace sy {

namespace {
std::atomic<uint64_t> g_fake_ns{0};
}

uint64_t clock_now_ns() { return clock_ns_at_tsc(rte_get_tsc_cycles()); }

uint64_t clock_ns_at_tsc(uint64_t tsc) {
  uint64_t fake = g_fake_ns.load(std::memory_order_relaxed);
  if (fake != 0) return fake;
  // Nanoseconds per cycle in 32.32 fixed point: a multiply, where dividing
  // by the TSC rate (a 128-bit division, ~40 cycles) cost every poll ~1.5%
  // of a core at full rate. 128-bit product: cycles * ns_per_cycle_32 exceeds
  // 64 bits after seconds. The rounding error is below 2^-32 of a
  // nanosecond per cycle.
  static const uint64_t ns_per_cycle_32 =
      static_cast<uint64_t>((static_cast<unsigned __int128>(kNsPerSec) << 32) / rte_get_tsc_hz());
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(tsc) * ns_per_cycle_32) >> 32);
}

void clock_set_fake_ns(uint64_t ns) { g_fake_ns.store(ns, std::memory_order_relaxed); }

}  // namespace sy
