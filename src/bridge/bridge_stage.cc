#include "bridge/bridge_stage.h"

#include <rte_ether.h>
#include <rte_hash_crc.h>
#include <rte_prefetch.h>

#include <cstring>

#include "bridge/l2_flow_cache.h"
#include "bridge/mac_table.h"
#include "pipeline/byteorder.h"
#include "pipeline/mac48.h"
#include "route/router_stage.h"
#include "vxlan/remote_vteps.h"
#include "vxlan/vxlan_stage.h"

namespace sy {

namespace {

constexpr uint16_t kVlanIdMask = 0x0fff;

struct Classified {
  rte_mbuf* m;
  uint16_t vlan;
  bool tagged;  // carries an 802.1Q header on ingress
};

void post_learn(WorkerCtx& w, const LearnEvent& ev, uint32_t sig) {
  LearnFilter::Slot& s = w.learn_filter.slots[sig & (LearnFilter::kSlots - 1)];
  if (s.sig == sig && s.port == ev.port && w.now_ns - s.at_ns < LearnFilter::kHoldNs) return;
  s = LearnFilter::Slot{sig, ev.port, w.now_ns};
  if (rte_ring_enqueue_elem(w.learn_ring, const_cast<LearnEvent*>(&ev), sizeof(ev)) == 0)
    w.counters.learn_events.add(1);
  else
    w.counters.learn_queue_full.add(1);
}

// The MAC table's key for a cache key of bridge `br`'s `vlan`.
MacKey mac_key(const Bridge& br, uint16_t vlan, uint64_t cache_key) {
  MacKey k{};
  k.bridge_id = br.stable_id;
  k.vlan = vlan;
  uint64_t mac = mac_cache_mac(cache_key);
  std::memcpy(k.mac, &mac, RTE_ETHER_ADDR_LEN);  // little-endian: the MAC's bytes first
  return k;
}

void request_learn(WorkerCtx& w, const MacKey& key, uint16_t port) {
  LearnEvent ev{};
  ev.key = key;
  ev.port = port;
  post_learn(w, ev, mac_key_hash(&key, sizeof(key), port));
}

// `key` was seen behind the remote VTEP `remote` of local VTEP `vtep`.
void request_learn_remote(WorkerCtx& w, const MacKey& key, uint32_t vtep, const IpAddr& remote) {
  LearnEvent ev{};
  ev.key = key;
  ev.port = kTunnelLearnPort;
  ev.v6 = remote.v6 ? 1 : 0;
  ev.vtep = vtep;
  std::memcpy(ev.addr, remote.b.data(), 16);
  uint32_t a[4];
  std::memcpy(a, remote.b.data(), 16);
  uint32_t sig = mac_key_hash(&key, sizeof(key), a[0] ^ a[1] ^ a[2] ^ a[3] ^ vtep);
  post_learn(w, ev, sig);
}

// Rewrites the frame's 802.1Q header for the egress member and queues it.
void emit_retag(WorkerCtx& w, const PortL2& out, uint16_t out_port, rte_mbuf* m,
                const Classified& c) {
  bool want_tag = out.egress_tagged(c.vlan);
  uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
  if (c.tagged && !want_tag) {
    std::memmove(p + RTE_VLAN_HLEN, p, 2 * RTE_ETHER_ADDR_LEN);
    rte_pktmbuf_adj(m, RTE_VLAN_HLEN);
  } else if (!c.tagged && want_tag) {
    p = reinterpret_cast<uint8_t*>(rte_pktmbuf_prepend(m, RTE_VLAN_HLEN));
    if (p == nullptr) {
      w.counters.drop(DropReason::kCopyFailed);
      rte_pktmbuf_free(m);
      return;
    }
    std::memmove(p, p + RTE_VLAN_HLEN, 2 * RTE_ETHER_ADDR_LEN);
    // [dst][src][TPID 0x8100][TCI][original ether_type ...]
    std::memcpy(p + 2 * RTE_ETHER_ADDR_LEN, &kEtherTypeVlan.raw, 2);
    Be16 tci = Be16::from_host(c.vlan);
    std::memcpy(p + 2 * RTE_ETHER_ADDR_LEN + 2, &tci.raw, 2);
  } else if (c.tagged) {
    // Keep the priority bits; a priority-tagged or access-tagged frame takes the VLAN.
    uint8_t* tci_p = p + 2 * RTE_ETHER_ADDR_LEN + 2;
    Be16 tci;
    std::memcpy(&tci.raw, tci_p, 2);
    tci = Be16::from_host(static_cast<uint16_t>((tci.host() & ~kVlanIdMask) | c.vlan));
    std::memcpy(tci_p, &tci.raw, 2);
  }
  worker_tx(w, out_port, m);
}

// Queues a frame for an egress member; untagged in and out (the common case)
// needs no rewrite.
inline void emit(WorkerCtx& w, const PortL2& out, uint16_t out_port, rte_mbuf* m,
                 const Classified& c) {
  if (!c.tagged && !out.egress_tagged(c.vlan)) return worker_tx(w, out_port, m);
  emit_retag(w, out, out_port, m, c);
}

// Every member carrying the VLAN but `in_port` gets a copy, and so does every
// flood-list remote of `tunnel` but `from_remote` (the VTEP the frame came
// out of, if it did: split horizon). `tunnel` null: the domain has none.
void flood(WorkerCtx& w, const Tables& t, const Bridge& br, uint16_t in_port, const Classified& c,
           const VniEntry* tunnel, const IpAddr* from_remote = nullptr) {
  const BridgeTables& bt = t.bridge;
  uint16_t targets[kMaxPorts];
  uint16_t nt = 0;
  for (uint16_t p : br.members)
    if (p != in_port && bt.ports[p].carries(c.vlan)) targets[nt++] = p;
  uint32_t remotes[kMaxFloodRemotes];
  uint32_t nr = 0;
  if (tunnel != nullptr)
    for (uint32_t r = 0; r < tunnel->flood.size() && nr < kMaxFloodRemotes; r++)
      if (from_remote == nullptr || !(tunnel->flood[r] == *from_remote)) remotes[nr++] = r;
  if (nt == 0 && nr == 0) {
    w.counters.drop(DropReason::kNoFloodTarget);
    rte_pktmbuf_free(c.m);
    return;
  }
  // Copies are taken before the original is rewritten: it goes out last.
  for (uint32_t i = 0; i < nr; i++) {
    bool last = nt == 0 && i + 1 == nr;
    rte_mbuf* m = last ? c.m : rte_pktmbuf_copy(c.m, w.pool, 0, UINT32_MAX);
    if (m == nullptr) {
      w.counters.drop(DropReason::kCopyFailed);
      continue;
    }
    if (!last) w.counters.flood_copies.add(1);
    vxlan_output(w, t, *tunnel, tunnel->flood[remotes[i]], m, c.tagged);
  }
  if (nt == 0) return;
  for (uint16_t i = 0; i + 1 < nt; i++) {
    rte_mbuf* copy = rte_pktmbuf_copy(c.m, w.pool, 0, UINT32_MAX);
    if (copy == nullptr) {
      w.counters.drop(DropReason::kCopyFailed);
      continue;
    }
    w.counters.flood_copies.add(1);
    emit(w, bt.ports[targets[i]], targets[i], copy, Classified{copy, c.vlan, c.tagged});
  }
  emit(w, bt.ports[targets[nt - 1]], targets[nt - 1], c.m, c);
}

// To the member a MAC hit with kMacMember names; its flags say whether the
// frame leaves tagged, so the common untagged case reads no port.
void emit_to_member(WorkerCtx& w, const BridgeTables& bt, const MacHit& hit, const Classified& c) {
  if (!c.tagged && !(hit.flags & kMacTaggedOut)) return worker_tx(w, hit.port, c.m);
  emit_retag(w, bt.ports[hit.port], hit.port, c.m, c);
}

const VniEntry* tunnel_of(const Tables& t, const Bridge& br, uint16_t vlan) {
  if (br.tunnels.empty()) return nullptr;
  int32_t i = br.tunnel(vlan);
  return i < 0 ? nullptr : &t.vxlan.vnis[static_cast<size_t>(i)];
}

// To a MAC learned behind remote VTEP `port` (a tunnel port); false when the
// entry does not belong to this domain's binding (stale after a swap).
bool tunnel_unicast(WorkerCtx& w, const Tables& t, const VniEntry* tunnel, uint16_t port,
                    const Classified& c) {
  if (tunnel == nullptr) return false;
  const RemoteVtep& r = w.remotes->get(tunnel_remote_id(port));
  if (r.vtep != t.vxlan.vteps[tunnel->vtep].stable_id) return false;
  vxlan_output(w, t, *tunnel, r.addr, c.m, c.tagged);
  return true;
}

// Hands a classified frame to the router interface of its VLAN, untagged, with
// its ingress port in mbuf->port (where the router's answers go back).
void to_router(WorkerCtx& w, const Tables& t, const BridgeRouterPort& rp, uint16_t in_port,
               rte_mbuf* m, bool tagged) {
  m->port = in_port;
  if (tagged) {
    uint8_t* p = rte_pktmbuf_mtod(m, uint8_t*);
    std::memmove(p + RTE_VLAN_HLEN, p, 2 * RTE_ETHER_ADDR_LEN);
    rte_pktmbuf_adj(m, RTE_VLAN_HLEN);
  }
  router_enqueue(w, t, t.router.ifaces[rp.iface], m);
}

// The VLAN's router interface gets frames to its MAC (true: consumed) and a
// copy of broadcast/multicast (ARP, ND); `l2_port` is where answers go back.
bool offer_to_router(WorkerCtx& w, const Tables& t, const Bridge& br, const Classified& c,
                     uint16_t l2_port) {
  const BridgeRouterPort* rp = br.router_port(c.vlan);
  if (rp == nullptr) return false;
  auto* eth = rte_pktmbuf_mtod(c.m, const rte_ether_hdr*);
  if (rte_is_same_ether_addr(&eth->dst_addr, &rp->mac)) {
    to_router(w, t, *rp, l2_port, c.m, c.tagged);
    return true;
  }
  if (rte_is_multicast_ether_addr(&eth->dst_addr)) {
    rte_mbuf* copy = rte_pktmbuf_copy(c.m, w.pool, 0, UINT32_MAX);
    if (copy == nullptr) {
      w.counters.drop(DropReason::kCopyFailed);
    } else {
      w.counters.flood_copies.add(1);
      to_router(w, t, *rp, l2_port, copy, c.tagged);
    }
  }
  return false;
}

}  // namespace

void bridge_output_port(WorkerCtx& w, const BridgeTables& bt, uint16_t port, uint16_t vlan,
                        rte_mbuf* m) {
  emit(w, bt.ports[port], port, m, Classified{m, vlan, false});
}

void bridge_output(WorkerCtx& w, const Tables& t, uint16_t bridge, uint16_t vlan, rte_mbuf* m) {
  const BridgeTables& bt = t.bridge;
  const Bridge& br = bt.bridges[bridge];
  const VniEntry* tunnel = tunnel_of(t, br, vlan);
  Classified c{m, vlan, false};
  auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
  if (!rte_is_multicast_ether_addr(&eth->dst_addr)) {
    uint64_t key = mac_cache_key_at(br.domain(vlan), eth->dst_addr.addr_bytes);
    MacHit hit = w.mac_cache.lookup(*w.macs, bt, key);
    if (hit.flags & kMacMember) return emit_to_member(w, bt, hit, c);
    if (hit.pos >= 0 && is_tunnel_port(hit.port) && tunnel_unicast(w, t, tunnel, hit.port, c))
      return;
  }
  flood(w, t, br, kNoPort, c, tunnel);
}

namespace {

// A frame the L2FlowCache did not answer, with both its MacCache hits: learns
// its source, forwards it, and records the conversation when it is the
// common case.
void bridge_full_path(WorkerCtx& w, const Tables& t, const Bridge& br, uint16_t in_port,
                      const Classified& c, const L2FlowKey& key, uint32_t key_hash,
                      uint64_t src_key, const MacHit& src, const MacHit& dst) {
  const BridgeTables& bt = t.bridge;
  bool src_here = !br.learning;
  if (br.learning) {
    if (src.pos < 0) {
      request_learn(w, mac_key(br, c.vlan, src_key), in_port);
    } else if (src.port == in_port) {
      w.mac_cache.touch_source(*w.macs, src_key, src, w.now_ns);
      src_here = true;
    } else if (!(src.flags & kMacStatic)) {
      request_learn(w, mac_key(br, c.vlan, src_key), in_port);
    }
  }
  // The common case, a plain domain (no router interface, no tunnel) and a
  // destination learned on a member, needs neither check.
  const VniEntry* tunnel = nullptr;
  if ((dst.flags & (kMacMember | kMacPlain)) != (kMacMember | kMacPlain)) {
    if (!br.router_ports.empty() && offer_to_router(w, t, br, c, in_port)) return;
    tunnel = tunnel_of(t, br, c.vlan);
    // A hit is never multicast.
    if (dst.pos >= 0 && is_tunnel_port(dst.port) && tunnel_unicast(w, t, tunnel, dst.port, c))
      return;
  }
  // The hit's flags were computed against this snapshot: an entry that
  // predates a swap names a member only if the port still carries the VLAN.
  if (dst.flags & kMacMember) {
    if (dst.port == in_port) {
      w.counters.drop(DropReason::kSamePort);
      rte_pktmbuf_free(c.m);
      return;
    }
    if (src_here && (dst.flags & kMacPlain))
      w.l2_flows.insert(key_hash, key, in_port, L2FlowHit{&w.tx[dst.port], dst.port, dst.flags});
    emit_to_member(w, bt, dst, c);
    return;
  }
  flood(w, t, br, in_port, c, tunnel);
}

}  // namespace

void bridge_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                    uint16_t n) {
  const BridgeTables& bt = t.bridge;
  const PortL2& in = bt.ports[in_port];
  const Bridge& br = bt.bridges[in.bridge];

  Classified cls[kMaxBurst];
  L2FlowKey keys[kMaxBurst];
  uint32_t hashes[kMaxBurst];
  uint16_t kept = 0;

  constexpr uint16_t kAhead = 3;  // headers of NIC-written frames are not yet in cache
  for (uint16_t i = 0; i < n && i < kAhead; i++) rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void*));
  for (uint16_t i = 0; i < n; i++) {
    if (i + kAhead < n) rte_prefetch0(rte_pktmbuf_mtod(pkts[i + kAhead], void*));
    rte_mbuf* m = pkts[i];
    if (m->data_len < RTE_ETHER_HDR_LEN) {
      w.counters.drop(DropReason::kRunt);
      rte_pktmbuf_free(m);
      continue;
    }
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    bool tagged = Be16{eth->ether_type} == kEtherTypeVlan;
    uint16_t vid = 0;
    if (tagged) {
      if (m->data_len < RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) {
        w.counters.drop(DropReason::kRunt);
        rte_pktmbuf_free(m);
        continue;
      }
      vid = Be16{reinterpret_cast<rte_vlan_hdr*>(eth + 1)->vlan_tci}.host() & kVlanIdMask;
    }
    uint16_t vlan;
    DropReason why = DropReason::kCount;
    if (in.mode == L2Mode::kAccess) {
      vlan = in.access_vlan;
      if (tagged && vid != 0 && vid != in.access_vlan) why = DropReason::kTaggedOnAccess;
    } else if (!tagged || vid == 0) {
      vlan = in.native_vlan;
      if (vlan == 0) why = DropReason::kUntaggedOnTrunk;
    } else {
      vlan = vid;
      if (!in.carries(vid)) why = DropReason::kVlanNotAllowed;
    }
    uint64_t src48 = l2_flow_src48_at(eth->dst_addr.addr_bytes);
    if (why == DropReason::kCount && l2_flow_invalid_src48(src48))
      why = DropReason::kInvalidSourceMac;
    if (why != DropReason::kCount) {
      w.counters.drop(why);
      rte_pktmbuf_free(m);
      continue;
    }
    cls[kept] = Classified{m, vlan, tagged};
    keys[kept] = l2_flow_key_at(br.domain(vlan), eth->dst_addr.addr_bytes, src48);
    hashes[kept] = L2FlowCache::hash(keys[kept]);
    kept++;
  }
  if (kept == 0) return;

  // Conversations seen this second go out as their probe answers. The rest
  // ask the MacCache for both their MACs, a burst at a time, and go out
  // after them: every frame of a conversation in one burst hits or every one
  // misses, so a conversation keeps its order (802.1Q asks no more of a
  // bridge: the order of frames with the same source and destination).
  // A set's line is asked for kSetAhead frames before its probe. Asked for
  // all at once (as the classification loop used to), a burst's misses and
  // the PMD's own are more than the core keeps in flight, and the prefetch
  // instructions themselves wait: 4% slower at 10,000 conversations.
  uint16_t full_at[kMaxBurst];
  uint16_t nf = 0;
  constexpr uint16_t kSetAhead = 12;
  for (uint16_t i = 0; i < kept && i < kSetAhead; i++) w.l2_flows.prefetch(hashes[i]);
  const uint32_t tag = w.l2_flows.tag_of(in_port);
  for (uint16_t i = 0; i < kept; i++) {
    if (i + kSetAhead < kept) w.l2_flows.prefetch(hashes[i + kSetAhead]);
    L2FlowHit hit;
    if (!w.l2_flows.lookup(hashes[i], keys[i], tag, &hit)) {
      full_at[nf++] = i;
    } else if (!cls[i].tagged && !(hit.flags & kMacTaggedOut)) {
      worker_tx_buffer(w, *hit.tx, cls[i].m);
    } else {
      emit_retag(w, bt.ports[hit.port], hit.port, cls[i].m, cls[i]);
    }
  }
  w.counters.l2_flow_hits.add(kept - nf);
  if (nf == 0) return;
  w.counters.l2_flow_misses.add(nf);
  uint64_t src_keys[kMaxBurst], dst_keys[kMaxBurst];
  uint32_t src_hash[kMaxBurst], dst_hash[kMaxBurst];
  for (uint16_t j = 0; j < nf; j++) {
    src_keys[j] = l2_flow_src_key(keys[full_at[j]]);
    dst_keys[j] = l2_flow_dst_key(keys[full_at[j]]);
    src_hash[j] = w.mac_cache.prefetch(src_keys[j]);
    dst_hash[j] = w.mac_cache.prefetch(dst_keys[j]);
  }
  MacHit src_hits[kMaxBurst], dst_hits[kMaxBurst];
  w.mac_cache.lookup_prefetched(*w.macs, bt, src_keys, src_hash, nf, src_hits);
  w.mac_cache.lookup_prefetched(*w.macs, bt, dst_keys, dst_hash, nf, dst_hits);
  for (uint16_t j = 0; j < nf; j++) {
    uint16_t i = full_at[j];
    bridge_full_path(w, t, br, in_port, cls[i], keys[i], hashes[i], src_keys[j], src_hits[j],
                     dst_hits[j]);
  }
}

namespace {

// A decapsulated frame that is not for the VLAN's router interface MAC:
// a copy of broadcast/multicast to the router, then its member, its remote
// (relayed unless the remotes form a full mesh), or flooded, never back to
// the remote it came from.
void tunnel_bridge(WorkerCtx& w, const Tables& t, const Bridge& br, const VniEntry& vni,
                   uint16_t domain, const IpAddr& remote, const Classified& c) {
  const BridgeTables& bt = t.bridge;
  auto* eth = rte_pktmbuf_mtod(c.m, rte_ether_hdr*);
  if (!br.router_ports.empty() && offer_to_router(w, t, br, c, kFromTunnel)) return;
  if (!rte_is_multicast_ether_addr(&eth->dst_addr)) {
    uint64_t key = mac_cache_key_at(domain, eth->dst_addr.addr_bytes);
    MacHit hit = w.mac_cache.lookup(*w.macs, bt, key);
    if (hit.flags & kMacMember) return emit_to_member(w, bt, hit, c);
    if (hit.pos >= 0 && is_tunnel_port(hit.port)) {
      const VtepEntry& vt = t.vxlan.vteps[vni.vtep];
      if (!vt.full_mesh && !w.remotes->matches(tunnel_remote_id(hit.port), vt.stable_id, remote)) {
        if (tunnel_unicast(w, t, &vni, hit.port, c)) return;
      } else {
        w.counters.drop(DropReason::kSamePort);
        rte_pktmbuf_free(c.m);
        return;
      }
    }
  }
  flood(w, t, br, kNoPort, c, t.vxlan.vteps[vni.vtep].full_mesh ? nullptr : &vni, &remote);
}

}  // namespace

void bridge_tunnel_burst(WorkerCtx& w, const Tables& t, const VniEntry& vni, rte_mbuf** pkts,
                         const IpAddr* remotes, uint16_t n) {
  const BridgeTables& bt = t.bridge;
  const Bridge& br = bt.bridges[vni.bridge];
  uint16_t domain = br.domain(vni.vlan);
  // The binding's router interface, once per run: the frames a tunnel brings
  // to a gateway are mostly for it.
  const BridgeRouterPort* rp = br.router_ports.empty() ? nullptr : br.router_port(vni.vlan);
  const uint64_t rp_mac = rp != nullptr ? mac48_of(rp->mac) : 0;
  uint64_t src_keys[kMaxBurst];
  MacHit src_hits[kMaxBurst];
  if (br.learning) {
    uint32_t src_hash[kMaxBurst];
    for (uint16_t i = 0; i < n; i++) {
      src_keys[i] = mac_cache_key_at(
          domain, rte_pktmbuf_mtod(pkts[i], const rte_ether_hdr*)->src_addr.addr_bytes);
      src_hash[i] = w.mac_cache.prefetch(src_keys[i]);
    }
    w.mac_cache.lookup_prefetched(*w.macs, bt, src_keys, src_hash, n, src_hits);
  }
  uint32_t vtep = t.vxlan.vteps[vni.vtep].stable_id;
  const bool v4 = !t.vxlan.vteps[vni.vtep].local.v6;  // and so are its remotes
  // Frames for the router interface's MAC are routed together after the run,
  // each with the index of its remote for the router's answers.
  rte_mbuf* routed[kMaxBurst];
  uint16_t routed_remote[kMaxBurst];
  uint16_t nr = 0;
  for (uint16_t i = 0; i < n; i++) {
    rte_mbuf* m = pkts[i];
    const IpAddr& remote = remotes[i];
    auto* eth = rte_pktmbuf_mtod(m, rte_ether_hdr*);
    if (l2_flow_invalid_src48(l2_flow_src48_at(eth->dst_addr.addr_bytes))) {
      w.counters.drop(DropReason::kInvalidSourceMac);
      rte_pktmbuf_free(m);
      continue;
    }
    if (br.learning) {
      const MacHit& src = src_hits[i];
      uint64_t sk = src_keys[i];
      if (src.pos >= 0 && is_tunnel_port(src.port) &&
          (v4 ? w.remotes->matches_v4(tunnel_remote_id(src.port),
                                      RemoteVteps::v4_key(vtep, remote))
              : w.remotes->matches(tunnel_remote_id(src.port), vtep, remote)))
        w.mac_cache.touch_source(*w.macs, sk, src, w.now_ns);
      else if (src.pos < 0 || !(src.flags & kMacStatic))
        request_learn_remote(w, mac_key(br, vni.vlan, sk), vtep, remote);
    }
    // The router's answers (ICMP errors, ARP) go back through this remote.
    if (rp != nullptr && frame_dst_is(eth, rp_mac)) {
      m->port = kFromTunnel;
      routed_remote[nr] = i;
      routed[nr++] = m;
      continue;
    }
    // The router's answers to a copy (ARP, ND) go back through this remote.
    w.tunnel_in.vni = &vni;
    w.tunnel_in.remote = remote;
    tunnel_bridge(w, t, br, vni, domain, remote, Classified{m, vni.vlan, false});
  }
  w.tunnel_in.vni = nullptr;
  if (nr > 0)
    router_tunnel_input(w, t, t.router.ifaces[rp->iface], routed, vni, remotes, routed_remote, nr);
}

void bridge_tunnel_input(WorkerCtx& w, const Tables& t, const VniEntry& vni,
                         const IpAddr& remote, rte_mbuf* m) {
  bridge_tunnel_burst(w, t, vni, &m, &remote, 1);
}

}  // namespace sy
