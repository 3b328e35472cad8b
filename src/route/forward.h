// What the router's general path (router_stage.cc) shares with its fast path
// (forward_fast.cc).
#pragma once

#include <rte_ip.h>
#include <rte_mbuf.h>

#include "pipeline/tables.h"
#include "pipeline/worker.h"

namespace sy {

// The last step of forwarding: Ethernet rewrite towards the neighbour `nh` on
// `out`, or a hand-over to the NeighbourManager while it resolves. `in` is
// null for the kernel's own packets (no one to tell if resolution fails).
void router_emit(WorkerCtx& w, const RouterIface* in, const RouterIface& out, const IpAddr& nh,
                 rte_mbuf* m);

// ECMP flow hashes of a routed (untagged) frame's IP header.
uint32_t router_flow_hash4(const RouterTables& rt, const rte_mbuf* m, const rte_ipv4_hdr* ip);
uint32_t router_flow_hash6(const RouterTables& rt, const rte_mbuf* m, const rte_ipv6_hdr* ip);

}  // namespace sy
