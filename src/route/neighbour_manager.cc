#include "route/neighbour_manager.h"

#include <rte_arp.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "pipeline/clock.h"
#include "route/neighbour_frames.h"

namespace sy {

const IpPrefix* NeighIfaceInfo::source_for(const IpAddr& peer) const {
  return source_address(peer.v6 ? v6 : v4, peer);
}

bool NeighIfaceInfo::on_subnet(const IpAddr& a) const {
  for (const IpPrefix& p : a.v6 ? v6 : v4)
    if (prefix_match(p.addr.b.data(), a.b.data(), p.len)) return true;
  return false;
}

NeighbourManager::NeighbourManager(NeighbourTable& table, rte_ring* events, rte_ring* inject)
    : table_(table), events_(events), inject_(inject) {}

NeighbourManager::~NeighbourManager() {
  stop();
  std::lock_guard lock(mu_);
  for (auto& [key, p] : pending_) drop_held(p);
  // Events still queued may carry packets.
  NeighEvent ev;
  while (rte_ring_dequeue_elem(events_, &ev, sizeof(ev)) == 0)
    if (ev.m != nullptr) rte_pktmbuf_free(ev.m);
}

void NeighbourManager::set_pool(rte_mempool* pool) {
  std::lock_guard lock(mu_);
  pool_ = pool;
}

const NeighIfaceInfo* NeighbourManager::iface(uint32_t id) const {
  auto it = ifaces_.find(id);
  return it == ifaces_.end() ? nullptr : &it->second;
}

void NeighbourManager::inject(rte_mbuf* m, const NeighIfaceInfo& out) {
  if (m == nullptr) return;
  // A bridge interface has no port (kNoPortId): worker 0 then sends by interface.
  m->port = out.port;
  m->hash.usr = out.stable_id;
  if (rte_ring_enqueue(inject_, m) != 0) {
    counters_.inject_full++;
    rte_pktmbuf_free(m);
  }
}

void NeighbourManager::reconcile(const std::vector<NeighIfaceInfo>& ifaces,
                                 const std::vector<StaticNeighSpec>& statics,
                                 const NeighSettings& settings, uint64_t now_ns) {
  std::lock_guard lock(mu_);
  settings_ = settings;
  limiter_.configure(settings.icmp.rate_per_sec, settings.icmp.burst);
  std::map<uint32_t, NeighIfaceInfo> next;
  for (const auto& i : ifaces) next[i.stable_id] = i;
  std::swap(ifaces_, next);  // `next` now holds the previous interfaces

  // Announce addresses that are new on their interface.
  for (const auto& [id, ifc] : ifaces_) {
    auto old = next.find(id);
    for (const auto* list : {&ifc.v4, &ifc.v6})
      for (const IpPrefix& a : *list) {
        bool known = false;
        if (old != next.end())
          for (const IpPrefix& o : a.addr.v6 ? old->second.v6 : old->second.v4)
            known |= o.addr == a.addr;
        if (!known) announce(ifc, a);
      }
  }

  // Entries whose interface or subnet is gone, and statics no longer wanted.
  std::set<NeighKey> want_static;
  for (const auto& s : statics) want_static.insert(s.key);
  for (auto it = entries_.begin(); it != entries_.end();) {
    const NeighIfaceInfo* ifc = iface(it->first.iface);
    bool keep = ifc != nullptr && ifc->on_subnet(it->first.addr()) &&
                (!it->second.is_static || want_static.count(it->first) != 0);
    if (!keep) {
      table_.remove(it->first);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = pending_.begin(); it != pending_.end();) {
    const NeighIfaceInfo* ifc = iface(it->first.iface);
    if (ifc == nullptr || !ifc->on_subnet(it->first.addr())) {
      drop_held(it->second);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& s : statics) {
    Entry& e = entries_[s.key];
    if (e.pos < 0) e.pos = table_.add(s.key);
    if (e.pos < 0) {
      entries_.erase(s.key);
      continue;
    }
    e.is_static = true;
    e.confirmed_ns = now_ns;
    table_.set(e.pos, s.mac, NeighState::kStatic);
    release(s.key, s.mac);
  }
}

void NeighbourManager::announce(const NeighIfaceInfo& ifc, const IpPrefix& a) {
  if (pool_ == nullptr) return;
  rte_mbuf* m;
  if (!a.addr.v6) {
    m = arp_request(pool_, ifc.mac, a.addr.v4_host(), a.addr.v4_host(), nullptr);
  } else {
    IpAddr all_nodes;
    parse_ip("ff02::1", &all_nodes);
    rte_ether_addr mc{{0x33, 0x33, 0, 0, 0, 1}};
    m = nd_advert(pool_, ifc.mac, a.addr, all_nodes, mc, kNaRouter | kNaOverride);
  }
  if (m != nullptr) counters_.announcements++;
  inject(m, ifc);
}

void NeighbourManager::send_request(const NeighKey& key, const rte_ether_addr* unicast) {
  const NeighIfaceInfo* ifc = iface(key.iface);
  if (ifc == nullptr || pool_ == nullptr) return;
  IpAddr target = key.addr();
  const IpPrefix* src = ifc->source_for(target);
  if (src == nullptr) return;
  rte_mbuf* m = target.v6 ? nd_solicit(pool_, ifc->mac, src->addr, target, unicast)
                          : arp_request(pool_, ifc->mac, src->addr.v4_host(), target.v4_host(),
                                        unicast);
  if (m != nullptr) counters_.requests_sent++;
  inject(m, *ifc);
}

void NeighbourManager::release(const NeighKey& key, const rte_ether_addr& mac) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;
  const NeighIfaceInfo* ifc = iface(key.iface);
  for (Held& h : it->second.held) {
    if (ifc == nullptr) {
      rte_pktmbuf_free(h.m);
      counters_.hold_dropped++;
      continue;
    }
    rte_pktmbuf_mtod(h.m, rte_ether_hdr*)->dst_addr = mac;
    counters_.released++;
    inject(h.m, *ifc);
  }
  pending_.erase(it);
  counters_.resolved++;
}

void NeighbourManager::drop_held(Pending& p) {
  for (Held& h : p.held) rte_pktmbuf_free(h.m);
  counters_.hold_dropped += p.held.size();
  p.held.clear();
}

void NeighbourManager::fail(const NeighKey& key, Pending& p, uint64_t now_ns) {
  counters_.failed++;
  bool v6 = key.v6 != 0;
  for (Held& h : p.held) {
    const NeighIfaceInfo* in = iface(h.in_iface);
    if (in != nullptr && pool_ != nullptr) {
      // Host unreachable: ICMP 3/1, ICMPv6 1/3 (address unreachable).
      rte_mbuf* e = nullptr;
      IcmpOutcome o = make_icmp_error(pool_, limiter_, now_ns, h.m, h.l3_off, v6,
                                      v6 ? in->v6 : in->v4, in->mac, h.in_mac, v6 ? 1 : 3,
                                      v6 ? 3 : 1, 0, &e);
      if (o == IcmpOutcome::kRateLimited) counters_.icmp_rate_limited++;
      if (e != nullptr) {
        counters_.icmp_sent++;
        inject(e, *in);
      }
    }
    rte_pktmbuf_free(h.m);
    counters_.hold_dropped++;
  }
  p.held.clear();
}

void NeighbourManager::learn(const NeighKey& key, const rte_ether_addr& mac, bool confirm,
                             bool create, uint64_t now_ns) {
  const NeighIfaceInfo* ifc = iface(key.iface);
  if (ifc == nullptr || !ifc->on_subnet(key.addr())) return;
  auto it = entries_.find(key);
  bool wanted = pending_.count(key) != 0;
  if (it == entries_.end()) {
    if (!create && !confirm && !wanted) return;
    Entry e;
    e.pos = table_.add(key);
    if (e.pos < 0) return;  // table full: traffic keeps resolving through pending
    it = entries_.emplace(key, e).first;
  }
  Entry& e = it->second;
  if (e.is_static) return;
  rte_ether_addr old{};
  bool had = table_.mac_of(e.pos, &old);
  bool changed = !had || !rte_is_same_ether_addr(&old, &mac);
  if (confirm || wanted) {
    e.confirmed_ns = now_ns;
    e.probes = 0;
    table_.set(e.pos, mac, NeighState::kReachable);
  } else if (changed) {
    // An unsolicited claim of a new MAC: use it, but verify before trusting it long.
    e.confirmed_ns = now_ns > settings_.reachable_ns ? now_ns - settings_.reachable_ns : 0;
    table_.set(e.pos, mac, NeighState::kStale);
  }
  release(key, mac);
}

void NeighbourManager::handle(const NeighEvent& ev, uint64_t now_ns) {
  switch (ev.kind) {
    case NeighEventKind::kSeen:
      learn(ev.key, ev.mac, false, ev.create != 0, now_ns);
      break;
    case NeighEventKind::kConfirm:
      learn(ev.key, ev.mac, true, false, now_ns);
      break;
    case NeighEventKind::kResolve: {
      // The entry may have resolved since the worker looked.
      auto e = entries_.find(ev.key);
      rte_ether_addr mac;
      const NeighIfaceInfo* ifc = iface(ev.key.iface);
      if (ifc != nullptr && e != entries_.end() && table_.mac_of(e->second.pos, &mac)) {
        rte_pktmbuf_mtod(ev.m, rte_ether_hdr*)->dst_addr = mac;
        counters_.released++;
        inject(ev.m, *ifc);
        break;
      }
      if (ifc == nullptr) {
        rte_pktmbuf_free(ev.m);
        counters_.hold_dropped++;
        break;
      }
      Pending& p = pending_[ev.key];
      if (p.held.size() >= settings_.hold_packets) {
        rte_pktmbuf_free(ev.m);
        counters_.hold_dropped++;
      } else {
        p.held.push_back(Held{ev.m, ev.in_iface, ev.l3_off, ev.mac});
        counters_.held++;
      }
      if (p.sent == 0) {
        send_request(ev.key, nullptr);
        p.sent = 1;
        p.next_ns = now_ns + settings_.retry_ns;
      }
      break;
    }
  }
}

void NeighbourManager::timers(uint64_t now_ns) {
  for (auto it = pending_.begin(); it != pending_.end();) {
    Pending& p = it->second;
    if (now_ns < p.next_ns) {
      ++it;
      continue;
    }
    if (p.sent < settings_.retries) {
      send_request(it->first, nullptr);
      p.sent++;
      p.next_ns = now_ns + settings_.retry_ns;
      ++it;
    } else {
      fail(it->first, p, now_ns);
      it = pending_.erase(it);
    }
  }
  for (auto it = entries_.begin(); it != entries_.end();) {
    Entry& e = it->second;
    if (e.is_static) {
      ++it;
      continue;
    }
    uint64_t age = now_ns - e.confirmed_ns;
    NeighState st = table_.state(e.pos);
    bool remove = false;
    if (age > settings_.reachable_ns) {
      rte_ether_addr mac;
      table_.mac_of(e.pos, &mac);
      bool used = table_.used_ns(e.pos) > e.confirmed_ns;
      if (used) {
        if (now_ns >= e.next_probe_ns) {
          if (e.probes < settings_.retries) {
            send_request(it->first, &mac);
            e.probes++;
            e.next_probe_ns = now_ns + settings_.retry_ns;
            if (st != NeighState::kProbe) table_.set(e.pos, mac, NeighState::kProbe);
          } else {
            remove = true;
          }
        }
      } else if (age > 4 * settings_.reachable_ns) {
        remove = true;
      } else if (st == NeighState::kReachable) {
        table_.set(e.pos, mac, NeighState::kStale);
      }
    }
    if (remove) {
      table_.remove(it->first);
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
}

uint32_t NeighbourManager::poll(uint64_t now_ns) {
  std::lock_guard lock(mu_);
  uint32_t taken = 0;
  NeighEvent evs[32];
  unsigned n;
  while ((n = rte_ring_dequeue_burst_elem(events_, evs, sizeof(NeighEvent), 32, nullptr)) > 0) {
    for (unsigned i = 0; i < n; i++) handle(evs[i], now_ns);
    taken += n;
    if (taken >= 4096) break;  // timers get their turn under a flood
  }
  timers(now_ns);
  return taken;
}

std::vector<NeighView> NeighbourManager::snapshot(uint64_t now_ns) const {
  std::lock_guard lock(mu_);
  std::vector<NeighView> out;
  for (const auto& [key, e] : entries_) {
    NeighView v;
    v.key = key;
    const NeighIfaceInfo* ifc = iface(key.iface);
    v.iface = ifc ? ifc->name : "?";
    table_.mac_of(e.pos, &v.mac);
    v.state = table_.state(e.pos);
    v.age_ns = now_ns > e.confirmed_ns ? now_ns - e.confirmed_ns : 0;
    out.push_back(v);
  }
  for (const auto& [key, p] : pending_) {
    if (entries_.count(key)) continue;
    NeighView v;
    v.key = key;
    const NeighIfaceInfo* ifc = iface(key.iface);
    v.iface = ifc ? ifc->name : "?";
    v.state = NeighState::kNone;
    v.held = static_cast<uint32_t>(p.held.size());
    out.push_back(v);
  }
  return out;
}

NeighCounters NeighbourManager::counters() const {
  std::lock_guard lock(mu_);
  NeighCounters c = counters_;
  for (const auto& [key, e] : entries_) c.entries[static_cast<size_t>(table_.state(e.pos))]++;
  for (const auto& [key, p] : pending_)
    if (!entries_.count(key)) c.entries[static_cast<size_t>(NeighState::kNone)]++;
  return c;
}

void NeighbourManager::start(uint32_t interval_us) {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this, interval_us] {
    while (!stop_.load()) {
      poll(clock_now_ns());
      std::this_thread::sleep_for(std::chrono::microseconds(interval_us));
    }
  });
}

void NeighbourManager::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace sy
