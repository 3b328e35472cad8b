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
  uint32_t swaps = 0;  // rate mode: apply setup.swap_configs in turn, one per window
};

// A config applied while the bench ran: how long ControlPlane::apply took
// (validation, compile, FIB build, RCU publish and grace period).
struct ApplyTiming {
  double ms = 0;
  bool during_traffic = false;
};

struct RunResult {
  std::vector<std::string> eal_notes;
  std::vector<Window> windows;  // measured (rate mode)
  double median_tx_pps = 0, median_rx_pps = 0, median_cycles_per_packet = 0;
  // Totals over the whole run, read after the workers stopped and flushed.
  uint64_t rx = 0, tx = 0, flood_copies = 0, dropped = 0;
  std::map<std::string, uint64_t> drops;
  uint64_t router_made = 0;    // ICMP errors, fragments, injected and kernel frames
  uint64_t router_handed = 0;  // held for resolution, punted to the kernel
  bool balanced = false;  // rx + flood copies + made == tx + drops + handed
  uint64_t macs = 0;      // MAC table entries at the end
  uint64_t measured_packets = 0;  // count mode: packets inside the measured section
  std::vector<OffloadReport> offloads;
  std::vector<ApplyTiming> applies;  // the first is the start-up apply
  uint64_t fib_bytes_v4 = 0, fib_bytes_v6 = 0, fib_routes_v4 = 0, fib_routes_v6 = 0;
  // The start-up config written as YAML and read back by the daemon's loader.
  uint64_t yaml_bytes = 0;
  double yaml_load_s = 0;
  uint64_t json_bytes = 0;   // the same config as JSON (also valid YAML)
  double json_load_s = 0;
};

using LineSink = std::function<void(const std::string&)>;

bool run_bench(const BenchSetup& setup, const RunOptions& opts, const LineSink& progress,
               const std::function<void(const Window&, uint32_t index)>& on_window,
               RunResult* out, std::string* error);

// The measured section of count mode, kept out of line so callgrind can
// collect exactly it (--toggle-collect). Returns packets received.
uint64_t run_measured_polls(WorkerCtx& w, uint64_t packets);

}  // namespace sy::bench
