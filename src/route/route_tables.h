// The router's part of an immutable Tables snapshot: interfaces, one FIB and
// route set per address family, and the ECMP next-hop groups.
//
// Theory of operation: a destination lookup in a family's Fib yields a chain
// index; the chain lists the candidate routes for that destination, most
// specific source prefix first, followed by the candidates of the nearest
// covering destination (and so on), so "longest destination first, then
// source" including the fall-back to shorter destinations is one linear walk
// that nearly always stops at its first link. A route is local (an interface
// address: answered or punted), normal (an ECMP group of next hops),
// blackhole or reject. Interfaces are indexed within the snapshot; state that
// outlives snapshots (neighbours) uses `stable_id`.
//
// Thread-safety: immutable once published; read by workers under RCU.
#pragma once

#include <rte_ether.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bridge/bridge_tables.h"
#include "route/ecmp.h"
#include "route/fib.h"
#include "route/ip.h"

namespace sy {

constexpr uint16_t kNoIface = UINT16_MAX;
constexpr uint32_t kNoRoute = UINT32_MAX;
constexpr uint16_t kNoPortId = UINT16_MAX;

enum class RouteType : uint8_t { kNormal, kBlackhole, kReject, kLocal };
enum class RouteOrigin : uint8_t { kConnected, kStatic, kLocal };

const char* route_type_name(RouteType t);
const char* route_origin_name(RouteOrigin o);

struct Route {
  IpPrefix dst;
  IpPrefix src;  // len 0: any source
  RouteType type = RouteType::kNormal;
  RouteOrigin origin = RouteOrigin::kStatic;
  uint16_t iface = kNoIface;  // kLocal: the interface owning the address
  uint32_t group = 0;         // kNormal: index into RouterTables::groups
};

struct ChainLink {
  uint32_t route;
  uint8_t src_len;
  std::array<uint8_t, 16> src;
};

constexpr uint32_t kNoFastGroup = UINT32_MAX;

struct RouteChain {
  uint32_t first = 0;
  uint32_t count = 0;
  // The ECMP group every packet of this destination takes, whatever its
  // source: the chain's first link is a normal route without a source prefix.
  // kNoFastGroup: the chain needs the full walk (source prefixes, local,
  // blackhole, reject). Lets the fast path skip the links and routes.
  uint32_t fast_group = kNoFastGroup;
};

// A FIB value carries the destination's chain index in its low `chain_bits`
// bits and, above them, its fast group + 1 (0: walk the chain), so that with
// a million routes the fast path never reads the chain. A group index too
// large for the bits left (the FIB's value width less the chain bits) is not
// packed; its chains are walked.
struct FibValueLayout {
  uint8_t chain_bits = 0;

  uint32_t chain(uint64_t v) const {
    return static_cast<uint32_t>(v & ((uint64_t{1} << chain_bits) - 1));
  }
  // A packed group + 1 fits 32 bits (there are fewer groups), so the
  // unsigned wrap of 0 - 1 is kNoFastGroup: no compare on the fast path.
  uint32_t fast_group(uint64_t v) const {
    static_assert(kNoFastGroup == UINT32_MAX);
    return static_cast<uint32_t>(v >> chain_bits) - 1;
  }
};

struct FamilyRoutes {
  std::shared_ptr<const Fib> fib;  // null: no route of this family
  std::vector<Route> routes;
  std::vector<RouteChain> chains;  // indexed by FibValueLayout::chain; [0] = "no route"
  std::vector<ChainLink> links;
  FibValueLayout layout;

  // The route a packet from `src16` takes given its FIB value, or kNoRoute.
  uint32_t resolve(uint64_t fib_value, const uint8_t* src16) const {
    uint32_t ci = layout.chain(fib_value);
    if (ci == 0 || ci >= chains.size()) return kNoRoute;
    const RouteChain& c = chains[ci];
    for (uint32_t i = 0; i < c.count; i++) {
      const ChainLink& l = links[c.first + i];
      if (l.src_len == 0 || prefix_match(l.src.data(), src16, l.src_len)) return l.route;
    }
    return kNoRoute;
  }
  // Control-side convenience: full lookup of one address pair.
  uint32_t lookup(const IpAddr& dst, const IpAddr& src) const {
    if (!fib) return kNoRoute;
    return resolve(fib->lookup(dst), src.b.data());
  }
};

struct NextHop {
  uint16_t iface = kNoIface;
  bool direct = false;  // no gateway: the packet's destination is the neighbour
  IpAddr gateway;
  uint32_t weight = 1;
};

struct NhGroup {
  uint32_t first_bucket = 0;  // into RouterTables::buckets
  uint32_t bucket_mask = 0;   // buckets - 1 (0: single member)
  uint32_t first_member = 0;  // into RouterTables::nexthops
  uint32_t members = 0;
};

struct RouterIface {
  uint32_t stable_id = 0;
  std::string name;
  uint16_t port = kNoPortId;    // attached port, or none (bridge interface)
  uint16_t bridge = kNoBridge;  // bridge index in this snapshot, or none
  uint16_t vlan = 0;
  rte_ether_addr mac{};
  uint16_t mtu = 1500;
  std::vector<IpPrefix> v4;  // address + subnet length; [0] is primary
  std::vector<IpPrefix> v6;  // the link-local address last

  const IpPrefix* primary(bool six) const {
    const auto& list = six ? v6 : v4;
    return list.empty() ? nullptr : &list[0];
  }
  const IpPrefix* source_for(const IpAddr& peer) const {
    return source_address(peer.v6 ? v6 : v4, peer);
  }
  bool owns(const IpAddr& a) const {
    for (const IpPrefix& p : a.v6 ? v6 : v4)
      if (p.addr == a) return true;
    return false;
  }
};

struct IcmpLimit {
  uint32_t rate_per_sec = 100;  // 0 = unlimited
  uint32_t burst = 50;
};

struct RouterTables {
  std::vector<RouterIface> ifaces;
  std::array<uint16_t, kMaxPorts> port_iface;  // kNoIface: not a routed port
  FamilyRoutes v4, v6;
  std::vector<NextHop> nexthops;
  std::vector<uint32_t> buckets;  // absolute indexes into nexthops (validation bounds them)
  std::vector<NhGroup> groups;
  EcmpHashConfig hash;
  IcmpLimit icmp;
  uint32_t punt_rate_per_sec = 10000;  // 0 = unlimited

  RouterTables() { port_iface.fill(kNoIface); }
  bool enabled() const { return !ifaces.empty(); }
  const FamilyRoutes& family(bool six) const { return six ? v6 : v4; }
  const NextHop& pick(const NhGroup& g, uint32_t hash) const {
    return nexthops[buckets[g.first_bucket + (hash & g.bucket_mask)]];
  }
};

}  // namespace sy
