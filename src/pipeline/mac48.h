// A MAC address compared with one load: the fast path checks a frame's
// destination against an interface's MAC for every frame, and a byte-wise
// compare costs three loads and three compares where one will do.
#pragma once

#include <rte_byteorder.h>
#include <rte_ether.h>

#include <cstdint>
#include <cstring>

namespace sy {

static_assert(RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN);

// `mac` as the low 48 bits of an 8-byte load from its first byte.
inline uint64_t mac48_of(const rte_ether_addr& mac) {
  uint64_t v = 0;
  std::memcpy(&v, mac.addr_bytes, 6);
  return v;
}

// Whether the Ethernet frame at `frame` (at least 8 readable bytes: a whole
// header) is for `mac48`: one load, and the two bytes after the destination
// (the source's) shifted out.
inline bool frame_dst_is(const void* frame, uint64_t mac48) {
  uint64_t d;
  std::memcpy(&d, frame, 8);
  return ((d ^ mac48) << 16) == 0;
}

}  // namespace sy
