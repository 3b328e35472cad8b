// Compiles the VXLAN part of a validated Config (see compile.h).
#include <rte_byteorder.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "control/compile.h"
#include "control/defaults.h"
#include "control/validate.h"

namespace sy {

VniSlots compile_vxlan(const pb::Config& cfg, BridgeIds& vtep_ids, const VniSlots& previous,
                       CompiledConfig* out, std::vector<uint16_t>* fresh) {
  Tables& t = *out->tables;
  VxlanTables& vx = t.vxlan;
  std::map<std::string, uint16_t> bridge_index;
  for (int b = 0; b < cfg.bridges_size(); b++)
    bridge_index[cfg.bridges(b).name()] = static_cast<uint16_t>(b);

  std::vector<std::string> keys;
  for (const auto& v : cfg.vteps())
    for (const auto& b : v.vnis()) keys.push_back(v.name() + "|" + std::to_string(b.vni()));
  VniSlots slots;
  std::set<uint16_t> used;
  for (const auto& k : keys) {
    auto it = previous.find(k);
    if (it != previous.end()) {
      slots[k] = it->second;
      used.insert(it->second);
    }
  }
  uint16_t next_free = 0;
  for (const auto& k : keys) {
    if (slots.count(k)) continue;
    while (used.count(next_free)) next_free++;
    slots[k] = next_free;
    used.insert(next_free);
    fresh->push_back(next_free);
  }

  std::vector<std::string> names;
  std::vector<std::pair<uint64_t, uint32_t>> index;
  for (const auto& v : cfg.vteps()) {
    names.push_back(v.name());
    VtepEntry e;
    e.stable_id = vtep_ids.id_for(v.name());
    e.name = v.name();
    parse_ip(v.local_address(), &e.local);
    e.udp_port = Be16::from_host(static_cast<uint16_t>(vtep_udp_port(v)));
    e.ttl = static_cast<uint8_t>(vtep_ttl(v));
    e.dscp_mode = v.dscp_mode() == pb::Vtep::FIXED ? DscpMode::kFixed : DscpMode::kInherit;
    e.dscp = static_cast<uint8_t>(v.dscp());
    e.df = v.df() == pb::Vtep::DF_SET       ? DfMode::kSet
           : v.df() == pb::Vtep::DF_INHERIT ? DfMode::kInherit
                                            : DfMode::kUnset;
    e.known_remotes_only = v.known_remotes_only();
    e.full_mesh = v.remotes_full_mesh();
    uint16_t vt = static_cast<uint16_t>(vx.vteps.size());
    for (const auto& b : v.vnis()) {
      VniEntry n;
      n.vni = b.vni();
      n.vtep = vt;
      n.bridge = bridge_index.at(b.bridge());
      n.vlan = static_cast<uint16_t>(vni_vlan(b));
      n.counter_slot = slots.at(v.name() + "|" + std::to_string(b.vni()));
      for (const auto& f : b.flood()) {
        IpAddr a;
        parse_ip(f, &a);
        n.flood.push_back(a);
        n.known.push_back(a);
      }
      Bridge& br = t.bridge.bridges[n.bridge];
      for (const auto& rm : b.remote_macs()) {
        StaticMacSpec s{};
        std::array<uint8_t, 6> mac{};
        parse_mac(rm.mac(), &mac);
        s.key.bridge_id = br.stable_id;
        s.key.vlan = n.vlan;
        std::memcpy(s.key.mac, mac.data(), 6);
        s.port = kTunnelLearnPort;
        s.vtep = e.stable_id;
        parse_ip(rm.remote(), &s.remote);
        n.known.push_back(s.remote);
        out->statics.push_back(s);
      }
      std::sort(n.known.begin(), n.known.end());
      n.known.erase(std::unique(n.known.begin(), n.known.end()), n.known.end());
      uint32_t ni = static_cast<uint32_t>(vx.vnis.size());
      br.tunnels.push_back(BridgeTunnel{n.vlan, static_cast<uint16_t>(ni)});
      out->bridges[n.bridge].tunnels.emplace_back(n.vlan, e.stable_id);
      index.emplace_back(uint64_t{vt} << 24 | n.vni, ni);
      vx.vnis.push_back(std::move(n));
    }
    if (!e.local.v6) {
      uint32_t a;
      std::memcpy(&a, e.local.b.data(), 4);
      vx.local4.push_back(a);
    }
    vx.vteps.push_back(std::move(e));
  }
  // VTEPs may share an address on different UDP ports.
  std::sort(vx.local4.begin(), vx.local4.end());
  vx.local4.erase(std::unique(vx.local4.begin(), vx.local4.end()), vx.local4.end());
  if (vx.local4.size() == 1) vx.local4_word = rte_be_to_cpu_32(vx.local4[0]);
  if (vx.local4.size() > 1) vx.local4_word = VxlanTables::kLocal4Several;
  std::sort(index.begin(), index.end());
  for (const auto& [k, i] : index) {
    vx.by_vni.push_back(k);
    vx.by_vni_index.push_back(i);
  }
  vtep_ids.retain(names);
  return slots;
}

}  // namespace sy
