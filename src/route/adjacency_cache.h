// AdjacencyCache: a worker's cache of resolved next hops for the forwarding
// fast path, as VPP's adjacencies: next-hop index (into one Tables snapshot's
// RouterTables::nexthops) → the finished Ethernet rewrite (neighbour MAC,
// interface MAC), egress port and MTU. A forwarded packet then costs one
// direct-mapped probe and a 12-byte copy instead of a neighbour key hash.
//
// Theory of operation: entries are valid while their key's stamp matches; the stamp
// moves on when the worker sees another Tables snapshot (next-hop indexes
// change meaning) or the NeighbourTable's epoch move (a neighbour changed MAC
// or was removed), so stale entries die lazily without a sweep. Only gateway
// next hops on interfaces with a port of their own are cached; direct routes
// (the neighbour is the packet's destination), bridge interfaces and
// unresolved neighbours take the general path (router_emit).
//
// Thread-safety: one per worker, touched only by it.
#pragma once

#include <cstdint>
#include <cstring>

#include "pipeline/tx_buffer.h"
#include "route/neighbour_table.h"
#include "route/route_tables.h"

namespace sy {

struct AdjacencyCache {
  static constexpr uint32_t kSize = 1024;  // power of two
  // One cache line, so a probe is a shift and a load.
  struct alignas(64) Entry {
    uint64_t key = 0;          // stamp << 32 | next hop (an index into RouterTables::nexthops)
    uint8_t rewrite[12] = {};  // destination MAC, then source MAC
    uint16_t mtu = 0;
    uint16_t port = 0;
    TxBuffer* tx = nullptr;    // the worker's buffer for `port`
    uint64_t touched_ns = 0;   // last refresh of the neighbour's "used" time
    int32_t pos = 0;           // the neighbour's NeighbourTable position
  };

  uint64_t key_stamp = uint64_t{1} << 32;  // the stamp, shifted into a key's upper half
  uint64_t tables_serial = 0;
  uint64_t neigh_epoch = 0;
  Entry e[kSize];

  // Once per poll.
  void refresh(uint64_t serial, uint64_t epoch) {
    if (serial == tables_serial && epoch == neigh_epoch) return;
    key_stamp += uint64_t{1} << 32;
    if (key_stamp == 0) {  // the 32-bit stamp wrapped: old keys would match again
      for (Entry& a : e) a.key = 0;
      key_stamp = uint64_t{1} << 32;
    }
    tables_serial = serial;
    neigh_epoch = epoch;
  }
  Entry* find(uint32_t nexthop) {
    Entry& a = e[nexthop & (kSize - 1)];
    return a.key == (key_stamp | nexthop) ? &a : nullptr;
  }
  // Resolves `nexthop` into its slot; null when it cannot be cached (see
  // above). `port_tx`: the worker's transmit buffers, indexed by port.
  Entry* fill(const RouterTables& rt, NeighbourTable& neighbours, uint32_t nexthop,
              uint64_t now_ns, TxBuffer* port_tx) {
    const NextHop& nh = rt.nexthops[nexthop];
    if (nh.direct) return nullptr;
    const RouterIface& out = rt.ifaces[nh.iface];
    if (out.port == kNoPortId) return nullptr;
    int32_t pos = neighbours.lookup(NeighKey::of(out.stable_id, nh.gateway));
    rte_ether_addr mac;
    if (pos < 0 || !neighbours.mac_of(pos, &mac)) return nullptr;
    neighbours.touch(pos, now_ns);
    Entry& a = e[nexthop & (kSize - 1)];
    a.key = key_stamp | nexthop;
    a.pos = pos;
    a.touched_ns = now_ns;
    std::memcpy(a.rewrite, mac.addr_bytes, 6);
    std::memcpy(a.rewrite + 6, out.mac.addr_bytes, 6);
    a.port = out.port;
    a.tx = port_tx + out.port;
    a.mtu = out.mtu;
    return &a;
  }
  // The neighbour is in use: refresh its NeighbourTable time at most as often
  // as the table itself would. `due`: touch_due(now), computed once a burst.
  static uint64_t touch_due(uint64_t now_ns) {
    return now_ns > NeighbourTable::kTouchIntervalNs ? now_ns - NeighbourTable::kTouchIntervalNs : 0;
  }
  static void touch(Entry& a, NeighbourTable& neighbours, uint64_t now_ns, uint64_t due) {
    if (a.touched_ns < due) {
      a.touched_ns = now_ns;
      neighbours.touch(a.pos, now_ns);
    }
  }
};

}  // namespace sy
