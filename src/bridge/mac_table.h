// MacTable: MAC address → port, shared by all workers, surviving config swaps.
//
// Theory of operation: an rte_hash in lock-free read/write concurrency mode,
// keyed by (bridge stable id, vlan, mac). Workers only read it (bulk lookups
// per burst) and refresh an entry's last-seen time; every insert, move and
// delete is done by one control-side writer (MacLearner), fed through
// per-worker rings of LearnEvents. Each hash position has a MacSlot holding
// the port and timestamps; positions are recycled only after an RCU grace
// period (rte_hash's QSBR integration), so a worker that looked a key up can
// keep reading its slot until it reports quiescence.
//
// Thread-safety: lookup/port_of/touch: any worker, lock-free. add/remove/
// iterate: the single writer only.
#pragma once

#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

namespace sy {

// MacKey is 12 bytes and packed in arrays at a 4-byte stride, so it is hashed
// with three 4-byte CRC steps (rte_hash_crc's 8-byte loads would be misaligned).
// The rte_hash callback; workers use the inline mac_key_crc.
uint32_t mac_key_hash(const void* key, uint32_t len, uint32_t init);
inline uint32_t mac_key_crc(const void* key, uint32_t init) {
  uint32_t w[3];
  std::memcpy(w, key, sizeof(w));
  return rte_hash_crc_4byte(w[2], rte_hash_crc_4byte(w[1], rte_hash_crc_4byte(w[0], init)));
}

struct MacKey {
  uint32_t bridge_id;
  uint16_t vlan;
  uint8_t mac[6];

  // Two loads a side: worker caches compare keys on every probe.
  bool operator==(const MacKey& o) const {
    uint64_t x, y;
    uint32_t u, v;
    std::memcpy(&x, this, 8);
    std::memcpy(&y, &o, 8);
    std::memcpy(&u, reinterpret_cast<const uint8_t*>(this) + 8, 4);
    std::memcpy(&v, reinterpret_cast<const uint8_t*>(&o) + 8, 4);
    return ((x ^ y) | (u ^ v)) == 0;
  }
};
static_assert(sizeof(MacKey) == 12, "MacKey is hashed as raw bytes");

// Port value of a slot whose key was removed: a worker that races with the
// removal (or with the slot's reuse) sees "unknown" and floods, never a stale port.
constexpr uint16_t kNoPort = UINT16_MAX;
// Port values from kTunnelPortBase up name a remote VTEP (RemoteVteps id =
// port - kTunnelPortBase): the MAC is behind a VXLAN tunnel.
constexpr uint16_t kTunnelPortBase = 0x8000;
// LearnEvent port meaning "behind the remote VTEP in the event's vtep/addr".
constexpr uint16_t kTunnelLearnPort = 0xfffe;
inline bool is_tunnel_port(uint16_t p) { return p >= kTunnelPortBase && p < kTunnelLearnPort; }
inline uint16_t tunnel_port(uint16_t remote_id) {
  return static_cast<uint16_t>(kTunnelPortBase + remote_id);
}
inline uint16_t tunnel_remote_id(uint16_t port) {
  return static_cast<uint16_t>(port - kTunnelPortBase);
}

// What a worker asks the writer to do: learn or move `key` to `port`, or to
// the remote VTEP (vtep, addr) when port is kTunnelLearnPort.
struct LearnEvent {
  MacKey key;
  uint16_t port;
  uint8_t v6;
  uint8_t pad;
  uint32_t vtep;  // local VTEP stable id (tunnel learning only)
  uint8_t addr[16];
};
static_assert(sizeof(LearnEvent) == 36, "LearnEvent ring element size");

struct MacSlot {
  std::atomic<uint16_t> port{kNoPort};
  std::atomic<uint64_t> last_seen_ns{0};
  std::atomic<bool> is_static{false};
};

class MacTable {
 public:
  // Refresh timestamps at most this often per entry, so hot entries do not
  // bounce their cache line between workers on every packet.
  static constexpr uint64_t kTouchIntervalNs = 1'000'000'000ull;

  static std::unique_ptr<MacTable> create(const std::string& name, uint32_t capacity,
                                          rte_rcu_qsbr* qs, std::string* error);
  ~MacTable();
  MacTable(const MacTable&) = delete;
  MacTable& operator=(const MacTable&) = delete;

  uint32_t capacity() const { return capacity_; }

  // --- workers -----------------------------------------------------------------
  // positions[i] >= 0 on a hit, negative on a miss. n <= RTE_HASH_LOOKUP_BULK_MAX.
  void lookup_bulk(const MacKey** keys, uint32_t n, int32_t* positions) const {
    rte_hash_lookup_bulk(hash_, reinterpret_cast<const void**>(keys), n, positions);
  }
  int32_t lookup(const MacKey& key) const { return rte_hash_lookup(hash_, &key); }
  // Moves on after every change a worker's MacCache may hold (a move, a
  // removal, a static flag); not on additions.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  // Acquire: a tunnel port's RemoteVteps entry was written before the store.
  uint16_t port_of(int32_t pos) const {
    return slots_[pos].port.load(std::memory_order_acquire);
  }
  bool is_static(int32_t pos) const {
    return slots_[pos].is_static.load(std::memory_order_relaxed);
  }
  void touch(int32_t pos, uint64_t now_ns) {
    MacSlot& s = slots_[pos];
    if (now_ns - s.last_seen_ns.load(std::memory_order_relaxed) > kTouchIntervalNs)
      s.last_seen_ns.store(now_ns, std::memory_order_relaxed);
  }

  // --- single writer ---------------------------------------------------------------
  // Returns the position, or a negative errno (-ENOSPC when full).
  int32_t add(const MacKey& key, uint16_t port, bool is_static, uint64_t now_ns);
  void set_port(int32_t pos, uint16_t port) {
    slots_[pos].port.store(port, std::memory_order_release);
    bump();
  }
  void set_static(int32_t pos, bool s) {
    if (slots_[pos].is_static.exchange(s, std::memory_order_relaxed) != s) bump();
  }
  uint64_t last_seen(int32_t pos) const {
    return slots_[pos].last_seen_ns.load(std::memory_order_relaxed);
  }
  void set_last_seen(int32_t pos, uint64_t now_ns) {
    slots_[pos].last_seen_ns.store(now_ns, std::memory_order_relaxed);
  }
  bool remove(const MacKey& key);
  // Calls fn(key, pos) for every entry; fn must not add or remove.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    const void* key;
    void* data;
    uint32_t next = 0;
    int32_t pos;
    while ((pos = rte_hash_iterate(hash_, &key, &data, &next)) >= 0)
      fn(*static_cast<const MacKey*>(key), pos);
  }
  // Entries present now. (rte_hash_count() also counts deleted keys whose slots
  // wait for an RCU grace period, so it cannot be used here.)
  uint32_t count() const {
    uint32_t n = 0;
    for_each([&](const MacKey&, int32_t) { n++; });
    return n;
  }

 private:
  MacTable() = default;
  void bump() { epoch_.fetch_add(1, std::memory_order_release); }
  rte_hash* hash_ = nullptr;
  MacSlot* slots_ = nullptr;
  uint32_t capacity_ = 0;
  alignas(64) std::atomic<uint64_t> epoch_{1};  // its own line: workers read it every poll
};

}  // namespace sy
