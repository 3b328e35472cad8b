#include "bench/traffic.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace sy::bench {

namespace {

constexpr uint32_t kImixPattern[12] = {64, 594, 64, 64, 594, 64, 1518, 64, 594, 64, 594, 64};
constexpr uint32_t kFcs = 4;
constexpr uint32_t kMinFrame = 64, kMaxFrame = 1518;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
void put32(uint8_t* p, uint32_t v) {
  put16(p, static_cast<uint16_t>(v >> 16));
  put16(p + 2, static_cast<uint16_t>(v));
}

uint16_t ipv4_checksum(const uint8_t* h, size_t len) {
  uint32_t sum = 0;
  for (size_t i = 0; i < len; i += 2) sum += (uint32_t{h[i]} << 8) | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

}  // namespace

bool parse_frame_size(const std::string& text, uint32_t* size, std::string* error) {
  if (text == "imix" || text == "IMIX") {
    *size = kImix;
    return true;
  }
  char* end = nullptr;
  unsigned long v = std::strtoul(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < kMinFrame || v > kMaxFrame) {
    *error = "frame size \"" + text + "\": expected 64..1518 or imix";
    return false;
  }
  *size = static_cast<uint32_t>(v);
  return true;
}

std::string frame_size_name(uint32_t size) {
  return size == kImix ? "imix" : std::to_string(size);
}

uint32_t frame_size_at(uint32_t size, uint64_t k) {
  return size == kImix ? kImixPattern[k % 12] : size;
}

double mean_frame_size(uint32_t size) {
  if (size != kImix) return size;
  double sum = 0;
  for (uint32_t s : kImixPattern) sum += s;
  return sum / 12;
}

Mac host_mac(uint8_t side, uint32_t index) {
  return Mac{0x02, side, static_cast<uint8_t>(index >> 24), static_cast<uint8_t>(index >> 16),
             static_cast<uint8_t>(index >> 8), static_cast<uint8_t>(index)};
}

namespace {

// Ethernet + IPv4 (header checksum set) + UDP (checksum 0) headers, 42 bytes
// at `p`, for `ip_len` bytes of IPv4.
void put_eth_ipv4_udp(uint8_t* p, const Mac& dst_mac, const Mac& src_mac, uint32_t src_ip,
                      uint32_t dst_ip, uint16_t src_port, uint16_t dst_port, uint16_t ip_len,
                      bool df) {
  std::memcpy(p, dst_mac.data(), 6);
  std::memcpy(p + 6, src_mac.data(), 6);
  put16(p + 12, 0x0800);
  uint8_t* ip = p + 14;
  ip[0] = 0x45;
  put16(ip + 2, ip_len);
  put16(ip + 6, df ? 0x4000 : 0);
  ip[8] = 64;
  ip[9] = 17;
  put32(ip + 12, src_ip);
  put32(ip + 16, dst_ip);
  put16(ip + 10, ipv4_checksum(ip, 20));
  uint8_t* udp = ip + 20;
  put16(udp, src_port);
  put16(udp + 2, dst_port);
  put16(udp + 4, static_cast<uint16_t>(ip_len - 20));
}

}  // namespace

Frame build_udp4_frame(const Ipv4Flow& f, uint32_t frame_size) {
  // Headers are built in a fixed array, then padded with zeros to the size.
  uint8_t p[42] = {};
  put_eth_ipv4_udp(p, f.dst_mac, f.src_mac, f.src_ip, f.dst_ip, f.src_port, f.dst_port,
                   static_cast<uint16_t>(frame_size - kFcs - 14), true);
  Frame fr(p, p + sizeof(p));
  fr.resize(frame_size - kFcs, 0);
  return fr;
}

Frame build_udp6_frame(const Ipv6Flow& f, uint32_t frame_size) {
  frame_size = std::max(frame_size, kMinIpv6Frame);
  Frame fr(frame_size - kFcs, 0);
  uint8_t* p = fr.data();
  std::memcpy(p, f.dst_mac.data(), 6);
  std::memcpy(p + 6, f.src_mac.data(), 6);
  put16(p + 12, 0x86dd);
  uint8_t* ip = p + 14;
  uint16_t payload = static_cast<uint16_t>(fr.size() - 14 - 40);
  ip[0] = 0x60;
  put16(ip + 4, payload);
  ip[6] = 17;
  ip[7] = 64;
  std::memcpy(ip + 8, f.src_ip.data(), 16);
  std::memcpy(ip + 24, f.dst_ip.data(), 16);
  uint8_t* udp = ip + 40;
  put16(udp, f.src_port);
  put16(udp + 2, f.dst_port);
  put16(udp + 4, payload);
  // Pseudo-header (addresses, length, next header) + UDP header and payload.
  uint32_t sum = 0;
  for (int i = 0; i < 32; i += 2) sum += (ip[8 + i] << 8) | ip[8 + i + 1];
  sum += payload + 17;
  for (uint16_t i = 0; i + 1 < payload; i += 2) sum += (udp[i] << 8) | udp[i + 1];
  if (payload & 1) sum += udp[payload - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  uint16_t c = static_cast<uint16_t>(~sum);
  put16(udp + 6, c == 0 ? 0xffff : c);
  return fr;
}

Frame build_vxlan4_frame(const Vxlan4Outer& o, const Frame& inner) {
  // Headers in a fixed array, then the inner frame after them.
  uint8_t p[kVxlan4Overhead] = {};
  put_eth_ipv4_udp(p, o.dst_mac, o.src_mac, o.src_ip, o.dst_ip, o.src_port, o.dst_port,
                   static_cast<uint16_t>(kVxlan4Overhead + inner.size() - 14), false);
  uint8_t* vx = p + 14 + 20 + 8;
  vx[0] = 0x08;  // I: the VNI is valid
  vx[4] = static_cast<uint8_t>(o.vni >> 16);
  vx[5] = static_cast<uint8_t>(o.vni >> 8);
  vx[6] = static_cast<uint8_t>(o.vni);
  Frame fr(p, p + sizeof(p));
  fr.insert(fr.end(), inner.begin(), inner.end());
  return fr;
}

bool write_pcap(const std::string& path, const std::vector<Frame>& frames, std::string* error) {
  File f(std::fopen(path.c_str(), "wb"));
  if (!f) {
    *error = "cannot create " + path + ": " + std::strerror(errno);
    return false;
  }
  // Native byte order; readers detect it from the magic number.
  struct {
    uint32_t magic = 0xa1b2c3d4;
    uint16_t major = 2, minor = 4;
    int32_t zone = 0;
    uint32_t sigfigs = 0, snaplen = 65535, linktype = 1;
  } hdr;
  bool ok = std::fwrite(&hdr, sizeof(hdr), 1, f.get()) == 1;
  for (size_t i = 0; ok && i < frames.size(); i++) {
    uint32_t rec[4] = {static_cast<uint32_t>(i / 1000000), static_cast<uint32_t>(i % 1000000),
                       static_cast<uint32_t>(frames[i].size()),
                       static_cast<uint32_t>(frames[i].size())};
    ok = std::fwrite(rec, sizeof(rec), 1, f.get()) == 1 &&
         std::fwrite(frames[i].data(), frames[i].size(), 1, f.get()) == 1;
  }
  if (!ok || std::fflush(f.get()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool read_pcap(const std::string& path, std::vector<Frame>* frames, std::string* error) {
  File f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    *error = "cannot open " + path + ": " + std::strerror(errno);
    return false;
  }
  uint32_t hdr[6];
  if (std::fread(hdr, sizeof(hdr), 1, f.get()) != 1) {
    *error = path + ": not a pcap file (too short)";
    return false;
  }
  bool swap;
  if (hdr[0] == 0xa1b2c3d4 || hdr[0] == 0xa1b23c4d) {
    swap = false;
  } else if (hdr[0] == 0xd4c3b2a1 || hdr[0] == 0x4d3cb2a1) {
    swap = true;
  } else {
    *error = path + ": not a classic pcap file (pcapng is not supported; convert with editcap -F pcap)";
    return false;
  }
  auto fix = [swap](uint32_t v) { return swap ? __builtin_bswap32(v) : v; };
  if (fix(hdr[5]) != 1) {
    *error = path + ": link type " + std::to_string(fix(hdr[5])) + " is not Ethernet";
    return false;
  }
  frames->clear();
  uint32_t rec[4];
  while (std::fread(rec, sizeof(rec), 1, f.get()) == 1) {
    uint32_t caplen = fix(rec[2]);
    if (caplen > 65535) {
      *error = path + ": record " + std::to_string(frames->size()) + " has length " +
               std::to_string(caplen);
      return false;
    }
    Frame fr(caplen);
    if (caplen != 0 && std::fread(fr.data(), caplen, 1, f.get()) != 1) {
      *error = path + ": truncated record " + std::to_string(frames->size());
      return false;
    }
    frames->push_back(std::move(fr));
  }
  return true;
}

}  // namespace sy::bench
