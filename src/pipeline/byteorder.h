// Network byte order has its own type so that a missing conversion is a
// compile error, not a wrong VLAN. Conversion happens at the edges only.
#pragma once

#include <rte_byteorder.h>

#include <cstdint>

namespace sy {

// Network ↔ host order for 16-bit fields in the fast path. DPDK's
// rte_be_to_cpu_16 is an inline-asm xchg the compiler cannot see through or
// fold into a compare; the builtin compiles to one rotate, or to nothing.
inline uint16_t net16(uint16_t v) { return __builtin_bswap16(v); }

struct Be16 {
  uint16_t raw;  // as on the wire
  static constexpr Be16 from_host(uint16_t v) { return Be16{RTE_STATIC_BSWAP16(v)}; }
  uint16_t host() const { return net16(raw); }
  friend bool operator==(Be16 a, Be16 b) { return a.raw == b.raw; }
};
static_assert(sizeof(Be16) == 2);

constexpr Be16 kEtherTypeVlan = Be16::from_host(0x8100);

}  // namespace sy
