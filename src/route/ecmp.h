// ECMP: choosing one next hop of a route for a flow.
//
// Theory of operation: a multi-member route owns a table of kEcmpBuckets
// buckets, each naming one member; a flow's hash picks a bucket. Members own
// buckets in proportion to their weights. The table is resilient (consistent):
// when the member set changes, ecmp_assign() starts from the previous table and
// only re-deals buckets it must — a removed member's buckets go to the others,
// a new member takes its share from members above their new share — so a
// change moves only the flows it has to (MidoNet's "hash mod N" moves almost
// all of them). The hash covers configurable fields; with `symmetric`, the two
// ends of a flow are put in a fixed order first, so both directions of a flow
// hash alike and pick the same bucket index.
//
// Thread-safety: ecmp_assign() is control-side and pure; ecmp_hash() is a pure
// inline function for workers.
#pragma once

#include <rte_hash_crc.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace sy {

constexpr uint32_t kEcmpBuckets = 1024;  // per multi-member route; power of two
constexpr uint32_t kEcmpMaxMembers = 64;

enum EcmpField : uint8_t {
  kHashSrcAddr = 1 << 0,
  kHashDstAddr = 1 << 1,
  kHashProto = 1 << 2,
  kHashSrcPort = 1 << 3,
  kHashDstPort = 1 << 4,
  kHashFlowLabel = 1 << 5,
};
constexpr uint8_t kHashFiveTuple =
    kHashSrcAddr | kHashDstAddr | kHashProto | kHashSrcPort | kHashDstPort;

struct EcmpHashConfig {
  uint8_t fields = kHashFiveTuple;
  bool symmetric = false;
};

// Buckets each member should own: proportional to its weight, remainders
// dealt to the largest fractional parts (ties: lower index), so the counts sum
// to `buckets` exactly.
std::vector<uint32_t> ecmp_targets(const std::vector<uint32_t>& weights, uint32_t buckets);

// Bucket → member index for `weights.size()` members. `previous` is the old
// table expressed in the new member indexes (-1: that bucket's member is
// gone), or empty for a new route.
std::vector<uint16_t> ecmp_assign(const std::vector<uint32_t>& weights,
                                  const std::vector<int32_t>& previous, uint32_t buckets);

// The fields of a packet the hash may cover. Addresses are 4 (IPv4) or 16
// bytes, network order; ports in network order; `fragment` drops the ports so
// every fragment of a datagram hashes alike.
struct FlowFields {
  const uint8_t* src;
  const uint8_t* dst;
  uint8_t alen;
  uint8_t proto;
  uint16_t sport;
  uint16_t dport;
  uint32_t flow_label;
  bool fragment;
};

inline uint32_t ecmp_hash(const FlowFields& f, const EcmpHashConfig& cfg) {
  const uint8_t* a = f.src;
  const uint8_t* b = f.dst;
  uint16_t pa = f.sport, pb = f.dport;
  if (f.fragment) pa = pb = 0;
  if (cfg.symmetric) {
    int c = std::memcmp(a, b, f.alen);
    if (c > 0 || (c == 0 && pa > pb)) {
      std::swap(a, b);
      std::swap(pa, pb);
    }
  }
  uint32_t h = 0x9e3779b9u;
  uint32_t w;
  for (uint8_t i = 0; i < f.alen; i += 4) {
    if (cfg.fields & kHashSrcAddr) {
      std::memcpy(&w, a + i, 4);
      h = rte_hash_crc_4byte(w, h);
    }
    if (cfg.fields & kHashDstAddr) {
      std::memcpy(&w, b + i, 4);
      h = rte_hash_crc_4byte(w, h);
    }
  }
  uint32_t ports = 0;
  if (cfg.fields & kHashSrcPort) ports |= pa;
  if (cfg.fields & kHashDstPort) ports |= uint32_t{pb} << 16;
  uint32_t misc = (cfg.fields & kHashProto) ? f.proto : 0;
  if (cfg.fields & kHashFlowLabel) misc ^= f.flow_label << 8;
  h = rte_hash_crc_4byte(ports, h);
  h = rte_hash_crc_4byte(misc, h);
  // CRC's low bits are what the bucket mask keeps; fold the high half in.
  return h ^ (h >> 16);
}

}  // namespace sy
