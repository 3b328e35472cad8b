// Independent builders for the frames router tests send and expect: plain
// byte layouts and an RFC 1071 checksum written here, not the datapath's
// helpers, so a test checks the pipeline against a second implementation.
#pragma once

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "control/validate.h"
#include "packet_harness.h"

namespace sy::test {

inline uint16_t rfc1071(const Bytes& b, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < b.size(); i += 2) sum += (b[i] << 8) | b[i + 1];
  if (b.size() % 2) sum += b.back() << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

inline void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = static_cast<uint8_t>(v >> 8);
  b[at + 1] = static_cast<uint8_t>(v);
}

inline std::array<uint8_t, 4> v4(const std::string& s) {
  std::array<uint8_t, 4> a{};
  if (inet_pton(AF_INET, s.c_str(), a.data()) != 1) throw std::invalid_argument(s);
  return a;
}
inline std::array<uint8_t, 16> v6(const std::string& s) {
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET6, s.c_str(), a.data()) != 1) throw std::invalid_argument(s);
  return a;
}
inline std::array<uint8_t, 6> mac(const std::string& s) {
  std::array<uint8_t, 6> m{};
  if (!parse_mac(s, &m)) throw std::invalid_argument(s);
  return m;
}

inline Bytes eth(const std::string& dst, const std::string& src, uint16_t type, const Bytes& payload) {
  Bytes b;
  auto d = mac(dst), s = mac(src);
  b.insert(b.end(), d.begin(), d.end());
  b.insert(b.end(), s.begin(), s.end());
  b.push_back(static_cast<uint8_t>(type >> 8));
  b.push_back(static_cast<uint8_t>(type));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

struct Ip4Opts {
  uint8_t ttl = 64;
  uint8_t tos = 0;
  uint16_t id = 0;
  bool df = false;
  bool mf = false;
  uint16_t frag_offset8 = 0;  // in 8-byte units
};

inline Bytes ipv4(const std::string& src, const std::string& dst, uint8_t proto, const Bytes& payload,
                  Ip4Opts o = {}) {
  Bytes b(20, 0);
  b[0] = 0x45;
  b[1] = o.tos;
  put16(b, 2, static_cast<uint16_t>(20 + payload.size()));
  put16(b, 4, o.id);
  put16(b, 6, static_cast<uint16_t>((o.df ? 0x4000 : 0) | (o.mf ? 0x2000 : 0) | o.frag_offset8));
  b[8] = o.ttl;
  b[9] = proto;
  auto s = v4(src), d = v4(dst);
  std::copy(s.begin(), s.end(), b.begin() + 12);
  std::copy(d.begin(), d.end(), b.begin() + 16);
  put16(b, 10, rfc1071(b));
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

inline Bytes icmp4(uint8_t type, uint8_t code, uint32_t rest, const Bytes& body) {
  Bytes b = {type, code, 0, 0, static_cast<uint8_t>(rest >> 24), static_cast<uint8_t>(rest >> 16),
             static_cast<uint8_t>(rest >> 8), static_cast<uint8_t>(rest)};
  b.insert(b.end(), body.begin(), body.end());
  put16(b, 2, rfc1071(b));
  return b;
}

inline Bytes ipv6(const std::string& src, const std::string& dst, uint8_t next, const Bytes& payload,
                  uint8_t hlim = 64) {
  Bytes b(40, 0);
  b[0] = 0x60;
  put16(b, 4, static_cast<uint16_t>(payload.size()));
  b[6] = next;
  b[7] = hlim;
  auto s = v6(src), d = v6(dst);
  std::copy(s.begin(), s.end(), b.begin() + 8);
  std::copy(d.begin(), d.end(), b.begin() + 24);
  b.insert(b.end(), payload.begin(), payload.end());
  return b;
}

// ICMPv6 message (type, code, 4 bytes, body) with its pseudo-header checksum.
inline Bytes icmp6(const std::string& src, const std::string& dst, uint8_t type, uint8_t code,
                   uint32_t rest, const Bytes& body) {
  Bytes m = {type, code, 0, 0, static_cast<uint8_t>(rest >> 24), static_cast<uint8_t>(rest >> 16),
             static_cast<uint8_t>(rest >> 8), static_cast<uint8_t>(rest)};
  m.insert(m.end(), body.begin(), body.end());
  Bytes pseudo;
  auto s = v6(src), d = v6(dst);
  pseudo.insert(pseudo.end(), s.begin(), s.end());
  pseudo.insert(pseudo.end(), d.begin(), d.end());
  pseudo.insert(pseudo.end(), {0, 0, static_cast<uint8_t>(m.size() >> 8), static_cast<uint8_t>(m.size()),
                               0, 0, 0, 58});
  pseudo.insert(pseudo.end(), m.begin(), m.end());
  put16(m, 2, rfc1071(pseudo));
  return m;
}

inline Bytes arp(uint16_t op, const std::string& sha, const std::string& spa, const std::string& tha,
                 const std::string& tpa) {
  Bytes b = {0, 1, 8, 0, 6, 4, 0, static_cast<uint8_t>(op)};
  auto a = mac(sha), c = mac(tha);
  auto b4 = v4(spa), d = v4(tpa);
  b.insert(b.end(), a.begin(), a.end());
  b.insert(b.end(), b4.begin(), b4.end());
  b.insert(b.end(), c.begin(), c.end());
  b.insert(b.end(), d.begin(), d.end());
  return b;
}

// ND body: 4 reserved/flags bytes are the ICMPv6 `rest`; this is target + option.
inline Bytes nd_body(const std::string& target, uint8_t option, const std::string& lladdr) {
  auto t = v6(target);
  Bytes b(t.begin(), t.end());
  if (option != 0) {
    auto m = mac(lladdr);
    b.push_back(option);
    b.push_back(1);
    b.insert(b.end(), m.begin(), m.end());
  }
  return b;
}

// UDP around `payload`; IPv4 checksum optional (0 = none), IPv6 always.
inline Bytes udp_over(const std::string& src, const std::string& dst, uint16_t sport,
                      uint16_t dport, const Bytes& payload, bool checksum) {
  Bytes u(8, 0);
  put16(u, 0, sport);
  put16(u, 2, dport);
  put16(u, 4, static_cast<uint16_t>(8 + payload.size()));
  u.insert(u.end(), payload.begin(), payload.end());
  if (!checksum) return u;
  bool six = src.find(':') != std::string::npos;
  Bytes pseudo;
  if (six) {
    auto s = v6(src), d = v6(dst);
    pseudo.insert(pseudo.end(), s.begin(), s.end());
    pseudo.insert(pseudo.end(), d.begin(), d.end());
    pseudo.insert(pseudo.end(), {0, 0, static_cast<uint8_t>(u.size() >> 8),
                                 static_cast<uint8_t>(u.size()), 0, 0, 0, 17});
  } else {
    auto s = v4(src), d = v4(dst);
    pseudo.insert(pseudo.end(), s.begin(), s.end());
    pseudo.insert(pseudo.end(), d.begin(), d.end());
    pseudo.insert(pseudo.end(), {0, 17, static_cast<uint8_t>(u.size() >> 8), static_cast<uint8_t>(u.size())});
  }
  pseudo.insert(pseudo.end(), u.begin(), u.end());
  uint16_t c = rfc1071(pseudo);
  put16(u, 6, c == 0 ? 0xffff : c);
  return u;
}

// UDP over IPv4 with `len` payload bytes counting up from `seed`, checksummed.
inline Bytes udp4(const std::string& src, const std::string& dst, uint16_t sport, uint16_t dport,
                  size_t len, uint8_t seed = 0) {
  Bytes payload;
  for (size_t i = 0; i < len; i++) payload.push_back(static_cast<uint8_t>(seed + i));
  return udp_over(src, dst, sport, dport, payload, true);
}

// An 8-byte VXLAN header followed by the inner frame (RFC 7348 5).
inline Bytes vxlan(uint32_t vni, const Bytes& inner, uint8_t flags = 0x08) {
  Bytes b = {flags, 0, 0, 0, static_cast<uint8_t>(vni >> 16), static_cast<uint8_t>(vni >> 8),
             static_cast<uint8_t>(vni), 0};
  b.insert(b.end(), inner.begin(), inner.end());
  return b;
}

inline Bytes slice(const Bytes& b, size_t from, size_t len) {
  return Bytes(b.begin() + static_cast<long>(from),
               b.begin() + static_cast<long>(std::min(b.size(), from + len)));
}

}  // namespace sy::test
