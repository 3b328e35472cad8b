// The VXLAN stage (datapath side, RFC 7348): decapsulation in front of the
// bridge, encapsulation as a bridge domain's tunnel member.
//
// Theory of operation.
// Decap: the router's classifier hands over runs of checked packets for a
// local VTEP's address (vxlan_decap_burst); the general path hands over
// single ones (vxlan_input4/6). A non-fragmented UDP packet for a VTEP's
// port is checked (lengths, outer UDP checksum when present, the I flag;
// reserved bits ignored), its VNI looked up on that VTEP, optionally its
// sender checked against the VNI's configured remotes, then the outer
// headers are stripped. In a run, a packet that repeats the VTEP address,
// port and VNI of the last one decapsulated (DecapLane, kept per worker and
// family until the snapshot changes) and needs nothing else checked takes
// the lane: a few compares and the strip, no lookup; anything else gets the
// full checks. The inner frames of one binding enter its bridge domain
// together, as if received on the tunnel member (bridge_tunnel_burst), each
// with its remote (the router's answers go straight back to it). Anything
// else for a VTEP's address takes router_input, after the frames before it.
// Encap: for a frame the domain sends into the tunnel (a MAC learned behind a
// remote, or a flood copy per flood-list remote), the 802.1Q tag is dropped,
// outer Ethernet/IP/UDP/VXLAN headers are prepended in the mbuf's headroom,
// and the packet is routed through the underlay (FIB, ECMP, neighbours) by
// router_originate. The outer UDP source port is a hash of the inner flow in
// 49152..65535 (stable per flow, spread across flows, so underlay ECMP and
// receivers' RSS see the inner flows); the outer UDP checksum is 0 over IPv4
// and computed over IPv6. A packet too big for the underlay MTU is dropped
// and counted, never fragmented.
//
// Thread-safety: runs on a worker; reads the snapshot and RemoteVteps;
// writes its own WorkerCtx (counters, IPv4 identification, tunnel_in).
#pragma once

#include <rte_ip.h>
#include <rte_mbuf.h>

#include <cstring>

#include "pipeline/tables.h"
#include "pipeline/worker.h"

namespace sy {

// Whether `m` (outer IPv4 header at `l3`, checked and trimmed by the router)
// was a VXLAN packet for a local VTEP; if so it has been consumed.
bool vxlan_input4(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t l3, uint16_t ihl);
// The same for an outer IPv6 header (UDP as its next header).
bool vxlan_input6(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t l3);

// A run of `n` packets received by router interface `in`, each with a checked
// outer IPv4 (or, `v6`, IPv6) header after an untagged Ethernet header and a
// local VTEP's address as its destination: those for a VTEP's UDP port are
// decapsulated, and the inner frames enter their bindings' domains a run of
// one binding at a time (bridge_tunnel_burst); the rest take router_input, in
// order.
void vxlan_decap_burst(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                       uint16_t n, bool v6);

// Whether `dst` (4 or 16 network-order bytes) is a local VTEP address.
// Inline: the router's classifier asks for every packet when VXLAN is on.
inline bool vxlan_local_address(const VxlanTables& vx, bool v6, const uint8_t* dst) {
  if (!v6) {
    uint32_t a;
    std::memcpy(&a, dst, 4);
    for (uint32_t local : vx.local4)
      if (local == a) return true;
    return false;
  }
  for (const VtepEntry& v : vx.vteps)
    if (v.local.is(true, dst)) return true;
  return false;
}

// Sends the Ethernet frame `m` of binding `vni` to the remote VTEP `remote`
// (`tagged`: it still carries an 802.1Q header, which is removed).
void vxlan_output(WorkerCtx& w, const Tables& t, const VniEntry& vni, const IpAddr& remote,
                  rte_mbuf* m, bool tagged);

// The outer UDP source port for an inner frame: 49152 + a 14-bit hash of its
// flow (IP addresses, protocol and ports; MACs and ether type for non-IP).
uint16_t vxlan_source_port(const uint8_t* frame, uint32_t len);

}  // namespace sy
