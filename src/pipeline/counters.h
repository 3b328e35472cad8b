// Per-worker counters: every packet a worker touches ends in exactly one of
// "transmitted" or a named drop reason, so rx = tx + drops (+ flood copies,
// which are counted as extra tx and in `flood_copies`).
//
// Thread-safety: each WorkerCounters has one writer (its worker); control
// threads read with relaxed loads. Counter::add is a plain load+store, not an
// atomic read-modify-write, because there is a single writer.
#pragma once

#include <rte_common.h>

#include <atomic>
#include <cstdint>

#include "route/icmp.h"

namespace sy {

struct Counter {
  std::atomic<uint64_t> v{0};
  void add(uint64_t n) { v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  uint64_t get() const { return v.load(std::memory_order_relaxed); }
};

enum class DropReason : uint16_t {
  kRunt,               // shorter than an Ethernet (or 802.1Q) header
  kNotBridged,         // ingress port belongs to no bridge
  kVlanNotAllowed,     // trunk frame tagged with a VLAN the port does not carry
  kUntaggedOnTrunk,    // untagged frame on a trunk without native VLAN
  kTaggedOnAccess,     // frame tagged with another VLAN on an access port
  kInvalidSourceMac,   // multicast, broadcast or all-zero source MAC
  kSamePort,           // destination learned on the ingress port (hairpin filter)
  kNoFloodTarget,      // flood with no other member carrying the VLAN
  kTxQueueFull,        // tx burst did not take the packet
  kCopyFailed,         // no mbuf for a flood copy or a VLAN push
  kNotForRouter,       // unicast frame on a routed port to a MAC not the interface's
  kUnsupportedEthertype,  // neither ARP, IPv4 nor IPv6 on a routed port
  kBadIpHeader,        // malformed IPv4/IPv6 header or length
  kBadIpChecksum,      // IPv4 header checksum wrong
  kBadNeighbourMessage,  // malformed ARP or Neighbour Discovery message
  kNeighbourMessage,   // ARP/ND message absorbed by the router (replies, announcements)
  kIpMulticast,        // multicast or broadcast IP destination (not routed)
  kTtlExceeded,        // TTL / hop limit reached zero (time exceeded sent)
  kNoRoute,            // no route (destination unreachable sent)
  kBlackhole,          // blackhole route
  kReject,             // reject route (administratively prohibited sent)
  kMtuExceeded,        // too big for the egress MTU and not fragmentable (frag needed / PTB sent)
  kFragmentFailed,     // fragmentation ran out of mbufs
  kNeighbourQueueFull, // could not hand a packet to the neighbour manager
  kLocalUnhandled,     // for one of our addresses, nothing here answers it, no exception path
  kPuntRateLimited,    // for the exception path, over its rate limit
  kPuntQueueFull,      // for the exception path, its ring was full
  kVxlanShort,         // VXLAN packet shorter than its UDP/VXLAN/inner Ethernet headers
  kVxlanBadFlags,      // VXLAN header without the I (valid VNI) flag
  kVxlanBadChecksum,   // outer UDP checksum wrong (or zero over IPv6)
  kVxlanUnknownVni,    // no binding for the VNI on the receiving VTEP
  kVxlanUnknownRemote, // sender not among the VNI's remotes (known_remotes_only)
  kVxlanInnerVlan,     // inner frame carries an 802.1Q tag (RFC 7348 6.1)
  kVxlanMtuExceeded,   // encapsulated frame larger than the underlay MTU (never fragmented)
  kVxlanNoHeadroom,    // no room in the mbuf for the outer headers
  kVxlanNoUnderlayRoute,  // no usable underlay route to the remote VTEP
  kCount,
};

constexpr size_t kDropReasonCount = static_cast<size_t>(DropReason::kCount);

// Stable snake_case names used in metrics (`reason` label) and the API.
const char* drop_reason_name(DropReason r);

struct alignas(RTE_CACHE_LINE_SIZE) WorkerCounters {
  Counter rx_packets;
  Counter tx_packets;
  Counter flood_copies;
  Counter busy_cycles;
  Counter idle_cycles;
  Counter bursts;
  Counter learn_events;
  Counter learn_queue_full;
  Counter l2_flow_hits;
  Counter l2_flow_misses;
  // Router: packets a worker created (ICMP errors, fragments beyond the first,
  // frames injected for the neighbour manager) count as extra tx, and packets
  // handed to the neighbour manager leave the worker's books, so
  // rx + flood_copies + icmp_errors + fragments + injected + local_out =
  // tx + drops + held + punted.
  Counter icmp_sent[kIcmpKindCount];  // echo replies included
  Counter icmp_errors;                // ICMP errors built (new packets)
  Counter icmp_rate_limited;
  Counter fragments;
  Counter injected;
  Counter local_out;                  // packets from the kernel routed out by this worker
  Counter held;
  Counter punted;                     // to the exception path (leaves the worker's books)
  Counter neighbour_replies;          // ARP replies and Neighbour Advertisements sent
  Counter neighbour_events_lost;      // ARP/ND learning events dropped: manager ring full
  Counter drops[kDropReasonCount];

  void drop(DropReason r, uint64_t n = 1) { drops[static_cast<size_t>(r)].add(n); }
  void icmp(IcmpKind k) { icmp_sent[static_cast<size_t>(k)].add(1); }
};

}  // namespace sy
