// The bridge's part of an immutable Tables snapshot: which bridge and VLANs
// each port belongs to, and each bridge's members and limits.
//
// Theory of operation: a bridge is VLAN-aware; each of its VLANs is its own
// broadcast domain, and MAC learning is keyed by (bridge stable id, vlan, mac).
// An ACCESS member carries one VLAN untagged; a TRUNK member carries a set of
// VLANs tagged (802.1Q) plus optionally a native VLAN sent untagged.
// Bridges are referred to by index here (valid only within one snapshot) and
// by `stable_id` in state that survives swaps (the MAC table).
//
// Each (bridge, VLAN) the bridge carries is a broadcast domain, numbered
// densely per snapshot (domains[]): a worker's MacCache keys on
// (domain, MAC) in 8 bytes instead of the MAC table's 12.
//
// Thread-safety: immutable once published; read by workers under RCU.
#pragma once

#include <rte_ethdev.h>

#include <array>
#include <cstdint>
#include <vector>

namespace sy {

constexpr uint16_t kMaxPorts = RTE_MAX_ETHPORTS;
constexpr uint16_t kNoBridge = UINT16_MAX;
constexpr uint16_t kMaxVlan = 4094;
constexpr uint16_t kNoDomain = UINT16_MAX;
// Domains numbered 0..kMaxDomains-1 (validation keeps configs within it).
constexpr uint32_t kMaxDomains = kNoDomain;

class VlanSet {
 public:
  bool has(uint16_t vlan) const { return (bits_[vlan >> 6] >> (vlan & 63)) & 1; }
  void add(uint16_t vlan) { bits_[vlan >> 6] |= uint64_t{1} << (vlan & 63); }
  void add(const VlanSet& o) {
    for (size_t i = 0; i < bits_.size(); i++) bits_[i] |= o.bits_[i];
  }

 private:
  std::array<uint64_t, 64> bits_{};
};

enum class L2Mode : uint8_t { kNone, kAccess, kTrunk };

struct PortL2 {
  uint16_t bridge = kNoBridge;  // index into BridgeTables::bridges
  L2Mode mode = L2Mode::kNone;
  uint16_t access_vlan = 0;     // ACCESS
  uint16_t native_vlan = 0;     // TRUNK; 0 = untagged frames are dropped
  VlanSet vlans;                // every VLAN the port carries (access/native included)

  bool carries(uint16_t vlan) const { return vlans.has(vlan); }
  // Whether a frame of `vlan` leaves this port with an 802.1Q tag.
  bool egress_tagged(uint16_t vlan) const {
    return mode == L2Mode::kTrunk && vlan != native_vlan;
  }
};

// A router interface on one VLAN of a bridge (integrated routing and bridging).
struct BridgeRouterPort {
  uint16_t vlan;
  uint16_t iface;        // index into RouterTables::ifaces
  rte_ether_addr mac;
};

// A VLAN of the bridge carried over VXLAN: the tunnel is one more member.
struct BridgeTunnel {
  uint16_t vlan;
  uint16_t vni;  // index into VxlanTables::vnis
};

struct Bridge {
  uint32_t stable_id = 0;
  uint32_t mac_limit = 0;
  uint64_t ageing_ns = 0;  // 0 = never age
  bool learning = true;
  std::vector<uint16_t> members;  // DPDK port ids, flood order
  std::vector<BridgeRouterPort> router_ports;  // few: searched linearly
  std::vector<BridgeTunnel> tunnels;           // few: searched linearly
  // Index into BridgeTables::domains by VLAN (4096 entries); kNoDomain for a
  // VLAN the bridge does not carry.
  std::vector<uint16_t> vlan_domain;

  uint16_t domain(uint16_t vlan) const { return vlan_domain[vlan & 0xfff]; }

  const BridgeRouterPort* router_port(uint16_t vlan) const {
    for (const auto& r : router_ports)
      if (r.vlan == vlan) return &r;
    return nullptr;
  }
  // Index into VxlanTables::vnis of the VLAN's binding, or -1.
  int32_t tunnel(uint16_t vlan) const {
    for (const auto& t : tunnels)
      if (t.vlan == vlan) return t.vni;
    return -1;
  }
};

// One VLAN of one bridge.
struct L2Domain {
  uint32_t bridge_stable_id;
  uint16_t bridge;  // index into BridgeTables::bridges
  uint16_t vlan;
  // No router interface and no VXLAN binding on it: a unicast frame to a
  // learned member needs nothing but the MAC lookup.
  bool plain;
};

struct BridgeTables {
  std::array<PortL2, kMaxPorts> ports;
  std::vector<Bridge> bridges;
  std::vector<L2Domain> domains;
};

// Numbers the domains of every bridge (the VLANs its members, router
// interfaces and VXLAN bindings carry), once those are all compiled.
void number_bridge_domains(BridgeTables& bt);

}  // namespace sy
