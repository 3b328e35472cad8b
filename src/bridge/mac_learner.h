// MacLearner: the single writer of the MacTable.
//
// Theory of operation: workers never insert. When a worker sees an unknown
// source MAC, or a known one on another port (a MAC move), it pushes a
// LearnEvent into its own SPSC ring; the learner drains the rings (every
// millisecond on its thread, or on demand in tests), enforces each bridge's
// MAC limit, performs moves, ages idle entries, and reconciles static entries
// and memberships when a new config is applied. Traffic from a source not yet
// learned is flooded meanwhile, which is what a bridge does anyway.
//
// MACs behind VXLAN tunnels are entries like any other whose port names a
// remote VTEP (RemoteVteps, also written only here).
//
// Thread-safety: every public method takes mu_, so the learner thread, the
// control plane (apply) and API readers (snapshot/stats) can call concurrently.
// Workers only touch the rings (single producer each) and the MacTable's
// lock-free read side.
#pragma once

#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "bridge/bridge_tables.h"
#include "bridge/mac_table.h"
#include "vxlan/remote_vteps.h"

namespace sy {

struct StaticMacSpec {
  MacKey key;
  uint16_t port;     // kTunnelLearnPort: behind the remote VTEP (vtep, remote)
  uint32_t vtep = 0;
  IpAddr remote;
};

struct BridgeLearnParams {
  uint32_t stable_id = 0;
  uint32_t mac_limit = 0;
  uint64_t ageing_ns = 0;
  bool learning = true;
  // (port, vlan) pairs a dynamic entry may point at; others are flushed.
  std::vector<std::pair<uint16_t, VlanSet>> members;
  // (vlan, local VTEP stable id): VLANs carried over VXLAN; an entry may point
  // at a remote VTEP of that local VTEP.
  std::vector<std::pair<uint16_t, uint32_t>> tunnels;
};

struct BridgeMacCounters {
  uint64_t macs = 0;  // dynamic + static entries currently held
  uint64_t learned = 0;
  uint64_t moves = 0;
  uint64_t limit_hits = 0;
  uint64_t aged = 0;
};

struct MacEntryView {
  MacKey key;
  uint16_t port;
  bool is_static;
  uint64_t last_seen_ns;
  RemoteVtep remote;  // when is_tunnel_port(port)
};

class MacLearner {
 public:
  MacLearner(MacTable& table, RemoteVteps& remotes, std::vector<rte_ring*> rings);
  ~MacLearner();

  // Installs the bridges of a newly published snapshot: drops entries of
  // bridges that are gone and of ports/VLANs that left a bridge, and makes
  // the static entries exactly `statics`.
  void reconcile(const std::vector<BridgeLearnParams>& bridges,
                 const std::vector<StaticMacSpec>& statics, uint64_t now_ns);

  // Processes pending LearnEvents; returns how many were taken.
  uint32_t drain(uint64_t now_ns);
  // Removes dynamic entries idle for longer than their bridge's ageing time.
  uint32_t age(uint64_t now_ns);

  std::vector<MacEntryView> snapshot() const;
  std::map<uint32_t, BridgeMacCounters> counters() const;

  // Background thread: drain every `drain_interval_us`, age once a second.
  void start(uint32_t drain_interval_us = 1000);
  void stop();

 private:
  struct BridgeState {
    BridgeLearnParams params;
    BridgeMacCounters counters;
  };
  bool member_carries(const BridgeState& b, uint16_t port, uint16_t vlan) const;
  void remove_entry(const MacKey& key, BridgeState* b);
  void learn_locked(const LearnEvent& ev, uint64_t now_ns);
  // Points the entry at `port`, keeping remote VTEP references balanced
  // (`port`'s reference, if a tunnel, is the caller's and passes to the entry).
  void repoint(int32_t pos, uint16_t port);
  void release_port(uint16_t port);

  MacTable& table_;
  RemoteVteps& remotes_;
  std::vector<rte_ring*> rings_;
  mutable std::mutex mu_;
  std::map<uint32_t, BridgeState> bridges_;  // by stable id
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace sy
