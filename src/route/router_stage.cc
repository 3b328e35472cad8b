#include "route/router_stage.h"

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include <cstring>

#include "bridge/bridge_stage.h"
#include "route/checksum.h"
#include "route/forward.h"
#include "route/icmp.h"
#include "route/neighbour_frames.h"
#include "route/neighbour_manager.h"
#include "route/exception_path.h"
#include "route/neighbour_table.h"
#include "vxlan/vxlan_stage.h"

namespace sy {

namespace {

constexpr uint16_t kL3 = RTE_ETHER_HDR_LEN;  // routed ports carry untagged frames
constexpr uint8_t kIcmp4DestUnreachable = 3;
constexpr uint8_t kIcmp4TimeExceeded = 11;
constexpr uint8_t kIcmp6EchoRequest = 128;
constexpr uint8_t kIpv6FragmentHeader = 44;
constexpr uint16_t kMaxFragments = 64;

void iface_tx(WorkerCtx& w, const RouterIface& out, rte_mbuf* m) {
  router_iface_tx(w, *w.snapshot, out, m);
}

// Answers go straight back to the port the asking frame came in on (a bridge
// interface's frames carry it in mbuf->port), not through a MAC lookup that
// may not have learned the asker yet.
void reply_tx(WorkerCtx& w, const RouterIface& in, uint16_t l2_port, rte_mbuf* m) {
  if (in.port != kNoPortId) return worker_tx(w, in.port, m);
  if (l2_port == kFromTunnel && w.tunnel_in.vni != nullptr)
    return vxlan_output(w, *w.snapshot, *w.tunnel_in.vni, w.tunnel_in.remote, m, false);
  const BridgeTables& bt = w.snapshot->bridge;
  if (l2_port < kMaxPorts && bt.ports[l2_port].bridge == in.bridge &&
      bt.ports[l2_port].carries(in.vlan))
    return bridge_output_port(w, bt, l2_port, in.vlan, m);
  router_iface_tx(w, *w.snapshot, in, m);
}

void drop(WorkerCtx& w, rte_mbuf* m, DropReason r) {
  w.counters.drop(r);
  rte_pktmbuf_free(m);
}

void post(WorkerCtx& w, const NeighEvent& ev) {
  if (rte_ring_enqueue_elem(w.neighbour_events, const_cast<NeighEvent*>(&ev), sizeof(ev)) != 0)
    w.counters.neighbour_events_lost.add(1);
}

NeighEvent learn_event(NeighEventKind kind, bool create, uint32_t iface, const IpAddr& a,
                       const rte_ether_addr& mac) {
  NeighEvent ev{};
  ev.kind = kind;
  ev.create = create ? 1 : 0;
  ev.key = NeighKey::of(iface, a);
  ev.mac = mac;
  return ev;
}

// Sends an ICMP error about `m` back to its previous hop; `m` is not consumed.
void icmp_error(WorkerCtx& w, const RouterIface& in, const rte_mbuf* m, bool v6, uint8_t type,
                uint8_t code, uint32_t rest, IcmpKind kind) {
  rte_mbuf* e = nullptr;
  IcmpOutcome o = make_icmp_error(w.pool, w.icmp_limiter, w.now_ns, m, kL3, v6, v6 ? in.v6 : in.v4,
                                  in.mac, rte_pktmbuf_mtod(m, const rte_ether_hdr*)->src_addr,
                                  type, code, rest, &e);
  if (o == IcmpOutcome::kRateLimited) w.counters.icmp_rate_limited.add(1);
  if (e == nullptr) return;
  w.counters.icmp(kind);
  w.counters.icmp_errors.add(1);
  reply_tx(w, in, m->port, e);
}

}  // namespace

void router_emit(WorkerCtx& w, const RouterIface* in, const RouterIface& out, const IpAddr& nh,
                 rte_mbuf* m) {
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  NeighKey key = NeighKey::of(out.stable_id, nh);
  NeighbourCache::Entry& c = w.neigh_cache.e[NeighbourCache::slot_of(key)];
  if (c.epoch == w.neigh_epoch && NeighbourCache::same(c.key, key)) {
    w.neighbours->touch(c.pos, w.now_ns);
    eth->dst_addr = c.mac;
    eth->src_addr = out.mac;
    iface_tx(w, out, m);
    return;
  }
  int32_t pos = w.neighbours->lookup(key);
  rte_ether_addr mac;
  if (pos >= 0 && w.neighbours->mac_of(pos, &mac)) {
    w.neighbours->touch(pos, w.now_ns);
    c.key = key;
    c.pos = pos;
    c.mac = mac;
    c.epoch = w.neigh_epoch;
    eth->dst_addr = mac;
    eth->src_addr = out.mac;
    iface_tx(w, out, m);
    return;
  }
  NeighEvent ev{};
  ev.kind = NeighEventKind::kResolve;
  ev.in_iface = in ? in->stable_id : 0;
  ev.key = key;
  ev.mac = eth->src_addr;  // the previous hop, for a host-unreachable answer
  ev.l3_off = kL3;
  ev.m = m;
  eth->src_addr = out.mac;
  if (rte_ring_enqueue_elem(w.neighbour_events, &ev, sizeof(ev)) != 0) {
    drop(w, m, DropReason::kNeighbourQueueFull);
    return;
  }
  w.counters.held.add(1);
}

namespace {

// ---- ARP / ND -----------------------------------------------------------------------

void arp_input(WorkerCtx& w, const RouterIface& in, rte_mbuf* m) {
  ArpView a;
  if (!arp_parse(m, kL3, &a)) return drop(w, m, DropReason::kBadNeighbourMessage);
  IpAddr spa = IpAddr::from_v4_host(a.spa);
  IpAddr tpa = IpAddr::from_v4_host(a.tpa);
  bool for_us = in.owns(tpa);
  bool gratuitous = a.spa == a.tpa;
  if (a.spa != 0 && rte_is_unicast_ether_addr(&a.sha) && !in.owns(spa)) {
    bool confirm = a.op == RTE_ARP_OP_REPLY && for_us;
    post(w, learn_event(confirm ? NeighEventKind::kConfirm : NeighEventKind::kSeen,
                        for_us && a.op == RTE_ARP_OP_REQUEST, in.stable_id, spa, a.sha));
  }
  if (a.op == RTE_ARP_OP_REQUEST && for_us && !gratuitous) {
    arp_make_reply(m, kL3, in.mac);
    w.counters.neighbour_replies.add(1);
    reply_tx(w, in, m->port, m);
    return;
  }
  drop(w, m, DropReason::kNeighbourMessage);
}

void nd_input(WorkerCtx& w, const RouterIface& in, rte_mbuf* m) {
  NdView v;
  if (!nd_parse(m, kL3, &v)) return drop(w, m, DropReason::kBadNeighbourMessage);
  IpAddr unspecified;
  unspecified.v6 = true;
  bool from_unspecified = v.src == unspecified;
  bool for_us = in.owns(v.target);
  if (v.type == kNdNeighbourSolicit) {
    if (!from_unspecified && v.has_lladdr)
      post(w, learn_event(NeighEventKind::kSeen, for_us, in.stable_id, v.src, v.lladdr));
    if (!for_us) return drop(w, m, DropReason::kNeighbourMessage);
    IpAddr dst = v.src;
    rte_ether_addr eth_dst = rte_pktmbuf_mtod(m, rte_ether_hdr*)->src_addr;
    uint32_t flags = kNaRouter | kNaOverride | kNaSolicited;
    if (from_unspecified) {  // duplicate address detection: answer all nodes
      parse_ip("ff02::1", &dst);
      eth_dst = rte_ether_addr{{0x33, 0x33, 0, 0, 0, 1}};
      flags &= ~kNaSolicited;
    } else if (v.has_lladdr) {
      eth_dst = v.lladdr;
    }
    rte_mbuf* na = nd_advert(w.pool, in.mac, v.target, dst, eth_dst, flags);
    uint16_t l2_port = m->port;
    rte_pktmbuf_free(m);
    if (na == nullptr) {
      w.counters.drop(DropReason::kCopyFailed);
      return;
    }
    w.counters.neighbour_replies.add(1);
    reply_tx(w, in, l2_port, na);
    return;
  }
  if (v.type == kNdNeighbourAdvert && v.has_lladdr && !for_us) {
    bool solicited = (v.flags & kNaSolicited) != 0;
    post(w, learn_event(solicited ? NeighEventKind::kConfirm : NeighEventKind::kSeen, false,
                        in.stable_id, v.target, v.lladdr));
  }
  drop(w, m, DropReason::kNeighbourMessage);
}

// ---- IPv4 ---------------------------------------------------------------------------

}  // namespace

uint32_t router_flow_hash4(const RouterTables& rt, const rte_mbuf* m, const rte_ipv4_hdr* ip) {
  FlowFields f{reinterpret_cast<const uint8_t*>(&ip->src_addr),
               reinterpret_cast<const uint8_t*>(&ip->dst_addr), 4, ip->next_proto_id, 0, 0, 0,
               ipv4_fragment_of(ip)};
  uint16_t ihl = static_cast<uint16_t>((ip->version_ihl & 0x0f) * 4);
  if (!f.fragment && (ip->next_proto_id == IPPROTO_TCP || ip->next_proto_id == IPPROTO_UDP ||
                      ip->next_proto_id == IPPROTO_SCTP) &&
      m->data_len >= kL3 + ihl + 4) {
    const uint8_t* l4 = reinterpret_cast<const uint8_t*>(ip) + ihl;
    std::memcpy(&f.sport, l4, 2);
    std::memcpy(&f.dport, l4 + 2, 2);
  }
  return ecmp_hash(f, rt.hash);
}

namespace {

void forward4_out(WorkerCtx& w, const RouterIface& in, const RouterIface& out, const IpAddr& nh,
                  rte_mbuf* m) {
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kL3);
  uint16_t total = rte_be_to_cpu_16(ip->total_length);
  if (total <= out.mtu) {
    ipv4_decrement_ttl(ip);
    return router_emit(w, &in, out, nh, m);
  }
  if (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_DF_FLAG) {
    icmp_error(w, in, m, false, kIcmp4DestUnreachable, 4, out.mtu, IcmpKind::kFragNeeded);
    return drop(w, m, DropReason::kMtuExceeded);
  }
  ipv4_decrement_ttl(ip);
  rte_ether_hdr eth = *rte_pktmbuf_mtod(m, rte_ether_hdr*);
  rte_pktmbuf_adj(m, kL3);
  rte_mbuf* frags[kMaxFragments];
  int32_t n = rte_ipv4_fragment_packet(m, frags, kMaxFragments, out.mtu, w.pool, w.pool);
  rte_pktmbuf_free(m);  // the fragments hold their own references to its data
  if (n <= 0) {
    w.counters.drop(DropReason::kFragmentFailed);
    return;
  }
  w.counters.fragments.add(static_cast<uint64_t>(n - 1));
  for (int32_t i = 0; i < n; i++) {
    auto* e = reinterpret_cast<rte_ether_hdr*>(rte_pktmbuf_prepend(frags[i], kL3));
    if (e == nullptr) {
      drop(w, frags[i], DropReason::kFragmentFailed);
      continue;
    }
    *e = eth;
    // Fragments are chains (header + indirect payload); not every PMD sends
    // chains, and the first segment has room for the whole fragment.
    if (rte_pktmbuf_linearize(frags[i]) != 0) {
      drop(w, frags[i], DropReason::kFragmentFailed);
      continue;
    }
    // The library leaves the header checksum to offload; we compute it.
    auto* fip = reinterpret_cast<rte_ipv4_hdr*>(e + 1);
    fip->hdr_checksum = 0;
    fip->hdr_checksum = rte_ipv4_cksum(fip);
    router_emit(w, &in, out, nh, frags[i]);
  }
}

// Hands a packet for one of our addresses to the kernel (exception path).
void punt(WorkerCtx& w, const RouterTables& rt, const RouterIface& in, rte_mbuf* m) {
  if (w.punt == nullptr) return drop(w, m, DropReason::kLocalUnhandled);
  uint32_t rate = rt.punt_rate_per_sec;
  if (!w.punt_bucket.take(rate, rate / 10 + 1, w.now_ns))
    return drop(w, m, DropReason::kPuntRateLimited);
  rte_pktmbuf_adj(m, kL3);
  PuntItem item{m, in.stable_id, 0};
  if (rte_ring_enqueue_elem(w.punt, &item, sizeof(item)) != 0)
    return drop(w, m, DropReason::kPuntQueueFull);
  w.counters.punted.add(1);
}

void local4(WorkerCtx& w, const RouterTables& rt, const RouterIface& in, rte_mbuf* m,
            const rte_ipv4_hdr* ip) {
  if (ip->next_proto_id == IPPROTO_ICMP && !ipv4_fragment_of(ip)) {
    auto* icmp = reinterpret_cast<const uint8_t*>(ip) + (ip->version_ihl & 0x0f) * 4;
    if (m->data_len > icmp - rte_pktmbuf_mtod(m, const uint8_t*) && *icmp == 8) {
      if (icmp4_echo_reply(m, kL3, in.mac)) {
        w.counters.icmp(IcmpKind::kEchoReply);
        reply_tx(w, in, m->port, m);
        return;
      }
      return drop(w, m, DropReason::kBadIpHeader);
    }
  }
  punt(w, rt, in, m);
}

void ipv4_input(WorkerCtx& w, const RouterTables& rt, const RouterIface& in, rte_mbuf* m) {
  if (m->data_len < kL3 + sizeof(rte_ipv4_hdr)) return drop(w, m, DropReason::kBadIpHeader);
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kL3);
  uint16_t ihl = static_cast<uint16_t>((ip->version_ihl & 0x0f) * 4);
  uint16_t total = rte_be_to_cpu_16(ip->total_length);
  if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(rte_ipv4_hdr) || total < ihl ||
      m->data_len < kL3 + total || m->data_len < kL3 + ihl)
    return drop(w, m, DropReason::kBadIpHeader);
  uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
  if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
      (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !ipv4_header_checksum_ok(ip, ihl)))
    return drop(w, m, DropReason::kBadIpChecksum);
  if (m->data_len > kL3 + total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - kL3 - total));
  uint32_t dst = rte_be_to_cpu_32(ip->dst_addr);
  if (ip->next_proto_id == IPPROTO_UDP && w.snapshot->vxlan.enabled() && !ipv4_fragment_of(ip) &&
      vxlan_input4(w, *w.snapshot, m, kL3, ihl))
    return;
  if ((dst >> 28) == 0xe || dst == 0xffffffff) return drop(w, m, DropReason::kIpMulticast);

  const FamilyRoutes& fr = rt.v4;
  uint64_t value = 0;
  if (fr.fib) fr.fib->lookup4(&dst, &value, 1);
  uint8_t src16[16] = {};
  std::memcpy(src16, &ip->src_addr, 4);
  uint32_t ri = fr.resolve(value, src16);
  if (ri != kNoRoute && fr.routes[ri].type == RouteType::kLocal) return local4(w, rt, in, m, ip);
  if (ip->time_to_live <= 1) {
    icmp_error(w, in, m, false, kIcmp4TimeExceeded, 0, 0, IcmpKind::kTimeExceeded);
    return drop(w, m, DropReason::kTtlExceeded);
  }
  if (ri == kNoRoute) {
    icmp_error(w, in, m, false, kIcmp4DestUnreachable, 0, 0, IcmpKind::kNetUnreachable);
    return drop(w, m, DropReason::kNoRoute);
  }
  const Route& r = fr.routes[ri];
  if (r.type == RouteType::kBlackhole) return drop(w, m, DropReason::kBlackhole);
  if (r.type == RouteType::kReject) {
    icmp_error(w, in, m, false, kIcmp4DestUnreachable, r.dst.len == 32 ? 10 : 9, 0,
               IcmpKind::kAdminProhibited);
    return drop(w, m, DropReason::kReject);
  }
  const NhGroup& g = rt.groups[r.group];
  const NextHop& nh = rt.pick(g, g.bucket_mask ? router_flow_hash4(rt, m, ip) : 0);
  IpAddr via = nh.direct ? IpAddr::from_v4_host(dst) : nh.gateway;
  forward4_out(w, in, rt.ifaces[nh.iface], via, m);
}

// ---- IPv6 ---------------------------------------------------------------------------

}  // namespace

uint32_t router_flow_hash6(const RouterTables& rt, const rte_mbuf* m, const rte_ipv6_hdr* ip) {
  FlowFields f{ip->src_addr, ip->dst_addr, 16, ip->proto, 0, 0,
               rte_be_to_cpu_32(ip->vtc_flow) & 0xfffff, ip->proto == kIpv6FragmentHeader};
  if ((ip->proto == IPPROTO_TCP || ip->proto == IPPROTO_UDP || ip->proto == IPPROTO_SCTP) &&
      m->data_len >= kL3 + sizeof(rte_ipv6_hdr) + 4) {
    const uint8_t* l4 = reinterpret_cast<const uint8_t*>(ip + 1);
    std::memcpy(&f.sport, l4, 2);
    std::memcpy(&f.dport, l4 + 2, 2);
  }
  return ecmp_hash(f, rt.hash);
}

namespace {

void local6(WorkerCtx& w, const RouterTables& rt, const RouterIface& in, rte_mbuf* m,
            const rte_ipv6_hdr* ip) {
  if (ip->proto == IPPROTO_ICMPV6 && m->data_len > kL3 + sizeof(rte_ipv6_hdr) &&
      *reinterpret_cast<const uint8_t*>(ip + 1) == kIcmp6EchoRequest) {
    if (icmp6_echo_reply(m, kL3, in.mac)) {
      w.counters.icmp(IcmpKind::kEchoReply);
      reply_tx(w, in, m->port, m);
      return;
    }
    return drop(w, m, DropReason::kBadIpHeader);
  }
  punt(w, rt, in, m);
}

void ipv6_input(WorkerCtx& w, const RouterTables& rt, const RouterIface& in, rte_mbuf* m) {
  if (m->data_len < kL3 + sizeof(rte_ipv6_hdr)) return drop(w, m, DropReason::kBadIpHeader);
  auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kL3);
  uint32_t total = sizeof(rte_ipv6_hdr) + rte_be_to_cpu_16(ip->payload_len);
  if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || m->data_len < kL3 + total)
    return drop(w, m, DropReason::kBadIpHeader);
  if (m->data_len > kL3 + total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - kL3 - total));
  if (ip->proto == IPPROTO_ICMPV6 && m->data_len > kL3 + sizeof(rte_ipv6_hdr)) {
    uint8_t type = *reinterpret_cast<const uint8_t*>(ip + 1);
    if (type == kNdNeighbourSolicit || type == kNdNeighbourAdvert) return nd_input(w, in, m);
  }
  if (ip->dst_addr[0] == 0xff) return drop(w, m, DropReason::kIpMulticast);
  if (ip->proto == IPPROTO_UDP && w.snapshot->vxlan.enabled() &&
      vxlan_input6(w, *w.snapshot, m, kL3))
    return;

  const FamilyRoutes& fr = rt.v6;
  uint64_t value = 0;
  uint8_t dst[1][16];
  std::memcpy(dst[0], ip->dst_addr, 16);
  if (fr.fib) fr.fib->lookup6(dst, &value, 1);
  uint32_t ri = fr.resolve(value, ip->src_addr);
  if (ri != kNoRoute && fr.routes[ri].type == RouteType::kLocal) return local6(w, rt, in, m, ip);
  // Link-local destinations are never forwarded (RFC 4291 2.5.6).
  if (ip->dst_addr[0] == 0xfe && (ip->dst_addr[1] & 0xc0) == 0x80) {
    icmp_error(w, in, m, true, 1, 2, 0, IcmpKind::kNetUnreachable);  // beyond scope
    return drop(w, m, DropReason::kNoRoute);
  }
  if (ip->hop_limits <= 1) {
    icmp_error(w, in, m, true, 3, 0, 0, IcmpKind::kTimeExceeded);
    return drop(w, m, DropReason::kTtlExceeded);
  }
  if (ri == kNoRoute) {
    icmp_error(w, in, m, true, 1, 0, 0, IcmpKind::kNetUnreachable);
    return drop(w, m, DropReason::kNoRoute);
  }
  const Route& r = fr.routes[ri];
  if (r.type == RouteType::kBlackhole) return drop(w, m, DropReason::kBlackhole);
  if (r.type == RouteType::kReject) {
    icmp_error(w, in, m, true, 1, 1, 0, IcmpKind::kAdminProhibited);
    return drop(w, m, DropReason::kReject);
  }
  const NhGroup& g = rt.groups[r.group];
  const NextHop& nh = rt.pick(g, g.bucket_mask ? router_flow_hash6(rt, m, ip) : 0);
  const RouterIface& out = rt.ifaces[nh.iface];
  if (total > out.mtu) {
    icmp_error(w, in, m, true, 2, 0, out.mtu, IcmpKind::kFragNeeded);  // packet too big
    return drop(w, m, DropReason::kMtuExceeded);
  }
  ip->hop_limits--;
  router_emit(w, &in, out, nh.direct ? IpAddr::from_v6(ip->dst_addr) : nh.gateway, m);
}

}  // namespace

bool router_originate(WorkerCtx& w, const Tables& t, rte_mbuf* m, bool v6, const IpAddr& dst,
                      uint32_t len, DropReason no_route, DropReason too_big) {
  const RouterTables& rt = t.router;
  const FamilyRoutes& fr = rt.family(v6);
  const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, kL3);
  const uint8_t* src = v6 ? reinterpret_cast<const rte_ipv6_hdr*>(l3)->src_addr
                          : reinterpret_cast<const uint8_t*>(
                                &reinterpret_cast<const rte_ipv4_hdr*>(l3)->src_addr);
  uint8_t src16[16] = {};
  std::memcpy(src16, src, v6 ? 16 : 4);
  uint64_t value = 0;
  if (fr.fib) {
    if (v6) {
      uint8_t d[1][16];
      std::memcpy(d[0], dst.b.data(), 16);
      fr.fib->lookup6(d, &value, 1);
    } else {
      uint32_t d = dst.v4_host();
      fr.fib->lookup4(&d, &value, 1);
    }
  }
  uint32_t ri = fr.resolve(value, src16);
  if (ri == kNoRoute || fr.routes[ri].type != RouteType::kNormal) {
    drop(w, m, no_route);
    return false;
  }
  const NhGroup& g = rt.groups[fr.routes[ri].group];
  uint32_t hash = 0;
  if (g.bucket_mask)
    hash = v6 ? router_flow_hash6(rt, m, reinterpret_cast<const rte_ipv6_hdr*>(l3))
              : router_flow_hash4(rt, m, reinterpret_cast<const rte_ipv4_hdr*>(l3));
  const NextHop& nh = rt.pick(g, hash);
  const RouterIface& out = rt.ifaces[nh.iface];
  if (len > out.mtu) {
    drop(w, m, too_big);
    return false;
  }
  router_emit(w, nullptr, out, nh.direct ? dst : nh.gateway, m);
  return true;
}

void router_local_output(WorkerCtx& w, const Tables& t, rte_mbuf* m) {
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  bool v6 = eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
  w.counters.local_out.add(1);
  uint32_t need = kL3 + (v6 ? sizeof(rte_ipv6_hdr) : sizeof(rte_ipv4_hdr));
  if (m->data_len < need) return drop(w, m, DropReason::kBadIpHeader);
  IpAddr dst;
  uint32_t len;
  const uint8_t* l3 = rte_pktmbuf_mtod_offset(m, const uint8_t*, kL3);
  if (v6) {
    auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(l3);
    dst = IpAddr::from_v6(ip->dst_addr);
    len = sizeof(rte_ipv6_hdr) + rte_be_to_cpu_16(ip->payload_len);
  } else {
    auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(l3);
    dst = IpAddr::from_v4_host(rte_be_to_cpu_32(ip->dst_addr));
    len = rte_be_to_cpu_16(ip->total_length);
  }
  router_originate(w, t, m, v6, dst, len, DropReason::kNoRoute, DropReason::kMtuExceeded);
}

void router_iface_tx(WorkerCtx& w, const Tables& t, const RouterIface& out, rte_mbuf* m) {
  if (out.port != kNoPortId) {
    worker_tx(w, out.port, m);
    return;
  }
  bridge_output(w, t, out.bridge, out.vlan, m);
}

void router_iface_tx_by_id(WorkerCtx& w, const Tables& t, uint32_t stable_id, rte_mbuf* m) {
  for (const RouterIface& i : t.router.ifaces)
    if (i.stable_id == stable_id) return router_iface_tx(w, t, i, m);
  drop(w, m, DropReason::kNoRoute);
}

void router_input(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf* m) {
  const RouterTables& rt = t.router;
  if (w.icmp_limiter_generation != t.generation) {
    // Each worker takes its share of the per-source budget.
    uint32_t rate = rt.icmp.rate_per_sec;
    uint32_t share = rate == 0 ? 0 : std::max<uint32_t>(1, rate / w.nb_workers);
    w.icmp_limiter.configure(share, std::max<uint32_t>(1, rt.icmp.burst / w.nb_workers));
    w.icmp_limiter_generation = t.generation;
  }
  if (m->data_len < RTE_ETHER_HDR_LEN) return drop(w, m, DropReason::kRunt);
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  if (!rte_is_multicast_ether_addr(&eth->dst_addr) &&
      !rte_is_same_ether_addr(&eth->dst_addr, &in.mac))
    return drop(w, m, DropReason::kNotForRouter);
  switch (rte_be_to_cpu_16(eth->ether_type)) {
    case RTE_ETHER_TYPE_ARP: return arp_input(w, in, m);
    case RTE_ETHER_TYPE_IPV4: return ipv4_input(w, rt, in, m);
    case RTE_ETHER_TYPE_IPV6: return ipv6_input(w, rt, in, m);
    default: return drop(w, m, DropReason::kUnsupportedEthertype);
  }
}

}  // namespace sy
