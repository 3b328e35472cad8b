// Internet checksum and IPv4 header helpers for the fast path.
#pragma once

#include <rte_byteorder.h>
#include <rte_ip.h>

#include <cstdint>
#include <cstring>

namespace sy {

// RFC 1624 eqn. 3: the checksum after one 16-bit word changed from `old_word`
// to `new_word` (all three in network order). Equal to a full recomputation.
inline uint16_t csum_replace16(uint16_t csum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~rte_be_to_cpu_16(csum));
  sum += static_cast<uint16_t>(~rte_be_to_cpu_16(old_word));
  sum += rte_be_to_cpu_16(new_word);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return rte_cpu_to_be_16(static_cast<uint16_t>(~sum));
}

// Whether an IPv4 header is a fragment (first or later): no L4 ports to read.
inline bool ipv4_fragment_of(const rte_ipv4_hdr* ip) {
  return (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)) != 0;
}

// Decrements an IPv4 TTL (which must be >= 1) and updates the header checksum
// incrementally, as Linux's ip_decrease_ttl: the TTL is the high byte of its
// 16-bit word, so the sum drops by 0x0100 and the checksum (its complement)
// rises by 0x0100 with end-around carry, added in network order (one's-
// complement sums do not care, RFC 1071). A result of 0xffff, which a full
// computation never gives for a nonzero header (RFC 1624's -0 case), becomes
// 0x0000 by the same carry. Gives exactly what a full recomputation gives.
inline void ipv4_decrement_ttl(rte_ipv4_hdr* ip) {
  ip->time_to_live--;
  uint32_t check = ip->hdr_checksum;
  check += RTE_BE16(0x0100);
  ip->hdr_checksum = static_cast<uint16_t>(check + (check >= 0xffff));
}

// Whether an IPv4 header (ihl_bytes, a multiple of 4) sums to 0xffff. Adds
// 32-bit words into 64 bits and folds once: the one's-complement sum does not
// care about word size or byte order (RFC 1071), and this is a third of the
// work of a 16-bit loop.
inline bool ipv4_header_checksum_ok(const void* hdr, unsigned ihl_bytes) {
  const auto* p = static_cast<const uint8_t*>(hdr);
  uint64_t sum = 0;
  for (unsigned i = 0; i < ihl_bytes; i += 4) {
    uint32_t w;
    std::memcpy(&w, p + i, 4);
    sum += w;
  }
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffffffffu) + (sum >> 32);
  sum = (sum & 0xffff) + (sum >> 16);
  sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

// The same for the common option-free 20-byte header, in about ten
// instructions. The header is summed as three words with end-around carry:
// 2^64 and 2^32 are 1 modulo 65535, so that sum is congruent to the 16-bit
// one's-complement sum, and a nonzero sum folds to 0xffff exactly when it is
// a multiple of 65535. Divisibility is one multiply by 65535's inverse modulo
// 2^64 and a compare (Granlund and Montgomery), instead of three folds.
inline bool ipv4_header20_checksum_ok(const void* hdr) {
  const auto* p = static_cast<const uint8_t*>(hdr);
  uint64_t a, b;
  uint32_t c;
  std::memcpy(&a, p, 8);
  std::memcpy(&b, p + 8, 8);
  std::memcpy(&c, p + 16, 4);
  uint64_t s;
  s = a + b;
  s += s < a;  // end-around carry (no second carry: the sum was at most 2^65 - 2)
  uint64_t t = s + c;
  t += t < s;
  constexpr uint64_t kInverse = 0xfffefffefffeffffull;  // 65535 * kInverse == 1 mod 2^64
  constexpr uint64_t kMaxQuotient = UINT64_MAX / 65535;
  return t != 0 && t * kInverse <= kMaxQuotient;  // t == 0 only for an all-zero header
}

// One's-complement checksum of a buffer, ready to store (network order).
inline uint16_t csum_of(const void* data, size_t len) {
  uint16_t c = rte_raw_cksum(data, len);
  return c == 0xffff ? c : static_cast<uint16_t>(~c);
}

}  // namespace sy
