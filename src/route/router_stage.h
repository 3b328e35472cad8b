// The router stage (datapath side), for frames received on a routed port.
//
// Theory of operation, per packet:
//   1. L2: only frames to the interface MAC, or broadcast/multicast for
//      ARP/ND, are taken; ARP requests and Neighbour Solicitations for the
//      interface's addresses are answered in place, and what they teach about
//      the sender goes to the NeighbourManager;
//   2. IPv4/IPv6 header checks (version, lengths, IPv4 checksum);
//   3. FIB lookup (destination, then source prefix): local addresses answer
//      ICMP echo; no route, reject and TTL/hop-limit expiry answer with ICMP
//      errors (rate-limited per source); blackhole drops;
//   4. ECMP: the route's resilient bucket table picks the next hop from the
//      flow hash;
//   5. egress MTU: IPv4 without DF is fragmented, else frag-needed / packet
//      too big is answered;
//   6. TTL/hop-limit decrement (incremental IPv4 checksum), Ethernet rewrite
//      from the neighbour table; an unresolved neighbour hands the packet to
//      the NeighbourManager, which holds it until resolution.
//
// Thread-safety: runs on a worker; reads the snapshot, the neighbour table's
// lock-free side; writes only its own WorkerCtx and the manager's MP ring.
#pragma once

#include <rte_mbuf.h>

#include "pipeline/tables.h"
#include "pipeline/worker.h"

namespace sy {

void router_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                    uint16_t n);

}  // namespace sy
