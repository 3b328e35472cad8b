#include "route/icmp.h"

#include <rte_hash_crc.h>
#include <rte_icmp.h>
#include <rte_ip.h>

#include <algorithm>
#include <cstring>

#include "route/checksum.h"

namespace sy {

namespace {

constexpr uint8_t kIcmp6EchoRequest = 128;
constexpr uint8_t kIcmp6EchoReply = 129;
// IPv4 errors quote as much as fits in a 576-byte datagram (RFC 1812 4.3.2.3);
// IPv6 errors as much as fits in the minimum MTU (RFC 4443 2.4 (c)).
constexpr uint16_t kIcmp4MaxQuote = 576 - 20 - 8;
constexpr uint16_t kIcmp6MaxQuote = 1280 - 40 - 8;

bool v4_unusable_source(uint32_t a) {  // host order
  return a == 0 || (a >> 24) == 0 || (a >> 24) == 127 || (a >> 28) == 0xe || a == 0xffffffff;
}

bool v6_unusable_source(const uint8_t* a) {
  static const uint8_t kZero[16] = {};
  return a[0] == 0xff || std::memcmp(a, kZero, 16) == 0;
}

}  // namespace

const char* icmp_kind_name(IcmpKind k) {
  switch (k) {
    case IcmpKind::kEchoReply: return "echo_reply";
    case IcmpKind::kTimeExceeded: return "time_exceeded";
    case IcmpKind::kNetUnreachable: return "net_unreachable";
    case IcmpKind::kHostUnreachable: return "host_unreachable";
    case IcmpKind::kAdminProhibited: return "admin_prohibited";
    case IcmpKind::kFragNeeded: return "frag_needed";
    case IcmpKind::kCount: break;
  }
  return "unknown";
}

bool IcmpLimiter::allow(const uint8_t* src, uint64_t now_ns) {
  if (rate_ == 0) return true;
  uint32_t w[4];
  std::memcpy(w, src, 16);
  uint32_t h = rte_hash_crc_4byte(w[3], rte_hash_crc_4byte(w[2], rte_hash_crc_4byte(
                                                               w[1], rte_hash_crc_4byte(w[0], 0))));
  return buckets_[h % kBuckets].take(rate_, burst_, now_ns);
}

bool icmp4_error_allowed(const rte_mbuf* m, uint16_t l3_off) {
  if (m->data_len < l3_off + sizeof(rte_ipv4_hdr)) return false;
  auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, l3_off);
  if (v4_unusable_source(rte_be_to_cpu_32(ip->src_addr))) return false;
  uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
  if ((dst >> 28) == 0xe || dst == 0xffffffff) return false;
  if ((rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) != 0) return false;
  if (ip->next_proto_id == IPPROTO_ICMP) {
    uint16_t ihl = static_cast<uint16_t>((ip->version_ihl & 0x0f) * 4);
    if (m->data_len < l3_off + ihl + 1) return false;
    uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t*, l3_off + ihl);
    // Errors: unreachable 3, source quench 4, redirect 5, time exceeded 11, parameter problem 12.
    if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) return false;
  }
  return true;
}

bool icmp6_error_allowed(const rte_mbuf* m, uint16_t l3_off) {
  if (m->data_len < l3_off + sizeof(rte_ipv6_hdr)) return false;
  auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv6_hdr*, l3_off);
  if (v6_unusable_source(ip->src_addr) || ip->dst_addr[0] == 0xff) return false;
  if (ip->proto == IPPROTO_ICMPV6) {
    if (m->data_len < l3_off + sizeof(rte_ipv6_hdr) + 1) return false;
    uint8_t type = *rte_pktmbuf_mtod_offset(m, const uint8_t*, l3_off + sizeof(rte_ipv6_hdr));
    if (type < 128) return false;  // an ICMPv6 error
  }
  return true;
}

rte_mbuf* icmp4_error(rte_mempool* pool, const IcmpErrorSpec& s) {
  auto* oip = rte_pktmbuf_mtod_offset(s.orig, const rte_ipv4_hdr*, s.l3_off);
  uint16_t avail = static_cast<uint16_t>(s.orig->data_len - s.l3_off);
  uint16_t quote = std::min<uint16_t>({rte_be_to_cpu_16(oip->total_length), avail, kIcmp4MaxQuote});
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  uint16_t len = static_cast<uint16_t>(RTE_ETHER_HDR_LEN + sizeof(rte_ipv4_hdr) + 8 + quote);
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  eth->dst_addr = s.eth_dst;
  eth->src_addr = s.eth_src;
  eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
  auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
  std::memset(ip, 0, sizeof(*ip));
  ip->version_ihl = 0x45;
  ip->type_of_service = 0xc0;  // internetwork control, as routers mark their own messages
  ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(sizeof(rte_ipv4_hdr) + 8 + quote));
  ip->time_to_live = s.ttl;
  ip->next_proto_id = IPPROTO_ICMP;
  ip->src_addr = rte_cpu_to_be_32(s.src.v4_host());
  ip->dst_addr = oip->src_addr;
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  auto* icmp = reinterpret_cast<uint8_t*>(ip + 1);
  icmp[0] = s.type;
  icmp[1] = s.code;
  icmp[2] = icmp[3] = 0;
  uint32_t rest = rte_cpu_to_be_32(s.rest);
  std::memcpy(icmp + 4, &rest, 4);
  std::memcpy(icmp + 8, oip, quote);
  uint16_t c = csum_of(icmp, 8u + quote);
  std::memcpy(icmp + 2, &c, 2);
  return m;
}

rte_mbuf* icmp6_error(rte_mempool* pool, const IcmpErrorSpec& s) {
  auto* oip = rte_pktmbuf_mtod_offset(s.orig, const rte_ipv6_hdr*, s.l3_off);
  uint16_t avail = static_cast<uint16_t>(s.orig->data_len - s.l3_off);
  uint16_t orig_len = static_cast<uint16_t>(sizeof(rte_ipv6_hdr) + rte_be_to_cpu_16(oip->payload_len));
  uint16_t quote = std::min<uint16_t>({orig_len, avail, kIcmp6MaxQuote});
  rte_mbuf* m = rte_pktmbuf_alloc(pool);
  if (m == nullptr) return nullptr;
  uint16_t len = static_cast<uint16_t>(RTE_ETHER_HDR_LEN + sizeof(rte_ipv6_hdr) + 8 + quote);
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, len));
  if (p == nullptr) {
    rte_pktmbuf_free(m);
    return nullptr;
  }
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  eth->dst_addr = s.eth_dst;
  eth->src_addr = s.eth_src;
  eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
  auto* ip = reinterpret_cast<rte_ipv6_hdr*>(eth + 1);
  ip->vtc_flow = rte_cpu_to_be_32(0x60000000);
  ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(8 + quote));
  ip->proto = IPPROTO_ICMPV6;
  ip->hop_limits = s.ttl;
  std::memcpy(ip->src_addr, s.src.b.data(), 16);
  std::memcpy(ip->dst_addr, oip->src_addr, 16);
  auto* icmp = reinterpret_cast<uint8_t*>(ip + 1);
  icmp[0] = s.type;
  icmp[1] = s.code;
  icmp[2] = icmp[3] = 0;
  uint32_t rest = rte_cpu_to_be_32(s.rest);
  std::memcpy(icmp + 4, &rest, 4);
  std::memcpy(icmp + 8, oip, quote);
  uint16_t c = rte_ipv6_udptcp_cksum(ip, icmp);
  std::memcpy(icmp + 2, &c, 2);
  return m;
}

IcmpOutcome make_icmp_error(rte_mempool* pool, IcmpLimiter& limiter, uint64_t now_ns,
                            const rte_mbuf* orig, uint16_t l3_off, bool v6,
                            const std::vector<IpPrefix>& ours, const rte_ether_addr& our_mac,
                            const rte_ether_addr& prev_hop, uint8_t type, uint8_t code,
                            uint32_t rest, rte_mbuf** out) {
  *out = nullptr;
  if (!(v6 ? icmp6_error_allowed(orig, l3_off) : icmp4_error_allowed(orig, l3_off)))
    return IcmpOutcome::kNotAllowed;
  IpAddr orig_src;
  orig_src.v6 = v6;
  const uint8_t* ip = rte_pktmbuf_mtod_offset(orig, const uint8_t*, l3_off);
  std::memcpy(orig_src.b.data(), ip + (v6 ? 8 : 12), v6 ? 16 : 4);
  const IpPrefix* src = source_address(ours, orig_src);
  if (src == nullptr) return IcmpOutcome::kNotAllowed;
  if (!limiter.allow(orig_src.b.data(), now_ns)) return IcmpOutcome::kRateLimited;
  IcmpErrorSpec s{orig, l3_off, src->addr, our_mac, prev_hop, type, code, rest};
  *out = v6 ? icmp6_error(pool, s) : icmp4_error(pool, s);
  return *out != nullptr ? IcmpOutcome::kBuilt : IcmpOutcome::kNoMbuf;
}

bool icmp4_echo_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac) {
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, l3_off);
  uint16_t ihl = static_cast<uint16_t>((ip->version_ihl & 0x0f) * 4);
  uint16_t total = rte_be_to_cpu_16(ip->total_length);
  if (total < ihl + sizeof(rte_icmp_hdr) || m->data_len < l3_off + total) return false;
  auto* icmp = reinterpret_cast<rte_icmp_hdr*>(reinterpret_cast<uint8_t*>(ip) + ihl);
  if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0) return false;
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  eth->dst_addr = eth->src_addr;
  eth->src_addr = our_mac;
  uint32_t dst = ip->dst_addr;
  ip->dst_addr = ip->src_addr;
  ip->src_addr = dst;
  ip->time_to_live = 64;
  ip->hdr_checksum = 0;
  ip->hdr_checksum = rte_ipv4_cksum(ip);
  uint16_t old_word = *reinterpret_cast<uint16_t*>(icmp);
  icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
  icmp->icmp_cksum = csum_replace16(icmp->icmp_cksum, old_word, *reinterpret_cast<uint16_t*>(icmp));
  // Trailing Ethernet padding is not part of the datagram.
  if (m->data_len > l3_off + total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - l3_off - total));
  return true;
}

bool icmp6_echo_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac) {
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, l3_off);
  uint16_t plen = rte_be_to_cpu_16(ip->payload_len);
  if (plen < 8 || m->data_len < l3_off + sizeof(rte_ipv6_hdr) + plen) return false;
  auto* icmp = reinterpret_cast<uint8_t*>(ip + 1);
  if (icmp[0] != kIcmp6EchoRequest || icmp[1] != 0) return false;
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  eth->dst_addr = eth->src_addr;
  eth->src_addr = our_mac;
  uint8_t tmp[16];
  std::memcpy(tmp, ip->src_addr, 16);
  std::memcpy(ip->src_addr, ip->dst_addr, 16);
  std::memcpy(ip->dst_addr, tmp, 16);
  ip->hop_limits = 64;
  uint16_t old_word, new_word, csum;
  std::memcpy(&old_word, icmp, 2);
  icmp[0] = kIcmp6EchoReply;
  std::memcpy(&new_word, icmp, 2);
  std::memcpy(&csum, icmp + 2, 2);
  csum = csum_replace16(csum, old_word, new_word);
  std::memcpy(icmp + 2, &csum, 2);
  uint32_t total = l3_off + sizeof(rte_ipv6_hdr) + plen;
  if (m->data_len > total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - total));
  return true;
}

}  // namespace sy
