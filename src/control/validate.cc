#include "control/validate.h"

#include <google/protobuf/util/message_differencer.h>

#include <cstdio>
#include <map>
#include <regex>
#include <set>

#include "bridge/bridge_tables.h"
#include "control/defaults.h"
#include "control/limits.h"

namespace sy {

namespace {

std::string idx(const std::string& base, int i) {
  return base + "[" + std::to_string(i) + "]";
}

class Checker {
 public:
  void fail(const std::string& path, const std::string& msg) { errors.push_back({path, msg}); }
  ConfigErrors errors;
};

void check_dataplane(const pb::Dataplane& d, Checker& c) {
  std::set<unsigned> seen;
  for (int i = 0; i < d.worker_lcores_size(); i++) {
    unsigned l = d.worker_lcores(i);
    std::string p = idx("dataplane.worker_lcores", i);
    if (l >= 128) c.fail(p, "lcore " + std::to_string(l) + " is out of range (0..127)");
    if (l == d.main_lcore()) c.fail(p, "lcore " + std::to_string(l) + " is the main lcore");
    if (!seen.insert(l).second) c.fail(p, "lcore " + std::to_string(l) + " listed twice");
  }
  if (d.worker_lcores_size() == 0 && d.main_lcore() == 1)
    c.fail("dataplane.main_lcore", "lcore 1 is the default worker lcore; set worker_lcores");
  if (d.main_lcore() >= 128) c.fail("dataplane.main_lcore", "out of range (0..127)");
  if (d.memory_mb() != 0 && (d.memory_mb() < 64 || d.memory_mb() > 1 << 20))
    c.fail("dataplane.memory_mb", "must be between 64 and 1048576");
  if (d.burst_size() > 256) c.fail("dataplane.burst_size", "must be between 1 and 256");
  if (d.mbufs() != 0 && (d.mbufs() < 1024 || d.mbufs() > 4'000'000))
    c.fail("dataplane.mbufs", "must be between 1024 and 4000000");
  for (auto [v, name] : {std::pair{d.rx_descriptors(), "rx_descriptors"},
                         std::pair{d.tx_descriptors(), "tx_descriptors"}}) {
    if (v != 0 && (v < 64 || v > 16384))
      c.fail(std::string("dataplane.") + name, "must be between 64 and 16384");
  }
  if (d.has_idle_sleep_us() && d.idle_sleep_us() > 1'000'000)
    c.fail("dataplane.idle_sleep_us", "must be at most 1000000 (1 s)");
  if (!d.file_prefix().empty() && !valid_name(d.file_prefix()))
    c.fail("dataplane.file_prefix", "must be 1-63 characters of [A-Za-z0-9_.-]");
}

void check_management(const pb::Management& m, Checker& c) {
  if (!m.grpc_address().empty() && !valid_listen_address(m.grpc_address()))
    c.fail("management.grpc_address", "\"" + m.grpc_address() + "\" is not host:port");
  if (!m.metrics_address().empty() && !valid_listen_address(m.metrics_address()))
    c.fail("management.metrics_address", "\"" + m.metrics_address() + "\" is not host:port");
  if (!m.grpc_address().empty() && grpc_address(m) == metrics_address(m))
    c.fail("management.metrics_address", "same address as grpc_address");
}

// Checks ports; fills name → index.
void check_ports(const pb::Config& cfg, Checker& c, std::map<std::string, int>* by_name) {
  if (static_cast<uint32_t>(cfg.ports_size()) > kMaxConfigPorts)
    c.fail("ports", std::to_string(cfg.ports_size()) + " ports; at most " +
                        std::to_string(kMaxConfigPorts));
  std::set<std::string> devices;
  for (int i = 0; i < cfg.ports_size(); i++) {
    const pb::Port& p = cfg.ports(i);
    std::string path = idx("ports", i);
    if (p.name().empty()) {
      c.fail(path + ".name", "required");
    } else if (!valid_name(p.name())) {
      c.fail(path + ".name", "\"" + p.name() + "\" must be 1-63 characters of [A-Za-z0-9_.-]");
    } else if (!by_name->emplace(p.name(), i).second) {
      c.fail(path + ".name", "port \"" + p.name() + "\" defined twice");
    }
    if (p.device().empty()) {
      c.fail(path + ".device", "required (a PCI address or a vdev such as net_af_packet0,iface=eth1)");
    } else {
      std::string dev = p.device().substr(0, p.device().find(','));
      if (!devices.insert(dev).second)
        c.fail(path + ".device", "device \"" + dev + "\" used by two ports");
    }
    if (p.mtu() != 0 && (p.mtu() < 68 || p.mtu() > 9600))
      c.fail(path + ".mtu", std::to_string(p.mtu()) + " is out of range (68..9600)");
  }
}

void check_bridges(const pb::Config& cfg, const std::map<std::string, int>& ports, Checker& c) {
  if (static_cast<uint32_t>(cfg.bridges_size()) > kMaxBridges)
    c.fail("bridges", std::to_string(cfg.bridges_size()) + " bridges; at most " +
                          std::to_string(kMaxBridges));
  size_t static_macs = 0;
  for (const auto& br : cfg.bridges()) static_macs += static_cast<size_t>(br.static_macs_size());
  for (const auto& vt : cfg.vteps())
    for (const auto& b : vt.vnis()) static_macs += static_cast<size_t>(b.remote_macs_size());
  if (static_macs > kMaxStaticMacs)
    c.fail("bridges", std::to_string(static_macs) +
                          " static MACs (bridge static_macs and VXLAN remote_macs together); at most " +
                          std::to_string(kMaxStaticMacs));
  std::set<std::string> names;
  std::map<std::string, std::string> port_owner;  // port → bridge path
  for (int b = 0; b < cfg.bridges_size(); b++) {
    const pb::BridgeDomain& br = cfg.bridges(b);
    std::string bp = idx("bridges", b);
    if (br.name().empty())
      c.fail(bp + ".name", "required");
    else if (!valid_name(br.name()))
      c.fail(bp + ".name", "\"" + br.name() + "\" must be 1-63 characters of [A-Za-z0-9_.-]");
    else if (!names.insert(br.name()).second)
      c.fail(bp + ".name", "bridge \"" + br.name() + "\" defined twice");
    if (br.mac_limit() > kMacTableCapacity)
      c.fail(bp + ".mac_limit", "at most " + std::to_string(kMacTableCapacity));
    if (br.has_ageing_seconds() && br.ageing_seconds() > 1'000'000)
      c.fail(bp + ".ageing_seconds", "at most 1000000");

    std::map<std::string, std::set<unsigned>> carried;  // member port → VLANs
    for (int m = 0; m < br.members_size(); m++) {
      const pb::BridgeMember& mem = br.members(m);
      std::string mp = idx(bp + ".members", m);
      if (mem.port().empty()) {
        c.fail(mp + ".port", "required");
        continue;
      }
      if (!ports.count(mem.port())) {
        c.fail(mp + ".port", "no port named \"" + mem.port() + "\"");
        continue;
      }
      auto [it, fresh] = port_owner.emplace(mem.port(), bp);
      if (!fresh) {
        c.fail(mp + ".port", "port \"" + mem.port() + "\" is already a member of " + it->second);
        continue;
      }
      std::set<unsigned>& vlans = carried[mem.port()];
      if (mem.mode() == pb::BridgeMember::ACCESS) {
        if (mem.allowed_vlans_size() > 0)
          c.fail(mp + ".allowed_vlans", "only a TRUNK member carries a VLAN list");
        if (mem.native_vlan() != 0)
          c.fail(mp + ".native_vlan", "only a TRUNK member has a native VLAN");
        if (mem.access_vlan() > 4094)
          c.fail(mp + ".access_vlan", std::to_string(mem.access_vlan()) + " is not a VLAN (1..4094)");
        vlans.insert(access_vlan(mem));
      } else {
        if (mem.access_vlan() != 0)
          c.fail(mp + ".access_vlan", "only an ACCESS member has an access VLAN");
        if (mem.allowed_vlans_size() == 0 && mem.native_vlan() == 0)
          c.fail(mp + ".allowed_vlans", "a TRUNK member needs allowed_vlans or a native_vlan");
        for (int v = 0; v < mem.allowed_vlans_size(); v++) {
          unsigned vid = mem.allowed_vlans(v);
          std::string vp = idx(mp + ".allowed_vlans", v);
          if (vid < 1 || vid > 4094)
            c.fail(vp, std::to_string(vid) + " is not a VLAN (1..4094)");
          else if (!vlans.insert(vid).second)
            c.fail(vp, "VLAN " + std::to_string(vid) + " listed twice");
        }
        if (mem.native_vlan() > 4094)
          c.fail(mp + ".native_vlan", std::to_string(mem.native_vlan()) + " is not a VLAN (1..4094)");
        else if (mem.native_vlan() != 0)
          vlans.insert(mem.native_vlan());
      }
    }

    std::set<std::pair<unsigned, std::array<uint8_t, 6>>> statics;
    for (int s = 0; s < br.static_macs_size(); s++) {
      const pb::StaticMac& sm = br.static_macs(s);
      std::string sp = idx(bp + ".static_macs", s);
      std::array<uint8_t, 6> mac;
      if (!parse_mac(sm.mac(), &mac)) {
        c.fail(sp + ".mac", "\"" + sm.mac() + "\" is not a MAC address");
        continue;
      }
      if (mac[0] & 1) {
        c.fail(sp + ".mac", sm.mac() + " is a multicast address");
        continue;
      }
      unsigned vlan = static_mac_vlan(sm);
      if (vlan > 4094) {
        c.fail(sp + ".vlan", std::to_string(vlan) + " is not a VLAN (1..4094)");
        continue;
      }
      auto it = carried.find(sm.port());
      if (it == carried.end()) {
        c.fail(sp + ".port", "\"" + sm.port() + "\" is not a member of this bridge");
      } else if (!it->second.count(vlan)) {
        c.fail(sp + ".vlan", "port \"" + sm.port() + "\" does not carry VLAN " +
                                 std::to_string(vlan));
      }
      if (!statics.insert({vlan, mac}).second)
        c.fail(sp + ".mac", sm.mac() + " on VLAN " + std::to_string(vlan) + " listed twice");
    }
  }
}

void check_restart_only(const pb::Config& d, const pb::Config& r, Checker& c) {
  using google::protobuf::util::MessageDifferencer;
  if (!MessageDifferencer::Equals(d.dataplane(), r.dataplane()))
    c.fail("dataplane", "changes to the dataplane section take effect only at restart");
  if (!MessageDifferencer::Equals(d.management(), r.management()))
    c.fail("management", "changes to the management section take effect only at restart");
  if (d.ports_size() != r.ports_size()) {
    c.fail("ports", "adding or removing ports takes effect only at restart (running: " +
                        std::to_string(r.ports_size()) + " ports)");
    return;
  }
  for (int i = 0; i < d.ports_size(); i++) {
    if (d.ports(i).name() != r.ports(i).name() || d.ports(i).device() != r.ports(i).device())
      c.fail(idx("ports", i), "renaming a port or changing its device takes effect only at restart");
  }
}

// Every (bridge, VLAN) a member or a VNI binding carries is a broadcast
// domain, and workers key their MAC caches on a 16-bit domain number.
void check_domain_count(const pb::Config& cfg, Checker& c) {
  std::set<std::pair<std::string, unsigned>> domains;
  for (const auto& br : cfg.bridges())
    for (const auto& mem : br.members()) {
      if (mem.mode() == pb::BridgeMember::ACCESS) {
        domains.insert({br.name(), access_vlan(mem)});
        continue;
      }
      if (mem.native_vlan() != 0) domains.insert({br.name(), mem.native_vlan()});
      for (uint32_t v : mem.allowed_vlans()) domains.insert({br.name(), v});
    }
  for (const auto& vt : cfg.vteps())
    for (const auto& b : vt.vnis()) domains.insert({b.bridge(), vni_vlan(b)});
  if (domains.size() > kMaxDomains)
    c.fail("bridges", "the bridges carry " + std::to_string(domains.size()) +
                          " VLANs in all; at most " + std::to_string(kMaxDomains));
}

}  // namespace

bool valid_name(const std::string& s) {
  static const std::regex kName(R"(^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$)");
  return std::regex_match(s, kName);
}

bool parse_mac(const std::string& text, std::array<uint8_t, 6>* out) {
  unsigned b[6];
  char sep[5];
  char tail;
  if (text.size() != 17) return false;
  if (std::sscanf(text.c_str(), "%2x%c%2x%c%2x%c%2x%c%2x%c%2x%c", &b[0], &sep[0], &b[1], &sep[1],
                  &b[2], &sep[2], &b[3], &sep[3], &b[4], &sep[4], &b[5], &tail) != 11)
    return false;
  for (char s : sep)
    if (s != sep[0] || (s != ':' && s != '-')) return false;
  for (size_t i = 0; i < 17; i++)
    if (i % 3 != 2 && !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  for (int i = 0; i < 6; i++) (*out)[i] = static_cast<uint8_t>(b[i]);
  return true;
}

std::string format_mac(const uint8_t* mac) {
  char buf[18];
  std::snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
                mac[4], mac[5]);
  return buf;
}

bool valid_listen_address(const std::string& addr) {
  if (addr.rfind("unix:", 0) == 0) return addr.size() > 5;
  static const std::regex kHostPort(
      R"(^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[[0-9a-fA-F:.]+\]|localhost|[A-Za-z0-9.-]+):(\d{1,5})$)");
  std::smatch m;
  if (!std::regex_match(addr, m, kHostPort)) return false;
  return std::stoul(m[2]) <= 65535;
}

ConfigErrors validate_config(const pb::Config& desired, const pb::Config* running) {
  Checker c;
  check_dataplane(desired.dataplane(), c);
  check_management(desired.management(), c);
  std::map<std::string, int> ports;
  check_ports(desired, c, &ports);
  check_bridges(desired, ports, c);
  check_router(desired, c.errors);
  check_vxlan(desired, c.errors);
  check_domain_count(desired, c);
  if (running != nullptr) check_restart_only(desired, *running, c);
  return c.errors;
}

}  // namespace sy
