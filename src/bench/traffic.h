// Benchmark traffic: frames generated once into memory, written as pcap files
// that DPDK's net_pcap replays forever (`infinite_rx=1`).
//
// Theory of operation: a flow is one (src MAC, dst MAC, IPv4 5-tuple); flow i
// uses host index i on both sides, so N flows exercise 2N MAC entries and N
// distinct 5-tuples (RSS spreads them). Addresses come from 198.18.0.0/15, the
// range RFC 2544 sets aside for benchmarks. Frames are split across one pcap
// file per worker (flow i → file i mod workers), so each worker's rx queue
// replays its own share. Frame sizes include the 4-byte FCS, as testpmd and
// RFC 2544 count them; the bytes written are size - 4.
//
// Thread-safety: plain control-side functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace sy::bench {

using Mac = std::array<uint8_t, 6>;
using Frame = std::vector<uint8_t>;

// Simple IMIX (7:4:1 of 64, 594 and 1518-byte frames): the classic mix used
// to approximate Internet traffic in throughput tests.
constexpr uint32_t kImix = 0;
bool parse_frame_size(const std::string& text, uint32_t* size, std::string* error);
std::string frame_size_name(uint32_t size);
// Frame size (with FCS) of the k-th frame of a stream of `size` (kImix cycles).
uint32_t frame_size_at(uint32_t size, uint64_t k);
// Mean frame size with FCS, for bit rates.
double mean_frame_size(uint32_t size);

// Locally administered MACs: 02:<side>:<index, 32 bits big endian>.
Mac host_mac(uint8_t side, uint32_t index);

struct Ipv4Flow {
  Mac src_mac, dst_mac;
  uint32_t src_ip, dst_ip;  // host order
  uint16_t src_port, dst_port;
};

// Ethernet + IPv4 (valid header checksum) + UDP (checksum 0), padded with
// zeros to `frame_size` - 4 bytes.
Frame build_udp4_frame(const Ipv4Flow& f, uint32_t frame_size);

struct Ipv6Flow {
  Mac src_mac, dst_mac;
  std::array<uint8_t, 16> src_ip, dst_ip;
  uint16_t src_port, dst_port;
};

// Smallest frame an IPv6 UDP test uses (RFC 5180 section 5.1.1): 78 bytes.
constexpr uint32_t kMinIpv6Frame = 78;
// Ethernet + IPv6 + UDP (valid checksum: IPv6 requires one), padded to
// `frame_size` - 4 bytes (at least kMinIpv6Frame).
Frame build_udp6_frame(const Ipv6Flow& f, uint32_t frame_size);

// VXLAN over IPv4 (RFC 7348): the outer headers around an inner Ethernet
// frame. The outer UDP checksum is 0, as RFC 7348 allows over IPv4 (and as
// Switchyard's own encap sends); DF clear, TTL 64, as Linux VTEPs send.
struct Vxlan4Outer {
  Mac src_mac, dst_mac;      // the underlay hop
  uint32_t src_ip, dst_ip;   // remote VTEP, local VTEP (host order)
  uint16_t src_port;         // flow entropy, 49152..65535
  uint16_t dst_port = 4789;  // IANA VXLAN port
  uint32_t vni;
};

// Outer Ethernet + IPv4 + UDP + VXLAN: 50 bytes added to the inner frame.
constexpr uint32_t kVxlan4Overhead = 14 + 20 + 8 + 8;
// Ethernet + IPv4 (valid header checksum) + UDP (checksum 0) + VXLAN (I flag,
// `vni`) around `inner`, an Ethernet frame without FCS.
Frame build_vxlan4_frame(const Vxlan4Outer& o, const Frame& inner);

// Writes a classic pcap (microsecond, Ethernet link type). Returns false with
// *error on I/O failure.
bool write_pcap(const std::string& path, const std::vector<Frame>& frames, std::string* error);
// Reads a pcap file (classic format, either byte order); for validation of
// user-given files and tests.
bool read_pcap(const std::string& path, std::vector<Frame>* frames, std::string* error);

}  // namespace sy::bench
