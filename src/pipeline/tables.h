// Tables: one immutable snapshot of everything the data plane needs to
// forward, compiled by the control plane from a validated Config.
//
// Thread-safety: built by the control thread, published with
// Dataplane::publish() (release store + RCU grace period before the previous
// snapshot is freed), read by workers once per poll. Never mutated after
// publication. Nothing outside a worker's poll may hold a pointer into it.
#pragma once

#include <cstdint>

#include "bridge/bridge_tables.h"
#include "route/route_tables.h"
#include "vxlan/vxlan_tables.h"

namespace sy {

struct Tables {
  uint64_t generation = 0;
  BridgeTables bridge;
  RouterTables router;
  VxlanTables vxlan;
};

}  // namespace sy
