// IP addresses and prefixes as the router stores them: network-order bytes,
// IPv4 in the first 4 of 16, so IPv4 and IPv6 share one representation and one
// prefix-match routine. Parsing and formatting are for the control side.
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace sy {

struct IpAddr {
  bool v6 = false;
  std::array<uint8_t, 16> b{};

  static IpAddr from_v4_host(uint32_t host) {
    IpAddr a;
    a.b[0] = static_cast<uint8_t>(host >> 24);
    a.b[1] = static_cast<uint8_t>(host >> 16);
    a.b[2] = static_cast<uint8_t>(host >> 8);
    a.b[3] = static_cast<uint8_t>(host);
    return a;
  }
  static IpAddr from_v6(const uint8_t* bytes) {
    IpAddr a;
    a.v6 = true;
    std::memcpy(a.b.data(), bytes, 16);
    return a;
  }
  uint32_t v4_host() const {
    return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | b[3];
  }
  unsigned bits() const { return v6 ? 128 : 32; }
  // Two loads a side, no memcmp call: the fast path compares addresses per packet.
  bool operator==(const IpAddr& o) const {
    uint64_t x[2], y[2];
    std::memcpy(x, b.data(), 16);
    std::memcpy(y, o.b.data(), 16);
    return v6 == o.v6 && ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
  bool operator<(const IpAddr& o) const { return v6 != o.v6 ? !v6 : b < o.b; }
  // Whether this is the 4- or 16-byte (`is_v6`) network-order address at `p`:
  // fixed-size loads, no call.
  bool is(bool is_v6, const uint8_t* p) const {
    if (v6 != is_v6) return false;
    if (!is_v6) {
      uint32_t x, y;
      std::memcpy(&x, b.data(), 4);
      std::memcpy(&y, p, 4);
      return x == y;
    }
    uint64_t x[2], y[2];
    std::memcpy(x, b.data(), 16);
    std::memcpy(y, p, 16);
    return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
  }
};

struct IpPrefix {
  IpAddr addr;
  uint8_t len = 0;
  bool operator==(const IpPrefix& o) const { return addr == o.addr && len == o.len; }
  bool operator<(const IpPrefix& o) const {
    return addr == o.addr ? len < o.len : addr < o.addr;
  }
};

// Whether the first `len` bits of a and b agree (both 16-byte arrays).
inline bool prefix_match(const uint8_t* a, const uint8_t* b, unsigned len) {
  unsigned full = len / 8;
  if (std::memcmp(a, b, full) != 0) return false;
  unsigned rest = len % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
  return ((a[full] ^ b[full]) & mask) == 0;
}

inline bool prefix_contains(const IpPrefix& p, const IpAddr& a) {
  return p.addr.v6 == a.v6 && prefix_match(p.addr.b.data(), a.b.data(), p.len);
}

// The address to answer `peer` from: the one of `ours` (one family's, with
// their subnet lengths) on peer's subnet, else the first (primary); null if none.
inline const IpPrefix* source_address(const std::vector<IpPrefix>& ours, const IpAddr& peer) {
  for (const IpPrefix& p : ours)
    if (prefix_match(p.addr.b.data(), peer.b.data(), p.len)) return &p;
  return ours.empty() ? nullptr : &ours[0];
}

// Clears the bits after `len`.
IpAddr mask_addr(const IpAddr& a, unsigned len);

bool parse_ip(const std::string& text, IpAddr* out);
// "10.0.0.0/8"; a bare address is a host prefix. With `strict`, host bits
// after the length must be zero (a route destination); without, they are kept
// (an interface address with its subnet length).
bool parse_prefix(const std::string& text, IpPrefix* out, bool strict, std::string* error);
std::string format_ip(const IpAddr& a);
std::string format_prefix(const IpPrefix& p);

}  // namespace sy
