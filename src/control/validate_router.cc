// Validation of the router part of a Config: interfaces, routes, static
// neighbours and router settings. Called by validate_config().
#include <algorithm>
#include <map>
#include <set>

#include "control/defaults.h"
#include "control/limits.h"
#include "control/validate.h"
#include "route/ecmp.h"
#include "route/ip.h"

namespace sy {

namespace {

std::string idx(const std::string& base, int i) { return base + "[" + std::to_string(i) + "]"; }

struct IfaceModel {
  std::string path;
  std::vector<IpPrefix> addrs;
};

bool reserved_address(const IpAddr& a) {
  if (a.v6) return a.b[0] == 0xff || std::all_of(a.b.begin(), a.b.end(), [](uint8_t x) { return x == 0; });
  uint32_t h = a.v4_host();
  return h == 0 || (h >> 28) == 0xe || h == 0xffffffff || (h >> 24) == 127;
}

}  // namespace

void check_router(const pb::Config& cfg, ConfigErrors& errors) {
  auto fail = [&](const std::string& path, const std::string& msg) {
    errors.push_back({path, msg});
  };
  std::map<std::string, const pb::Port*> ports;
  for (const auto& p : cfg.ports()) ports[p.name()] = &p;
  std::set<std::string> bridged;
  for (const auto& b : cfg.bridges())
    for (const auto& m : b.members()) bridged.insert(m.port());

  std::map<std::string, IfaceModel> ifaces;
  std::map<IpAddr, std::string> owner;        // address → interface path
  std::map<IpPrefix, std::string> subnets;    // connected subnet → interface path
  std::set<std::string> used_ports;
  std::set<std::pair<std::string, unsigned>> used_bridge_vlans;
  std::map<std::string, std::string> tun_names;  // exception-path device name → interface path
  if (static_cast<uint32_t>(cfg.interfaces_size()) > kMaxInterfaces)
    fail("interfaces", std::to_string(cfg.interfaces_size()) + " interfaces; at most " +
                           std::to_string(kMaxInterfaces));
  for (int i = 0; i < cfg.interfaces_size(); i++) {
    const pb::RouterInterface& ifc = cfg.interfaces(i);
    std::string p = idx("interfaces", i);
    IfaceModel model{p, {}};
    if (ifc.name().empty()) {
      fail(p + ".name", "required");
    } else if (!valid_name(ifc.name())) {
      fail(p + ".name", "\"" + ifc.name() + "\" must be 1-63 characters of [A-Za-z0-9_.-]");
    } else if (ifaces.count(ifc.name())) {
      fail(p + ".name", "interface \"" + ifc.name() + "\" defined twice");
    } else if (exception_path(cfg.router())) {
      // The kernel's device names are 15 characters: "sy-" and the first 12.
      std::string tun = ("sy-" + ifc.name()).substr(0, 15);
      auto [it, fresh] = tun_names.emplace(tun, p);
      if (!fresh)
        fail(p + ".name", "its exception-path device would be \"" + tun + "\", as " +
                              it->second + "'s (device names keep the first 12 characters)");
    }
    if (static_cast<uint32_t>(ifc.addresses_size()) > kMaxAddressesPerInterface)
      fail(p + ".addresses", std::to_string(ifc.addresses_size()) + " addresses; at most " +
                                 std::to_string(kMaxAddressesPerInterface));
    uint32_t port_mtu = 1500;
    if (ifc.port().empty() == ifc.bridge().empty()) {
      fail(p, "set exactly one of port or bridge");
    } else if (!ifc.port().empty()) {
      auto it = ports.find(ifc.port());
      if (it == ports.end()) {
        fail(p + ".port", "no port named \"" + ifc.port() + "\"");
      } else if (bridged.count(ifc.port())) {
        fail(p + ".port", "port \"" + ifc.port() + "\" is a bridge member; attach the interface to the bridge instead");
      } else if (!used_ports.insert(ifc.port()).second) {
        fail(p + ".port", "port \"" + ifc.port() + "\" already has an interface");
      } else if (it->second->mtu() != 0) {
        port_mtu = it->second->mtu();
      }
      if (ifc.vlan() != 0) fail(p + ".vlan", "only a bridge interface has a VLAN");
    } else {
      const pb::BridgeDomain* br = nullptr;
      for (const auto& b : cfg.bridges())
        if (b.name() == ifc.bridge()) br = &b;
      unsigned vlan = ifc.vlan() ? ifc.vlan() : 1;
      if (br == nullptr) {
        fail(p + ".bridge", "no bridge named \"" + ifc.bridge() + "\"");
      } else if (vlan > 4094) {
        fail(p + ".vlan", std::to_string(vlan) + " is not a VLAN (1..4094)");
      } else if (!used_bridge_vlans.insert({ifc.bridge(), vlan}).second) {
        fail(p + ".vlan", "bridge \"" + ifc.bridge() + "\" VLAN " + std::to_string(vlan) +
                              " already has an interface");
      } else {
        bool carried = false;
        uint32_t min_mtu = 9600;
        for (const auto& m : br->members()) {
          auto pit = ports.find(m.port());
          if (pit != ports.end() && pit->second->mtu() != 0)
            min_mtu = std::min(min_mtu, pit->second->mtu());
          else
            min_mtu = std::min<uint32_t>(min_mtu, 1500);
          if (m.mode() == pb::BridgeMember::ACCESS) {
            carried |= (m.access_vlan() ? m.access_vlan() : 1) == vlan;
          } else {
            carried |= m.native_vlan() == vlan;
            for (uint32_t v : m.allowed_vlans()) carried |= v == vlan;
          }
        }
        // A VLAN bound to a VXLAN VNI is carried by the tunnel.
        for (const auto& vt : cfg.vteps())
          for (const auto& b : vt.vnis())
            carried |= b.bridge() == ifc.bridge() && (b.vlan() ? b.vlan() : 1) == vlan;
        if (!carried)
          fail(p + ".vlan", "no member of bridge \"" + ifc.bridge() + "\" carries VLAN " +
                                std::to_string(vlan) + " (nor is it bound to a VXLAN VNI)");
        port_mtu = min_mtu;
      }
    }
    if (!ifc.mac().empty()) {
      std::array<uint8_t, 6> mac;
      if (!parse_mac(ifc.mac(), &mac)) fail(p + ".mac", "\"" + ifc.mac() + "\" is not a MAC address");
      else if (mac[0] & 1) fail(p + ".mac", ifc.mac() + " is a multicast address");
      else if (mac == std::array<uint8_t, 6>{}) fail(p + ".mac", "all-zero MAC");
    }
    if (ifc.mtu() != 0 && (ifc.mtu() < 68 || ifc.mtu() > port_mtu))
      fail(p + ".mtu", std::to_string(ifc.mtu()) + " is out of range (68.." + std::to_string(port_mtu) + ", the port's MTU)");
    bool has_v6 = false;
    for (int a = 0; a < ifc.addresses_size(); a++) {
      std::string ap = idx(p + ".addresses", a);
      IpPrefix pre;
      std::string err;
      if (!parse_prefix(ifc.addresses(a), &pre, false, &err)) {
        fail(ap, err);
        continue;
      }
      if (ifc.addresses(a).find('/') == std::string::npos) {
        fail(ap, "\"" + ifc.addresses(a) + "\" needs a prefix length (e.g. /24)");
        continue;
      }
      if (reserved_address(pre.addr)) {
        fail(ap, format_ip(pre.addr) + " cannot be an interface address");
        continue;
      }
      if (pre.len == 0) {
        fail(ap, "a /0 subnet cannot be an interface subnet");
        continue;
      }
      auto [it, fresh] = owner.emplace(pre.addr, ap);
      if (!fresh) {
        fail(ap, format_ip(pre.addr) + " is already assigned at " + it->second);
        continue;
      }
      has_v6 |= pre.addr.v6;
      IpPrefix subnet{mask_addr(pre.addr, pre.len), pre.len};
      auto [sit, sfresh] = subnets.emplace(subnet, p);
      if (!sfresh && sit->second != p)
        fail(ap, "subnet " + format_prefix(subnet) + " is already on " + sit->second);
      model.addrs.push_back(pre);
    }
    if (has_v6 && ifc.mtu() != 0 && ifc.mtu() < 1280)
      fail(p + ".mtu", "an interface with IPv6 addresses needs an MTU of at least 1280");
    if (!ifc.name().empty()) ifaces.emplace(ifc.name(), std::move(model));
  }

  // Which interface subnet holds `a` (of `only`, when given)?
  auto on_subnet = [&](const IpAddr& a, const std::string& only) -> std::string {
    for (const auto& [name, m] : ifaces) {
      if (!only.empty() && name != only) continue;
      for (const IpPrefix& p : m.addrs)
        if (prefix_contains(IpPrefix{mask_addr(p.addr, p.len), p.len}, a)) return name;
    }
    return "";
  };

  std::set<std::pair<IpPrefix, IpPrefix>> seen_routes;
  // Multi-path next-hop sets, as "interface|gateway#weight;..." in config order.
  std::set<std::string> ecmp_sets;
  size_t routes6 = 0;
  if (static_cast<uint32_t>(cfg.routes_size()) > kMaxRoutes)
    fail("routes", std::to_string(cfg.routes_size()) + " routes; at most " +
                       std::to_string(kMaxRoutes));
  for (int r = 0; r < cfg.routes_size(); r++) {
    const pb::Route& route = cfg.routes(r);
    std::string p = idx("routes", r);
    IpPrefix dst, src;
    std::string err;
    if (route.destination().empty()) {
      fail(p + ".destination", "required (e.g. 10.1.0.0/16, or 0.0.0.0/0 for the default)");
      continue;
    }
    if (!parse_prefix(route.destination(), &dst, true, &err)) {
      fail(p + ".destination", err);
      continue;
    }
    src.addr.v6 = dst.addr.v6;
    if (dst.addr.v6 && ++routes6 == kMaxRoutes6 + 1)
      fail(p, "more than " + std::to_string(kMaxRoutes6) + " IPv6 routes");
    if (!route.source().empty()) {
      if (!parse_prefix(route.source(), &src, true, &err)) {
        fail(p + ".source", err);
        continue;
      }
      if (src.addr.v6 != dst.addr.v6) {
        fail(p + ".source", "source and destination are of different address families");
        continue;
      }
    }
    if (!seen_routes.insert({dst, src}).second)
      fail(p, "another route has destination " + format_prefix(dst) +
                  (route.source().empty() ? "" : " and source " + format_prefix(src)));
    if (route.source().empty() && subnets.count(dst))
      fail(p + ".destination", format_prefix(dst) + " is the connected subnet of " + subnets[dst]);
    if (route.type() != pb::Route::NORMAL) {
      if (route.next_hops_size() > 0) fail(p + ".next_hops", "a blackhole or reject route has no next hops");
      continue;
    }
    if (route.next_hops_size() == 0) fail(p + ".next_hops", "a normal route needs at least one next hop");
    if (route.next_hops_size() > static_cast<int>(kEcmpMaxMembers))
      fail(p + ".next_hops", "at most " + std::to_string(kEcmpMaxMembers) + " next hops");
    std::set<std::pair<std::string, IpAddr>> nhs;
    std::string set_key;
    for (int n = 0; n < route.next_hops_size(); n++) {
      const pb::NextHop& nh = route.next_hops(n);
      std::string np = idx(p + ".next_hops", n);
      if (!nh.interface().empty() && !ifaces.count(nh.interface())) {
        fail(np + ".interface", "no interface named \"" + nh.interface() + "\"");
        continue;
      }
      if (nh.weight() > 1000) fail(np + ".weight", "must be 1..1000");
      IpAddr gw;
      std::string via = nh.interface();
      if (nh.gateway().empty()) {
        if (nh.interface().empty()) {
          fail(np, "set a gateway, an interface, or both");
          continue;
        }
        bool family_ok = false;
        for (const IpPrefix& a : ifaces[nh.interface()].addrs) family_ok |= a.addr.v6 == dst.addr.v6;
        if (!family_ok)
          fail(np + ".interface", "interface \"" + nh.interface() + "\" has no " +
                                      (dst.addr.v6 ? "IPv6" : "IPv4") + " address");
      } else {
        if (!parse_ip(nh.gateway(), &gw)) {
          fail(np + ".gateway", "\"" + nh.gateway() + "\" is not an IP address");
          continue;
        }
        if (gw.v6 != dst.addr.v6) {
          fail(np + ".gateway", "gateway and destination are of different address families");
          continue;
        }
        if (owner.count(gw)) {
          fail(np + ".gateway", nh.gateway() + " is one of this router's own addresses");
          continue;
        }
        via = on_subnet(gw, nh.interface());
        if (via.empty()) {
          fail(np + ".gateway", "gateway " + nh.gateway() + " is not on any interface subnet" +
                                    (nh.interface().empty() ? "" : " of \"" + nh.interface() + "\""));
          continue;
        }
      }
      if (!nhs.insert({via, gw}).second) fail(np, "next hop listed twice");
      set_key += via + "|" + nh.gateway() + "#" + std::to_string(next_hop_weight(nh)) + ";";
    }
    if (route.next_hops_size() > 1 && ecmp_sets.insert(set_key).second &&
        ecmp_sets.size() == kMaxEcmpSets + 1)
      fail(p + ".next_hops", "more than " + std::to_string(kMaxEcmpSets) +
                                 " distinct multi-path next-hop sets (routes sharing a set "
                                 "share its table)");
  }

  std::set<std::pair<std::string, IpAddr>> neigh;
  if (static_cast<uint32_t>(cfg.neighbours_size()) > kMaxStaticNeighbours)
    fail("neighbours", std::to_string(cfg.neighbours_size()) + " static neighbours; at most " +
                           std::to_string(kMaxStaticNeighbours));
  for (int n = 0; n < cfg.neighbours_size(); n++) {
    const pb::StaticNeighbour& sn = cfg.neighbours(n);
    std::string p = idx("neighbours", n);
    if (!ifaces.count(sn.interface())) {
      fail(p + ".interface", "no interface named \"" + sn.interface() + "\"");
      continue;
    }
    IpAddr a;
    if (!parse_ip(sn.address(), &a)) {
      fail(p + ".address", "\"" + sn.address() + "\" is not an IP address");
      continue;
    }
    if (on_subnet(a, sn.interface()).empty())
      fail(p + ".address", sn.address() + " is not on a subnet of \"" + sn.interface() + "\"");
    else if (owner.count(a))
      fail(p + ".address", sn.address() + " is one of this router's own addresses");
    std::array<uint8_t, 6> mac;
    if (!parse_mac(sn.mac(), &mac) || (mac[0] & 1) || mac == std::array<uint8_t, 6>{})
      fail(p + ".mac", "\"" + sn.mac() + "\" is not a unicast MAC address");
    if (!neigh.insert({sn.interface(), a}).second) fail(p, "neighbour listed twice");
  }

  const pb::Router& rt = cfg.router();
  std::set<int> fields;
  for (int f = 0; f < rt.ecmp_hash_fields_size(); f++)
    if (!fields.insert(rt.ecmp_hash_fields(f)).second)
      fail(idx("router.ecmp_hash_fields", f), "listed twice");
  if (rt.has_icmp_rate_per_second() && rt.icmp_rate_per_second() > 1'000'000)
    fail("router.icmp_rate_per_second", "at most 1000000");
  if (rt.icmp_burst() > 1'000'000) fail("router.icmp_burst", "at most 1000000");
  if (rt.neighbour_reachable_seconds() > 86400)
    fail("router.neighbour_reachable_seconds", "at most 86400");
  if (rt.neighbour_retries() > 10) fail("router.neighbour_retries", "at most 10");
  if (rt.neighbour_retry_ms() != 0 && (rt.neighbour_retry_ms() < 10 || rt.neighbour_retry_ms() > 60000))
    fail("router.neighbour_retry_ms", "must be 10..60000");
  if (rt.neighbour_hold_packets() > 1024) fail("router.neighbour_hold_packets", "at most 1024");
}

}  // namespace sy
