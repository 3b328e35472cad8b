#include "vxlan/vxlan_stage.h"

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_udp.h>

#include <cstring>
#include <type_traits>

#include "bridge/bridge_stage.h"
#include "vxlan/decap_lane.h"
#include "route/checksum.h"
#include "route/router_stage.h"

namespace sy {

namespace {

constexpr uint8_t kVxlanFlagI = 0x08;
constexpr uint32_t kMinInner = RTE_ETHER_HDR_LEN;
constexpr uint64_t kRxCksumFlags = RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK |
                                   RTE_MBUF_F_RX_OUTER_L4_CKSUM_MASK |
                                   RTE_MBUF_F_RX_OUTER_IP_CKSUM_BAD;

// Whether an inner Ethernet frame at `eth` carries an 802.1Q or 802.1ad tag
// (a VNI names one domain: a tagged inner frame is dropped).
inline bool inner_tagged(const uint8_t* eth) {
  uint16_t type;
  std::memcpy(&type, eth + 2 * RTE_ETHER_ADDR_LEN, 2);
  return type == RTE_BE16(RTE_ETHER_TYPE_VLAN) || type == RTE_BE16(RTE_ETHER_TYPE_QINQ);
}

// Removes `outer` bytes of checked outer headers from the front of `m`:
// they are in the first segment, so rte_pktmbuf_adj's check is not needed.
// The device's checksum verdicts were about them.
inline void remove_outer(rte_mbuf* m, uint16_t outer) {
  m->data_off = static_cast<uint16_t>(m->data_off + outer);
  m->data_len = static_cast<uint16_t>(m->data_len - outer);
  m->pkt_len -= outer;
  m->ol_flags &= ~kRxCksumFlags;
  m->packet_type = 0;
}

void drop(WorkerCtx& w, rte_mbuf* m, DropReason r) {
  w.counters.drop(r);
  rte_pktmbuf_free(m);
}

uint16_t fold(uint32_t s) {
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return static_cast<uint16_t>(s);
}

// One's-complement sum of the pseudo header and `len` bytes of UDP at `off`.
uint16_t udp_sum(const rte_mbuf* m, uint32_t off, uint32_t len, uint32_t pseudo) {
  uint16_t raw = 0;
  rte_raw_cksum_mbuf(m, off, len, &raw);
  return fold(pseudo + raw);
}

// A UDP checksum the sender set: the device's verdict when it checked, else
// verified here.
bool udp_checksum_ok(const rte_mbuf* m, uint32_t l4, uint32_t ulen, const void* ip, bool v6) {
  uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
  if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD) return true;
  if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD) return false;
  uint32_t pseudo = v6 ? rte_ipv6_phdr_cksum(static_cast<const rte_ipv6_hdr*>(ip), 0)
                       : rte_ipv4_phdr_cksum(static_cast<const rte_ipv4_hdr*>(ip), 0);
  return udp_sum(m, l4, ulen, pseudo) == 0xffff;
}

// Checks a packet already matched to VTEP `vt` (`l4`: the UDP offset, `ip`
// the outer IPv4 or IPv6 header) and strips its outer headers. Returns its
// binding, or null when it was dropped (and counted). The caller counts
// what it returns (count_rx).
const VniEntry* strip(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t vt,
                      const IpAddr& remote, uint32_t l4, const void* ip, bool v6) {
  if (m->data_len < l4 + sizeof(rte_udp_hdr) + kVxlanHdrLen + kMinInner) {
    drop(w, m, DropReason::kVxlanShort);
    return nullptr;
  }
  auto* udp = rte_pktmbuf_mtod_offset(m, rte_udp_hdr*, l4);
  uint32_t ulen = rte_be_to_cpu_16(udp->dgram_len);
  if (ulen < sizeof(rte_udp_hdr) + kVxlanHdrLen + kMinInner || l4 + ulen > m->pkt_len) {
    drop(w, m, DropReason::kVxlanShort);
    return nullptr;
  }
  if (l4 + ulen < m->pkt_len) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->pkt_len - l4 - ulen));
  // The outer checksum, when the sender set one (always over IPv6), must hold:
  // trusted from the device when it checked, else verified here.
  if (udp->dgram_cksum == 0 ? v6 : !udp_checksum_ok(m, l4, ulen, ip, v6)) {
    drop(w, m, DropReason::kVxlanBadChecksum);
    return nullptr;
  }
  const uint8_t* vx = reinterpret_cast<const uint8_t*>(udp + 1);
  if ((vx[0] & kVxlanFlagI) == 0) {
    drop(w, m, DropReason::kVxlanBadFlags);
    return nullptr;
  }
  uint32_t vni_word;  // the VNI and the reserved byte after it
  std::memcpy(&vni_word, vx + 4, 4);
  const VniEntry* vni = t.vxlan.find(vt, rte_be_to_cpu_32(vni_word) >> 8);
  if (vni == nullptr) {
    drop(w, m, DropReason::kVxlanUnknownVni);
    return nullptr;
  }
  if (t.vxlan.vteps[vt].known_remotes_only && !vni->knows(remote)) {
    drop(w, m, DropReason::kVxlanUnknownRemote);
    return nullptr;
  }
  const auto outer = static_cast<uint16_t>(l4 + sizeof(rte_udp_hdr) + kVxlanHdrLen);
  if (inner_tagged(rte_pktmbuf_mtod_offset(m, const uint8_t*, outer))) {
    drop(w, m, DropReason::kVxlanInnerVlan);
    return nullptr;
  }
  remove_outer(m, outer);
  return vni;
}

// A binding's received packets and bytes (inner frames), counted by the
// caller: once a run, not once a packet.
inline void count_rx(WorkerCtx& w, const VniEntry& vni, uint64_t packets, uint64_t bytes) {
  VniCounters& c = w.vni_counters[vni.counter_slot];
  c.rx_packets.add(packets);
  c.rx_bytes.add(bytes);
}

// CRC over packet bytes at any alignment (rte_hash_crc() loads 8 bytes at a
// time and requires them aligned).
uint32_t crc_bytes(const uint8_t* p, uint32_t len, uint32_t h) {
  uint32_t i = 0;
  for (; i + 4 <= len; i += 4) {
    uint32_t v;
    std::memcpy(&v, p + i, 4);
    h = rte_hash_crc_4byte(v, h);
  }
  for (; i < len; i++) h = rte_hash_crc_1byte(p[i], h);
  return h;
}

}  // namespace

uint16_t vxlan_source_port(const uint8_t* f, uint32_t len) {
  uint32_t h = 0x5f3759df;
  uint16_t type = len >= RTE_ETHER_HDR_LEN ? static_cast<uint16_t>(f[12] << 8 | f[13]) : 0;
  const uint8_t* l3 = f + RTE_ETHER_HDR_LEN;
  uint32_t l3len = len >= RTE_ETHER_HDR_LEN ? len - RTE_ETHER_HDR_LEN : 0;
  const uint8_t* l4 = nullptr;
  uint8_t proto = 0;
  if (type == RTE_ETHER_TYPE_IPV4 && l3len >= sizeof(rte_ipv4_hdr)) {
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(l3);
    uint32_t a[2];
    std::memcpy(a, &ip->src_addr, 8);
    h = rte_hash_crc_4byte(a[1], rte_hash_crc_4byte(a[0], h));
    proto = ip->next_proto_id;
    uint32_t ihl = (ip->version_ihl & 0x0f) * 4u;
    if (!ipv4_fragment_of(ip) && l3len >= ihl + 4) l4 = l3 + ihl;
  } else if (type == RTE_ETHER_TYPE_IPV6 && l3len >= sizeof(rte_ipv6_hdr)) {
    auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(l3);
    h = crc_bytes(ip->src_addr, 32, h);
    proto = ip->proto;
    if (l3len >= sizeof(rte_ipv6_hdr) + 4) l4 = l3 + sizeof(rte_ipv6_hdr);
  } else {
    h = crc_bytes(f, len >= RTE_ETHER_HDR_LEN ? RTE_ETHER_HDR_LEN : len, h);
  }
  if (l4 != nullptr && (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP)) {
    uint32_t ports;
    std::memcpy(&ports, l4, 4);
    h = rte_hash_crc_4byte(ports, h);
  }
  h = rte_hash_crc_1byte(proto, h);
  return static_cast<uint16_t>(kVxlanSrcPortMin + ((h ^ (h >> 16)) & 0x3fff));
}

namespace {

// The VTEP (index) that owns destination `dst` (4 or 16 bytes) and UDP port
// `dport`, or -1. VTEPs are few: a linear scan.
int32_t vtep_for(const VxlanTables& vx, bool v6, const uint8_t* dst, Be16 dport) {
  for (uint16_t i = 0; i < vx.vteps.size(); i++) {
    const VtepEntry& v = vx.vteps[i];
    if (v.udp_port.raw == dport.raw && v.local.is(v6, dst)) return i;
  }
  return -1;
}

Be16 udp_dport(const rte_mbuf* m, uint32_t l4) {
  Be16 p;
  std::memcpy(&p.raw, rte_pktmbuf_mtod_offset(m, const uint8_t*, l4 + 2), 2);
  return p;
}

// Whether two 4- or 16-byte addresses are equal: fixed-size loads, no call.
bool addr_equal(const uint8_t* a, const uint8_t* b, bool v6) {
  if (!v6) {
    uint32_t x, y;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    return x == y;
  }
  uint64_t x[2], y[2];
  std::memcpy(x, a, 16);
  std::memcpy(y, b, 16);
  return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

// The general path's decapsulation, one packet.
void decap(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t vt, const IpAddr& remote,
           uint32_t l4, const void* ip, bool v6) {
  const VniEntry* vni = strip(w, t, m, vt, remote, l4, ip, v6);
  if (vni == nullptr) return;
  count_rx(w, *vni, 1, m->pkt_len);
  bridge_tunnel_input(w, t, *vni, remote, m);
}

// Returned by decap_slow for a packet that is not VXLAN for a VTEP.
const VniEntry* const kNotVxlan = reinterpret_cast<const VniEntry*>(alignof(VniEntry));

// One packet of a run with the full checks: its VTEP, its binding, and the
// strip. Returns the binding, null when it was dropped, or kNotVxlan. A
// binding found for a VTEP that takes any remote becomes the lane.
// Out of line: the lane's loop keeps its registers.
template <bool v6>
__attribute__((noinline)) const VniEntry* decap_slow(WorkerCtx& w, const Tables& t, rte_mbuf* m,
                                                     const IpAddr& remote, DecapLane& lane) {
  constexpr uint32_t kL3 = RTE_ETHER_HDR_LEN;
  constexpr uint32_t l4 = kL3 + (v6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr));
  const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, kL3);
  const uint8_t* dst;
  bool udp;
  if constexpr (v6) {
    auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(l3);
    dst = ip->dst_addr;
    udp = ip->proto == IPPROTO_UDP;
  } else {
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(l3);
    dst = reinterpret_cast<const uint8_t*>(&ip->dst_addr);
    udp = ip->next_proto_id == IPPROTO_UDP && !ipv4_fragment_of(ip);
  }
  if (!udp || m->data_len < l4 + 4) return kNotVxlan;
  Be16 port = udp_dport(m, l4);
  int32_t vt = vtep_for(t.vxlan, v6, dst, port);
  if (vt < 0) return kNotVxlan;
  const VniEntry* vni = strip(w, t, m, static_cast<uint16_t>(vt), remote, l4, l3, v6);
  if (vni != nullptr && !t.vxlan.vteps[vt].known_remotes_only) {
    if constexpr (v6) {
      lane.outer = port.raw;
      std::memcpy(lane.dst6, dst, 16);
    } else {
      uint32_t a;
      std::memcpy(&a, dst, 4);
      lane.outer = uint64_t{port.raw} << 48 | a;
    }
    lane.vni_raw = rte_cpu_to_be_32(vni->vni) >> 8;  // its three bytes, first lowest
    lane.vni = vni;
  }
  return vni;
}

// One instance per underlay family: the loop keeps more of its state in
// registers when the family and the UDP offset are constants.
template <bool v6>
void decap_burst(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                 uint16_t n) {
  constexpr uint32_t kL3 = RTE_ETHER_HDR_LEN;  // routed ports carry untagged frames
  constexpr uint32_t l4 = kL3 + (v6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr));
  constexpr uint16_t kOuter = l4 + sizeof(rte_udp_hdr) + kVxlanHdrLen;
  // Inner frames of one binding wait here and enter the bridge together.
  rte_mbuf* inner[kMaxBurst];
  // Raw storage: an array of IpAddr would be initialised whole on every call.
  static_assert(std::is_trivially_copyable_v<IpAddr>);
  alignas(IpAddr) unsigned char remotes_raw[sizeof(IpAddr) * kMaxBurst];
  auto* remotes = reinterpret_cast<IpAddr*>(remotes_raw);
  uint16_t ni = 0;
  uint64_t run_bytes = 0;
  const VniEntry* run_vni = nullptr;
  // Inlined: a lambda called out of line takes the addresses of ni and
  // run_bytes, which then live in memory for the whole loop (a load and a
  // store per packet).
  auto flush = [&]() __attribute__((always_inline)) {
    if (ni == 0) return;
    count_rx(w, *run_vni, ni, run_bytes);
    bridge_tunnel_burst(w, t, *run_vni, inner, remotes, ni);
    ni = 0;
    run_bytes = 0;
  };
  // The lane outlives the call (a burst's first packets are mostly the
  // last one's binding); in registers while the run is decapsulated.
  DecapLane& kept = w.decap_lanes[v6];
  if (kept.serial != t.serial.value) kept = DecapLane{t.serial.value};
  DecapLane lane = kept;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
    const uint8_t* l3 = f + kL3;
    // Written in place, field by field: a copy of a freshly built IpAddr
    // reads back narrower stores than it loads, which the CPU cannot forward.
    IpAddr& remote = remotes[ni];
    remote.v6 = v6;
    if constexpr (v6) {
      std::memcpy(remote.b.data(), reinterpret_cast<const rte_ipv6_hdr*>(l3)->src_addr, 16);
    } else {
      uint32_t a;
      std::memcpy(&a, &reinterpret_cast<const rte_ipv4_hdr*>(l3)->src_addr, 4);
      uint64_t lo = a, hi = 0;
      std::memcpy(remote.b.data(), &lo, 8);
      std::memcpy(remote.b.data() + 8, &hi, 8);
    }
    // The lane: the outer headers' words against the last binding's.
    bool same = m->data_len >= kOuter + kMinInner;
    if (__builtin_expect(same, 1)) {
      uint64_t udp_tail;  // UDP length and checksum, VXLAN flags and reserved bytes
      std::memcpy(&udp_tail, f + l4 + 4, 8);
      uint32_t vni_word;  // the VNI and a reserved byte
      std::memcpy(&vni_word, f + l4 + 12, 4);
      // Over IPv4 a packet without an outer checksum; over IPv6 one with
      // (mandatory), verified below. Either way the I flag.
      constexpr uint64_t kSumFlag = uint64_t{0xffff} << 16 | uint64_t{kVxlanFlagI} << 32;
      constexpr uint64_t kSumFlagWanted = uint64_t{kVxlanFlagI} << 32;
      if constexpr (v6) {
        auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(l3);
        uint16_t port;
        std::memcpy(&port, f + l4 + 2, 2);
        same = ip->proto == IPPROTO_UDP && port == lane.outer &&
               addr_equal(ip->dst_addr, lane.dst6, true) &&
               (udp_tail & (uint64_t{kVxlanFlagI} << 32)) != 0 && (udp_tail & 0xffff0000) != 0;
      } else {
        // Identification, fragment word, TTL, protocol, checksum.
        uint64_t frag_proto;
        std::memcpy(&frag_proto, l3 + 4, 8);
        constexpr uint64_t kFragProto =
            uint64_t{RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)} << 16 |
            uint64_t{0xff} << 40;
        constexpr uint64_t kUdpWhole = uint64_t{IPPROTO_UDP} << 40;
        uint64_t outer;  // destination, UDP source port (ignored), UDP destination port
        std::memcpy(&outer, l3 + 16, 8);
        same = (frag_proto & kFragProto) == kUdpWhole && (outer & ~DecapLane::kNone) == lane.outer &&
               (udp_tail & kSumFlag) == kSumFlagWanted;
      }
      same = same &&
             l4 + rte_be_to_cpu_16(static_cast<uint16_t>(udp_tail)) == m->pkt_len &&
             (vni_word & kMaxVni) == lane.vni_raw && !inner_tagged(f + kOuter);
      if constexpr (v6) same = same && udp_checksum_ok(m, l4, m->pkt_len - l4, l3, true);
    }
    const VniEntry* vni;
    if (__builtin_expect(same, 1)) {
      remove_outer(m, kOuter);
      vni = lane.vni;
    } else {
      vni = decap_slow<v6>(w, t, m, remote, lane);
      if (vni == kNotVxlan) {  // other UDP, fragments, other protocols: the general path
        flush();
        router_input(w, t, in, m);
        continue;
      }
      if (vni == nullptr) continue;  // dropped and counted
    }
    if (ni > 0 && vni != run_vni) {
      IpAddr mine = remote;  // flush() reuses the slots from 0
      flush();
      remotes[0] = mine;
    }
    run_vni = vni;
    run_bytes += m->pkt_len;
    inner[ni++] = m;
  }
  kept = lane;
  flush();
}

}  // namespace

void vxlan_decap_burst(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                       uint16_t n, bool v6) {
  if (v6)
    decap_burst<true>(w, t, in, pkts, n);
  else
    decap_burst<false>(w, t, in, pkts, n);
}

bool vxlan_input4(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t l3, uint16_t ihl) {
  auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, l3);
  uint32_t l4 = l3 + ihl;
  if (m->data_len < l4 + 4) return false;
  int32_t vt = vtep_for(t.vxlan, false, reinterpret_cast<const uint8_t*>(&ip->dst_addr),
                        udp_dport(m, l4));
  if (vt < 0) return false;
  IpAddr remote;
  std::memcpy(remote.b.data(), &ip->src_addr, 4);
  decap(w, t, m, static_cast<uint16_t>(vt), remote, l4, ip, false);
  return true;
}

bool vxlan_input6(WorkerCtx& w, const Tables& t, rte_mbuf* m, uint16_t l3) {
  auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv6_hdr*, l3);
  uint32_t l4 = l3 + sizeof(rte_ipv6_hdr);
  if (m->data_len < l4 + 4) return false;
  int32_t vt = vtep_for(t.vxlan, true, ip->dst_addr, udp_dport(m, l4));
  if (vt < 0) return false;
  decap(w, t, m, static_cast<uint16_t>(vt), IpAddr::from_v6(ip->src_addr), l4, ip, true);
  return true;
}

void vxlan_output(WorkerCtx& w, const Tables& t, const VniEntry& vni, const IpAddr& remote,
                  rte_mbuf* m, bool tagged) {
  const VtepEntry& vt = t.vxlan.vteps[vni.vtep];
  uint8_t* f = rte_pktmbuf_mtod(m, uint8_t*);
  if (tagged) {  // the VNI names the domain; the tag has no meaning on the wire
    std::memmove(f + RTE_VLAN_HLEN, f, 2 * RTE_ETHER_ADDR_LEN);
    f = reinterpret_cast<uint8_t*>(rte_pktmbuf_adj(m, RTE_VLAN_HLEN));
  }
  uint32_t inner_len = m->pkt_len;
  uint16_t sport = vxlan_source_port(f, m->data_len);
  uint8_t inner_tos = 0;
  bool inner_df = false;
  uint16_t type = m->data_len >= RTE_ETHER_HDR_LEN ? static_cast<uint16_t>(f[12] << 8 | f[13]) : 0;
  if (type == RTE_ETHER_TYPE_IPV4 && m->data_len >= RTE_ETHER_HDR_LEN + sizeof(rte_ipv4_hdr)) {
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(f + RTE_ETHER_HDR_LEN);
    inner_tos = ip->type_of_service;
    inner_df = (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG) != 0;
  } else if (type == RTE_ETHER_TYPE_IPV6 && m->data_len >= RTE_ETHER_HDR_LEN + sizeof(rte_ipv6_hdr)) {
    auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(f + RTE_ETHER_HDR_LEN);
    inner_tos = static_cast<uint8_t>(rte_be_to_cpu_32(ip->vtc_flow) >> 20);
  }
  // ECN is copied either way (RFC 6040 normal mode).
  uint8_t tos = vt.dscp_mode == DscpMode::kInherit
                    ? inner_tos
                    : static_cast<uint8_t>(vt.dscp << 2 | (inner_tos & 0x3));
  bool v6 = vt.local.v6;
  uint32_t ip_len = v6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr);
  uint32_t hdr = RTE_ETHER_HDR_LEN + ip_len + sizeof(rte_udp_hdr) + kVxlanHdrLen;
  auto* p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, static_cast<uint16_t>(hdr)));
  if (p == nullptr) return drop(w, m, DropReason::kVxlanNoHeadroom);
  auto* eth = reinterpret_cast<rte_ether_hdr*>(p);
  auto* udp = reinterpret_cast<rte_udp_hdr*>(p + RTE_ETHER_HDR_LEN + ip_len);
  uint32_t udp_len = sizeof(rte_udp_hdr) + kVxlanHdrLen + inner_len;
  udp->src_port = rte_cpu_to_be_16(sport);
  udp->dst_port = vt.udp_port.raw;
  udp->dgram_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
  udp->dgram_cksum = 0;
  uint8_t* vx = reinterpret_cast<uint8_t*>(udp + 1);
  vx[0] = kVxlanFlagI;
  vx[1] = vx[2] = vx[3] = 0;
  vx[4] = static_cast<uint8_t>(vni.vni >> 16);
  vx[5] = static_cast<uint8_t>(vni.vni >> 8);
  vx[6] = static_cast<uint8_t>(vni.vni);
  vx[7] = 0;
  uint32_t total;
  if (v6) {
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
    auto* ip = reinterpret_cast<rte_ipv6_hdr*>(eth + 1);
    ip->vtc_flow = rte_cpu_to_be_32(6u << 28 | uint32_t{tos} << 20);
    ip->payload_len = rte_cpu_to_be_16(static_cast<uint16_t>(udp_len));
    ip->proto = IPPROTO_UDP;
    ip->hop_limits = vt.ttl;
    std::memcpy(ip->src_addr, vt.local.b.data(), 16);
    std::memcpy(ip->dst_addr, remote.b.data(), 16);
    uint16_t s = udp_sum(m, RTE_ETHER_HDR_LEN + ip_len, udp_len, rte_ipv6_phdr_cksum(ip, 0));
    uint16_t ck = static_cast<uint16_t>(~s);
    udp->dgram_cksum = ck == 0 ? 0xffff : ck;  // 0 would mean "no checksum"
    total = ip_len + udp_len;
  } else {
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(eth + 1);
    total = ip_len + udp_len;
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->type_of_service = tos;
    ip->total_length = rte_cpu_to_be_16(static_cast<uint16_t>(total));
    ip->packet_id = rte_cpu_to_be_16(w.ip_id++);
    bool df = vt.df == DfMode::kSet || (vt.df == DfMode::kInherit && inner_df);
    ip->fragment_offset = df ? rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG) : 0;
    ip->time_to_live = vt.ttl;
    ip->next_proto_id = IPPROTO_UDP;
    std::memcpy(&ip->src_addr, vt.local.b.data(), 4);
    std::memcpy(&ip->dst_addr, remote.b.data(), 4);
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
  }
  if (router_originate(w, t, m, v6, remote, total, DropReason::kVxlanNoUnderlayRoute,
                       DropReason::kVxlanMtuExceeded)) {
    VniCounters& c = w.vni_counters[vni.counter_slot];
    c.tx_packets.add(1);
    c.tx_bytes.add(inner_len);
  }
}

}  // namespace sy
