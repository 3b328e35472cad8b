// Fib6Cache: a worker's cache of IPv6 FIB results (destination address → FIB
// value) in front of LPM6, as OVS's exact-match cache sits in front of its
// classifier. An LPM6 lookup walks up to 14 levels, each a dependent load
// that misses the cache once the table is large (200,000 prefixes take
// ~100 MiB); a hit here is one prefetched probe of one line.
//
// Theory of operation: 2-way set-associative, one 64-byte line per set,
// filled from the FIB's answers (misses included: "no route" is an answer
// too). A FIB value is only meaningful within its Tables snapshot, so entries
// are valid while their stamp matches the cache's, and the stamp moves on
// whenever the worker sees another snapshot. The cache is bounded and fills
// in place: a flood of random destinations costs the misses' LPM6 lookups
// and a fill each, never memory or a sweep.
//
// Thread-safety: one per worker, touched only by it.
#pragma once

#include <rte_prefetch.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "pipeline/crc32c.h"
#include "pipeline/hugepage_array.h"
#include "route/fib.h"

namespace sy {

class Fib6Cache {
 public:
  static constexpr uint32_t kSets = 16384;  // power of two; 1 MiB per worker

  Fib6Cache() : sets_(kSets) {}

  // Once per poll, with the Tables snapshot's serial.
  void refresh(uint64_t tables_serial) { sets_.refresh(tables_serial); }

  // The FIB values of `n` destinations: the cache first, the misses in bulk
  // lookups of `fib` (whose answers are cached).
  void lookup(const Fib& fib, const uint8_t (*dst)[16], uint64_t* value, uint32_t n) {
    constexpr uint32_t kChunk = Fib::kMaxLookup6;
    for (uint32_t off = 0; off < n; off += kChunk) {
      uint32_t chunk = std::min(n - off, kChunk);
      uint32_t h[kChunk];
      for (uint32_t i = 0; i < chunk; i++) {
        h[i] = hash(dst[off + i]);
        rte_prefetch0(&sets_[h[i] & (kSets - 1)]);
      }
      uint8_t miss[kChunk][16];
      uint32_t miss_at[kChunk];
      uint32_t nm = 0;
      for (uint32_t i = 0; i < chunk; i++) {
        if (probe(h[i], dst[off + i], &value[off + i])) continue;
        std::memcpy(miss[nm], dst[off + i], 16);
        miss_at[nm++] = i;
      }
      if (nm == 0) continue;
      uint64_t found[kChunk];
      fib.lookup6(miss, found, nm);
      for (uint32_t j = 0; j < nm; j++) {
        uint32_t i = miss_at[j];
        value[off + i] = found[j];
        fill(h[i], dst[off + i], found[j]);
      }
    }
  }

 private:
  struct Entry {
    uint8_t addr[16];
    uint32_t value;  // LPM6 values are 21 bits
    uint32_t stamp;  // valid iff == the cache's stamp
  };
  struct alignas(64) Set {
    Entry way[2] = {};
  };

  static uint32_t hash(const uint8_t* a) {
    uint64_t w[2];
    std::memcpy(w, a, 16);
    return crc32c_u64(w[1], crc32c_u64(w[0], 0));
  }
  static bool same(const uint8_t* x, const uint8_t* y) {
    uint64_t a[2], b[2];
    std::memcpy(a, x, 16);
    std::memcpy(b, y, 16);
    return ((a[0] ^ b[0]) | (a[1] ^ b[1])) == 0;
  }
  bool probe(uint32_t h, const uint8_t* a, uint64_t* value) const {
    const Set& s = sets_[h & (kSets - 1)];
    for (const Entry& e : s.way) {
      if (e.stamp != sets_.stamp() || !same(e.addr, a)) continue;
      *value = e.value;
      return true;
    }
    return false;
  }
  // Most recent in way 0; the other way's entry is the one evicted.
  void fill(uint32_t h, const uint8_t* a, uint64_t value) {
    Set& s = sets_[h & (kSets - 1)];
    s.way[1] = s.way[0];
    Entry& e = s.way[0];
    std::memcpy(e.addr, a, 16);
    e.value = static_cast<uint32_t>(value);
    e.stamp = sets_.stamp();
  }

  StampedSets<Set> sets_;
};

}  // namespace sy
