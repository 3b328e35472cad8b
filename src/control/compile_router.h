// Compiles the router part of a validated Config: interfaces, FIBs with
// connected, local and static routes, ECMP groups (resilient across applies),
// and what the NeighbourManager needs.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "control/config_error.h"
#include "control/compile.h"
#include "route/exception_path.h"
#include "route/neighbour_manager.h"
#include "pipeline/tables.h"
#include "route/route_tables.h"
#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

// Bucket tables of the multi-member routes of the running config, by route
// ("dst|src") as lists of member keys ("interface|gateway"), so the next
// compile starts from them.
using EcmpHistory = std::map<std::string, std::vector<std::string>>;

struct PortFacts {
  uint16_t id = 0;
  std::array<uint8_t, 6> mac{};
  uint32_t mtu = 1500;
};

struct CompiledRouter {
  std::vector<NeighIfaceInfo> ifaces;
  std::vector<StaticNeighSpec> statics;
  NeighSettings settings;
  std::vector<ExceptionIface> exception_ifaces;  // empty when the exception path is off
  EcmpHistory history;
  ConfigErrors errors;  // only resource failures: the config was validated
};

// Fills out->router, and registers bridge interfaces with their bridges in
// out->bridge (already compiled).
CompiledRouter compile_router(const pb::Config& cfg, const std::map<std::string, PortFacts>& ports,
                              BridgeIds& iface_ids, const EcmpHistory& history, Tables* out);

// A locally administered MAC derived from an interface name (bridge interfaces
// without a configured MAC).
std::array<uint8_t, 6> derived_mac(const std::string& name);

}  // namespace sy
