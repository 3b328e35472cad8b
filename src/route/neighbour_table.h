// NeighbourTable: (interface, IP) → MAC for next hops, shared by all workers
// and surviving config swaps (interfaces are keyed by stable id).
//
// Theory of operation: an rte_hash in lock-free read/write concurrency mode
// with RCU-deferred slot reuse, like the MacTable. Workers only look up and
// mark an entry used (at most once a second); every insert, change and delete
// is made by the single writer, the NeighbourManager. MAC and state share one
// 64-bit word so a reader never sees a MAC of one state with another state.
//
// Workers keep a small cache of what they looked up (NeighbourCache), valid
// while the table's epoch is unchanged: the writer bumps the epoch whenever a
// MAC changes or an entry goes, so a cached MAC is never used past a change
// (beyond the burst in flight, as with a direct lookup).
//
// Thread-safety: lookup/read/touch: any worker, lock-free. add/set/remove/
// for_each: the single writer only.
#pragma once

#include <rte_ether.h>
#include <rte_hash.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "route/ip.h"

namespace sy {

struct NeighKey {
  uint32_t iface;  // RouterIface::stable_id
  uint32_t v6;
  uint8_t ip[16];  // IPv4 in the first 4 bytes

  static NeighKey of(uint32_t iface, const IpAddr& a) {
    NeighKey k{iface, a.v6 ? 1u : 0u, {}};
    std::memcpy(k.ip, a.b.data(), 16);
    return k;
  }
  IpAddr addr() const {
    IpAddr a;
    a.v6 = v6 != 0;
    std::memcpy(a.b.data(), ip, 16);
    return a;
  }
  bool operator<(const NeighKey& o) const { return std::memcmp(this, &o, sizeof(*this)) < 0; }
};
static_assert(sizeof(NeighKey) == 24, "NeighKey is hashed as raw bytes");

enum class NeighState : uint8_t { kNone, kReachable, kStale, kProbe, kStatic };
const char* neigh_state_name(NeighState s);

class NeighbourTable {
 public:
  static constexpr uint64_t kTouchIntervalNs = 1'000'000'000ull;

  static std::unique_ptr<NeighbourTable> create(const std::string& name, uint32_t capacity,
                                                rte_rcu_qsbr* qs, std::string* error);
  ~NeighbourTable();
  NeighbourTable(const NeighbourTable&) = delete;
  NeighbourTable& operator=(const NeighbourTable&) = delete;

  // --- workers ---------------------------------------------------------------------
  int32_t lookup(const NeighKey& k) const { return rte_hash_lookup(hash_, &k); }
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // The MAC to use, if the entry has one (any state but kNone).
  bool mac_of(int32_t pos, rte_ether_addr* mac) const {
    uint64_t w = slots_[pos].word.load(std::memory_order_acquire);
    if (static_cast<NeighState>(w >> 48) == NeighState::kNone) return false;
    for (int i = 0; i < 6; i++) mac->addr_bytes[i] = static_cast<uint8_t>(w >> (8 * (5 - i)));
    return true;
  }
  void touch(int32_t pos, uint64_t now_ns) {
    auto& u = slots_[pos].used_ns;
    if (now_ns - u.load(std::memory_order_relaxed) > kTouchIntervalNs)
      u.store(now_ns, std::memory_order_relaxed);
  }

  // --- single writer -----------------------------------------------------------------
  int32_t add(const NeighKey& k);  // position, or negative errno
  void set(int32_t pos, const rte_ether_addr& mac, NeighState st) {
    uint64_t w = uint64_t{static_cast<uint8_t>(st)} << 48;
    for (int i = 0; i < 6; i++) w |= uint64_t{mac.addr_bytes[i]} << (8 * (5 - i));
    uint64_t old = slots_[pos].word.exchange(w, std::memory_order_release);
    constexpr uint64_t kMacBits = (uint64_t{1} << 48) - 1;
    if ((old >> 48) != 0 && ((old ^ w) & kMacBits) != 0) bump();
  }
  NeighState state(int32_t pos) const {
    return static_cast<NeighState>(slots_[pos].word.load(std::memory_order_relaxed) >> 48);
  }
  uint64_t used_ns(int32_t pos) const { return slots_[pos].used_ns.load(std::memory_order_relaxed); }
  bool remove(const NeighKey& k);
  template <typename Fn>
  void for_each(Fn&& fn) const {
    const void* key;
    void* data;
    uint32_t next = 0;
    int32_t pos;
    while ((pos = rte_hash_iterate(hash_, &key, &data, &next)) >= 0)
      fn(*static_cast<const NeighKey*>(key), pos);
  }
  uint32_t capacity() const { return capacity_; }

 private:
  void bump() { epoch_.fetch_add(1, std::memory_order_release); }
  struct Slot {
    std::atomic<uint64_t> word{0};  // state << 48 | mac
    std::atomic<uint64_t> used_ns{0};
  };
  NeighbourTable() = default;
  rte_hash* hash_ = nullptr;
  Slot* slots_ = nullptr;
  uint32_t capacity_ = 0;
  std::atomic<uint64_t> epoch_{1};
};

// A worker's direct-mapped cache of neighbour lookups (see NeighbourTable).
struct NeighbourCache {
  static constexpr uint32_t kSize = 256;
  struct Entry {
    NeighKey key;
    int32_t pos;
    rte_ether_addr mac;
    uint64_t epoch = 0;  // 0: empty (the table's epochs start at 1)
  };
  Entry e[kSize];

  static uint32_t slot_of(const NeighKey& k) {
    uint32_t w[4];
    std::memcpy(w, k.ip, 16);
    uint32_t h = (w[0] ^ w[1] ^ w[2] ^ w[3] ^ k.iface) * 0x9e3779b1u;
    return h >> 24;  // kSize == 256
  }
  static bool same(const NeighKey& a, const NeighKey& b) {
    uint64_t x[3], y[3];
    std::memcpy(x, &a, 24);
    std::memcpy(y, &b, 24);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2])) == 0;
  }
};
static_assert(NeighbourCache::kSize == 256, "slot_of keeps 8 bits");

}  // namespace sy
