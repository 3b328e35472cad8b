#include "route/neighbour_frames.h"

#include <rte_arp.h>
#include <rte_ip.h>

#include <cstring>

namespace sy {

namespace {

rte_mbuf* alloc_frame(rte_mempool* pool, uint16_t len, uint8_t** data) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  *data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
  if (*data == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  std::memset(*data, 0, len);
  return m;
}

// IPv6 + ICMPv6 ND message with one link-layer option; returns the frame.
rte_mbuf* nd_frame(rte_mempool* pool, const rte_ether_addr& our_mac, const rte_ether_addr& eth_dst,
                   const uint8_t* src, const uint8_t* dst, uint8_t type, uint32_t flags,
                   const IpAddr& target, uint8_t option) {
  constexpr uint16_t kBody = 24 + 8;  // type..target, then one option
  uint8_t* p;
  rte_mbuf* m = alloc_frame(pool, RTE_ETHER_HDR_LEN + sizeof(rte_ipv6_hdr) + kBody, &p);
  if (m == nullptr) return nullptr;
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  eth->dst_addr = eth_dst;
  eth->src_addr = our_mac;
  eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
  auto* ip = reinterpret_cast<rte_ipv6_hdr*>(eth + 1);
  ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
  ip->payload_len = rte_cpu_to_be_16(kBody);
  ip->proto = IPPROTO_ICMPV6;
  ip->hop_limits = 255;
  std::memcpy(ip->src_addr, src, 16);
  std::memcpy(ip->dst_addr, dst, 16);
  uint8_t* icmp = reinterpret_cast<uint8_t*>(ip + 1);
  icmp[0] = type;
  uint32_t f = rte_cpu_to_be_32(flags);
  std::memcpy(icmp + 4, &f, 4);
  std::memcpy(icmp + 8, target.b.data(), 16);
  icmp[24] = option;
  icmp[25] = 1;  // length in units of 8 bytes
  std::memcpy(icmp + 26, our_mac.addr_bytes, 6);
  uint16_t c = rte_ipv6_udptcp_cksum(ip, icmp);
  std::memcpy(icmp + 2, &c, 2);
  return m;
}

}  // namespace

bool arp_parse(const rte_mbuf* m, uint16_t l3_off, ArpView* out) {
  if (m->data_len < l3_off + sizeof(rte_arp_hdr)) return false;
  auto* a = rte_pktmbuf_mtod_offset(m, const rte_arp_hdr*, l3_off);
  if (a->arp_hardware != rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) ||
      a->arp_protocol != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
      a->arp_plen != 4)
    return false;
  out->op = rte_be_to_cpu_16(a->arp_opcode);
  out->sha = a->arp_data.arp_sha;
  out->spa = rte_be_to_cpu_32(a->arp_data.arp_sip);
  out->tha = a->arp_data.arp_tha;
  out->tpa = rte_be_to_cpu_32(a->arp_data.arp_tip);
  return out->op == RTE_ARP_OP_REQUEST || out->op == RTE_ARP_OP_REPLY;
}

void arp_make_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac) {
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  auto* a = rte_pktmbuf_mtod_offset(m, rte_arp_hdr*, l3_off);
  eth->dst_addr = a->arp_data.arp_sha;
  eth->src_addr = our_mac;
  a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REPLY);
  a->arp_data.arp_tha = a->arp_data.arp_sha;
  uint32_t tip = a->arp_data.arp_tip;
  a->arp_data.arp_tip = a->arp_data.arp_sip;
  a->arp_data.arp_sip = tip;
  a->arp_data.arp_sha = our_mac;
}

rte_mbuf* arp_request(rte_mempool* pool, const rte_ether_addr& our_mac, uint32_t sender,
                      uint32_t target, const rte_ether_addr* eth_dst) {
  uint8_t* p;
  // Padded to the 60-byte Ethernet minimum, as a NIC would.
  rte_mbuf* m = alloc_frame(pool, 60, &p);
  if (m == nullptr) return nullptr;
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  if (eth_dst != nullptr) eth->dst_addr = *eth_dst;
  else std::memset(eth->dst_addr.addr_bytes, 0xff, 6);
  eth->src_addr = our_mac;
  eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
  auto* a = reinterpret_cast<rte_arp_hdr*>(eth + 1);
  a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
  a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  a->arp_hlen = 6;
  a->arp_plen = 4;
  a->arp_opcode = rte_cpu_to_be_16(RTE_ARP_OP_REQUEST);
  a->arp_data.arp_sha = our_mac;
  a->arp_data.arp_sip = rte_cpu_to_be_32(sender);
  a->arp_data.arp_tip = rte_cpu_to_be_32(target);
  return m;
}

bool nd_parse(const rte_mbuf* m, uint16_t l3_off, NdView* out) {
  if (m->data_len < l3_off + sizeof(rte_ipv6_hdr) + 24) return false;
  auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv6_hdr*, l3_off);
  uint16_t plen = rte_be_to_cpu_16(ip->payload_len);
  if (ip->proto != IPPROTO_ICMPV6 || ip->hop_limits != 255 || plen < 24 ||
      m->data_len < l3_off + sizeof(rte_ipv6_hdr) + plen)
    return false;
  auto* icmp = reinterpret_cast<const uint8_t*>(ip + 1);
  if (icmp[1] != 0) return false;
  out->type = icmp[0];
  uint32_t f;
  std::memcpy(&f, icmp + 4, 4);
  out->flags = rte_be_to_cpu_32(f);
  out->src = IpAddr::from_v6(ip->src_addr);
  out->dst = IpAddr::from_v6(ip->dst_addr);
  out->target = IpAddr::from_v6(icmp + 8);
  if (out->target.b[0] == 0xff) return false;
  out->has_lladdr = false;
  uint8_t want = out->type == kNdNeighbourSolicit ? 1 : 2;
  for (uint16_t off = 24; off + 2 <= plen;) {
    uint8_t type = icmp[off], len8 = icmp[off + 1];
    if (len8 == 0 || off + len8 * 8 > plen) return false;
    if (type == want && len8 == 1) {
      std::memcpy(out->lladdr.addr_bytes, icmp + off + 2, 6);
      out->has_lladdr = true;
    }
    off = static_cast<uint16_t>(off + len8 * 8);
  }
  return true;
}

rte_mbuf* nd_solicit(rte_mempool* pool, const rte_ether_addr& our_mac, const IpAddr& src,
                     const IpAddr& target, const rte_ether_addr* eth_dst) {
  uint8_t dst[16];
  rte_ether_addr mac;
  if (eth_dst != nullptr) {
    std::memcpy(dst, target.b.data(), 16);
    mac = *eth_dst;
  } else {
    // Solicited-node multicast ff02::1:ffXX:XXXX and its MAC 33:33:ff:XX:XX:XX.
    static const uint8_t kPrefix[13] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff};
    std::memcpy(dst, kPrefix, 13);
    std::memcpy(dst + 13, target.b.data() + 13, 3);
    uint8_t b[6] = {0x33, 0x33, dst[12], dst[13], dst[14], dst[15]};
    std::memcpy(mac.addr_bytes, b, 6);
  }
  return nd_frame(pool, our_mac, mac, src.b.data(), dst, kNdNeighbourSolicit, 0, target, 1);
}

rte_mbuf* nd_advert(rte_mempool* pool, const rte_ether_addr& our_mac, const IpAddr& target,
                    const IpAddr& dst, const rte_ether_addr& eth_dst, uint32_t flags) {
  return nd_frame(pool, our_mac, eth_dst, target.b.data(), dst.b.data(), kNdNeighbourAdvert, flags,
                  target, 2);
}

IpAddr ipv6_link_local(const rte_ether_addr& mac) {
  IpAddr a;
  a.v6 = true;
  a.b[0] = 0xfe;
  a.b[1] = 0x80;
  const uint8_t* m = mac.addr_bytes;
  uint8_t id[8] = {static_cast<uint8_t>(m[0] ^ 0x02), m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]};
  std::memcpy(a.b.data() + 8, id, 8);
  return a;
}

}  // namespace sy
