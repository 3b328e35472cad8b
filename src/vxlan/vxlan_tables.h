// The VXLAN part of an immutable Tables snapshot: local VTEPs and the VNI ↔
// bridge-domain bindings with their flood lists.
//
// Theory of operation: a VTEP is a local underlay address and UDP port. A
// binding ties one VNI of one VTEP to one bridge domain (bridge index, VLAN);
// each domain has at most one binding, so encapsulation needs only the domain
// and the remote address. Decapsulation finds the binding by (VTEP index,
// VNI) with a binary search over `by_vni`; the bridge finds a domain's binding
// through Bridge::tunnels (few per bridge, searched linearly, empty for
// bridges without VXLAN so the plain L2 path pays nothing).
// Bindings carry a `counter_slot`: the index of their per-worker counters,
// kept by the control plane across applies so rates stay continuous.
//
// Thread-safety: immutable once published; read by workers under RCU.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/byteorder.h"
#include "route/ip.h"

namespace sy {

constexpr uint32_t kMaxVni = 0xffffff;
constexpr uint16_t kMaxVniSlots = 4096;          // bindings in one config
constexpr uint32_t kMaxFloodRemotes = 256;       // flood-list entries per VNI
constexpr uint16_t kVxlanDefaultPort = 4789;
constexpr uint16_t kVxlanSrcPortMin = 49152;     // outer source ports 49152..65535
constexpr uint32_t kVxlanHdrLen = 8;
constexpr uint32_t kVxlanOverhead4 = 14 + 20 + 8 + kVxlanHdrLen;  // 50: inner IP MTU = mtu - 50
constexpr uint32_t kVxlanOverhead6 = 14 + 40 + 8 + kVxlanHdrLen;  // 70

enum class DscpMode : uint8_t { kInherit, kFixed };
enum class DfMode : uint8_t { kUnset, kSet, kInherit };

struct VtepEntry {
  uint32_t stable_id = 0;
  std::string name;
  IpAddr local;
  Be16 udp_port = Be16::from_host(kVxlanDefaultPort);
  uint8_t ttl = 64;
  DscpMode dscp_mode = DscpMode::kInherit;
  uint8_t dscp = 0;
  DfMode df = DfMode::kUnset;
  bool known_remotes_only = false;
  bool full_mesh = false;  // nothing from one remote is sent to another
};

struct VniEntry {
  uint32_t vni = 0;
  uint16_t vtep = 0;          // index into VxlanTables::vteps
  uint16_t bridge = 0;        // bridge index in this snapshot
  uint16_t vlan = 1;
  uint16_t counter_slot = 0;  // into WorkerCtx::vni_counters
  std::vector<IpAddr> flood;  // head-end replication targets, config order
  std::vector<IpAddr> known;  // sorted: flood list + remote-MAC remotes

  bool knows(const IpAddr& a) const { return std::binary_search(known.begin(), known.end(), a); }
};

struct VxlanTables {
  std::vector<VtepEntry> vteps;
  // The IPv4 VTEPs' local addresses as a header holds them (network order),
  // each once: every IPv4 packet a router interface classifies is checked
  // against them, with one compare each instead of a walk over the VTEP
  // entries.
  std::vector<uint32_t> local4;
  // What the router's classifier compares an IPv4 destination (host order)
  // with, kept in a register: the address when local4 holds exactly one (a gateway's
  // usual case); kLocal4Several when it holds more (then it walks local4);
  // kLocal4None when none.
  static constexpr uint64_t kLocal4None = uint64_t{1} << 32;
  static constexpr uint64_t kLocal4Several = uint64_t{2} << 32;
  uint64_t local4_word = kLocal4None;
  std::vector<VniEntry> vnis;
  // Sorted (vtep index << 24 | vni) keys; by_vni_index[i] is the VniEntry of key i.
  std::vector<uint64_t> by_vni;
  std::vector<uint32_t> by_vni_index;

  bool enabled() const { return !vteps.empty(); }
  const VniEntry* find(uint16_t vtep, uint32_t vni) const {
    uint64_t key = uint64_t{vtep} << 24 | vni;
    auto it = std::lower_bound(by_vni.begin(), by_vni.end(), key);
    if (it == by_vni.end() || *it != key) return nullptr;
    return &vnis[by_vni_index[static_cast<size_t>(it - by_vni.begin())]];
  }
};

}  // namespace sy
