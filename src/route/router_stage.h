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

// One frame received by a router interface (from its port, or handed over by
// the bridge for a bridge interface, VLAN tag already removed).
void router_input(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf* m);
// What a bridge interface receives, one frame at a time (mbuf->port: the
// bridged port it came in on, or kFromTunnel with WorkerCtx::tunnel_in set):
// plain transit waits in the worker's RouteBacklog until router_drain, so it
// is forwarded a run at a time; anything else is decided now, after the
// frames already waiting (forward_fast.cc).
void router_enqueue(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf* m);
// Frames a bridge interface received from VXLAN binding `vni`, for its MAC
// (mbuf->port kFromTunnel, frame i from remote VTEP remotes[remote_at[i]]):
// routed now, a run at a time, as router_process routes a port's burst.
void router_tunnel_input(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                         const VniEntry& vni, const IpAddr* remotes, const uint16_t* remote_at,
                         uint16_t n);
// Forwards the RouteBacklog. The pipeline calls it once a burst is done.
void router_drain(WorkerCtx& w, const Tables& t);

// Sends a complete (untagged) frame out a router interface: its port, or its
// bridge domain (MAC table lookup, flood when unknown, VLAN tagging per member).
void router_iface_tx(WorkerCtx& w, const Tables& t, const RouterIface& out, rte_mbuf* m);
// The same by stable id (frames from the NeighbourManager); gone: counted drop.
void router_iface_tx_by_id(WorkerCtx& w, const Tables& t, uint32_t stable_id, rte_mbuf* m);

// A packet the kernel sent through the exception path (Ethernet header with
// only the ether type set): routed like a forwarded one, without TTL change.
void router_local_output(WorkerCtx& w, const Tables& t, rte_mbuf* m);

// Routes a packet the appliance built itself (a VXLAN-encapsulated frame):
// Ethernet header with its ether type set, IP header complete, `len` bytes of
// IP. No usable route: counted as `no_route`; too big for the egress MTU:
// counted as `too_big`, never fragmented. Returns whether it was sent (or
// handed to the NeighbourManager to wait for resolution).
bool router_originate(WorkerCtx& w, const Tables& t, rte_mbuf* m, bool v6, const IpAddr& dst,
                      uint32_t len, DropReason no_route, DropReason too_big);

}  // namespace sy
