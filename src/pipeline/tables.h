// Tables: one immutable snapshot of everything the data plane needs to
// forward, compiled by the control plane from a validated Config.
//
// Thread-safety: built by the control thread, published with
// Dataplane::publish() (release store + RCU grace period before the previous
// snapshot is freed), read by workers once per poll. Never mutated after
// publication. Nothing outside a worker's poll may hold a pointer into it.
#pragma once

#include <atomic>
#include <cstdint>

#include "bridge/bridge_tables.h"
#include "route/route_tables.h"
#include "vxlan/vxlan_tables.h"

namespace sy {

// Identifies one Tables object for the life of the process, so per-worker caches
// keyed by indexes into a snapshot can tell a new snapshot from the old one
// even when it was allocated at the same address. A copy gets its own.
struct SnapshotSerial {
  uint64_t value = next();
  SnapshotSerial() = default;
  SnapshotSerial(const SnapshotSerial&) : value(next()) {}
  SnapshotSerial& operator=(const SnapshotSerial&) {
    value = next();
    return *this;
  }
  static uint64_t next() {
    static std::atomic<uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
  }
};

struct Tables {
  uint64_t generation = 0;
  SnapshotSerial serial;
  BridgeTables bridge;
  RouterTables router;
  VxlanTables vxlan;
};

}  // namespace sy
