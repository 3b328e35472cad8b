// The router's fast path: plain IPv4/IPv6 forwarding a burst at a time.
//
// Theory of operation: router_process splits a burst received on a routed port
// into runs of one family's plain transit packets (checked by classify4 /
// classify6), VXLAN for a local VTEP (straight to decap), and everything else,
// which takes router_input packet by packet, in order. A run is forwarded
// with one bulk FIB lookup; a destination whose chain names one ECMP group for
// every source (RouteChain::fast_group, packed into its FIB value) goes
// straight to its next hop, and a next hop in the worker's AdjacencyCache
// costs a 12-byte MAC copy; a frame whose route shares a single-path group
// with the frame before reuses that frame's adjacency (AdjacencyMemo). What
// turns out not to be plain (local, unreachable, blackhole, reject, too big
// for the egress MTU) takes router_input after all, which decides it from
// scratch.
#include <rte_ip.h>
#include <rte_prefetch.h>

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "pipeline/byteorder.h"
#include "pipeline/mac48.h"
#include "route/adjacency_cache.h"
#include "route/checksum.h"
#include "route/forward.h"
#include "route/router_stage.h"
#include "vxlan/vxlan_stage.h"

namespace sy {

namespace {

constexpr uint16_t kL3 = RTE_ETHER_HDR_LEN;  // routed ports carry untagged frames

// What the classification needs of the snapshot and the interface, read once
// a burst: inside the loop the compiler would read them again after every
// store to a frame.
struct Classifier {
  uint64_t mac;  // the interface MAC (mac48_of)
  bool v4, v6;   // the family has a FIB
  uint64_t local4;  // VxlanTables::local4_word
  const VxlanTables& vx;

  Classifier(const Tables& t, const RouterIface& in)
      : mac(mac48_of(in.mac)), v4(t.router.v4.fib != nullptr), v6(t.router.v6.fib != nullptr),
        local4(t.vxlan.local4_word), vx(t.vxlan) {}
  bool is_for(const rte_ether_hdr* eth) const { return frame_dst_is(eth, mac); }
};

// Which way a frame received by a router interface goes.
enum class Path : uint8_t {
  kSlow,  // router_input decides, packet by packet
  kFast,  // plain transit: forwarded a run at a time
  kVtep,  // a valid IP header for a local VTEP address: straight to VXLAN decap
};

// The IPv4 fast path takes a single-segment frame to the interface MAC with an
// option-free, checksum-correct IPv4 header, a TTL to spare and a unicast
// destination; a destination that is a VTEP's is kVtep. Trailing Ethernet
// padding is trimmed here. `*dst`: the destination in host order, for the
// FIB's bulk lookup. `kTunnel`: a decapsulated frame the bridge handed the
// router: it found the interface's MAC on it already, and the decapsulation
// cleared the device's checksum verdicts (they were about the outer headers).
// `kVteps`: a VTEP is configured (else no destination is kVtep).
template <bool kTunnel, bool kVteps>
inline __attribute__((always_inline)) Path classify4(const Classifier& c, rte_mbuf* m,
                                                     uint32_t* dst) {
  if (m->data_len < kL3 + sizeof(rte_ipv4_hdr) || m->nb_segs != 1) return Path::kSlow;
  auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  if (!kTunnel && !c.is_for(eth)) return Path::kSlow;
  auto* ip = reinterpret_cast<const rte_ipv4_hdr*>(eth + 1);
  uint16_t total = net16(ip->total_length);
  if (ip->version_ihl != RTE_IPV4_VHL_DEF || total < sizeof(rte_ipv4_hdr) ||
      m->data_len < kL3 + total || ip->time_to_live <= 1)
    return Path::kSlow;
  *dst = rte_be_to_cpu_32(ip->dst_addr);
  if (*dst >= 0xe0000000u) return Path::kSlow;  // multicast, reserved, broadcast
  if constexpr (kTunnel) {
    if (!ipv4_header20_checksum_ok(ip)) return Path::kSlow;
  } else {
    uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
    if (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
        (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD || !ipv4_header20_checksum_ok(ip)))
      return Path::kSlow;
  }
  if (m->data_len > kL3 + total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - kL3 - total));
  if constexpr (kVteps) {
    if (*dst == c.local4) return Path::kVtep;
    if (__builtin_expect(c.local4 == VxlanTables::kLocal4Several, 0) &&
        vxlan_local_address(c.vx, false, reinterpret_cast<const uint8_t*>(&ip->dst_addr)))
      return Path::kVtep;
  }
  return Path::kFast;
}

// The IPv6 counterpart: hop limit to spare, a global unicast destination, and
// not ICMPv6 (Neighbour Discovery, echo).
template <bool kTunnel, bool kVteps>
inline __attribute__((always_inline)) Path classify6(const Classifier& c, rte_mbuf* m) {
  if (m->data_len < kL3 + sizeof(rte_ipv6_hdr) || m->nb_segs != 1) return Path::kSlow;
  auto* eth = rte_pktmbuf_mtod(m, const rte_ether_hdr*);
  if (!kTunnel && !c.is_for(eth)) return Path::kSlow;
  auto* ip = reinterpret_cast<const rte_ipv6_hdr*>(eth + 1);
  uint32_t total = sizeof(rte_ipv6_hdr) + net16(ip->payload_len);
  if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || m->data_len < kL3 + total ||
      ip->hop_limits <= 1 || ip->proto == IPPROTO_ICMPV6 || ip->dst_addr[0] == 0xff ||
      (ip->dst_addr[0] == 0xfe && (ip->dst_addr[1] & 0xc0) == 0x80))
    return Path::kSlow;
  if (m->data_len > kL3 + total) rte_pktmbuf_trim(m, static_cast<uint16_t>(m->data_len - kL3 - total));
  if (kVteps && vxlan_local_address(c.vx, true, ip->dst_addr)) return Path::kVtep;
  return Path::kFast;
}

template <bool kTunnel, bool kVteps>
inline __attribute__((always_inline)) Path classify(const Classifier& c, rte_mbuf* m, bool* v6,
                                                    uint32_t* dst4) {
  // Every mbuf has room for an Ethernet header; runts fail classify4/6.
  uint16_t type = rte_pktmbuf_mtod(m, const rte_ether_hdr*)->ether_type;
  *v6 = type == RTE_BE16(RTE_ETHER_TYPE_IPV6);
  if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4) && c.v4) return classify4<kTunnel, kVteps>(c, m, dst4);
  if (*v6 && c.v6) return classify6<kTunnel, kVteps>(c, m);
  return Path::kSlow;
}

// A checked IP packet for a local VTEP address: decapsulated when it is VXLAN
// for that VTEP's port, else (other UDP, fragments, other protocols) the
// general path decides.
void vtep_input(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf* m, bool v6) {
  if (v6) {
    auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv6_hdr*, kL3);
    if (ip->proto == IPPROTO_UDP && vxlan_input6(w, t, m, kL3)) return;
  } else {
    auto* ip = rte_pktmbuf_mtod_offset(m, const rte_ipv4_hdr*, kL3);
    if (ip->next_proto_id == IPPROTO_UDP && !ipv4_fragment_of(ip) &&
        vxlan_input4(w, t, m, kL3, sizeof(rte_ipv4_hdr)))
      return;
  }
  router_input(w, t, in, m);
}

// A fast-path packet's next hop, or kNoNextHop when its route is not plain
// (the caller then takes router_input).
constexpr uint32_t kNoNextHop = UINT32_MAX;

// The group of a destination whose chain is walked (its FIB value carries no
// fast group): source-specific routes, or a group index too wide to pack.
// Out of line, as the rare case, so the loop around it keeps its registers.
__attribute__((noinline)) uint32_t chain_group(const FamilyRoutes& fr, uint64_t fib_value,
                                               const uint8_t* src16) {
  uint32_t ri = fr.resolve(fib_value, src16);
  if (ri == kNoRoute || fr.routes[ri].type != RouteType::kNormal) return kNoNextHop;
  return fr.routes[ri].group;
}

// A packet's next hop given its FIB value. A destination whose value carries
// its fast group (FibValueLayout) costs no read of the route set; the rest
// walk their chain, with `src16` making the source address. A million routes'
// chains do not fit in cache: the packed group is what keeps the lookup to
// the FIB's own line.
template <typename Src16, typename FlowHash>
inline __attribute__((always_inline)) uint32_t next_hop_of(const RouterTables& rt,
                                                           const FamilyRoutes& fr,
                                                           uint64_t fib_value, Src16&& src16,
                                                           FlowHash&& flow_hash) {
  uint32_t g = fr.layout.fast_group(fib_value);
  if (__builtin_expect(g == kNoFastGroup, 0)) {
    uint8_t src[16] = {};
    src16(src);
    g = chain_group(fr, fib_value, src);
    if (g == kNoNextHop) return kNoNextHop;
  }
  const NhGroup& grp = rt.groups[g];
  uint32_t bucket = grp.first_bucket;
  if (grp.bucket_mask != 0) bucket += flow_hash() & grp.bucket_mask;
  return rt.buckets[bucket];
}

// The adjacency of the last frame whose route's group has a single path.
// Most of a gateway's routes point at a few next hops: frames of routes that
// share the group skip the group, its bucket and the adjacency probe.
// Anything taken out of line forgets it (a fill may reuse the slot it names).
struct AdjacencyMemo {
  static constexpr uint32_t kNone = kNoFastGroup - 1;  // never a fast group: those are below 2^31
  uint32_t group = kNone;
  uint32_t nhi = 0;
  AdjacencyCache::Entry* adj = nullptr;
};

// A frame's next hop (`*nhi`) and its cached adjacency (`*a`, null: not in
// the cache) from its FIB value; false when its route is not plain.
template <typename Src16, typename FlowHash>
inline __attribute__((always_inline)) bool adjacency_of(WorkerCtx& w, const RouterTables& rt,
                                                        const FamilyRoutes& fr, uint64_t value,
                                                        AdjacencyMemo& memo, Src16&& src16,
                                                        FlowHash&& flow_hash, uint32_t* nhi,
                                                        AdjacencyCache::Entry** a) {
  uint32_t g = fr.layout.fast_group(value);
  if (g == memo.group) {
    *nhi = memo.nhi;
    *a = memo.adj;
    return true;
  }
  *nhi = next_hop_of(rt, fr, value, src16, flow_hash);
  if (__builtin_expect(*nhi == kNoNextHop, 0)) return false;
  *a = w.adj.find(*nhi);
  if (*a != nullptr && g != kNoFastGroup && rt.groups[g].bucket_mask == 0) memo = {g, *nhi, *a};
  return true;
}

// `touch_due`: AdjacencyCache::touch_due(w.now_ns), once a burst.
inline __attribute__((always_inline)) void send_via(WorkerCtx& w, AdjacencyCache::Entry& a,
                                                    rte_mbuf* m, uint64_t touch_due) {
  std::memcpy(rte_pktmbuf_mtod(m, uint8_t*), a.rewrite, sizeof(a.rewrite));
  AdjacencyCache::touch(a, *w.neighbours, w.now_ns, touch_due);
  worker_tx_buffer(w, *a.tx, m);
}

// A transit packet to next hop `nhi` that the loop's common case did not
// take: its next hop is not in the AdjacencyCache yet (filled here) or cannot
// be (direct routes, bridge interfaces, neighbours still resolving: the
// general emit), or the packet is bigger than the egress MTU (router_input
// fragments it or answers). Out of line: the loop keeps its registers.
__attribute__((noinline)) void forward_uncached(WorkerCtx& w, const Tables& t,
                                                const RouterIface& in, rte_mbuf* m, uint32_t nhi,
                                                const IpAddr& dst, const TunnelSources& from,
                                                uint16_t i) {
  const RouterTables& rt = t.router;
  AdjacencyCache::Entry* a = w.adj.find(nhi);
  if (a == nullptr) a = w.adj.fill(rt, *w.neighbours, nhi, w.now_ns, w.tx);
  uint16_t mtu = a != nullptr ? a->mtu : rt.ifaces[rt.nexthops[nhi].iface].mtu;
  bool v6 = dst.v6;
  from.enter(w.tunnel_in, i);
  if (v6) {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kL3);
    if (sizeof(rte_ipv6_hdr) + net16(ip->payload_len) > mtu) return router_input(w, t, in, m);
    ip->hop_limits--;
  } else {
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kL3);
    if (net16(ip->total_length) > mtu) return router_input(w, t, in, m);  // fragment or answer
    ipv4_decrement_ttl(ip);
  }
  if (a != nullptr) return send_via(w, *a, m, AdjacencyCache::touch_due(w.now_ns));
  const NextHop& nh = rt.nexthops[nhi];
  router_emit(w, &in, rt.ifaces[nh.iface], nh.direct ? dst : nh.gateway, m);
}

// What is not plain after all takes the general path, from its own tunnel.
__attribute__((noinline)) void not_plain(WorkerCtx& w, const Tables& t, const RouterIface& in,
                                         rte_mbuf* m, const TunnelSources& from, uint16_t i) {
  from.enter(w.tunnel_in, i);
  router_input(w, t, in, m);
}

// `dst`: each packet's destination in host order, read by the classification.
// `from`: the tunnel each frame came out of, if any.
void forward4_burst(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                    uint32_t* dst, uint16_t n, const TunnelSources& from) {
  const RouterTables& rt = t.router;
  const FamilyRoutes& fr = rt.v4;
  uint64_t value[kMaxBurst];
  fr.fib->lookup4(dst, value, n);
  const uint64_t touch_due = AdjacencyCache::touch_due(w.now_ns);
  AdjacencyMemo memo;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv4_hdr*, kL3);
    uint32_t nhi;
    AdjacencyCache::Entry* a;
    if (__builtin_expect(
            !adjacency_of(
                w, rt, fr, value[i], memo,
                [&](uint8_t* src) { std::memcpy(src, &ip->src_addr, 4); },
                [&] { return router_flow_hash4(rt, m, ip); }, &nhi, &a),
            0)) {
      memo = AdjacencyMemo{};
      not_plain(w, t, in, m, from, i);
      continue;
    }
    if (__builtin_expect(a == nullptr || net16(ip->total_length) > a->mtu, 0)) {
      memo = AdjacencyMemo{};
      forward_uncached(w, t, in, m, nhi, IpAddr::from_v4_host(dst[i]), from, i);
      continue;
    }
    ipv4_decrement_ttl(ip);
    send_via(w, *a, m, touch_due);
  }
}

void forward6_burst(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                    uint16_t n, const TunnelSources& from) {
  const RouterTables& rt = t.router;
  const FamilyRoutes& fr = rt.v6;
  uint8_t dst[kMaxBurst][16];
  uint64_t value[kMaxBurst];
  for (uint16_t i = 0; i < n; i++)
    std::memcpy(dst[i], rte_pktmbuf_mtod_offset(pkts[i], const rte_ipv6_hdr*, kL3)->dst_addr, 16);
  w.fib6_cache.lookup(*fr.fib, dst, value, n);
  const uint64_t touch_due = AdjacencyCache::touch_due(w.now_ns);
  AdjacencyMemo memo;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    auto* ip = rte_pktmbuf_mtod_offset(m, rte_ipv6_hdr*, kL3);
    uint32_t nhi;
    AdjacencyCache::Entry* a;
    if (__builtin_expect(
            !adjacency_of(
                w, rt, fr, value[i], memo,
                [&](uint8_t* src) { std::memcpy(src, ip->src_addr, 16); },
                [&] { return router_flow_hash6(rt, m, ip); }, &nhi, &a),
            0)) {
      memo = AdjacencyMemo{};
      not_plain(w, t, in, m, from, i);
      continue;
    }
    if (__builtin_expect(
            a == nullptr || sizeof(rte_ipv6_hdr) + net16(ip->payload_len) > a->mtu, 0)) {
      memo = AdjacencyMemo{};
      forward_uncached(w, t, in, m, nhi, IpAddr::from_v6(dst[i]), from, i);
      continue;
    }
    ip->hop_limits--;
    send_via(w, *a, m, touch_due);
  }
}

}  // namespace

namespace {

// Frames `in` received, in order: runs of one path (fast or VTEP) and one
// family are handled a run at a time; any other frame first flushes the run
// before it. A run is a contiguous slice of `pkts`. `kTunnel`: the frames were
// decapsulated, `from` says from which tunnel each came, and their headers
// are in cache (decap and the bridge just read them); else they are a port's,
// and the NIC wrote them. `kVteps`: a VTEP is configured. Without one the
// loop asks nothing about VTEPs and keeps a register more (2% on plain
// IPv4 forwarding).
template <bool kTunnel, bool kVteps>
inline __attribute__((always_inline)) void route_frames(WorkerCtx& w, const Tables& t,
                                                       const RouterIface& in, rte_mbuf** pkts,
                                                       const TunnelSources& from, uint16_t n) {
  // A run's kind: its path and family in one byte, so a frame costs one compare.
  auto kind_of = [](Path p, bool v6) { return static_cast<uint8_t>(static_cast<uint8_t>(p) << 1 | v6); };
  uint16_t start = 0, nr = 0;  // the run is pkts[start, start + nr); nr == 0: start is the next frame
  uint8_t run_kind = kind_of(Path::kFast, false);
  uint32_t dst4[kMaxBurst];  // IPv4 destinations in host order, as classified
  const Classifier c(t, in);
  auto flush = [&] {
    if (nr == 0) return;
    bool v6 = run_kind & 1;
    if (run_kind >> 1 == static_cast<uint8_t>(Path::kVtep))
      vxlan_decap_burst(w, t, in, pkts + start, nr, v6);
    else if (v6)
      forward6_burst(w, t, in, pkts + start, nr, from.from(start));
    else
      forward4_burst(w, t, in, pkts + start, dst4 + start, nr, from.from(start));
    start += nr;
    nr = 0;
  };
  constexpr uint16_t kAhead = 3;  // headers of NIC-written frames are not yet in cache
  if constexpr (!kTunnel)
    for (uint16_t i = 0; i < n && i < kAhead; i++) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  for (uint16_t i = 0; i < n; i++) {
    if constexpr (!kTunnel)
      if (i + kAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kAhead], void*));
    rte_mbuf* m = pkts[i];
    bool v6;
    // A decapsulated frame came to the router for the interface's MAC.
    Path p = classify<kTunnel, kVteps>(c, m, &v6, &dst4[i]);
    // VXLAN inside a tunnel is rare: decapsulated one at a time, so that
    // what is not VXLAN after all is answered through the tunnel it came by.
    if (p == Path::kSlow || (p == Path::kVtep && kTunnel)) {
      flush();
      start = i + 1;
      if constexpr (kTunnel) from.enter(w.tunnel_in, i);
      if (p == Path::kVtep)
        vtep_input(w, t, in, m, v6);
      else
        router_input(w, t, in, m);
      continue;
    }
    uint8_t kind = kind_of(p, v6);
    if (kind != run_kind) {
      flush();
      run_kind = kind;
    }
    nr++;
  }
  flush();
  if constexpr (kTunnel) w.tunnel_in.vni = nullptr;
}

}  // namespace

void router_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                    uint16_t n) {
  const RouterIface& in = t.router.ifaces[t.router.port_iface[in_port]];
  if (t.vxlan.enabled())
    route_frames<false, true>(w, t, in, pkts, TunnelSources{}, n);
  else
    route_frames<false, false>(w, t, in, pkts, TunnelSources{}, n);
}

void router_tunnel_input(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf** pkts,
                         const VniEntry& vni, const IpAddr* remotes, const uint16_t* remote_at,
                         uint16_t n) {
  // Decapsulated frames: a VTEP is configured.
  route_frames<true, true>(w, t, in, pkts, TunnelSources{nullptr, &vni, remotes, remote_at}, n);
}

void router_enqueue(WorkerCtx& w, const Tables& t, const RouterIface& in, rte_mbuf* m) {
  RouteBacklog& b = w.route_backlog;
  bool v6;
  uint32_t dst4;
  const Classifier c(t, in);
  Path p = t.vxlan.enabled() ? classify<false, true>(c, m, &v6, &dst4)
                             : classify<false, false>(c, m, &v6, &dst4);
  if (p == Path::kFast) {
    if (b.n == kMaxBurst) router_drain(w, t);
    b.in[b.n] = &in;
    // Field by field: a TunnelIngress chosen into a temporary is copied
    // through the stack, and its reload stalls on store forwarding.
    TunnelIngress& from = b.from[b.n];
    from.vni = m->port == kFromTunnel ? w.tunnel_in.vni : nullptr;
    if (from.vni != nullptr) from.remote = w.tunnel_in.remote;
    b.pkts[b.n++] = m;
    return;
  }
  // Frames already waiting go first, so a flow's order is kept. Draining
  // forwards them, which may answer other tunnels: this frame's own ingress
  // is put back for its general path.
  if (b.n > 0) {
    TunnelIngress mine = w.tunnel_in;
    router_drain(w, t);
    w.tunnel_in = mine;
  }
  if (p == Path::kVtep) return vtep_input(w, t, in, m, v6);
  router_input(w, t, in, m);
}

void router_drain(WorkerCtx& w, const Tables& t) {
  RouteBacklog& b = w.route_backlog;
  // Forwarding may decapsulate and enqueue again: work on a copy, until none is left.
  while (b.n > 0) {
    uint16_t n = b.n;
    const RouterIface* in[kMaxBurst];
    rte_mbuf* pkts[kMaxBurst];
    // Raw storage: an array of TunnelIngress would be initialised whole, 256
    // of them, on every drain.
    static_assert(std::is_trivially_copyable_v<TunnelIngress>);
    alignas(TunnelIngress) unsigned char from_raw[sizeof(TunnelIngress) * kMaxBurst];
    std::copy_n(b.in, n, in);
    std::copy_n(b.pkts, n, pkts);
    std::memcpy(from_raw, b.from, sizeof(TunnelIngress) * n);
    const auto* from = reinterpret_cast<const TunnelIngress*>(from_raw);
    b.n = 0;
    // Runs of one interface and one family.
    for (uint16_t i = 0; i < n;) {
      bool v6 = rte_pktmbuf_mtod(pkts[i], const rte_ether_hdr*)->ether_type ==
                RTE_BE16(RTE_ETHER_TYPE_IPV6);
      uint16_t j = i + 1;
      while (j < n && in[j] == in[i] &&
             (rte_pktmbuf_mtod(pkts[j], const rte_ether_hdr*)->ether_type ==
              RTE_BE16(RTE_ETHER_TYPE_IPV6)) == v6)
        j++;
      if (v6) {
        forward6_burst(w, t, *in[i], &pkts[i], j - i, TunnelSources{&from[i]});
      } else {
        uint32_t dst4[kMaxBurst];
        for (uint16_t k = i; k < j; k++)
          dst4[k - i] = rte_be_to_cpu_32(
              rte_pktmbuf_mtod_offset(pkts[k], const rte_ipv4_hdr*, kL3)->dst_addr);
        forward4_burst(w, t, *in[i], &pkts[i], dst4, j - i, TunnelSources{&from[i]});
      }
      i = j;
    }
    w.tunnel_in.vni = nullptr;
  }
}

}  // namespace sy
