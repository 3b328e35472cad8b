// NeighbourManager: the single writer of the NeighbourTable, and the owner of
// everything about neighbours that takes time — resolution, retries, holding
// packets, reachability probes, gratuitous announcements.
//
// Theory of operation: workers answer ARP requests and Neighbour
// Solicitations for our addresses themselves; what they learn from ARP/ND
// (a sender's MAC, a reply) and every packet whose next hop has no usable
// entry become NeighEvents on one multi-producer ring. The manager drains it
// (every millisecond on its thread, or on demand in tests):
//   - a packet to resolve is held (at most `hold_packets` per neighbour) and a
//     request is sent, repeated every `retry` up to `retries` times; on the
//     answer the held packets are sent, in order; on giving up they are
//     answered with ICMP host unreachable (rate-limited) and freed;
//   - a confirmed entry is used for `reachable` without traffic to it; after
//     that, if it is still used, it is re-probed with unicast requests (and
//     removed if those go unanswered), otherwise it is forgotten after 4x
//     `reachable`;
//   - static entries come from the config and are never probed or aged;
//   - an address new to an interface is announced (gratuitous ARP, unsolicited
//     NA) so peers update their caches at once.
// Frames the manager sends go through the inject ring of worker 0, which
// transmits them on its own tx queues (the manager has none).
//
// Thread-safety: every public method takes mu_; the thread, the control plane
// (reconcile) and API readers may call concurrently. Workers touch only the
// rings and the table's lock-free read side.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "route/icmp.h"
#include "route/neighbour_table.h"
#include "route/route_tables.h"

namespace sy {

enum class NeighEventKind : uint8_t {
  kSeen,     // the neighbour sent us ARP/ND naming its MAC (update; create if `create`)
  kConfirm,  // an answer to our request: reachable
  kResolve,  // `m` waits for `key` to resolve
};

struct NeighEvent {
  NeighEventKind kind;
  uint8_t create;
  uint16_t pad;
  uint32_t in_iface;       // kResolve: ingress interface stable id
  NeighKey key;
  rte_ether_addr mac;      // kSeen/kConfirm: the neighbour; kResolve: the previous hop
  uint16_t l3_off;         // kResolve: IP header offset in `m`
  rte_mbuf* m;
};
static_assert(sizeof(NeighEvent) % 4 == 0, "ring element size");

struct NeighIfaceInfo {
  uint32_t stable_id = 0;
  std::string name;
  uint16_t port = kNoPortId;
  rte_ether_addr mac{};
  std::vector<IpPrefix> v4, v6;
  const IpPrefix* source_for(const IpAddr& peer) const;
  bool on_subnet(const IpAddr& a) const;
};

struct NeighSettings {
  uint64_t reachable_ns = 30 * 1'000'000'000ull;
  uint32_t retries = 3;
  uint64_t retry_ns = 1'000'000'000ull;
  uint32_t hold_packets = 16;
  IcmpLimit icmp;
};

struct StaticNeighSpec {
  NeighKey key;
  rte_ether_addr mac;
};

struct NeighView {
  NeighKey key;
  std::string iface;
  rte_ether_addr mac{};
  NeighState state = NeighState::kNone;
  uint64_t age_ns = 0;
  uint32_t held = 0;
};

struct NeighCounters {
  uint64_t requests_sent = 0;     // ARP requests / NS, probes included
  uint64_t announcements = 0;     // gratuitous ARP / unsolicited NA
  uint64_t resolved = 0;
  uint64_t failed = 0;            // resolutions given up
  uint64_t held = 0;              // packets held
  uint64_t released = 0;          // held packets sent after resolution
  uint64_t hold_dropped = 0;      // over hold_packets, or on failure, or interface gone
  uint64_t inject_full = 0;       // frames lost because worker 0's inject ring was full
  uint64_t icmp_sent = 0;         // host unreachable for held packets
  uint64_t icmp_rate_limited = 0;
  uint64_t entries[5] = {};       // by NeighState, now
};

class NeighbourManager {
 public:
  NeighbourManager(NeighbourTable& table, rte_ring* events, rte_ring* inject);
  ~NeighbourManager();

  void set_pool(rte_mempool* pool);
  void reconcile(const std::vector<NeighIfaceInfo>& ifaces,
                 const std::vector<StaticNeighSpec>& statics, const NeighSettings& settings,
                 uint64_t now_ns);
  // Drains events and runs timers; returns the events taken.
  uint32_t poll(uint64_t now_ns);

  std::vector<NeighView> snapshot(uint64_t now_ns) const;
  NeighCounters counters() const;

  void start(uint32_t interval_us = 1000);
  void stop();

 private:
  struct Held {
    rte_mbuf* m;
    uint32_t in_iface;
    uint16_t l3_off;
    rte_ether_addr in_mac;
  };
  struct Pending {
    std::vector<Held> held;
    uint32_t sent = 0;
    uint64_t next_ns = 0;
  };
  struct Entry {
    int32_t pos = -1;
    uint64_t confirmed_ns = 0;
    uint32_t probes = 0;
    uint64_t next_probe_ns = 0;
    bool is_static = false;
  };

  const NeighIfaceInfo* iface(uint32_t id) const;
  void handle(const NeighEvent& ev, uint64_t now_ns);
  void learn(const NeighKey& key, const rte_ether_addr& mac, bool confirm, bool create,
             uint64_t now_ns);
  void send_request(const NeighKey& key, const rte_ether_addr* unicast);
  void announce(const NeighIfaceInfo& ifc, const IpPrefix& addr);
  void release(const NeighKey& key, const rte_ether_addr& mac);
  void fail(const NeighKey& key, Pending& p, uint64_t now_ns);
  void drop_held(Pending& p);
  void inject(rte_mbuf* m, const NeighIfaceInfo& out);
  void timers(uint64_t now_ns);

  NeighbourTable& table_;
  rte_ring* events_;
  rte_ring* inject_;
  rte_mempool* pool_ = nullptr;
  mutable std::mutex mu_;
  std::map<uint32_t, NeighIfaceInfo> ifaces_;
  NeighSettings settings_;
  std::map<NeighKey, Entry> entries_;
  std::map<NeighKey, Pending> pending_;
  IcmpLimiter limiter_;
  NeighCounters counters_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace sy
