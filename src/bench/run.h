// One benchmark run of the real appliance: EAL from the set-up's config, the
// Dataplane, the ControlPlane's apply (validation, compiled tables, RCU
// publish), then either pinned workers polling for warm-up and measurement
// windows (rate mode) or one worker stepped on the calling thread for an
// exact number of packets (count mode, for instruction counts).
//
// Thread-safety: call from the main thread, once per process (EAL can be
// initialised only once).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/offloads.h"
#include "bench/profile.h"
#include "bench/stats.h"

namespace sy::bench {

struct RunOptions {
  double warmup_s = 2;
  uint32_t windows = 5;
  double interval_s = 1;
  uint64_t count = 0;  // > 0: count mode
};

struct RunResult {
  std::vector<std::string> eal_notes;
  std::vector<Window> windows;  // measured (rate mode)
  double median_tx_pps = 0, median_rx_pps = 0, median_cycles_per_packet = 0;
  // Totals over the whole run, read after the workers stopped and flushed.
  uint64_t rx = 0, tx = 0, flood_copies = 0, dropped = 0;
  std::map<std::string, uint64_t> drops;
  bool balanced = false;  // rx + flood copies == tx + drops
  uint64_t macs = 0;      // MAC table entries at the end
  uint64_t measured_packets = 0;  // count mode: packets inside the measured section
  std::vector<OffloadReport> offloads;
};

using LineSink = std::function<void(const std::string&)>;

bool run_bench(const BenchSetup& setup, const RunOptions& opts, const LineSink& progress,
               const std::function<void(const Window&, uint32_t index)>& on_window,
               RunResult* out, std::string* error);

// The measured section of count mode, kept out of line so callgrind can
// collect exactly it (--toggle-collect). Returns packets received.
uint64_t run_measured_polls(WorkerCtx& w, uint64_t packets);

}  // namespace sy::bench
