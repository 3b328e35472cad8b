#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "bench/icount.h"
#include "bench/json.h"
#include "bench/stats.h"
#include "bench/testpmd.h"
#include "bench/traffic.h"

using namespace sy::bench;

namespace {

std::string temp_path(const std::string& name) {
  return "/tmp/sy-unit-" + std::to_string(getpid()) + "-" + name;
}

uint16_t be16(const Frame& f, size_t off) { return static_cast<uint16_t>(f[off] << 8 | f[off + 1]); }

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
