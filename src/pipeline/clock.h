// The data plane's notion of "now", in nanoseconds since an arbitrary start.
//
// Workers read it once per poll (from the poll's one TSC read, with a
// fixed-point multiply); tests freeze it with clock_set_fake_ns() so ageing
// can be driven step by step.
// Thread-safety: any thread may read; clock_set_fake_ns() is for tests only.
#pragma once

#include <cstdint>

namespace sy {

uint64_t clock_now_ns();
// The same clock at a TSC value the caller has already read (a worker reads
// the TSC once per poll, for its cycle accounting and for this).
uint64_t clock_ns_at_tsc(uint64_t tsc);
// 0 returns to the real clock.
void clock_set_fake_ns(uint64_t ns);

constexpr uint64_t kNsPerSec = 1'000'000'000ull;

}  // namespace sy
