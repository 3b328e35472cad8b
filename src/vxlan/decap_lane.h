// DecapLane: what the decapsulation of a run remembers of the last packet
// it checked in full, so that the packets after it (a tunnel's traffic
// mostly repeats one VTEP, port and VNI) are stripped with a few compares.
//
// Theory of operation: the full checks (decap_slow in vxlan_stage.cc) find
// a packet's VTEP by its destination address and UDP port and its binding by
// VNI; when the VTEP takes any remote, they leave those here. A later packet
// whose words match, and that needs nothing else (no outer IPv4 checksum or
// an IPv6 one that holds, the I flag, a UDP length that is the rest of the
// packet, an untagged inner frame), is that binding's. Everything here
// belongs to one snapshot: a lane of another serial is empty.
//
// Thread-safety: one per worker and underlay family, touched only by it.
#pragma once

#include <cstdint>

#include "vxlan/vxlan_tables.h"

namespace sy {

struct DecapLane {
  // Never a masked packet's word: the bits where the IPv4 form keeps the
  // (ignored) UDP source port are set.
  static constexpr uint64_t kNone = uint64_t{0xffff} << 32;

  uint64_t serial = 0;  // SnapshotSerial of the tables vni points into; 0: empty
  // IPv4: the 8 bytes from the IPv4 destination on (destination, UDP source
  // and destination ports) as loaded, the source port masked out. IPv6: the
  // UDP destination port as loaded (the address is dst6).
  uint64_t outer = kNone;
  alignas(8) uint8_t dst6[16] = {};
  uint32_t vni_raw = 0;  // the VNI's three bytes as loaded (the low 24 bits)
  const VniEntry* vni = nullptr;
};

}  // namespace sy
