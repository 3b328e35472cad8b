// The data plane's notion of "now", in nanoseconds since an arbitrary start.
//
// Workers read it once per poll (a TSC read and a fixed-point multiply); tests
// freeze it with clock_set_fake_ns() so ageing can be driven step by step.
// Thread-safety: any thread may read; clock_set_fake_ns() is for tests only.
#pragma once

#include <cstdint>

namespace sy {

uint64_t clock_now_ns();
// 0 returns to the real clock.
void clock_set_fake_ns(uint64_t ns);

constexpr uint64_t kNsPerSec = 1'000'000'000ull;

}  // namespace sy
