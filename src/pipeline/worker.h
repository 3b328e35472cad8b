// A worker: one pinned lcore running rx burst → pipeline → tx burst to
// completion, over one rx queue of every port and its own tx queue on every
// port.
//
// Theory of operation: each poll loads the Tables pointer once, processes a
// burst from each of its rx queues, flushes its tx buffers, then reports RCU
// quiescence. After `kIdlePollsBeforeSleep` empty polls it goes RCU-offline and
// sleeps `idle_sleep_us` (0 = pure polling, for benchmarks), so a control
// thread's grace period never waits on a sleeping worker.
//
// Thread-safety: a WorkerCtx is written by its worker only, except `stop`
// (set by the control thread) and the counters (read by control threads).
#pragma once

#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>

#include "bridge/bridge_tables.h"
#include "bridge/l2_flow_cache.h"
#include "bridge/mac_cache.h"
#include "pipeline/counters.h"
#include "pipeline/tables.h"
#include "pipeline/tx_buffer.h"
#include "route/adjacency_cache.h"
#include "route/fib6_cache.h"
#include "route/neighbour_table.h"
#include "vxlan/decap_lane.h"
#include "vxlan/vxlan_tables.h"

namespace sy {

class MacTable;
class RemoteVteps;
struct RouterIface;
struct VniEntry;

// Per-VNI traffic of one worker, indexed by VniEntry::counter_slot.
struct VniCounters {
  Counter rx_packets, rx_bytes, tx_packets, tx_bytes;
};

// The tunnel a frame being processed came out of (valid while the worker
// handles that one frame, run to completion): the router's answers to it go
// straight back into the tunnel, to the remote VTEP it came from.
struct TunnelIngress {
  const VniEntry* vni = nullptr;
  IpAddr remote;
};
// mbuf->port of a frame decapsulated from a tunnel (see TunnelIngress).
constexpr uint16_t kFromTunnel = 0xfffe;

// Which tunnel each frame of a run came out of, for the router's answers: none
// (a port's frames), a TunnelIngress per frame (the RouteBacklog), or one
// binding whose frames' remotes are indexed (a decapsulated run). Only what
// takes the general path reads it, so a decapsulated frame costs the bridge
// a 2-byte index, not a 25-byte TunnelIngress.
struct TunnelSources {
  const TunnelIngress* each = nullptr;
  const VniEntry* vni = nullptr;
  const IpAddr* remotes = nullptr;
  const uint16_t* remote_at = nullptr;  // frame i's remote: remotes[remote_at[i]]

  // The same run from frame `start` on.
  TunnelSources from(uint16_t start) const {
    TunnelSources s = *this;
    if (each != nullptr) s.each += start;
    if (remote_at != nullptr) s.remote_at += start;
    return s;
  }
  // Frame i's tunnel becomes `cur` (WorkerCtx::tunnel_in); none: `cur` stays.
  void enter(TunnelIngress& cur, uint16_t i) const {
    if (each != nullptr) {
      cur = each[i];
    } else if (vni != nullptr) {
      cur.vni = vni;
      cur.remote = remotes[remote_at[i]];
    }
  }
};

constexpr uint16_t kMaxBurst = 256;
constexpr uint32_t kIdlePollsBeforeSleep = 64;

struct RxQueueRef {
  uint16_t port;
  uint16_t queue;
};

// Suppresses repeated LearnEvents for the same (key, port) from one worker
// while the learner has not yet acted on the first one.
struct LearnFilter {
  static constexpr uint32_t kSlots = 1024;
  static constexpr uint64_t kHoldNs = 20'000'000;  // 20 ms
  struct Slot {
    uint32_t sig;
    uint16_t port;
    uint64_t at_ns;
  };
  Slot slots[kSlots];
};

// Frames a bridge interface received during this burst (from a bridged port,
// or decapsulated out of a tunnel) that are plain transit: they wait here
// until the burst is done and are then forwarded a run at a time, as frames
// from a routed port are, instead of one bulk FIB lookup each
// (router_enqueue / router_drain in route/forward_fast.cc).
struct RouteBacklog {
  uint16_t n = 0;
  const RouterIface* in[kMaxBurst];
  TunnelIngress from[kMaxBurst];  // vni null: not from a tunnel
  rte_mbuf* pkts[kMaxBurst];
};

struct alignas(RTE_CACHE_LINE_SIZE) WorkerCtx {
  uint16_t index = 0;      // RCU thread id and tx queue id
  uint16_t lcore = 0;
  uint16_t burst_size = 32;
  uint32_t idle_sleep_us = 0;
  // When the test thread drives polls itself, it must be RCU-offline between
  // polls or its own publish() would wait for itself.
  bool manual = false;

  uint16_t nb_rxq = 0;
  RxQueueRef rxq[kMaxPorts];
  uint16_t nb_ports = 0;  // ports [0, nb_ports) are started and have tx queue `index`

  const std::atomic<const Tables*>* tables = nullptr;
  rte_rcu_qsbr* qs = nullptr;
  MacTable* macs = nullptr;
  const RemoteVteps* remotes = nullptr;
  rte_ring* learn_ring = nullptr;
  rte_mempool* pool = nullptr;
  std::atomic<bool>* stop = nullptr;
  uint16_t nb_workers = 1;
  NeighbourTable* neighbours = nullptr;
  rte_ring* neighbour_events = nullptr;  // to the NeighbourManager (multi-producer)
  rte_ring* inject = nullptr;            // from the NeighbourManager; worker 0 only
  rte_ring* punt = nullptr;              // to the ExceptionPath (multi-producer); null: none
  rte_ring* local_out = nullptr;         // from the ExceptionPath, to be routed; worker 0 only

  uint64_t now_ns = 0;     // set once per poll
  const Tables* snapshot = nullptr;  // the poll's Tables (valid only inside a poll)
  uint32_t idle_polls = 0;
  // Busy/idle accounting: a poll's cycles are counted at the next poll's
  // start, so a poll reads the TSC once (for this and now_ns) instead of
  // three times; testpmd's io loop reads it never.
  uint64_t poll_start_tsc = 0;  // 0: no open interval
  bool poll_was_busy = false;

  WorkerCounters counters;
  LearnFilter learn_filter;
  IcmpLimiter icmp_limiter;
  uint64_t neigh_epoch = 0;  // NeighbourTable::epoch() at the start of the poll
  NeighbourCache neigh_cache;
  AdjacencyCache adj;
  Fib6Cache fib6_cache;
  MacCache mac_cache;
  L2FlowCache l2_flows;  // forgets when mac_cache does
  uint64_t icmp_limiter_generation = 0;  // Tables generation it was configured from
  TokenBucket punt_bucket;
  TunnelIngress tunnel_in;
  DecapLane decap_lanes[2];  // by underlay family: IPv4, IPv6
  RouteBacklog route_backlog;
  uint16_t ip_id = 0;      // IPv4 identification of the tunnel packets this worker sends
  TxBuffer tx[kMaxPorts];
  VniCounters vni_counters[kMaxVniSlots];
};

// One poll over every rx queue; returns packets received. Used by the loop
// and by tests that step a worker deterministically.
uint16_t worker_poll_once(WorkerCtx& w);
void worker_flush_port(WorkerCtx& w, uint16_t port);
void worker_flush(WorkerCtx& w);
// Queues a packet for transmission on `port`; flushes when the buffer fills.
// Inline: every forwarded packet passes here.
// For a caller that already holds the port's buffer (the AdjacencyCache keeps
// it): no index into the 4 KiB buffers per frame.
inline void worker_tx_buffer(WorkerCtx& w, TxBuffer& b, rte_mbuf* m) {
  b.pkts[b.count++] = m;
  if (b.count == kTxBufferSize) worker_flush_port(w, static_cast<uint16_t>(&b - w.tx));
}
inline void worker_tx(WorkerCtx& w, uint16_t port, rte_mbuf* m) {
  worker_tx_buffer(w, w.tx[port], m);
}
// Frames injected with this port value go out the router interface whose
// stable id is in mbuf->hash.usr (a bridge interface has no port of its own).
constexpr uint16_t kInjectToIface = kNoPortId;
// rte_eal_remote_launch entry point; arg is a WorkerCtx*.
int worker_main(void* arg);

}  // namespace sy
