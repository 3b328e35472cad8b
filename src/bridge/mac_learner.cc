#include "bridge/mac_learner.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "pipeline/clock.h"

namespace sy {

MacLearner::MacLearner(MacTable& table, RemoteVteps& remotes, std::vector<rte_ring*> rings)
    : table_(table), remotes_(remotes), rings_(std::move(rings)) {}

MacLearner::~MacLearner() { stop(); }

bool MacLearner::member_carries(const BridgeState& b, uint16_t port, uint16_t vlan) const {
  if (is_tunnel_port(port)) {
    uint32_t vtep = remotes_.get(tunnel_remote_id(port)).vtep;
    for (const auto& [v, t] : b.params.tunnels)
      if (v == vlan) return t == vtep;
    return false;
  }
  for (const auto& [p, vlans] : b.params.members)
    if (p == port) return vlans.has(vlan);
  return false;
}

void MacLearner::release_port(uint16_t port) {
  if (is_tunnel_port(port)) remotes_.release(tunnel_remote_id(port));
}

void MacLearner::repoint(int32_t pos, uint16_t port) {
  uint16_t old = table_.port_of(pos);
  table_.set_port(pos, port);
  release_port(old);
}

void MacLearner::remove_entry(const MacKey& key, BridgeState* b) {
  int32_t pos = table_.lookup(key);
  if (pos < 0) return;
  uint16_t port = table_.port_of(pos);
  if (!table_.remove(key)) return;
  release_port(port);  // after the slot stopped naming it
  if (b != nullptr && b->counters.macs > 0) b->counters.macs--;
}

void MacLearner::reconcile(const std::vector<BridgeLearnParams>& bridges,
                           const std::vector<StaticMacSpec>& statics, uint64_t now_ns) {
  std::lock_guard lock(mu_);
  std::map<uint32_t, BridgeState> next;
  for (const auto& p : bridges) {
    BridgeState st;
    auto it = bridges_.find(p.stable_id);
    if (it != bridges_.end()) st.counters = it->second.counters;
    st.params = p;
    next.emplace(p.stable_id, std::move(st));
  }
  bridges_ = std::move(next);

  // Collect first: the table must not change while it is iterated.
  std::vector<MacKey> stale;
  table_.for_each([&](const MacKey& key, int32_t pos) {
    auto it = bridges_.find(key.bridge_id);
    if (it == bridges_.end()) {
      stale.push_back(key);
      return;
    }
    bool keep_static = table_.is_static(pos) &&
                       std::any_of(statics.begin(), statics.end(),
                                   [&](const StaticMacSpec& s) { return s.key == key; });
    if (table_.is_static(pos) && !keep_static) {
      stale.push_back(key);
    } else if (!table_.is_static(pos) &&
               !member_carries(it->second, table_.port_of(pos), key.vlan)) {
      stale.push_back(key);
    }
  });
  for (const auto& key : stale) {
    auto it = bridges_.find(key.bridge_id);
    remove_entry(key, it == bridges_.end() ? nullptr : &it->second);
  }

  for (const auto& s : statics) {
    auto it = bridges_.find(s.key.bridge_id);
    if (it == bridges_.end()) continue;  // validation guarantees this does not happen
    uint16_t port = s.port;
    bool acquired = false;
    if (port == kTunnelLearnPort) {
      int32_t id = remotes_.acquire(s.vtep, s.remote);
      if (id < 0) {
        it->second.counters.limit_hits++;  // every remote id is taken
        continue;
      }
      port = tunnel_port(static_cast<uint16_t>(id));
      acquired = true;
    }
    int32_t pos = table_.lookup(s.key);
    if (pos >= 0) {
      if (table_.port_of(pos) == port) {
        if (acquired) release_port(port);
      } else {
        repoint(pos, port);
      }
      table_.set_static(pos, true);
      table_.set_last_seen(pos, now_ns);
      continue;
    }
    if (table_.add(s.key, port, true, now_ns) >= 0) {
      it->second.counters.macs++;
    } else if (acquired) {
      release_port(port);
    }
  }
}

void MacLearner::learn_locked(const LearnEvent& ev, uint64_t now_ns) {
  auto it = bridges_.find(ev.key.bridge_id);
  if (it == bridges_.end()) return;  // bridge removed since the worker saw the frame
  BridgeState& b = it->second;
  if (!b.params.learning) return;
  uint16_t port = ev.port;
  bool acquired = false;
  if (port == kTunnelLearnPort) {
    bool tunnelled = false;
    for (const auto& [v, vtep] : b.params.tunnels) tunnelled |= v == ev.key.vlan && vtep == ev.vtep;
    if (!tunnelled) return;  // binding changed since the worker saw the frame
    IpAddr a;
    a.v6 = ev.v6 != 0;
    std::memcpy(a.b.data(), ev.addr, 16);
    int32_t id = remotes_.acquire(ev.vtep, a);
    if (id < 0) {
      b.counters.limit_hits++;
      return;
    }
    port = tunnel_port(static_cast<uint16_t>(id));
    acquired = true;
  } else if (!member_carries(b, port, ev.key.vlan)) {
    return;
  }
  // A tunnel port's reference passes to the entry, or is given back.
  auto give_back = [&] {
    if (acquired) release_port(port);
  };
  int32_t pos = table_.lookup(ev.key);
  if (pos >= 0) {
    if (table_.is_static(pos)) return give_back();
    if (table_.port_of(pos) != port) {
      repoint(pos, port);
      b.counters.moves++;
    } else {
      give_back();
    }
    table_.set_last_seen(pos, now_ns);
    return;
  }
  if (b.counters.macs >= b.params.mac_limit) {
    b.counters.limit_hits++;
    return give_back();
  }
  if (table_.add(ev.key, port, false, now_ns) >= 0) {
    b.counters.macs++;
    b.counters.learned++;
  } else {
    b.counters.limit_hits++;  // the shared table itself is full
    give_back();
  }
}

uint32_t MacLearner::drain(uint64_t now_ns) {
  std::lock_guard lock(mu_);
  uint32_t total = 0;
  LearnEvent evs[64];
  for (rte_ring* r : rings_) {
    // Bounded: at most one ring's worth per call, so apply() never waits long.
    for (unsigned round = 0; round < 64; round++) {
      unsigned n = rte_ring_dequeue_burst_elem(r, evs, sizeof(LearnEvent), 64, nullptr);
      for (unsigned i = 0; i < n; i++) learn_locked(evs[i], now_ns);
      total += n;
      if (n < 64) break;
    }
  }
  return total;
}

uint32_t MacLearner::age(uint64_t now_ns) {
  std::lock_guard lock(mu_);
  std::vector<MacKey> expired;
  table_.for_each([&](const MacKey& key, int32_t pos) {
    if (table_.is_static(pos)) return;
    auto it = bridges_.find(key.bridge_id);
    if (it == bridges_.end()) {
      expired.push_back(key);
      return;
    }
    uint64_t ageing = it->second.params.ageing_ns;
    uint64_t seen = table_.last_seen(pos);
    if (ageing != 0 && now_ns > seen && now_ns - seen > ageing) expired.push_back(key);
  });
  for (const auto& key : expired) {
    auto it = bridges_.find(key.bridge_id);
    BridgeState* b = it == bridges_.end() ? nullptr : &it->second;
    remove_entry(key, b);
    if (b != nullptr) b->counters.aged++;
  }
  return static_cast<uint32_t>(expired.size());
}

std::vector<MacEntryView> MacLearner::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<MacEntryView> out;
  table_.for_each([&](const MacKey& key, int32_t pos) {
    uint16_t port = table_.port_of(pos);
    RemoteVtep remote;
    if (is_tunnel_port(port)) remote = remotes_.get(tunnel_remote_id(port));
    out.push_back(MacEntryView{key, port, table_.is_static(pos), table_.last_seen(pos), remote});
  });
  return out;
}

std::map<uint32_t, BridgeMacCounters> MacLearner::counters() const {
  std::lock_guard lock(mu_);
  std::map<uint32_t, BridgeMacCounters> out;
  for (const auto& [id, b] : bridges_) out[id] = b.counters;
  return out;
}

void MacLearner::start(uint32_t drain_interval_us) {
  stop_.store(false);
  thread_ = std::thread([this, drain_interval_us] {
    uint64_t last_age = clock_now_ns();
    while (!stop_.load(std::memory_order_relaxed)) {
      uint64_t now = clock_now_ns();
      drain(now);
      if (now - last_age >= kNsPerSec) {
        age(now);
        last_age = now;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(drain_interval_us));
    }
  });
}

void MacLearner::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace sy
