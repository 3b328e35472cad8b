// The Dataplane's start-up parameters from a config: one translation, used by
// the daemon and by switchyard-bench, so the bench runs what the daemon runs.
#pragma once

#include <vector>

#include "control/defaults.h"
#include "pipeline/dataplane.h"

namespace sy {

inline DataplaneOptions dataplane_options(const pb::Dataplane& d) {
  DataplaneOptions opts;
  opts.worker_lcores = worker_lcores(d);
  opts.burst_size = static_cast<uint16_t>(burst_size(d));
  opts.idle_sleep_us = idle_sleep_us(d);
  opts.mbufs = mbufs(d);
  opts.rx_descriptors = static_cast<uint16_t>(rx_descriptors(d));
  opts.tx_descriptors = static_cast<uint16_t>(tx_descriptors(d));
  opts.mac_capacity = kMacTableCapacity;
  return opts;
}

inline std::vector<PortSpec> port_specs(const pb::Config& cfg) {
  std::vector<PortSpec> specs;
  for (const auto& p : cfg.ports()) specs.push_back({p.name(), p.device(), p.mtu(), promiscuous(p)});
  return specs;
}

}  // namespace sy
