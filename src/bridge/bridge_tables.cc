#include "bridge/bridge_tables.h"

namespace sy {

void number_bridge_domains(BridgeTables& bt) {
  bt.domains.clear();
  for (size_t b = 0; b < bt.bridges.size(); b++) {
    Bridge& br = bt.bridges[b];
    VlanSet carried;
    for (uint16_t p : br.members) carried.add(bt.ports[p].vlans);
    for (const auto& r : br.router_ports) carried.add(r.vlan);
    for (const auto& t : br.tunnels) carried.add(t.vlan);
    br.vlan_domain.assign(4096, kNoDomain);
    for (uint16_t v = 1; v <= kMaxVlan; v++) {
      if (!carried.has(v) || bt.domains.size() >= kMaxDomains) continue;
      br.vlan_domain[v] = static_cast<uint16_t>(bt.domains.size());
      bt.domains.push_back(L2Domain{br.stable_id, static_cast<uint16_t>(b), v,
                                    br.router_port(v) == nullptr && br.tunnel(v) < 0});
    }
  }
}

}  // namespace sy
