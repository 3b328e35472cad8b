// ICMP and ICMPv6 messages the router originates: echo replies (rewritten in
// place), and errors (time exceeded, destination unreachable, fragmentation
// needed, packet too big) built into a new mbuf that quotes the offending
// packet.
//
// Theory of operation: an error goes back out the interface the offending
// packet came in on, to the Ethernet source it came from (the previous hop),
// from the interface's address (on the sender's subnet when one is). Errors
// are never sent about ICMP errors, non-first fragments, or packets from or to
// broadcast/multicast/unspecified addresses (RFC 1812 4.3.2.7, RFC 4443 2.4).
// IcmpLimiter is a per-source token bucket (hashed into a fixed table, so a
// flood of sources shares buckets rather than allocating).
//
// Thread-safety: functions are reentrant; an IcmpLimiter belongs to one thread
// (each worker has its own, so a source's budget is divided among workers).
#pragma once

#include <rte_ether.h>
#include <rte_mbuf.h>

#include <cstdint>
#include <vector>

#include "route/ip.h"

namespace sy {

enum class IcmpKind : uint8_t {
  kEchoReply,
  kTimeExceeded,
  kNetUnreachable,
  kHostUnreachable,
  kAdminProhibited,
  kFragNeeded,  // IPv4 fragmentation needed / IPv6 packet too big
  kCount,
};
constexpr size_t kIcmpKindCount = static_cast<size_t>(IcmpKind::kCount);
const char* icmp_kind_name(IcmpKind k);

// A token bucket: `burst` tokens, refilled at `rate` per second.
struct TokenBucket {
  uint64_t last_ns = 0;
  uint64_t tokens_milli = 0;  // thousandths of a token
  bool used = false;
  // Takes one token; false: empty. rate 0 = unlimited.
  bool take(uint32_t rate, uint32_t burst, uint64_t now_ns) {
    if (rate == 0) return true;
    uint64_t cap = uint64_t{burst == 0 ? 1 : burst} * 1000;
    if (!used) {
      used = true;
      tokens_milli = cap;
    } else if (now_ns > last_ns) {
      uint64_t add = (now_ns - last_ns) * rate / 1'000'000;
      tokens_milli = tokens_milli + add > cap ? cap : tokens_milli + add;
    }
    last_ns = now_ns;
    if (tokens_milli < 1000) return false;
    tokens_milli -= 1000;
    return true;
  }
};

class IcmpLimiter {
 public:
  static constexpr uint32_t kBuckets = 256;
  void configure(uint32_t rate_per_sec, uint32_t burst) {
    rate_ = rate_per_sec;
    burst_ = burst == 0 ? 1 : burst;
  }
  // Takes one token for `src` (16 bytes); false: over the limit.
  bool allow(const uint8_t* src, uint64_t now_ns);

 private:
  uint32_t rate_ = 0;  // 0: unlimited
  uint32_t burst_ = 1;
  TokenBucket buckets_[kBuckets];
};

// What an error is about: the offending frame, its L3 offset, and where the
// answer goes.
struct IcmpErrorSpec {
  const rte_mbuf* orig;
  uint16_t l3_off;
  IpAddr src;                // our address to send from
  rte_ether_addr eth_src;    // our interface MAC
  rte_ether_addr eth_dst;    // the previous hop
  uint8_t type;
  uint8_t code;
  uint32_t rest;             // host order: next-hop MTU for frag needed / PTB
  uint8_t ttl = 64;
};

// Whether an error may be sent about this IPv4/IPv6 packet at all.
bool icmp4_error_allowed(const rte_mbuf* m, uint16_t l3_off);
bool icmp6_error_allowed(const rte_mbuf* m, uint16_t l3_off);

// A complete Ethernet frame, or nullptr when the pool is empty.
rte_mbuf* icmp4_error(rte_mempool* pool, const IcmpErrorSpec& s);
rte_mbuf* icmp6_error(rte_mempool* pool, const IcmpErrorSpec& s);

enum class IcmpOutcome { kBuilt, kNotAllowed, kRateLimited, kNoMbuf };

// The whole decision for an error about `orig` (its IP header at `l3_off`):
// may one be sent at all, from which of `ours` (the interface's addresses of
// that family), within the source's rate limit; then the frame, to
// `prev_hop`. *out is the frame when kBuilt, else null.
IcmpOutcome make_icmp_error(rte_mempool* pool, IcmpLimiter& limiter, uint64_t now_ns,
                            const rte_mbuf* orig, uint16_t l3_off, bool v6,
                            const std::vector<IpPrefix>& ours, const rte_ether_addr& our_mac,
                            const rte_ether_addr& prev_hop, uint8_t type, uint8_t code,
                            uint32_t rest, rte_mbuf** out);

// Turns an echo request into its reply in place (addresses and MACs swapped,
// TTL/hop limit 64, checksums fixed). `our_src` replaces the destination when
// answering for one of our addresses; returns false if the request is malformed.
bool icmp4_echo_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac);
bool icmp6_echo_reply(rte_mbuf* m, uint16_t l3_off, const rte_ether_addr& our_mac);

}  // namespace sy
