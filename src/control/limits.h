// The largest configuration Switchyard takes: one list, so validation,
// compilation and docs/security.md agree.
//
// Why each exists: the compiled tables index their objects with fixed-width
// integers (bridges, interfaces and VTEPs in 16 bits, FIB values in 31 bits
// for IPv4 and 21 for IPv6), per-packet paths walk some lists linearly
// (an interface's addresses, a bridge's router interfaces), and ECMP bucket
// tables cost 4 KiB each. Validation refuses a config past any of these with
// the path and the limit, so nothing wraps and no apply can make one request
// cost unbounded memory.
#pragma once

#include <cstdint>

#include "bridge/bridge_tables.h"
#include "route/ecmp.h"

namespace sy {

constexpr uint32_t kMaxConfigPorts = kMaxPorts;        // DPDK's RTE_MAX_ETHPORTS
constexpr uint32_t kMaxBridges = 4096;
constexpr uint32_t kMaxInterfaces = 4096;
constexpr uint32_t kMaxAddressesPerInterface = 64;     // walked per answered packet
constexpr uint32_t kMaxRoutes = 2'000'000;             // both families together
// An IPv6 route's chain index is an LPM6 next hop (21 bits) with local and
// connected routes beside the configured ones.
constexpr uint32_t kMaxRoutes6 = 1'000'000;
// Distinct multi-path next-hop sets (members and weights): each compiles into
// a kEcmpBuckets table. Routes with the same set share one.
constexpr uint32_t kMaxEcmpSets = 4096;
// Compiled multi-path tables: a set's table also depends on the history of
// the routes that use it (resilient hashing), so two routes may keep two.
constexpr uint32_t kMaxEcmpTables = 2 * kMaxEcmpSets;
constexpr uint32_t kMaxStaticNeighbours = 4096;        // a quarter of the neighbour table
constexpr uint32_t kMaxVteps = 256;
// Bridge static MACs and VXLAN remote MACs together: they live in the MAC
// table beside learned entries.
constexpr uint32_t kMaxStaticMacs = 16384;

static_assert(kMaxBridges < kNoBridge && kMaxInterfaces < UINT16_MAX && kMaxVteps < UINT16_MAX,
              "snapshot indexes are 16 bits with UINT16_MAX as none");
static_assert(uint64_t{kMaxEcmpTables} * kEcmpMaxMembers + kMaxRoutes + kMaxInterfaces * 64 <
                  UINT32_MAX,
              "next-hop indexes are 32 bits");

}  // namespace sy
