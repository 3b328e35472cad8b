// MacCache: a worker's private cache in front of the shared MacTable, as OVS's
// exact-match cache sits in front of its classifier. A hit costs one hashed
// probe of one cache line holding key, port and slot; only misses pay the
// shared rte_hash (a signature bucket, a key store and the slot, three lines).
//
// Theory of operation: 2-way set-associative, one 64-byte line per set,
// filled from MacTable hits (never from misses: a new MAC does not invalidate
// anything). Entries are valid while their stamp matches the cache's; the
// stamp moves on whenever the worker sees MacTable::epoch() move, which the
// single writer bumps after every move, removal and static change. A worker
// reads the epoch once per poll, so within a poll it may use an entry the
// writer changed meanwhile: the same window a bulk lookup made at the start of
// the burst already had, and the slot it names is not reused before the
// worker's next quiescent state.
//
// Thread-safety: one per worker, touched only by it.
#pragma once

#include <rte_prefetch.h>

#include <cstdint>
#include <cstring>

#include "bridge/mac_table.h"
#include "pipeline/hugepage_array.h"

namespace sy {

// One cached MAC table hit.
struct MacCacheEntry {
  MacKey key;
  uint16_t port;
  uint8_t is_static;
  uint8_t pad;
  int32_t pos;
  uint32_t stamp;  // valid iff == the cache's stamp
  uint64_t touched_ns;
};
static_assert(sizeof(MacCacheEntry) == 32, "two entries per cache line");

// The outcome of one MAC lookup: pos < 0 is a miss. Trivial on purpose: a
// burst's array of them must cost nothing to declare.
struct MacHit {
  int32_t pos;
  uint16_t port;
  bool is_static;
  // The cache entry the hit came from or went into. A later fill in the same
  // burst may have given its line to another key: trusted only while its pos
  // is still this hit's.
  MacCacheEntry* entry;
};
constexpr MacHit kMacMiss{-1, kNoPort, false, nullptr};

class MacCache {
 public:
  static constexpr uint32_t kSets = 32768;  // power of two; 2 MiB per worker

  MacCache() : sets_(kSets) {}

  // Once per poll, with MacTable::epoch().
  void refresh(uint64_t table_epoch) { sets_.refresh(table_epoch); }

  // Looks `n` keys up, the cache first, then the misses in one bulk lookup
  // of the shared table (whose hits are cached).
  void lookup_bulk(const MacTable& table, const MacKey* keys, uint32_t n, MacHit* out) {
    const MacKey* miss_keys[RTE_HASH_LOOKUP_BULK_MAX];
    uint32_t miss_at[RTE_HASH_LOOKUP_BULK_MAX];
    uint32_t hashes[RTE_HASH_LOOKUP_BULK_MAX];
    int32_t pos[RTE_HASH_LOOKUP_BULK_MAX];
    for (uint32_t off = 0; off < n; off += RTE_HASH_LOOKUP_BULK_MAX) {
      uint32_t chunk = n - off < RTE_HASH_LOOKUP_BULK_MAX ? n - off : RTE_HASH_LOOKUP_BULK_MAX;
      // A cache bigger than L2 misses on most probes: ask for every set's
      // line first so the misses overlap, then probe.
      uint32_t h[RTE_HASH_LOOKUP_BULK_MAX];
      for (uint32_t i = 0; i < chunk; i++) {
        h[i] = hash(keys[off + i]);
        rte_prefetch0(&sets_[h[i] & (kSets - 1)]);
      }
      uint32_t nm = 0;
      for (uint32_t i = 0; i < chunk; i++) {
        const MacKey& k = keys[off + i];
        if (probe(h[i], k, &out[off + i])) continue;
        miss_keys[nm] = &k;
        miss_at[nm] = off + i;
        hashes[nm] = h[i];
        nm++;
      }
      if (nm == 0) continue;
      table.lookup_bulk(miss_keys, nm, pos);
      for (uint32_t j = 0; j < nm; j++) resolve(table, hashes[j], *miss_keys[j], pos[j], &out[miss_at[j]]);
    }
  }
  MacHit lookup(const MacTable& table, const MacKey& k) {
    MacHit r = kMacMiss;
    uint32_t h = hash(k);
    if (!probe(h, k, &r)) resolve(table, h, k, table.lookup(k), &r);
    return r;
  }
  // The MAC is in use: refresh its table time at most as often as the table would.
  static void touch(MacTable& table, const MacHit& h, uint64_t now_ns) {
    if (h.entry == nullptr || h.entry->pos != h.pos) return table.touch(h.pos, now_ns);
    if (now_ns - h.entry->touched_ns <= MacTable::kTouchIntervalNs) return;
    h.entry->touched_ns = now_ns;
    table.touch(h.pos, now_ns);
  }

 private:
  using Entry = MacCacheEntry;
  struct alignas(64) Set {
    Entry way[2] = {};
  };

  static uint32_t hash(const MacKey& k) { return mac_key_crc(&k, 0); }
  bool probe(uint32_t h, const MacKey& k, MacHit* out) {
    Set& s = sets_[h & (kSets - 1)];
    for (Entry& e : s.way) {
      if (e.stamp != sets_.stamp() || !(e.key == k)) continue;
      *out = MacHit{e.pos, e.port, e.is_static != 0, &e};
      return true;
    }
    return false;
  }
  // A shared-table result; a live entry goes into the cache (most recent in
  // way 0, the other way's entry is the one evicted).
  void resolve(const MacTable& table, uint32_t h, const MacKey& k, int32_t pos, MacHit* out) {
    if (pos < 0) {
      *out = kMacMiss;
      return;
    }
    uint16_t port = table.port_of(pos);
    bool st = table.is_static(pos);
    *out = MacHit{pos, port, st, nullptr};
    if (port == kNoPort) return;  // being removed
    Set& s = sets_[h & (kSets - 1)];
    s.way[1] = s.way[0];
    Entry& e = s.way[0];
    e.key = k;
    e.port = port;
    e.is_static = st ? 1 : 0;
    e.pos = pos;
    e.stamp = sets_.stamp();
    e.touched_ns = 0;  // the first use refreshes the table's time
    out->entry = &e;
  }

  StampedSets<Set> sets_;
};

}  // namespace sy
