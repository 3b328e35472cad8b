// Checks shared by the packet tests: exact output per port, and the books a
// worker keeps (every packet sent, counted as a drop, held or punted).
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "packet_harness.h"

namespace sy::test {

// Exactly `frames`, in order, on `port`, and nothing on any other port.
inline void expect_only(Harness& h, const std::string& port, const std::vector<Bytes>& frames) {
  auto out = h.recv_all();
  INFO("ports with output: " << out.size());
  REQUIRE(out.size() == (frames.empty() ? 0u : 1u));
  if (frames.empty()) return;
  REQUIRE(out.count(port) == 1);
  REQUIRE(out[port].size() == frames.size());
  for (size_t i = 0; i < frames.size(); i++) CHECK(hex(out[port][i]) == hex(frames[i]));
}

inline uint64_t counter_sum(Harness& h, Counter WorkerCounters::*c) {
  uint64_t n = 0;
  for (size_t i = 0; i < h.dp().nb_workers(); i++) n += (h.dp().worker(i).counters.*c).get();
  return n;
}

// rx + flood copies + created = tx + drops + held, for every test's end state.
inline void check_books(Harness& h) {
  uint64_t created = counter_sum(h, &WorkerCounters::icmp_errors) +
                     counter_sum(h, &WorkerCounters::fragments) +
                     counter_sum(h, &WorkerCounters::injected) +
                     counter_sum(h, &WorkerCounters::local_out);
  CHECK(h.rx() + h.flood_copies() + created ==
        h.tx() + h.total_drops() + counter_sum(h, &WorkerCounters::held) +
            counter_sum(h, &WorkerCounters::punted));
}

}  // namespace sy::test
