// L2FlowCache: a worker's exact-match cache of conversations in front of its
// MacCache, as OVS's EMC sits in front of its classifier: one probe answers
// both questions a bridged frame asks (is its source learned on this port,
// where does its destination go), where the MacCache takes two.
//
// Theory of operation: a key is a (domain, source MAC, destination MAC), 16
// bytes built with two loads from the frame. An entry is only made for the
// bridge's common case, after the MacCache path decided it: the source is
// learned on the port the frame came in by (or the bridge does not learn),
// and the destination is a member of a plain domain on another port. The
// entry keeps that port and the destination's MacHit; a hit from any other
// port is a miss, so a source that moved takes the full path and is learned.
//
// A hit answers with the destination member's port, its MacHit flags and the
// worker's transmit buffer for that port (TxBuffer*), so the common untagged
// case appends the frame with no index arithmetic.
//
// The flow cache forgets exactly when the MacCache does (MacCache::refresh()
// returns true): on a table epoch, a new snapshot, and once a second. That is
// what lets a hit skip touching the source: an entry is filled in the same
// second, after the MacCache path touched the source's table time.
//
// 2-way set-associative, 32-byte entries, one 64-byte line per set, 32,768
// sets (2 MiB, in a hugepage). Entries carry a 16-bit stamp.
//
// Thread-safety: one per worker, touched only by it.
#pragma once

#include <rte_prefetch.h>

#include <cstdint>
#include <cstring>

#include "bridge/mac_cache.h"
#include "pipeline/crc32c.h"
#include "pipeline/hugepage_array.h"
#include "pipeline/tx_buffer.h"

namespace sy {

// lo: the destination MAC's six bytes and the source's first two (as loaded
// little-endian); hi: the source MAC's six bytes | domain << 48.
struct L2FlowKey {
  uint64_t lo;
  uint64_t hi;
};

// The source MAC of the frame whose Ethernet header is at `eth`, as the key
// holds it: its six bytes, first byte lowest.
inline uint64_t l2_flow_src48_at(const uint8_t* eth) {
  uint64_t mid;
  std::memcpy(&mid, eth + 4, 8);  // bytes 4..11: the source's six in the top 48 bits
  return mid >> 16;
}
// A source no frame may carry: multicast (the first byte's low bit) or zero.
inline bool l2_flow_invalid_src48(uint64_t src48) { return (src48 & 1) != 0 || src48 == 0; }
// `eth` is the frame's Ethernet header (its first 12 bytes are read);
// `src48`: l2_flow_src48_at(eth).
inline L2FlowKey l2_flow_key_at(uint16_t domain, const uint8_t* eth, uint64_t src48) {
  uint64_t lo;
  std::memcpy(&lo, eth, 8);
  return L2FlowKey{lo, src48 | uint64_t{domain} << 48};
}
inline L2FlowKey l2_flow_key_at(uint16_t domain, const uint8_t* eth) {
  return l2_flow_key_at(domain, eth, l2_flow_src48_at(eth));
}
// The MacCache keys of the flow's source and destination.
inline uint64_t l2_flow_src_key(const L2FlowKey& k) { return k.hi << 16 | k.hi >> 48; }
inline uint64_t l2_flow_dst_key(const L2FlowKey& k) { return k.lo << 16 | k.hi >> 48; }

// Where a conversation's frames go: the member `port` (flags: its MacHit's,
// kMacTaggedOut among them) through the worker's buffer `tx` for it.
struct L2FlowHit {
  TxBuffer* tx;
  uint16_t port;
  uint16_t flags;
};

class L2FlowCache {
 public:
  // Power of two; 2 MiB per worker. Twice the ways' worth of entries for the
  // conversations a worker sees in a second: with 2 ways, a set that three
  // live conversations hash to misses on every frame of all three.
  static constexpr uint32_t kSets = 32768;
  static constexpr unsigned kWays = 2;

  L2FlowCache() : sets_(kSets) {}

  // When the MacCache forgets (its refresh() returned true).
  void forget() { sets_.forget(); }

  // Not the CRC of both words: CRC is linear, and a source and a
  // destination numbered alike (sequential virtual NICs) cancel out, filling
  // a quarter of the sets. The multiply mixes one word before the other.
  // The other calls take this hash.
  static uint32_t hash(const L2FlowKey& k) {
    return crc32c_u64(k.lo * 0x9e3779b97f4a7c15ull ^ k.hi, 0);
  }
  // Asks for the line of the set of the key hashed `h`.
  void prefetch(uint32_t h) const { rte_prefetch0(&sets_[h & (kSets - 1)]); }

  // What lookup() takes for frames from `in_port`, until the next forget():
  // once a burst.
  uint32_t tag_of(uint16_t in_port) const { return sets_.stamp() << 16 | in_port; }

  // Where flow `k` (hashed `h`) goes for a frame whose port's tag_of() is
  // `tag`; false when the flow has to take the MacCache path.
  bool lookup(uint32_t h, const L2FlowKey& k, uint32_t tag, L2FlowHit* out) const {
    const Set& s = sets_[h & (kSets - 1)];
    for (const Entry& e : s.way) {
      if (e.key.lo != k.lo || e.key.hi != k.hi || e.tag != tag) continue;
      *out = L2FlowHit{e.tx, e.port, e.flags};
      return true;
    }
    return false;
  }

  // Records what the MacCache path decided for `k` from `in_port`: `dst`,
  // a member of a plain domain on another port.
  void insert(uint32_t h, const L2FlowKey& k, uint16_t in_port, const L2FlowHit& dst) {
    Set& s = sets_[h & (kSets - 1)];
    Entry* victim = nullptr;
    for (Entry& e : s.way) {
      bool live = e.tag >> 16 == sets_.stamp();
      if (live && e.key.lo == k.lo && e.key.hi == k.hi) {
        victim = &e;  // the same conversation from another port: replace it
        break;
      }
      if (victim == nullptr && !live) victim = &e;
    }
    if (victim == nullptr) victim = &s.way[next_victim_++ % kWays];
    *victim = Entry{k, dst.tx, dst.port, dst.flags, tag_of(in_port)};
  }

 private:
  struct Entry {
    L2FlowKey key;
    TxBuffer* tx;
    uint16_t port;
    uint16_t flags;
    uint32_t tag;  // stamp << 16 | in_port: one compare for both
  };
  static_assert(sizeof(Entry) == 32, "two entries per cache line");
  struct alignas(64) Set {
    Entry way[kWays] = {};
  };

  StampedSets<Set, 16> sets_;
  uint32_t next_victim_ = 0;
};

}  // namespace sy
