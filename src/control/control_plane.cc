#include "control/control_plane.h"

#include <google/protobuf/util/message_differencer.h>
#include <rte_cycles.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <tuple>

#include "control/compile.h"
#include "control/defaults.h"
#include "control/validate.h"
#include "pipeline/clock.h"
#include "pipeline/dataplane.h"

namespace sy {

namespace {

int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<std::string> config_diff(const pb::Config& from, const pb::Config& to) {
  // A route table of a million lines is not a diff anyone reads, and writing
  // it costs seconds: large route sets are summarised.
  constexpr int kListedRoutes = 1000;
  bool summarise = from.routes_size() > kListedRoutes || to.routes_size() > kListedRoutes;
  std::string text;
  google::protobuf::util::MessageDifferencer d;
  if (summarise) d.IgnoreField(pb::Config::descriptor()->FindFieldByName("routes"));
  d.ReportDifferencesToString(&text);
  d.Compare(from, to);
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  if (summarise) {
    int common = std::min(from.routes_size(), to.routes_size());
    int changed = 0;
    for (int i = 0; i < common; i++)
      changed += from.routes(i).SerializeAsString() != to.routes(i).SerializeAsString();
    if (changed || from.routes_size() != to.routes_size())
      lines.push_back("routes: " + std::to_string(from.routes_size()) + " -> " +
                      std::to_string(to.routes_size()) + " routes, " + std::to_string(changed) +
                      " of the first " + std::to_string(common) + " changed (not listed one by one)");
  }
  return lines;
}

uint32_t effective_mtu(const pb::Port& p) { return p.mtu() ? p.mtu() : 1500; }

}  // namespace

ControlPlane::ControlPlane(Dataplane& dp)
    : dp_(dp),
      bridge_ids_(std::make_unique<BridgeIds>()),
      iface_ids_(std::make_unique<BridgeIds>()),
      vtep_ids_(std::make_unique<BridgeIds>()),
      vni_baseline_(kMaxVniSlots) {}
ControlPlane::~ControlPlane() = default;

ApplyResult ControlPlane::apply(const pb::Config& desired, bool dry_run) {
  std::lock_guard lock(mu_);
  ApplyResult r;
  auto t0 = std::chrono::steady_clock::now();
  auto phase = [&](const char* name) {
    auto now = std::chrono::steady_clock::now();
    r.phases_ms.emplace_back(name, std::chrono::duration<double, std::milli>(now - t0).count());
    t0 = now;
  };
  bool first = generation_ == 0;
  r.errors = validate_config(desired, first ? nullptr : &running_);
  phase("validate");
  if (first) {
    // At start-up the ports were started from this very config; make sure.
    for (int i = 0; i < desired.ports_size(); i++)
      if (dp_.port_id(desired.ports(i).name()) < 0)
        r.errors.push_back({"ports[" + std::to_string(i) + "]", "port is not started"});
  }
  r.diff = config_diff(running_, desired);
  phase("diff");
  if (!r.errors.empty() || dry_run) {
    r.ok = r.errors.empty();
    r.generation = generation_;
    if (!dry_run) {
      last_apply_ok_ = false;
      last_apply_unix_ms_ = unix_ms_now();
    }
    return r;
  }

  // Hot port changes first: they are the only step that can fail, and they are
  // undone if a later port refuses, so a rejected config changes nothing.
  std::vector<std::pair<int, pb::Port>> done;
  auto undo = [&] {
    std::string ignored;
    for (auto& [i, old] : done) {
      uint16_t id = static_cast<uint16_t>(dp_.port_id(old.name()));
      dp_.set_port_mtu(id, effective_mtu(old), &ignored);
      dp_.set_port_promiscuous(id, promiscuous(old), &ignored);
    }
  };
  if (!first) {
    for (int i = 0; i < desired.ports_size(); i++) {
      const pb::Port& want = desired.ports(i);
      const pb::Port& have = running_.ports(i);
      uint16_t id = static_cast<uint16_t>(dp_.port_id(want.name()));
      std::string err;
      bool ok = true;
      if (effective_mtu(want) != effective_mtu(have)) ok = dp_.set_port_mtu(id, effective_mtu(want), &err);
      if (ok && promiscuous(want) != promiscuous(have))
        ok = dp_.set_port_promiscuous(id, promiscuous(want), &err);
      done.emplace_back(i, have);
      if (!ok) {
        undo();
        r.errors.push_back({"ports[" + std::to_string(i) + "]", err});
        r.generation = generation_;
        last_apply_ok_ = false;
        last_apply_unix_ms_ = unix_ms_now();
        return r;
      }
    }
  }

  std::map<std::string, uint16_t> port_ids;
  for (const auto& p : desired.ports())
    port_ids[p.name()] = static_cast<uint16_t>(dp_.port_id(p.name()));
  std::map<std::string, PortFacts> facts;
  for (const auto& p : desired.ports()) {
    PortFacts f;
    f.id = port_ids[p.name()];
    rte_ether_addr mac{};
    rte_eth_macaddr_get(f.id, &mac);
    std::memcpy(f.mac.data(), mac.addr_bytes, 6);
    f.mtu = effective_mtu(p);
    facts[p.name()] = f;
  }
  CompiledConfig compiled = compile_config(desired, port_ids, *bridge_ids_, generation_ + 1);
  CompiledRouter router =
      compile_router(desired, facts, *iface_ids_, ecmp_history_, compiled.tables.get());
  std::vector<uint16_t> fresh_slots;
  VniSlots vni_slots = compile_vxlan(desired, *vtep_ids_, vni_slots_, &compiled, &fresh_slots);
  number_bridge_domains(compiled.tables->bridge);
  phase("compile");
  if (!router.errors.empty()) {
    // Out of DPDK memory for a FIB: nothing was published; port changes are undone.
    undo();
    r.errors = router.errors;
    r.generation = generation_;
    last_apply_ok_ = false;
    last_apply_unix_ms_ = unix_ms_now();
    return r;
  }
  for (uint16_t slot : fresh_slots) vni_baseline_[slot] = vni_totals(slot);
  vni_slots_ = std::move(vni_slots);
  dp_.publish(std::move(compiled.tables));
  phase("publish");
  // After the publish: workers no longer use removed bridges/ports when their
  // MAC entries are flushed, nor removed interfaces when neighbours are.
  uint64_t now = clock_now_ns();
  dp_.learner().reconcile(compiled.bridges, compiled.statics, now);
  dp_.neighbours().reconcile(router.ifaces, router.statics, router.settings, now);
  ecmp_history_ = std::move(router.history);
  if (ExceptionPath* ep = dp_.exception_path()) {
    // The config is in force either way; a TUN that cannot be made only loses
    // the exception path for that interface, and says so.
    for (const std::string& e : ep->reconcile(router.exception_ifaces))
      std::fprintf(stderr, "switchyard: exception path: %s\n", e.c_str());
  }

  running_ = desired;
  phase("reconcile");
  generation_++;
  last_apply_ok_ = true;
  last_apply_unix_ms_ = unix_ms_now();
  r.ok = true;
  r.generation = generation_;
  return r;
}

pb::GetConfigResponse ControlPlane::get_config() const {
  std::lock_guard lock(mu_);
  pb::GetConfigResponse out;
  *out.mutable_config() = running_;
  out.set_generation(generation_);
  return out;
}

pb::Stats ControlPlane::stats() const {
  std::lock_guard lock(mu_);
  pb::Stats s;
  for (const auto& p : dp_.ports()) {
    PortCounters c = dp_.port_counters(p.id);
    pb::PortStats* ps = s.add_ports();
    ps->set_name(p.name);
    ps->set_port_id(p.id);
    ps->set_rx_packets(c.rx_packets);
    ps->set_rx_bytes(c.rx_bytes);
    ps->set_tx_packets(c.tx_packets);
    ps->set_tx_bytes(c.tx_bytes);
    ps->set_rx_missed(c.rx_missed);
    ps->set_rx_errors(c.rx_errors);
    ps->set_tx_errors(c.tx_errors);
    ps->set_rx_nombuf(c.rx_nombuf);
    for (const auto& [name, v] : c.xstats) (*ps->mutable_xstats())[name] = v;
  }
  uint64_t drops[kDropReasonCount] = {};
  for (size_t i = 0; i < dp_.nb_workers(); i++) {
    const WorkerCtx& w = dp_.worker(i);
    pb::WorkerStats* ws = s.add_workers();
    ws->set_worker(w.index);
    ws->set_lcore(w.lcore);
    ws->set_busy_cycles(w.counters.busy_cycles.get());
    ws->set_idle_cycles(w.counters.idle_cycles.get());
    ws->set_bursts(w.counters.bursts.get());
    ws->set_rx_packets(w.counters.rx_packets.get());
    ws->set_tx_packets(w.counters.tx_packets.get());
    ws->set_flood_copies(w.counters.flood_copies.get());
    ws->set_learn_events(w.counters.learn_events.get());
    ws->set_learn_queue_full(w.counters.learn_queue_full.get());
    ws->set_l2_flow_hits(w.counters.l2_flow_hits.get());
    ws->set_l2_flow_misses(w.counters.l2_flow_misses.get());
    for (size_t r = 0; r < kDropReasonCount; r++) drops[r] += w.counters.drops[r].get();
  }
  for (size_t r = 0; r < kDropReasonCount; r++) {
    pb::DropCounter* d = s.add_drops();
    d->set_reason(drop_reason_name(static_cast<DropReason>(r)));
    d->set_packets(drops[r]);
  }
  auto counters = dp_.learner().counters();
  for (const auto& br : running_.bridges()) {
    pb::BridgeStats* bs = s.add_bridges();
    bs->set_name(br.name());
    bs->set_mac_limit(mac_limit(br));
    auto it = counters.find(bridge_ids_->id_for_existing(br.name()));
    if (it == counters.end()) continue;
    bs->set_macs(it->second.macs);
    bs->set_learned(it->second.learned);
    bs->set_moves(it->second.moves);
    bs->set_limit_hits(it->second.limit_hits);
    bs->set_aged(it->second.aged);
  }
  pb::RouterStats* rs = s.mutable_router();
  if (const Tables* t = dp_.tables()) {
    const RouterTables& rt = t->router;
    if (rt.v4.fib) {
      rs->set_routes_v4(rt.v4.fib->prefixes());
      rs->set_fib_memory_bytes_v4(rt.v4.fib->memory_bytes());
    }
    if (rt.v6.fib) {
      rs->set_routes_v6(rt.v6.fib->prefixes());
      rs->set_fib_memory_bytes_v6(rt.v6.fib->memory_bytes());
    }
    rs->set_ecmp_groups(rt.groups.size());
  }
  uint64_t icmp[kIcmpKindCount] = {};
  for (size_t i = 0; i < dp_.nb_workers(); i++) {
    const WorkerCounters& c = dp_.worker(i).counters;
    for (size_t k = 0; k < kIcmpKindCount; k++) icmp[k] += c.icmp_sent[k].get();
    rs->set_icmp_rate_limited(rs->icmp_rate_limited() + c.icmp_rate_limited.get());
    rs->set_fragments_created(rs->fragments_created() + c.fragments.get());
    rs->set_packets_held(rs->packets_held() + c.held.get());
    rs->set_neighbour_replies(rs->neighbour_replies() + c.neighbour_replies.get());
    rs->set_neighbour_events_lost(rs->neighbour_events_lost() + c.neighbour_events_lost.get());
    rs->set_injected(rs->injected() + c.injected.get());
    rs->set_punted(rs->punted() + c.punted.get());
  }
  NeighCounters nc = dp_.neighbours().counters();
  icmp[static_cast<size_t>(IcmpKind::kHostUnreachable)] += nc.icmp_sent;
  rs->set_icmp_rate_limited(rs->icmp_rate_limited() + nc.icmp_rate_limited);
  for (size_t k = 0; k < kIcmpKindCount; k++)
    (*rs->mutable_icmp_sent())[icmp_kind_name(static_cast<IcmpKind>(k))] = icmp[k];
  for (size_t st = 0; st < 5; st++)
    (*rs->mutable_neighbours())[neigh_state_name(static_cast<NeighState>(st))] = nc.entries[st];
  rs->set_neighbour_requests(nc.requests_sent);
  rs->set_neighbour_announcements(nc.announcements);
  rs->set_neighbour_resolved(nc.resolved);
  rs->set_neighbour_failed(nc.failed);
  rs->set_neighbour_hold_dropped(nc.hold_dropped);
  if (const ExceptionPath* ep = dp_.exception_path()) {
    ExceptionCounters ec = ep->counters();
    rs->set_punt_to_kernel(ec.to_kernel);
    rs->set_punt_from_kernel(ec.from_kernel);
    rs->set_punt_dropped(ec.dropped);
  }
  for (const auto& v : running_.vteps())
    for (const auto& b : v.vnis()) {
      auto it = vni_slots_.find(v.name() + "|" + std::to_string(b.vni()));
      if (it == vni_slots_.end()) continue;
      pb::VniStats* vs = s.add_vnis();
      *vs = vni_totals(it->second);
      vs->set_vtep(v.name());
      vs->set_vni(b.vni());
    }
  s.set_generation(generation_);
  s.set_last_apply_unix_ms(last_apply_unix_ms_);
  s.set_last_apply_ok(last_apply_ok_);
  s.set_tsc_hz(rte_get_tsc_hz());
  return s;
}

pb::ListPortsResponse ControlPlane::ports() const {
  std::lock_guard lock(mu_);
  pb::ListPortsResponse out;
  for (const auto& p : dp_.ports()) {
    pb::PortInfo* pi = out.add_ports();
    pi->set_name(p.name);
    pi->set_port_id(p.id);
    pi->set_device(p.device);
    pi->set_driver(p.driver);
    rte_ether_addr mac{};
    rte_eth_macaddr_get(p.id, &mac);
    pi->set_mac(format_mac(mac.addr_bytes));
    LinkState link = dp_.link_state(p.id);
    pi->set_link_up(link.up);
    pi->set_speed_mbps(link.speed_mbps);
    pi->set_full_duplex(link.full_duplex);
    pi->set_mtu(p.mtu);
    pi->set_promiscuous(p.promiscuous);
    pi->set_rx_queues(p.nb_rxq);
    pi->set_tx_queues(p.nb_txq);
    pi->set_rss(p.rss);
    pi->set_vxlan_rss(p.vxlan_rss);
  }
  return out;
}

bool ControlPlane::macs(const std::string& bridge, pb::ListMacsResponse* out,
                        std::string* error) const {
  std::lock_guard lock(mu_);
  if (!bridge.empty()) {
    bool found = false;
    for (const auto& b : running_.bridges()) found |= b.name() == bridge;
    if (!found) {
      *error = "no bridge named \"" + bridge + "\"";
      return false;
    }
  }
  std::map<uint16_t, std::string> port_names;
  for (const auto& p : dp_.ports()) port_names[p.id] = p.name;
  uint64_t now = clock_now_ns();
  for (const MacEntryView& e : dp_.learner().snapshot()) {
    const std::string* name = bridge_ids_->name_of(e.key.bridge_id);
    if (name == nullptr || (!bridge.empty() && *name != bridge)) continue;
    pb::MacEntry* m = out->add_macs();
    m->set_bridge(*name);
    m->set_vlan(e.key.vlan);
    m->set_mac(format_mac(e.key.mac));
    m->set_port(port_label(e.port, e.remote, port_names));
    m->set_is_static(e.is_static);
    m->set_age_seconds(e.is_static || now < e.last_seen_ns
                           ? 0
                           : static_cast<uint32_t>((now - e.last_seen_ns) / kNsPerSec));
  }
  std::sort(out->mutable_macs()->begin(), out->mutable_macs()->end(),
            [](const pb::MacEntry& a, const pb::MacEntry& b) {
              return std::make_tuple(a.bridge(), a.vlan(), a.mac()) <
                     std::make_tuple(b.bridge(), b.vlan(), b.mac());
            });
  return true;
}

namespace {

pb::RouteInfo route_info(const RouterTables& rt, const Route& r) {
  pb::RouteInfo ri;
  ri.set_destination(format_prefix(r.dst));
  if (r.src.len > 0) ri.set_source(format_prefix(r.src));
  ri.set_type(route_type_name(r.type));
  ri.set_origin(route_origin_name(r.origin));
  if (r.type == RouteType::kLocal) {
    pb::RouteNextHop* nh = ri.add_next_hops();
    nh->set_interface(rt.ifaces[r.iface].name);
  }
  if (r.type != RouteType::kNormal) return ri;
  const NhGroup& g = rt.groups[r.group];
  std::vector<uint32_t> owned(g.members, 0);
  for (uint32_t b = 0; b <= g.bucket_mask; b++) owned[rt.buckets[g.first_bucket + b] - g.first_member]++;
  for (uint32_t m = 0; m < g.members; m++) {
    const NextHop& n = rt.nexthops[g.first_member + m];
    pb::RouteNextHop* nh = ri.add_next_hops();
    if (!n.direct) nh->set_gateway(format_ip(n.gateway));
    nh->set_interface(rt.ifaces[n.iface].name);
    nh->set_weight(n.weight);
    nh->set_buckets(owned[m]);
  }
  return ri;
}

}  // namespace

pb::ListInterfacesResponse ControlPlane::interfaces() const {
  std::lock_guard lock(mu_);
  pb::ListInterfacesResponse out;
  const Tables* t = dp_.tables();
  if (t == nullptr) return out;
  for (const RouterIface& ri : t->router.ifaces) {
    pb::InterfaceInfo* i = out.add_interfaces();
    i->set_name(ri.name);
    for (const auto& p : dp_.ports())
      if (p.id == ri.port) i->set_port(p.name);
    i->set_mac(format_mac(ri.mac.addr_bytes));
    i->set_mtu(ri.mtu);
    for (const auto* list : {&ri.v4, &ri.v6})
      for (const IpPrefix& a : *list) i->add_addresses(format_prefix(a));
  }
  return out;
}

pb::ListRoutesResponse ControlPlane::routes(bool v6) const {
  std::lock_guard lock(mu_);
  pb::ListRoutesResponse out;
  const Tables* t = dp_.tables();
  if (t == nullptr) return out;
  const FamilyRoutes& fr = t->router.family(v6);
  std::vector<const Route*> sorted;
  for (const Route& r : fr.routes) sorted.push_back(&r);
  std::sort(sorted.begin(), sorted.end(), [](const Route* a, const Route* b) {
    return std::tie(a->dst, a->src) < std::tie(b->dst, b->src);
  });
  for (const Route* r : sorted) *out.add_routes() = route_info(t->router, *r);
  return out;
}

bool ControlPlane::lookup_route(const pb::LookupRouteRequest& req, pb::LookupRouteResponse* out,
                                std::string* error) const {
  IpAddr dst, src;
  if (!parse_ip(req.destination(), &dst)) {
    *error = "destination: \"" + req.destination() + "\" is not an IP address";
    return false;
  }
  src.v6 = dst.v6;
  if (!req.source().empty() && (!parse_ip(req.source(), &src) || src.v6 != dst.v6)) {
    *error = "source: \"" + req.source() + "\" is not an address of the destination's family";
    return false;
  }
  if (req.protocol() > 255 || req.src_port() > 65535 || req.dst_port() > 65535) {
    *error = "protocol must be 0..255 and ports 0..65535";
    return false;
  }
  std::lock_guard lock(mu_);
  const Tables* t = dp_.tables();
  if (t == nullptr) return true;
  const RouterTables& rt = t->router;
  const FamilyRoutes& fr = rt.family(dst.v6);
  uint32_t ri = fr.lookup(dst, src);
  if (ri == kNoRoute) return true;
  const Route& r = fr.routes[ri];
  out->set_found(true);
  out->set_local(r.type == RouteType::kLocal);
  *out->mutable_route() = route_info(rt, r);
  if (r.type != RouteType::kNormal) return true;
  const NhGroup& g = rt.groups[r.group];
  uint16_t sport = rte_cpu_to_be_16(static_cast<uint16_t>(req.src_port()));
  uint16_t dport = rte_cpu_to_be_16(static_cast<uint16_t>(req.dst_port()));
  FlowFields f{src.b.data(), dst.b.data(), static_cast<uint8_t>(dst.v6 ? 16 : 4),
               static_cast<uint8_t>(req.protocol()), sport, dport, 0, false};
  uint32_t bucket = g.bucket_mask ? (ecmp_hash(f, rt.hash) & g.bucket_mask) : 0;
  uint32_t member = rt.buckets[g.first_bucket + bucket] - g.first_member;
  out->set_bucket(bucket);
  *out->mutable_next_hop() = out->route().next_hops(static_cast<int>(member));
  return true;
}

pb::ListNeighboursResponse ControlPlane::neighbours() const {
  std::lock_guard lock(mu_);
  pb::ListNeighboursResponse out;
  for (const NeighView& v : dp_.neighbours().snapshot(clock_now_ns())) {
    pb::NeighbourInfo* n = out.add_neighbours();
    n->set_interface(v.iface);
    n->set_address(format_ip(v.key.addr()));
    if (v.state != NeighState::kNone) n->set_mac(format_mac(v.mac.addr_bytes));
    n->set_state(neigh_state_name(v.state));
    n->set_age_seconds(static_cast<uint32_t>(v.age_ns / kNsPerSec));
    n->set_held_packets(v.held);
  }
  std::sort(out.mutable_neighbours()->begin(), out.mutable_neighbours()->end(),
            [](const pb::NeighbourInfo& a, const pb::NeighbourInfo& b) {
              return std::make_tuple(a.interface(), a.address()) <
                     std::make_tuple(b.interface(), b.address());
            });
  return out;
}

pb::VniStats ControlPlane::vni_totals(uint16_t slot) const {
  pb::VniStats v;
  for (size_t i = 0; i < dp_.nb_workers(); i++) {
    const VniCounters& c = dp_.worker(i).vni_counters[slot];
    v.set_rx_packets(v.rx_packets() + c.rx_packets.get());
    v.set_rx_bytes(v.rx_bytes() + c.rx_bytes.get());
    v.set_tx_packets(v.tx_packets() + c.tx_packets.get());
    v.set_tx_bytes(v.tx_bytes() + c.tx_bytes.get());
  }
  const pb::VniStats& b = vni_baseline_[slot];
  v.set_rx_packets(v.rx_packets() - b.rx_packets());
  v.set_rx_bytes(v.rx_bytes() - b.rx_bytes());
  v.set_tx_packets(v.tx_packets() - b.tx_packets());
  v.set_tx_bytes(v.tx_bytes() - b.tx_bytes());
  return v;
}

std::string ControlPlane::port_label(uint16_t port, const RemoteVtep& remote,
                                     const std::map<uint16_t, std::string>& port_names) const {
  if (is_tunnel_port(port)) {
    const std::string* vtep = vtep_ids_->name_of(remote.vtep);
    return "vxlan:" + (vtep ? *vtep : std::string("?")) + ":" + format_ip(remote.addr);
  }
  auto it = port_names.find(port);
  return it == port_names.end() ? "?" : it->second;
}

pb::ListVtepsResponse ControlPlane::vteps() const {
  std::lock_guard lock(mu_);
  pb::ListVtepsResponse out;
  const Tables* t = dp_.tables();
  if (t == nullptr) return out;
  const VxlanTables& vx = t->vxlan;
  // Remote MAC entries per (bridge stable id, vlan).
  std::map<std::pair<uint32_t, uint16_t>, uint32_t> remote_macs;
  for (const MacEntryView& e : dp_.learner().snapshot())
    if (is_tunnel_port(e.port)) remote_macs[{e.key.bridge_id, e.key.vlan}]++;
  for (const VtepEntry& v : vx.vteps) {
    pb::VtepInfo* vi = out.add_vteps();
    vi->set_name(v.name);
    vi->set_local_address(format_ip(v.local));
    vi->set_udp_port(v.udp_port.host());
    uint32_t local_mtu = 0;
    for (const RouterIface& ri : t->router.ifaces)
      if (ri.owns(v.local)) {
        vi->set_interface(ri.name);
        local_mtu = ri.mtu;
      }
    uint32_t underlay_mtu = UINT32_MAX;
    const FamilyRoutes& fr = t->router.family(v.local.v6);
    for (const VniEntry& n : vx.vnis) {
      if (&vx.vteps[n.vtep] != &v) continue;
      for (const IpAddr& r : n.flood) {
        uint32_t ri = fr.lookup(r, v.local);
        if (ri == kNoRoute || fr.routes[ri].type != RouteType::kNormal) continue;
        const NhGroup& g = t->router.groups[fr.routes[ri].group];
        for (uint32_t m = 0; m < g.members; m++)
          underlay_mtu = std::min<uint32_t>(
              underlay_mtu, t->router.ifaces[t->router.nexthops[g.first_member + m].iface].mtu);
      }
    }
    if (underlay_mtu == UINT32_MAX) underlay_mtu = local_mtu;
    uint32_t overhead = v.local.v6 ? kVxlanOverhead6 : kVxlanOverhead4;
    vi->set_inner_mtu(underlay_mtu > overhead ? underlay_mtu - overhead : 0);
    for (const VniEntry& n : vx.vnis) {
      if (&vx.vteps[n.vtep] != &v) continue;
      pb::VniInfo* ni = vi->add_vnis();
      ni->set_vni(n.vni);
      const Bridge& br = t->bridge.bridges[n.bridge];
      if (const std::string* name = bridge_ids_->name_of(br.stable_id)) ni->set_bridge(*name);
      ni->set_vlan(n.vlan);
      for (const IpAddr& r : n.flood) ni->add_flood(format_ip(r));
      auto it = remote_macs.find({br.stable_id, n.vlan});
      ni->set_remote_macs(it == remote_macs.end() ? 0 : it->second);
      pb::VniStats st = vni_totals(n.counter_slot);
      st.set_vtep(v.name);
      st.set_vni(n.vni);
      *ni->mutable_stats() = st;
    }
  }
  return out;
}

bool ControlPlane::remote_macs(const pb::ListRemoteMacsRequest& req,
                               pb::ListRemoteMacsResponse* out, std::string* error) const {
  std::lock_guard lock(mu_);
  const Tables* t = dp_.tables();
  if (t == nullptr) return true;
  const VxlanTables& vx = t->vxlan;
  if (!req.vtep().empty() &&
      std::none_of(vx.vteps.begin(), vx.vteps.end(),
                   [&](const VtepEntry& v) { return v.name == req.vtep(); })) {
    *error = "no VTEP named \"" + req.vtep() + "\"";
    return false;
  }
  std::map<std::pair<uint32_t, uint16_t>, const VniEntry*> domains;
  for (const VniEntry& n : vx.vnis)
    domains[{t->bridge.bridges[n.bridge].stable_id, n.vlan}] = &n;
  uint64_t now = clock_now_ns();
  for (const MacEntryView& e : dp_.learner().snapshot()) {
    if (!is_tunnel_port(e.port)) continue;
    auto it = domains.find({e.key.bridge_id, e.key.vlan});
    if (it == domains.end()) continue;
    const VniEntry& n = *it->second;
    const VtepEntry& v = vx.vteps[n.vtep];
    if (!req.vtep().empty() && v.name != req.vtep()) continue;
    if (req.has_vni() && req.vni() != n.vni) continue;
    pb::RemoteMacEntry* r = out->add_macs();
    r->set_vtep(v.name);
    r->set_vni(n.vni);
    if (const std::string* name = bridge_ids_->name_of(e.key.bridge_id)) r->set_bridge(*name);
    r->set_vlan(e.key.vlan);
    r->set_mac(format_mac(e.key.mac));
    r->set_remote(format_ip(e.remote.addr));
    r->set_is_static(e.is_static);
    r->set_age_seconds(e.is_static || now < e.last_seen_ns
                           ? 0
                           : static_cast<uint32_t>((now - e.last_seen_ns) / kNsPerSec));
  }
  std::sort(out->mutable_macs()->begin(), out->mutable_macs()->end(),
            [](const pb::RemoteMacEntry& a, const pb::RemoteMacEntry& b) {
              return std::make_tuple(a.vtep(), a.vni(), a.mac()) <
                     std::make_tuple(b.vtep(), b.vni(), b.mac());
            });
  return true;
}

}  // namespace sy
