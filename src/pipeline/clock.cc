#include "pipeline/clock.h"

#include <rte_cycles.h>

#include <atomic>

namespace sy {

namespace {
std::atomic<uint64_t> g_fake_ns{0};
}

uint64_t clock_now_ns() {
  uint64_t fake = g_fake_ns.load(std::memory_order_relaxed);
  if (fake != 0) return fake;
  static const uint64_t hz = rte_get_tsc_hz();
  // 128-bit product: cycles * 1e9 overflows 64 bits after a few seconds.
  return static_cast<uint64_t>(static_cast<unsigned __int128>(rte_get_tsc_cycles()) * kNsPerSec /
                               hz);
}

void clock_set_fake_ns(uint64_t ns) { g_fake_ns.store(ns, std::memory_order_relaxed); }

}  // namespace sy
