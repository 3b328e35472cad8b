// Validation of the VXLAN part of a Config: VTEPs, their VNI bindings, flood
// lists and static remote MACs. Called by validate_config().
#include <map>
#include <set>
#include <tuple>

#include "control/defaults.h"
#include "control/limits.h"
#include "control/validate.h"
#include "route/ip.h"
#include "vxlan/vxlan_tables.h"

namespace sy {

namespace {

std::string idx(const std::string& base, int i) { return base + "[" + std::to_string(i) + "]"; }

bool usable_remote(const IpAddr& a) {
  if (a.v6) {
    bool zero = true;
    for (uint8_t x : a.b) zero &= x == 0;
    return !zero && a.b[0] != 0xff;
  }
  uint32_t h = a.v4_host();
  return h != 0 && (h >> 28) != 0xe && h != 0xffffffff && (h >> 24) != 127;
}

}  // namespace

void check_vxlan(const pb::Config& cfg, ConfigErrors& errors) {
  auto fail = [&](const std::string& path, const std::string& msg) {
    errors.push_back({path, msg});
  };
  // Every interface address, to find the one owning a VTEP's local address.
  std::map<IpAddr, std::string> iface_addrs;
  for (const auto& ifc : cfg.interfaces())
    for (const auto& a : ifc.addresses()) {
      IpPrefix p;
      std::string ignored;
      if (parse_prefix(a, &p, false, &ignored)) iface_addrs.emplace(p.addr, ifc.name());
    }
  std::map<std::string, const pb::BridgeDomain*> bridges;
  for (const auto& b : cfg.bridges()) bridges[b.name()] = &b;
  // (bridge, vlan) → static MACs configured on the bridge itself.
  std::set<std::tuple<std::string, unsigned, std::array<uint8_t, 6>>> bridge_statics;
  for (const auto& b : cfg.bridges())
    for (const auto& sm : b.static_macs()) {
      std::array<uint8_t, 6> mac;
      if (parse_mac(sm.mac(), &mac)) bridge_statics.emplace(b.name(), static_mac_vlan(sm), mac);
    }

  std::set<std::string> names;
  std::map<std::pair<IpAddr, unsigned>, std::string> endpoints;  // (address, port) → path
  std::map<std::pair<std::string, unsigned>, std::string> domains;  // (bridge, vlan) → path
  int bindings = 0;
  if (static_cast<uint32_t>(cfg.vteps_size()) > kMaxVteps)
    fail("vteps", std::to_string(cfg.vteps_size()) + " VTEPs; at most " + std::to_string(kMaxVteps));
  for (int i = 0; i < cfg.vteps_size(); i++) {
    const pb::Vtep& v = cfg.vteps(i);
    std::string p = idx("vteps", i);
    if (v.name().empty()) fail(p + ".name", "required");
    else if (!valid_name(v.name()))
      fail(p + ".name", "\"" + v.name() + "\" must be 1-63 characters of [A-Za-z0-9_.-]");
    else if (!names.insert(v.name()).second) fail(p + ".name", "VTEP \"" + v.name() + "\" defined twice");
    IpAddr local;
    bool have_local = false;
    if (v.local_address().empty()) {
      fail(p + ".local_address", "required");
    } else if (!parse_ip(v.local_address(), &local)) {
      fail(p + ".local_address", "\"" + v.local_address() + "\" is not an IP address");
    } else if (!iface_addrs.count(local)) {
      fail(p + ".local_address", v.local_address() +
                                     " is not an address of any router interface (the underlay "
                                     "reaches a VTEP through one)");
    } else {
      have_local = true;
    }
    if (v.udp_port() > 65535) fail(p + ".udp_port", std::to_string(v.udp_port()) + " is not a UDP port");
    if (v.ttl() > 255) fail(p + ".ttl", std::to_string(v.ttl()) + " is not a TTL (1..255)");
    if (v.dscp() > 63) fail(p + ".dscp", std::to_string(v.dscp()) + " is not a DSCP value (0..63)");
    if (v.dscp() != 0 && v.dscp_mode() != pb::Vtep::FIXED)
      fail(p + ".dscp", "set dscp_mode: FIXED to use a fixed DSCP");
    if (have_local && local.v6 && v.df() != pb::Vtep::DF_UNSET)
      fail(p + ".df", "IPv6 has no DF bit (IPv6 packets are never fragmented on the way)");
    if (have_local) {
      auto [it, fresh] = endpoints.emplace(std::make_pair(local, vtep_udp_port(v)), p);
      if (!fresh)
        fail(p + ".local_address", "same address and UDP port as " + it->second);
    }

    std::set<uint32_t> vnis;
    for (int j = 0; j < v.vnis_size(); j++) {
      const pb::VniBinding& b = v.vnis(j);
      std::string bp = idx(p + ".vnis", j);
      bindings++;
      if (b.vni() > kMaxVni) fail(bp + ".vni", std::to_string(b.vni()) + " is not a VNI (0..16777215)");
      else if (!vnis.insert(b.vni()).second)
        fail(bp + ".vni", "VNI " + std::to_string(b.vni()) + " bound twice on this VTEP");
      unsigned vlan = vni_vlan(b);
      if (b.bridge().empty()) {
        fail(bp + ".bridge", "required");
      } else if (!bridges.count(b.bridge())) {
        fail(bp + ".bridge", "no bridge named \"" + b.bridge() + "\"");
      } else if (vlan > 4094) {
        fail(bp + ".vlan", std::to_string(vlan) + " is not a VLAN (1..4094)");
      } else {
        auto [it, fresh] = domains.emplace(std::make_pair(b.bridge(), vlan), bp);
        if (!fresh)
          fail(bp, "bridge \"" + b.bridge() + "\" VLAN " + std::to_string(vlan) +
                       " is already bound to a VNI at " + it->second);
      }
      auto check_remote = [&](const std::string& text, const std::string& path) {
        IpAddr r;
        if (!parse_ip(text, &r)) {
          fail(path, "\"" + text + "\" is not an IP address");
        } else if (!usable_remote(r)) {
          fail(path, text + " cannot be a remote VTEP (unspecified, loopback, broadcast or "
                            "multicast; multicast underlays are not supported)");
        } else if (have_local && r.v6 != local.v6) {
          fail(path, text + " is not of the local address's family (" + v.local_address() + ")");
        } else if (have_local && r == local) {
          fail(path, text + " is this VTEP's own address");
        } else {
          return true;
        }
        return false;
      };
      std::set<IpAddr> flood;
      for (int k = 0; k < b.flood_size(); k++) {
        std::string fp = idx(bp + ".flood", k);
        IpAddr r;
        if (check_remote(b.flood(k), fp) && parse_ip(b.flood(k), &r) && !flood.insert(r).second)
          fail(fp, b.flood(k) + " listed twice");
      }
      if (b.flood_size() > static_cast<int>(kMaxFloodRemotes))
        fail(bp + ".flood", std::to_string(b.flood_size()) + " remotes; at most " +
                                std::to_string(kMaxFloodRemotes) + " per VNI");
      std::set<std::array<uint8_t, 6>> macs;
      for (int k = 0; k < b.remote_macs_size(); k++) {
        const pb::RemoteMac& rm = b.remote_macs(k);
        std::string mp = idx(bp + ".remote_macs", k);
        std::array<uint8_t, 6> mac;
        if (!parse_mac(rm.mac(), &mac)) {
          fail(mp + ".mac", "\"" + rm.mac() + "\" is not a MAC address");
        } else if (mac[0] & 1) {
          fail(mp + ".mac", rm.mac() + " is a multicast address");
        } else if (!macs.insert(mac).second) {
          fail(mp + ".mac", rm.mac() + " listed twice");
        } else if (bridge_statics.count({b.bridge(), vlan, mac})) {
          fail(mp + ".mac", rm.mac() + " is also a static MAC of bridge \"" + b.bridge() + "\"");
        }
        if (rm.remote().empty()) fail(mp + ".remote", "required");
        else check_remote(rm.remote(), mp + ".remote");
      }
    }
  }
  if (bindings > kMaxVniSlots)
    fail("vteps", std::to_string(bindings) + " VNI bindings; at most " +
                      std::to_string(kMaxVniSlots) + " are supported");
}

}  // namespace sy
