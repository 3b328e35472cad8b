#include "control/compile.h"

#include <cstring>

#include "control/defaults.h"
#include "control/validate.h"
#include "pipeline/clock.h"

namespace sy {

uint32_t BridgeIds::id_for(const std::string& name) {
  auto [it, fresh] = ids_.emplace(name, next_);
  if (fresh) next_++;
  return it->second;
}

void BridgeIds::retain(const std::vector<std::string>& keep) {
  for (auto it = ids_.begin(); it != ids_.end();) {
    bool kept = false;
    for (const auto& k : keep) kept |= k == it->first;
    it = kept ? std::next(it) : ids_.erase(it);
  }
}

const std::string* BridgeIds::name_of(uint32_t id) const {
  for (const auto& [name, i] : ids_)
    if (i == id) return &name;
  return nullptr;
}

CompiledConfig compile_config(const pb::Config& cfg, const std::map<std::string, uint16_t>& port_ids,
                              BridgeIds& ids, uint64_t generation) {
  CompiledConfig out;
  out.tables = std::make_unique<Tables>();
  Tables& t = *out.tables;
  t.generation = generation;
  std::vector<std::string> names;
  for (int b = 0; b < cfg.bridges_size(); b++) {
    const pb::BridgeDomain& br = cfg.bridges(b);
    names.push_back(br.name());
    Bridge bridge;
    bridge.stable_id = ids.id_for(br.name());
    bridge.mac_limit = mac_limit(br);
    bridge.ageing_ns = uint64_t{ageing_seconds(br)} * kNsPerSec;
    bridge.learning = learning(br);
    BridgeLearnParams lp;
    lp.stable_id = bridge.stable_id;
    lp.mac_limit = bridge.mac_limit;
    lp.ageing_ns = bridge.ageing_ns;
    lp.learning = bridge.learning;
    uint16_t index = static_cast<uint16_t>(t.bridge.bridges.size());
    for (const auto& mem : br.members()) {
      uint16_t pid = port_ids.at(mem.port());
      PortL2& l2 = t.bridge.ports[pid];
      l2.bridge = index;
      if (mem.mode() == pb::BridgeMember::ACCESS) {
        l2.mode = L2Mode::kAccess;
        l2.access_vlan = static_cast<uint16_t>(access_vlan(mem));
        l2.vlans.add(l2.access_vlan);
      } else {
        l2.mode = L2Mode::kTrunk;
        l2.native_vlan = static_cast<uint16_t>(mem.native_vlan());
        if (l2.native_vlan != 0) l2.vlans.add(l2.native_vlan);
        for (uint32_t v : mem.allowed_vlans()) l2.vlans.add(static_cast<uint16_t>(v));
      }
      bridge.members.push_back(pid);
      lp.members.emplace_back(pid, l2.vlans);
    }
    for (const auto& sm : br.static_macs()) {
      std::array<uint8_t, 6> mac{};
      parse_mac(sm.mac(), &mac);
      StaticMacSpec s{};
      s.key.bridge_id = bridge.stable_id;
      s.key.vlan = static_cast<uint16_t>(static_mac_vlan(sm));
      std::memcpy(s.key.mac, mac.data(), 6);
      s.port = port_ids.at(sm.port());
      out.statics.push_back(s);
    }
    t.bridge.bridges.push_back(std::move(bridge));
    out.bridges.push_back(std::move(lp));
  }
  ids.retain(names);
  return out;
}

}  // namespace sy
