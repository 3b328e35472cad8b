// The in-run baseline: Debian's dpdk-testpmd in io mode on the same ports,
// traffic, lcores, burst size and memory as the switchyard run.
//
// Theory of operation: the EAL arguments come from the same builder the
// daemon uses (control/eal_args), with their own file prefix; testpmd's
// forwarding cores are the bench's worker lcores. testpmd prints throughput
// per port every `--stats-period`; the first windows are warm-up, the next
// ones are measured, then testpmd is stopped with SIGINT (by PID) and its
// runtime files are removed. testpmd io mode forwards frames without looking
// at them: the ceiling a pipeline on the same core and ports can approach.
//
// Thread-safety: call from one thread; it blocks for the whole run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "switchyard.pb.h"

namespace sy::bench {

namespace pb = ::switchyard::v1;

struct TestpmdResult {
  std::vector<double> window_tx_pps;  // sum over ports, one per measured window
  double median_tx_pps = 0;
  std::string command;                // as run, for the report
};

// Parses testpmd's periodic "NIC statistics" blocks; returns the Tx-pps sum
// over all ports for every complete period seen so far. Exposed for tests.
class TestpmdStatsParser {
 public:
  explicit TestpmdStatsParser(uint32_t nb_ports) : nb_ports_(nb_ports) {}
  void feed_line(const std::string& line);
  const std::vector<double>& periods() const { return periods_; }

 private:
  uint32_t nb_ports_;
  uint32_t seen_ = 0;
  double sum_ = 0;
  std::vector<double> periods_;
};

std::string testpmd_binary();  // "" when dpdk-testpmd is not installed

// Runs testpmd io on the devices and lcores of `cfg` (its dataplane section
// as switchyard-bench filled it). `progress` receives a line per period.
bool run_testpmd_io(const pb::Config& cfg, uint32_t warmup_periods, uint32_t windows,
                    uint32_t period_s, const std::function<void(const std::string&)>& progress,
                    TestpmdResult* out, std::string* error);

}  // namespace sy::bench
