#include "control/compile_router.h"

#include <rte_hash_crc.h>

#include <cstring>
#include <set>
#include <unordered_map>

#include "control/defaults.h"
#include "control/limits.h"
#include "control/validate.h"
#include "pipeline/clock.h"
#include "route/neighbour_frames.h"
#include "route/route_build.h"

namespace sy {

namespace {

struct Member {
  NextHop nh;
  std::string key;  // "interface|gateway"
};

class GroupBuilder {
 public:
  GroupBuilder(RouterTables& rt, const EcmpHistory& prev, EcmpHistory& next)
      : rt_(rt), prev_(prev), next_(next) {}

  uint32_t make(const std::vector<Member>& members, const std::string& route_key) {
    std::vector<uint16_t> table;
    if (members.size() > 1) {
      std::vector<uint32_t> weights;
      std::map<std::string, int32_t> index;
      for (size_t i = 0; i < members.size(); i++) {
        weights.push_back(members[i].nh.weight);
        index[members[i].key] = static_cast<int32_t>(i);
      }
      std::vector<int32_t> previous;
      auto it = prev_.find(route_key);
      if (it != prev_.end() && it->second.size() == kEcmpBuckets) {
        for (const std::string& k : it->second) {
          auto m = index.find(k);
          previous.push_back(m == index.end() ? -1 : m->second);
        }
      }
      table = ecmp_assign(weights, previous, kEcmpBuckets);
      std::vector<std::string>& saved = next_[route_key];
      for (uint16_t b : table) saved.push_back(members[b].key);
    } else {
      table = {0};
    }
    std::string dedup;
    for (const Member& m : members)
      dedup += m.key + "#" + std::to_string(m.nh.iface) + "#" + std::to_string(m.nh.weight) + ";";
    dedup.append(reinterpret_cast<const char*>(table.data()), table.size() * 2);
    auto found = groups_.find(dedup);
    if (found != groups_.end()) return found->second;
    NhGroup g;
    g.first_member = static_cast<uint32_t>(rt_.nexthops.size());
    g.members = static_cast<uint32_t>(members.size());
    g.first_bucket = static_cast<uint32_t>(rt_.buckets.size());
    g.bucket_mask = static_cast<uint32_t>(table.size() - 1);
    for (const Member& m : members) rt_.nexthops.push_back(m.nh);
    for (uint16_t b : table) rt_.buckets.push_back(g.first_member + b);
    uint32_t id = static_cast<uint32_t>(rt_.groups.size());
    rt_.groups.push_back(g);
    if (table.size() > 1) tables_++;
    groups_.emplace(std::move(dedup), id);
    return id;
  }
  // Multi-path bucket tables made so far.
  uint32_t tables() const { return tables_; }

 private:
  uint32_t tables_ = 0;
  RouterTables& rt_;
  const EcmpHistory& prev_;
  EcmpHistory& next_;
  std::unordered_map<std::string, uint32_t> groups_;
};

rte_ether_addr to_ether(const std::array<uint8_t, 6>& a) {
  rte_ether_addr e;
  std::memcpy(e.addr_bytes, a.data(), 6);
  return e;
}

}  // namespace

std::array<uint8_t, 6> derived_mac(const std::string& name) {
  uint32_t h = rte_hash_crc(name.data(), static_cast<uint32_t>(name.size()), 0x5359);
  return {0x02, 0x53, static_cast<uint8_t>(h >> 24), static_cast<uint8_t>(h >> 16),
          static_cast<uint8_t>(h >> 8), static_cast<uint8_t>(h)};
}

CompiledRouter compile_router(const pb::Config& cfg, const std::map<std::string, PortFacts>& ports,
                              BridgeIds& iface_ids, const EcmpHistory& history, Tables* out) {
  CompiledRouter cr;
  RouterTables& rt = out->router;
  std::map<std::string, uint16_t> bridge_index;
  for (int b = 0; b < cfg.bridges_size(); b++)
    bridge_index[cfg.bridges(b).name()] = static_cast<uint16_t>(b);
  std::map<std::string, uint16_t> iface_index;
  std::vector<std::string> names;
  for (const auto& ifc : cfg.interfaces()) {
    RouterIface ri;
    ri.name = ifc.name();
    ri.stable_id = iface_ids.id_for(ifc.name());
    names.push_back(ifc.name());
    std::array<uint8_t, 6> mac;
    uint32_t mtu = 1500;
    if (!ifc.port().empty()) {
      const PortFacts& pf = ports.at(ifc.port());
      ri.port = pf.id;
      mac = pf.mac;
      mtu = pf.mtu;
    } else {
      ri.bridge = bridge_index.at(ifc.bridge());
      ri.vlan = static_cast<uint16_t>(ifc.vlan() ? ifc.vlan() : 1);
      mac = derived_mac(ifc.name());
      // The smallest MTU among the bridge's ports.
      for (const auto& m : cfg.bridges(ri.bridge).members())
        mtu = std::min(mtu, ports.at(m.port()).mtu);
    }
    if (!ifc.mac().empty()) parse_mac(ifc.mac(), &mac);
    ri.mac = to_ether(mac);
    ri.mtu = static_cast<uint16_t>(ifc.mtu() ? ifc.mtu() : mtu);
    for (const std::string& a : ifc.addresses()) {
      IpPrefix p;
      std::string err;
      parse_prefix(a, &p, false, &err);
      (p.addr.v6 ? ri.v6 : ri.v4).push_back(p);
    }
    if (!ri.v6.empty()) {
      IpPrefix ll{ipv6_link_local(ri.mac), 64};
      if (!ri.owns(ll.addr)) ri.v6.push_back(ll);
    }
    uint16_t index = static_cast<uint16_t>(rt.ifaces.size());
    iface_index[ri.name] = index;
    if (ri.port != kNoPortId)
      rt.port_iface[ri.port] = index;
    else
      out->bridge.bridges[ri.bridge].router_ports.push_back(BridgeRouterPort{ri.vlan, index, ri.mac});
    NeighIfaceInfo ni;
    ni.stable_id = ri.stable_id;
    ni.name = ri.name;
    ni.port = ri.port;
    ni.mac = ri.mac;
    ni.v4 = ri.v4;
    ni.v6 = ri.v6;
    cr.ifaces.push_back(std::move(ni));
    if (exception_path(cfg.router())) {
      ExceptionIface ei;
      ei.stable_id = ri.stable_id;
      ei.name = ri.name;
      ei.mtu = ri.mtu;
      for (const auto* list : {&ri.v4, &ri.v6})
        for (const IpPrefix& a : *list)
          if (!(a.addr.v6 && a.addr.b[0] == 0xfe && (a.addr.b[1] & 0xc0) == 0x80))
            ei.addresses.push_back(a);
      cr.exception_ifaces.push_back(std::move(ei));
    }
    rt.ifaces.push_back(std::move(ri));
  }
  iface_ids.retain(names);

  GroupBuilder groups(rt, history, cr.history);
  std::vector<Route> fam[2];
  // (destination, source) pairs of local and connected routes. Static routes
  // are distinct among themselves (validated), so only these need a lookup.
  std::set<std::pair<IpPrefix, IpPrefix>> taken;
  auto add = [&](Route r) {
    if (r.origin == RouteOrigin::kStatic ? taken.count({r.dst, r.src}) != 0
                                         : !taken.insert({r.dst, r.src}).second)
      return;
    fam[r.dst.addr.v6 ? 1 : 0].push_back(r);
  };
  fam[0].reserve(static_cast<size_t>(cfg.routes_size()) + 64);
  // Local addresses first, then connected subnets, then static routes: a
  // later route for the same (destination, source) never overrides.
  for (uint16_t i = 0; i < rt.ifaces.size(); i++) {
    const RouterIface& ri = rt.ifaces[i];
    for (const auto* list : {&ri.v4, &ri.v6})
      for (const IpPrefix& a : *list) {
        Route r;
        r.dst = IpPrefix{a.addr, static_cast<uint8_t>(a.addr.bits())};
        r.src.addr.v6 = a.addr.v6;
        r.type = RouteType::kLocal;
        r.origin = RouteOrigin::kLocal;
        r.iface = i;
        add(r);
      }
  }
  for (uint16_t i = 0; i < rt.ifaces.size(); i++) {
    const RouterIface& ri = rt.ifaces[i];
    for (const auto* list : {&ri.v4, &ri.v6})
      for (const IpPrefix& a : *list) {
        if (a.len == a.addr.bits()) continue;
        if (a.addr.v6 && a.addr.b[0] == 0xfe && (a.addr.b[1] & 0xc0) == 0x80) continue;
        Route r;
        r.dst = IpPrefix{mask_addr(a.addr, a.len), a.len};
        r.src.addr.v6 = a.addr.v6;
        r.origin = RouteOrigin::kConnected;
        Member m;
        m.nh.iface = i;
        m.nh.direct = true;
        m.key = ri.name + "|";
        r.group = groups.make({m}, "");
        add(r);
      }
  }
  for (const auto& route : cfg.routes()) {
    Route r;
    std::string err;
    parse_prefix(route.destination(), &r.dst, true, &err);
    r.src.addr.v6 = r.dst.addr.v6;
    if (!route.source().empty()) parse_prefix(route.source(), &r.src, true, &err);
    r.origin = RouteOrigin::kStatic;
    r.type = route.type() == pb::Route::BLACKHOLE ? RouteType::kBlackhole
             : route.type() == pb::Route::REJECT  ? RouteType::kReject
                                                  : RouteType::kNormal;
    if (r.type == RouteType::kNormal) {
      std::vector<Member> members;
      for (const auto& nh : route.next_hops()) {
        Member m;
        m.nh.weight = next_hop_weight(nh);
        if (nh.gateway().empty()) {
          m.nh.direct = true;
          m.nh.iface = iface_index.at(nh.interface());
        } else {
          parse_ip(nh.gateway(), &m.nh.gateway);
          m.nh.iface = kNoIface;
          for (uint16_t i = 0; i < rt.ifaces.size() && m.nh.iface == kNoIface; i++) {
            const RouterIface& ri = rt.ifaces[i];
            if (!nh.interface().empty() && ri.name != nh.interface()) continue;
            for (const IpPrefix& a : m.nh.gateway.v6 ? ri.v6 : ri.v4)
              if (prefix_match(a.addr.b.data(), m.nh.gateway.b.data(), a.len)) m.nh.iface = i;
          }
          if (m.nh.iface == kNoIface) continue;  // validated: cannot happen
        }
        m.key = rt.ifaces[m.nh.iface].name + "|" + nh.gateway();
        members.push_back(m);
      }
      if (members.empty()) continue;
      r.group = groups.make(members, format_prefix(r.dst) + "|" + format_prefix(r.src));
    }
    add(r);
  }
  if (groups.tables() > kMaxEcmpTables)
    cr.errors.push_back({"routes", std::to_string(groups.tables()) +
                                       " multi-path bucket tables; at most " +
                                       std::to_string(kMaxEcmpTables) +
                                       " (routes with the same next hops and history share one)"});
  for (int f = 0; f < 2 && cr.errors.empty(); f++) {
    std::string err;
    if (!build_family_routes(f == 1, std::move(fam[f]), f == 1 ? &rt.v6 : &rt.v4, &err))
      cr.errors.push_back({"routes", err});
  }

  const pb::Router& r = cfg.router();
  if (r.ecmp_hash_fields_size() > 0) {
    rt.hash.fields = 0;
    for (int f : r.ecmp_hash_fields()) rt.hash.fields |= static_cast<uint8_t>(1u << f);
  }
  rt.hash.symmetric = r.ecmp_symmetric();
  rt.icmp.rate_per_sec = icmp_rate_per_second(r);
  rt.icmp.burst = icmp_burst(r);
  rt.punt_rate_per_sec = punt_rate_per_second(r);
  cr.settings.icmp = rt.icmp;
  cr.settings.reachable_ns = uint64_t{neighbour_reachable_seconds(r)} * kNsPerSec;
  cr.settings.retries = neighbour_retries(r);
  cr.settings.retry_ns = uint64_t{neighbour_retry_ms(r)} * 1'000'000;
  cr.settings.hold_packets = neighbour_hold_packets(r);
  for (const auto& sn : cfg.neighbours()) {
    StaticNeighSpec s;
    IpAddr a;
    parse_ip(sn.address(), &a);
    s.key = NeighKey::of(iface_ids.id_for_existing(sn.interface()), a);
    std::array<uint8_t, 6> mac;
    parse_mac(sn.mac(), &mac);
    s.mac = to_ether(mac);
    cr.statics.push_back(s);
  }
  return cr;
}

}  // namespace sy
