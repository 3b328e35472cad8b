// MacCache: a worker's private cache in front of the shared MacTable (and
// behind its L2FlowCache, which answers known conversations without it; the
// bridge asks this one for the rest, and bridge_output). A hit costs one CRC
// step and one probe of one cache line; only misses pay the shared rte_hash (a
// signature bucket, a key store and the slot, three lines).
//
// Theory of operation: keys are 8 bytes, the MAC and the 16-bit number of its
// broadcast domain in the current snapshot (BridgeTables::domains), so a
// probe compares one word per way. 4-way set-associative, 16-byte entries,
// one 64-byte line per set; filled from MacTable hits (never from misses: a
// new MAC does not invalidate anything). An entry also records what the
// snapshot makes of its port for its domain (a member carrying the VLAN,
// leaving tagged or not), so the bridge's common case reads nothing else.
//
// Entries are valid while their stamp matches the cache's. The stamp moves on
// when the worker sees MacTable::epoch() move (the single writer bumps it
// after every move, removal and static change), when a new snapshot renumbers
// the domains, and once a second: a source MAC's first hit after that
// refreshes its table time, so the table's ageing sees every MAC in use at
// least that often without a timestamp in the entry. A worker reads the
// versions once per poll, so within a poll it may use an entry the writer
// changed meanwhile: the same window a bulk lookup made at the start of the
// burst already had, and the slot it names is not reused before the worker's
// next quiescent state.
//
// Thread-safety: one per worker, touched only by it.
#pragma once

#include <rte_prefetch.h>

#include <cstdint>
#include <cstring>

#include "bridge/bridge_tables.h"
#include "bridge/mac_table.h"
#include "pipeline/crc32c.h"
#include "pipeline/hugepage_array.h"

namespace sy {

// The MAC's six bytes (as loaded little-endian) << 16 | the domain. `p` must
// have 8 readable bytes (a frame's destination or source MAC does): the two
// after the MAC shift out.
inline uint64_t mac_cache_key_at(uint16_t domain, const uint8_t* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w << 16 | domain;
}
inline uint16_t mac_cache_domain(uint64_t key) { return static_cast<uint16_t>(key); }
// The MAC's bytes, first byte lowest.
inline uint64_t mac_cache_mac(uint64_t key) { return key >> 16; }
// The group bit of the MAC's first byte.
inline bool mac_cache_multicast(uint64_t key) { return (key >> 16) & 1; }

// MacHit flags.
constexpr uint16_t kMacStatic = 1;
constexpr uint16_t kMacMember = 2;     // port is a member of the domain's bridge carrying its VLAN
constexpr uint16_t kMacTaggedOut = 4;  // ... and sends the VLAN tagged
constexpr uint16_t kMacPlain = 8;      // the domain is plain (L2Domain::plain)
constexpr uint16_t kMacTouched = 16;   // the table's time was refreshed since the last forget
constexpr unsigned kMacFlagBits = 5;

// The outcome of one MAC lookup: pos < 0 is a miss. Eight bytes, trivial on
// purpose, and what a cache entry holds after its key: a hit is one copy.
struct MacHit {
  int32_t pos;
  uint16_t port;
  uint16_t flags;  // kMac*; the bits above kMacFlagBits are the cache's stamp
};
constexpr MacHit kMacMiss{-1, kNoPort, 0};

class MacCache {
 public:
  static constexpr uint32_t kSets = 16384;  // power of two; 1 MiB per worker
  static constexpr unsigned kWays = 4;

  MacCache() : sets_(kSets) {}

  // Once per poll; true when it forgot (the L2FlowCache must then too).
  bool refresh(uint64_t table_epoch, uint64_t snapshot_serial, uint64_t now_ns) {
    uint64_t second = now_ns / MacTable::kTouchIntervalNs;
    if (table_epoch == epoch_ && snapshot_serial == serial_ && second == second_) return false;
    epoch_ = table_epoch;
    serial_ = snapshot_serial;
    second_ = second;
    sets_.forget();
    return true;
  }

  // The first half of a lookup: hashes the key and asks for its set's line
  // now, so that a burst's misses on a cache bigger than L2 overlap. Returns
  // the hash lookup_prefetched() takes.
  uint32_t prefetch(uint64_t key) const {
    uint32_t h = hash(key);
    rte_prefetch0(&sets_[h & (kSets - 1)]);
    return h;
  }
  // Looks `n` keys of the snapshot `bt` up, hashed by prefetch(): the cache
  // first, then the misses in one bulk lookup of the shared table (whose hits
  // are cached).
  void lookup_prefetched(const MacTable& table, const BridgeTables& bt, const uint64_t* keys,
                         const uint32_t* h, uint32_t n, MacHit* out) {
    for (uint32_t off = 0; off < n; off += RTE_HASH_LOOKUP_BULK_MAX) {
      uint32_t chunk = n - off < RTE_HASH_LOOKUP_BULK_MAX ? n - off : RTE_HASH_LOOKUP_BULK_MAX;
      uint32_t miss_at[RTE_HASH_LOOKUP_BULK_MAX];
      uint32_t nm = 0;
      for (uint32_t i = 0; i < chunk; i++)
        if (!probe(h[off + i], keys[off + i], &out[off + i])) miss_at[nm++] = i;
      if (nm != 0) resolve_misses(table, bt, keys + off, h + off, miss_at, nm, out + off);
    }
  }
  MacHit lookup(const MacTable& table, const BridgeTables& bt, uint64_t key) {
    MacHit r;
    uint32_t h = hash(key);
    if (!probe(h, key, &r)) {
      uint32_t at = 0;
      resolve_misses(table, bt, &key, &h, &at, 1, &r);
    }
    return r;
  }

  // `hit` (for `key`) is the frame's source and still on its port: refresh
  // the table's time once per forget.
  void touch_source(MacTable& table, uint64_t key, const MacHit& hit, uint64_t now_ns) {
    if (hit.flags & kMacTouched) return;
    table.touch(hit.pos, now_ns);
    Set& s = sets_[hash(key) & (kSets - 1)];
    for (Entry& e : s.way)
      if (e.key == key && valid(e) && e.hit.pos == hit.pos) e.hit.flags |= kMacTouched;
  }

 private:
  struct Entry {
    uint64_t key;
    MacHit hit;  // flags: stamp << kMacFlagBits | kMac* bits
  };
  static_assert(sizeof(Entry) == 16, "four entries per cache line");
  struct alignas(64) Set {
    Entry way[kWays] = {};
  };

  static uint32_t hash(uint64_t key) { return crc32c_u64(key, 0); }
  bool valid(const Entry& e) const { return (e.hit.flags >> kMacFlagBits) == sets_.stamp(); }

  bool probe(uint32_t h, uint64_t key, MacHit* out) const {
    const Set& s = sets_[h & (kSets - 1)];
    for (const Entry& e : s.way) {
      if (e.key != key || !valid(e)) continue;
      *out = e.hit;
      return true;
    }
    return false;
  }

  // Looks the missed keys (keys[at[j]]) up in the shared table; live
  // entries go into the cache. A multicast MAC is never in the table, and a
  // domain the snapshot does not have cannot be asked for.
  void resolve_misses(const MacTable& table, const BridgeTables& bt, const uint64_t* keys,
                      const uint32_t* h, const uint32_t* at, uint32_t nm, MacHit* out) {
    MacKey full[RTE_HASH_LOOKUP_BULK_MAX];
    const MacKey* ptrs[RTE_HASH_LOOKUP_BULK_MAX];
    uint32_t asked[RTE_HASH_LOOKUP_BULK_MAX];
    uint32_t na = 0;
    for (uint32_t j = 0; j < nm; j++) {
      uint64_t k = keys[at[j]];
      out[at[j]] = kMacMiss;
      uint16_t d = mac_cache_domain(k);
      if (mac_cache_multicast(k) || d >= bt.domains.size()) continue;
      MacKey& f = full[na];
      f.bridge_id = bt.domains[d].bridge_stable_id;
      f.vlan = bt.domains[d].vlan;
      uint64_t mac = mac_cache_mac(k);
      std::memcpy(f.mac, &mac, 6);
      ptrs[na] = &f;
      asked[na++] = at[j];
    }
    if (na == 0) return;
    int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
    table.lookup_bulk(ptrs, na, pos);
    for (uint32_t j = 0; j < na; j++) {
      if (pos[j] < 0) continue;
      uint32_t i = asked[j];
      out[i] = fill(table, bt, h[i], keys[i], pos[j]);
    }
  }

  MacHit fill(const MacTable& table, const BridgeTables& bt, uint32_t h, uint64_t key,
              int32_t pos) {
    uint16_t port = table.port_of(pos);
    uint16_t flags = table.is_static(pos) ? kMacStatic : 0;
    const L2Domain& d = bt.domains[mac_cache_domain(key)];
    if (d.plain) flags |= kMacPlain;
    if (port < kMaxPorts && bt.ports[port].bridge == d.bridge && bt.ports[port].carries(d.vlan)) {
      flags |= kMacMember;
      if (bt.ports[port].egress_tagged(d.vlan)) flags |= kMacTaggedOut;
    }
    MacHit hit{pos, port, flags};
    if (port == kNoPort) return hit;  // being removed
    Set& s = sets_[h & (kSets - 1)];
    Entry* victim = nullptr;
    for (Entry& e : s.way)
      if (!valid(e)) {
        victim = &e;
        break;
      }
    if (victim == nullptr) victim = &s.way[next_victim_++ % kWays];
    uint16_t stamped = static_cast<uint16_t>(sets_.stamp() << kMacFlagBits | flags);
    *victim = Entry{key, MacHit{pos, port, stamped}};
    return hit;
  }

  StampedSets<Set, 16 - kMacFlagBits> sets_;
  uint64_t epoch_ = 0;
  uint64_t serial_ = 0;
  uint64_t second_ = 0;
  uint32_t next_victim_ = 0;
};

}  // namespace sy
