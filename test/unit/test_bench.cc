#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "bench/icount.h"
#include "bench/json.h"
#include "bench/profile.h"
#include "bench/stats.h"
#include "bench/testpmd.h"
#include "bench/traffic.h"
#include "control/validate.h"
#include "route/ip.h"

using namespace sy::bench;

namespace {

std::string temp_path(const std::string& name) {
  return "/tmp/sy-unit-" + std::to_string(getpid()) + "-" + name;
}

uint16_t be16(const Frame& f, size_t off) { return static_cast<uint16_t>(f[off] << 8 | f[off + 1]); }
uint32_t be32(const Frame& f, size_t off) {
  return static_cast<uint32_t>(be16(f, off)) << 16 | be16(f, off + 2);
}

bool ipv4_checksum_ok(const Frame& f, size_t off) {
  uint32_t sum = 0;
  for (size_t i = off; i < off + 20; i += 2) sum += be16(f, i);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return sum == 0xffff;
}

Mac mac_at(const Frame& f, size_t off) {
  Mac m;
  std::copy(f.begin() + static_cast<long>(off), f.begin() + static_cast<long>(off + 6), m.begin());
  return m;
}

Mac config_mac(const std::string& text) {
  Mac m{};
  REQUIRE(sy::parse_mac(text, &m));
  return m;
}

}  // namespace

TEST_CASE("testpmd periodic stats: one period per block of all ports, ANSI stripped") {
  // As dpdk-testpmd 22.11 prints with --stats-period (screen-clearing escapes included).
  const char* kOutput =
      "\033[2J\033[1;1H\n"
      "  ######################## NIC statistics for port 0  ########################\n"
      "  RX-packets: 100        RX-missed: 0          RX-bytes:  6400\n"
      "  Throughput (since last show)\n"
      "  Rx-pps:     50000000          Rx-bps:  25600000000\n"
      "  Tx-pps:            0          Tx-bps:            0\n"
      "  ######################## NIC statistics for port 1  ########################\n"
      "  Rx-pps:            0          Rx-bps:            0\n"
      "  Tx-pps:     49000000          Tx-bps:            0\n"
      "\033[2J\033[1;1H\n"
      "  ######################## NIC statistics for port 0  ########################\n"
      "  Tx-pps:          123          Tx-bps:            0\n"
      "  ######################## NIC statistics for port 1  ########################\n"
      "  Tx-pps:     51000000          Tx-bps:            0\n"
      "  ######################## NIC statistics for port 0  ########################\n"
      "  Tx-pps:            7          Tx-bps:            0\n";
  TestpmdStatsParser p(2);
  std::istringstream in(kOutput);
  for (std::string line; std::getline(in, line);) p.feed_line(line);
  REQUIRE(p.periods().size() == 2);  // the third period is incomplete
  CHECK(p.periods()[0] == 49000000.0);
  CHECK(p.periods()[1] == 51000123.0);
}

TEST_CASE("median of windows") {
  CHECK(median({}) == 0);
  CHECK(median({3, 1, 2}) == 2);
  CHECK(median({4, 1, 3, 2}) == 2.5);
}

TEST_CASE("generated UDP frames: sizes, lengths and a valid IPv4 checksum") {
  Ipv4Flow f{host_mac(0x0a, 1), host_mac(0x0b, 2), 0xc6120001, 0xc6130002, 1024, 5001};
  for (uint32_t size : {64u, 594u, 1518u}) {
    Frame fr = build_udp4_frame(f, size);
    REQUIRE(fr.size() == size - 4);
    CHECK(be16(fr, 12) == 0x0800);
    CHECK(be16(fr, 14 + 2) == size - 4 - 14);     // IPv4 total length
    CHECK(be16(fr, 34 + 4) == size - 4 - 14 - 20);  // UDP length
    uint32_t sum = 0;
    for (size_t i = 14; i < 34; i += 2) sum += be16(fr, i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    CHECK(sum == 0xffff);
  }
  Mac m = host_mac(0x0b, 0x01020304);
  CHECK(m == Mac{0x02, 0x0b, 0x01, 0x02, 0x03, 0x04});
}

TEST_CASE("frame sizes: fixed, IMIX 7:4:1, and bad values refused") {
  uint32_t s = 0;
  std::string err;
  CHECK(parse_frame_size("imix", &s, &err));
  CHECK(s == kImix);
  CHECK(parse_frame_size("128", &s, &err));
  CHECK(s == 128);
  CHECK_FALSE(parse_frame_size("63", &s, &err));
  CHECK_FALSE(parse_frame_size("1519", &s, &err));
  CHECK_FALSE(parse_frame_size("64x", &s, &err));
  int n64 = 0, n594 = 0, n1518 = 0;
  for (uint64_t k = 0; k < 120; k++) {
    uint32_t z = frame_size_at(kImix, k);
    n64 += z == 64;
    n594 += z == 594;
    n1518 += z == 1518;
  }
  CHECK(n64 == 70);
  CHECK(n594 == 40);
  CHECK(n1518 == 10);
  CHECK(mean_frame_size(kImix) == Approx(361.833).epsilon(0.001));
}

TEST_CASE("pcap files written are read back byte for byte; garbage is refused") {
  std::vector<Frame> frames = {Frame(60, 0xab), Frame(1514, 0x01), Frame(100, 0x7f)};
  std::string path = temp_path("rt.pcap"), err;
  REQUIRE(write_pcap(path, frames, &err));
  std::vector<Frame> back;
  REQUIRE(read_pcap(path, &back, &err));
  CHECK(back == frames);
  {
    std::ofstream bad(path, std::ios::trunc);
    bad << "this is certainly not a pcap file header";
  }
  CHECK_FALSE(read_pcap(path, &back, &err));
  CHECK(err.find("not a classic pcap") != std::string::npos);
  std::remove(path.c_str());
  CHECK_FALSE(read_pcap(path, &back, &err));
}

TEST_CASE("JSON: sorted keys, rounded numbers, parse round trip") {
  JsonObject o;
  auto& f = *o.mutable_fields();
  f["b"] = json_number(1.23456, 2);
  f["a"] = json_string("x\"y");
  f["c"] = json_numbers({1, 2.5});
  f["d"] = json_bool(true);
  std::string text = to_json(o);
  CHECK(text == "{\n  \"a\": \"x\\\"y\",\n  \"b\": 1.23,\n  \"c\": [1, 2.5],\n  \"d\": true\n}\n");
  JsonObject back;
  std::string err;
  REQUIRE(parse_json(text, &back, &err));
  CHECK(back.fields().at("b").number_value() == 1.23);
  CHECK_FALSE(parse_json("{not json", &back, &err));
}

TEST_CASE("benchmarks.json: a profile's fields merge, others are kept") {
  std::string path = temp_path("bench.json"), err;
  std::remove(path.c_str());
  JsonObject a;
  (*a.mutable_fields())["mpps"] = json_number(10);
  (*a.mutable_fields())["commit"] = json_string("abc");
  REQUIRE(update_profile_json(path, "l2", a, &err));
  JsonObject b;
  (*b.mutable_fields())["instructions_per_packet"] = json_number(700.5, 1);
  (*b.mutable_fields())["commit"] = json_string("def");
  REQUIRE(update_profile_json(path, "l2", b, &err));
  REQUIRE(update_profile_json(path, "l3v4", a, &err));
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  JsonObject doc;
  REQUIRE(parse_json(text.str(), &doc, &err));
  const auto& l2 = doc.fields().at("profiles").struct_value().fields().at("l2").struct_value();
  CHECK(l2.fields().at("mpps").number_value() == 10);
  CHECK(l2.fields().at("instructions_per_packet").number_value() == 700.5);
  CHECK(l2.fields().at("commit").string_value() == "def");
  CHECK(doc.fields().at("profiles").struct_value().fields().count("l3v4") == 1);
  {
    std::ofstream bad(path, std::ios::trunc);
    bad << "{broken";
  }
  CHECK_FALSE(update_profile_json(path, "l2", a, &err));  // never overwrites what it cannot read
  std::remove(path.c_str());
}

TEST_CASE("callgrind output: the total is read from totals: or summary:") {
  uint64_t t = 0;
  CHECK(parse_callgrind_total("version: 1\ncreator: callgrind-3.19.0\nevents: Ir\nsummary: 47059881\n", &t));
  CHECK(t == 47059881);
  CHECK(parse_callgrind_total("events: Ir\nfn=x\n1 2\ntotals: 12\n", &t));
  CHECK(t == 12);
  CHECK_FALSE(parse_callgrind_total("events: Ir\n", &t));
}

TEST_CASE("vxlan profile: a valid config; VXLAN frames to the VTEP carrying frames for the IRB") {
  char dir[] = "/tmp/sy-unit-vxlan-XXXXXX";
  REQUIRE(mkdtemp(dir) != nullptr);
  BenchOptions o;
  o.profile = "vxlan";
  o.flows = 1000;
  o.frame_size = 128;  // the inner frame's
  o.lcores = {0, 1};
  o.work_dir = dir;
  o.file_prefix = "sy-unit-vxlan";
  BenchSetup s;
  std::string err;
  REQUIRE(build_setup(o, &s, &err));
  sy::ConfigErrors errs = sy::validate_config(s.config, nullptr);
  std::string all;
  for (const auto& e : errs) all += sy::format_error(e) + "\n";
  INFO(all);
  CHECK(errs.empty());
  CHECK(s.routes == 1000);  // the profile's default
  CHECK(s.prelearn.empty());  // learned behind the remotes during the warm-up
  CHECK(s.mean_frame_size == 128);  // the sink gets the inner frames
  REQUIRE(s.config.vteps_size() == 1);
  REQUIRE(s.config.vteps(0).vnis_size() == 1);
  const uint32_t vni = s.config.vteps(0).vnis(0).vni();
  sy::IpAddr local;
  REQUIRE(sy::parse_ip(s.config.vteps(0).local_address(), &local));
  Mac in_mac{}, irb_mac{};
  for (const auto& i : s.config.interfaces()) {
    if (i.name() == "in") in_mac = config_mac(i.mac());
    if (i.bridge() == s.config.vteps(0).vnis(0).bridge()) irb_mac = config_mac(i.mac());
  }
  std::set<std::string> routes;
  for (const auto& r : s.config.routes()) routes.insert(r.destination());

  REQUIRE(s.pcap_files.size() == 1);
  std::vector<Frame> frames;
  REQUIRE(read_pcap(s.pcap_files[0], &frames, &err));
  REQUIRE(frames.size() == 1000);
  std::set<uint16_t> sports;
  std::set<Mac> hosts;
  std::set<uint32_t> remotes;
  for (const Frame& f : frames) {
    REQUIRE(f.size() == 128 - 4 + kVxlan4Overhead);
    // Outer: to the appliance's underlay MAC and VTEP address, UDP 4789, no checksum.
    CHECK(mac_at(f, 0) == in_mac);
    CHECK(be16(f, 12) == 0x0800);
    CHECK(ipv4_checksum_ok(f, 14));
    CHECK(f[23] == 17);
    CHECK(be32(f, 30) == local.v4_host());
    remotes.insert(be32(f, 26));
    CHECK(be16(f, 16) == f.size() - 14);
    uint16_t sport = be16(f, 34);
    CHECK(sport >= 49152);
    sports.insert(sport);
    CHECK(be16(f, 36) == 4789);
    CHECK(be16(f, 38) == f.size() - 34);
    CHECK(be16(f, 40) == 0);
    // VXLAN: I flag, the bound VNI.
    CHECK(f[42] == 0x08);
    CHECK((be32(f, 46) >> 8) == vni);
    // Inner: a host's frame to the bridge interface, routed by one of the routes.
    const size_t in = 50;
    CHECK(mac_at(f, in) == irb_mac);
    hosts.insert(mac_at(f, in + 6));
    CHECK(be16(f, in + 12) == 0x0800);
    CHECK(ipv4_checksum_ok(f, in + 14));
    uint32_t dst = be32(f, in + 30);
    char prefix[32];
    std::snprintf(prefix, sizeof(prefix), "%u.%u.%u.0/24", dst >> 24, (dst >> 16) & 0xff,
                  (dst >> 8) & 0xff);
    CHECK(routes.count(prefix) == 1);
  }
  CHECK(hosts.size() == 64);
  CHECK(remotes.size() == 4);
  CHECK(sports.size() > 500);  // a hash of the inner flow: spread across flows
  std::filesystem::remove_all(dir);
}
