// The pipeline: where a packet goes. Read this file (and pipeline.cc) first.
//
// Stage order for a burst received on one port, run to completion by the
// worker that received it (no queues between stages):
//   1a. a routed port (one with a router interface): the router. Its
//       classifier (route/forward_fast.cc) cuts the burst into runs: plain
//       transit is forwarded a run at a time (bulk FIB lookup — IPv6 through
//       the worker's Fib6Cache — and the worker's adjacency cache for the
//       rewrite); packets for a local VTEP's address are decapsulated a run
//       at a time (vxlan/vxlan_stage: VTEP and VNI found once per change, the
//       inner frames handed to their VNI's bridge domain a run of one binding
//       at a time, step 1b, and those for the domain's router interface
//       routed straight back here as one run, each with its own tunnel
//       ingress for answers); everything else takes the general path
//       (route/router_stage), packet by packet, in order: ARP/ND answers,
//       IPv4/IPv6 checks, FIB lookup with source prefixes, ECMP, ICMP
//       answers and errors, MTU and fragmentation, TTL, neighbour rewrite —
//       or a hand-over to the NeighbourManager until the next hop resolves;
//   1b. a bridged port: parse + L2 learning bridge (bridge/bridge_stage): VLAN
//       classification; a conversation bridged this second goes straight to
//       its member (the worker's flow cache, one probe); the others take
//       source learning and destination lookup (the worker's MAC cache, then
//       the shared MAC table), flooding with split horizon,
//       802.1Q push/pop on egress; frames a bridged port brings to a VLAN's
//       router interface wait in the worker's RouteBacklog
//       when they are plain transit, and are routed as one run (step 1c); a
//       VLAN bound to a VNI has the tunnel as a member: frames for MACs
//       behind remote VTEPs and flood copies for the VNI's flood list are
//       encapsulated (vxlan/vxlan_stage) and routed through the underlay
//       (step 1a's FIB, ECMP and neighbours);
//   1c. once the burst is done: the RouteBacklog, forwarded in runs as in 1a
//       (router_drain), each frame with its own tunnel ingress for answers;
//   2. tx: packets are queued on per-worker tx buffers, flushed once per poll;
//      worker 0 also sends what the NeighbourManager injected (requests,
//      released packets, announcements).
// Later stages (firewall, NAT, load balancer, mirror, flow accounting)
// slot in here in the order given in docs/architecture.md.
//
// Every packet ends in exactly one of: a tx buffer, or a named drop counter.
#pragma once

#include <rte_mbuf.h>

#include "pipeline/tables.h"
#include "pipeline/worker.h"

namespace sy {

void pipeline_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                      uint16_t n);

}  // namespace sy
