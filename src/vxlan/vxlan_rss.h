// Spreading VXLAN traffic over rx queues by its inner flows.
//
// Theory of operation: all VXLAN packets between two VTEPs share outer
// addresses and UDP destination port, so an outer-only hash spreads them only
// as far as the senders vary the outer UDP source port (RFC 7348 asks them
// to derive it from the inner flow; Linux and this appliance do). Where a
// device can hash the inner headers it is asked to: first through the ethdev
// RSS level (RTE_ETH_RSS_LEVEL_INNERMOST in rss_hf), else through an rte_flow
// rule matching VXLAN on UDP 4789 with an RSS action at the inner level. The
// mode in use is reported per port.
//
// Thread-safety: control side, at port start-up.
#pragma once

#include <rte_ethdev.h>
#include <rte_flow.h>

#include <cstdint>
#include <string>

namespace sy {

// Before rte_eth_dev_configure with RSS: requests inner hashing when the
// device offers it. Returns whether it did.
bool vxlan_rss_request_inner(const rte_eth_dev_info& info, rte_eth_conf* conf);

// After rte_eth_dev_start: the mode name ("single-queue", "inner-rss",
// "rte-flow-inner-rss", "outer-udp-source-port", "no-rss"); installs the
// rte_flow rule when that is the way (*flow, to destroy at stop; else null).
std::string vxlan_rss_finish(uint16_t port, uint16_t nb_rxq, bool rss, bool inner_requested,
                             rte_flow** flow);

}  // namespace sy
