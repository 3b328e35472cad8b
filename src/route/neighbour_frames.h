// ARP and IPv6 Neighbour Discovery frames: parsing what the router receives
// and building what it sends (replies from workers; requests, probes and
// gratuitous announcements from the NeighbourManager).
//
// Thread-safety: reentrant functions.
#pragma once

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <cstdint>

#include "route/ip.h"

namespace sy {

constexpr uint8_t kNdNeighbourSolicit = 135;
constexpr uint8_t kNdNeighbourAdvert = 136;
constexpr uint32_t kNaRouter = 0x80000000u;
constexpr uint32_t kNaSolicited = 0x40000000u;
constexpr uint32_t kNaOverride = 0x20000000u;

// An ARP packet for IPv4 over Ethernet, decoded (addresses in host order).
struct ArpView {
  uint16_t op;
  rte_ether_addr sha;
  uint32_t spa;
  rte_ether_addr tha;
  uint32_t tpa;
};
bool arp_parse(const rte_mbuf* m, uint16_t l3_off, ArpView* out);

// Rewrites a request (for `tpa`, which is ours) into its reply in place.
void arp_make_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac);

// ARP request for `target` from `sender` (gratuitous when equal). `eth_dst`
// null: broadcast.
rte_mbuf* arp_request(rte_mempool* pool, const rte_ether_addr& our_mac, uint32_t sender,
                      uint32_t target, const rte_ether_addr* eth_dst);

// A Neighbour Solicitation or Advertisement, decoded.
struct NdView {
  uint8_t type;
  uint32_t flags;        // NA flags (host order)
  IpAddr src, dst, target;
  bool has_lladdr;       // source (NS) or target (NA) link-layer address option
  rte_ether_addr lladdr;
};
// Validates hop limit 255, code 0, lengths and options (RFC 4861 7.1).
bool nd_parse(const rte_mbuf* m, uint16_t l3_off, NdView* out);

// Neighbour Solicitation for `target` from `src`; multicast to the target's
// solicited-node group unless `eth_dst` (a unicast probe) is given.
rte_mbuf* nd_solicit(rte_mempool* pool, const rte_ether_addr& our_mac, const IpAddr& src,
                     const IpAddr& target, const rte_ether_addr* eth_dst);
// Neighbour Advertisement for our `target` to `dst` (all-nodes when
// unspecified), carrying our link-layer address.
rte_mbuf* nd_advert(rte_mempool* pool, const rte_ether_addr& our_mac, const IpAddr& target,
                    const IpAddr& dst, const rte_ether_addr& eth_dst, uint32_t flags);

// fe80::/64 with the modified EUI-64 interface identifier of `mac`.
IpAddr ipv6_link_local(const rte_ether_addr& mac);

}  // namespace sy
