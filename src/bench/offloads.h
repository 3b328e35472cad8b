// Offload report: per port, what the device offers (RSS hash types, checksum
// and other rx/tx offloads, rte_flow actions) and what the appliance uses.
//
// Theory of operation: capabilities come from rte_eth_dev_info; rte_flow
// support is probed with rte_flow_validate() of a QUEUE and an RSS rule, which
// checks without installing anything. "Used" reflects the running port: the
// RSS hash functions actually configured (read back from the device) and the
// offloads the pipeline relies on; where a device lacks one, the pipeline's
// software path is named instead.
//
// Thread-safety: control thread, ports started.
#pragma once

#include <string>
#include <vector>

#include "pipeline/dataplane.h"

namespace sy::bench {

struct OffloadReport {
  std::string port, driver;
  uint16_t max_rx_queues = 0, max_tx_queues = 0;
  std::vector<std::string> rss_offered, rx_offered, tx_offered;
  std::string flow_queue;  // "supported" or "no: <reason>"
  std::string flow_rss;
  std::vector<std::string> rss_used;   // hash types configured, empty = no RSS
  std::vector<std::string> used;       // offloads and flow actions the pipeline relies on
  std::vector<std::string> software;   // what the pipeline does itself instead
};

std::vector<OffloadReport> offload_report(const Dataplane& dp);

}  // namespace sy::bench
