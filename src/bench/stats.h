// Measurement windows: counters read from the running data plane at two
// instants and turned into rates, the way testpmd's periodic stats do.
//
// Theory of operation: a Snapshot copies every port's ethdev counters and
// every worker's counters with a TSC timestamp; a Window is the difference of
// two snapshots. Rates per port come from the ethdev counters; packets per
// second of the appliance are what its workers transmitted; cycles per packet
// are a worker's busy TSC cycles (polls that received something) over the
// packets it received. Drops are per named reason.
//
// Thread-safety: snapshots read counters that workers write (relaxed loads of
// single-writer counters); call from the control thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pipeline/counters.h"
#include "pipeline/dataplane.h"

namespace sy::bench {

struct WorkerSnap {
  uint64_t rx = 0, tx = 0, busy = 0, flood = 0;
  uint64_t drops[kDropReasonCount] = {};
};

struct Snapshot {
  uint64_t tsc = 0;
  std::vector<PortCounters> ports;
  std::vector<WorkerSnap> workers;
};

Snapshot take_snapshot(const Dataplane& dp);

struct PortRate {
  std::string name;
  double rx_pps = 0, tx_pps = 0, rx_bps = 0, tx_bps = 0;
  uint64_t rx_missed = 0, rx_nombuf = 0;
};

struct WorkerRate {
  uint32_t index = 0, lcore = 0;
  double rx_pps = 0, tx_pps = 0, cycles_per_packet = 0;
};

struct Window {
  double seconds = 0;
  double rx_pps = 0, tx_pps = 0;  // sums over workers
  double cycles_per_packet = 0;   // all workers' busy cycles / packets received
  std::vector<PortRate> ports;
  std::vector<WorkerRate> workers;
  std::map<std::string, uint64_t> drops;  // reason → packets, nonzero only
};

// `mean_frame_size` (bytes with FCS, 0 = unknown) fills bit rates of ports
// whose driver counts no bytes (net_null).
Window make_window(const Dataplane& dp, const Snapshot& a, const Snapshot& b,
                   double mean_frame_size);

double median(std::vector<double> v);
// "12.34 M", "987.65 k": for pps and bps columns.
std::string format_rate(double v);

}  // namespace sy::bench
