// Golden packet tests for VXLAN (RFC 7348): decap into a bridge domain,
// learning behind remote VTEPs, encap with head-end replication and split
// horizon, every decap drop reason, MTU, source-port entropy, IPv6 underlay,
// and routing through a bridge interface. Expected frames come from the
// independent builders of net_frames.h.
#include <catch2/catch.hpp>

#include <set>

#include "expect.h"
#include "net_frames.h"
#include "packet_harness.h"
#include "vxlan/vxlan_stage.h"

using namespace sy;
using namespace sy::test;

namespace {

constexpr const char* kUnderMac = "02:00:00:00:01:00";
constexpr const char* kR2Mac = "02:00:00:00:01:02";   // 100.64.0.2, remote VTEP
constexpr const char* kR3Mac = "02:00:00:00:01:03";   // 100.64.0.3, remote VTEP
constexpr const char* kLanMac = "02:00:00:00:02:00";
constexpr const char* kLanHost = "02:00:00:00:02:05";  // 10.20.0.5
constexpr const char* kUnder6Mac = "02:00:00:00:03:00";
constexpr const char* kR6Mac = "02:00:00:00:03:02";   // 2001:db8:64::2
constexpr const char* kIrbMac = "02:00:00:00:0a:01";  // 10.10.0.1 on bridge ov
constexpr const char* kHostA = "02:00:00:00:0a:0a";   // 10.10.0.10 on p0
constexpr const char* kHostB = "02:00:00:00:0b:01";   // 10.10.0.20 behind 100.64.0.2
constexpr const char* kHostC = "02:00:00:00:0c:01";   // behind 2001:db8:64::2
constexpr const char* kHostD = "02:00:00:00:0d:01";   // on p4

const std::string kVxlan = R"(
ports:
  - {name: p0, device: x0}
  - {name: p1, device: x1}
  - {name: p2, device: x2}
  - {name: p3, device: x3}
  - {name: p4, device: x4}
bridges:
  - {name: ov, members: [{port: p0}]}
  - {name: ov6, members: [{port: p4}]}
interfaces:
  - {name: under, port: p1, mac: "02:00:00:00:01:00", addresses: ["100.64.0.1/24"]}
  - {name: lan, port: p2, mac: "02:00:00:00:02:00", addresses: ["10.20.0.1/24"]}
  - {name: under6, port: p3, mac: "02:00:00:00:03:00", addresses: ["2001:db8:64::1/64"]}
  - {name: irb, bridge: ov, mac: "02:00:00:00:0a:01", addresses: ["10.10.0.1/24"]}
neighbours:
  - {interface: under, address: "100.64.0.2", mac: "02:00:00:00:01:02"}
  - {interface: under, address: "100.64.0.3", mac: "02:00:00:00:01:03"}
  - {interface: under6, address: "2001:db8:64::2", mac: "02:00:00:00:03:02"}
  - {interface: lan, address: "10.20.0.5", mac: "02:00:00:00:02:05"}
  - {interface: irb, address: "10.10.0.20", mac: "02:00:00:00:0b:01"}
vteps:
  - name: vt4
    local_address: "100.64.0.1"
    vnis: [{vni: 100, bridge: ov, flood: ["100.64.0.2", "100.64.0.3"]}]
  - name: vt6
    local_address: "2001:db8:64::1"
    vnis: [{vni: 200, bridge: ov6, flood: ["2001:db8:64::2"]}]
router: {icmp_rate_per_second: 0}
)";

Bytes inner_udp(const std::string& smac, const std::string& dmac, const std::string& src,
                const std::string& dst, uint16_t sport = 1000, uint16_t dport = 2000,
                size_t len = 18, uint8_t tos = 0) {
  Ip4Opts o;
  o.tos = tos;
  return eth(dmac, smac, 0x0800, ipv4(src, dst, 17, udp4(src, dst, sport, dport, len), o));
}

// A VXLAN packet from a remote VTEP to 100.64.0.1.
Bytes from_remote(const std::string& remote, const std::string& remote_mac, uint32_t vni,
                  const Bytes& inner, bool checksum = false, uint8_t flags = 0x08,
                  uint16_t dport = 4789, uint16_t sport = 50000) {
  return eth(kUnderMac, remote_mac, 0x0800,
             ipv4(remote, "100.64.0.1", 17,
                  udp_over(remote, "100.64.0.1", sport, dport, vxlan(vni, inner, flags), checksum)));
}

uint16_t sport_of(const Bytes& inner) { return vxlan_source_port(inner.data(), static_cast<uint32_t>(inner.size())); }

// What the appliance sends to a remote VTEP over IPv4 for `inner`.
Bytes to_remote(const std::string& remote, const std::string& remote_mac, uint32_t vni,
                const Bytes& inner, uint16_t id, uint8_t tos = 0, bool df = false) {
  Ip4Opts o;
  o.id = id;
  o.tos = tos;
  o.df = df;
  return eth(remote_mac, kUnderMac, 0x0800,
             ipv4("100.64.0.1", remote, 17,
                  udp_over("100.64.0.1", remote, sport_of(inner), 4789, vxlan(vni, inner), false), o));
}

// Takes away the start-up announcements (gratuitous ARP from the bridge
// interface, replicated to the flood list too); returns the IPv4
// identification the next tunnel packet gets.
uint16_t settle(Harness& h) {
  h.step();
  h.recv_all();
  return h.dp().worker(0).ip_id;
}

// Unknown unicast from one remote: delivered on p0 and relayed to the other
// remote (on p1), nowhere else.
void expect_p0_and_relay(Harness& h, const Bytes& inner) {
  auto out = h.recv_all();
  REQUIRE(out.size() == 2);
  REQUIRE(out["p0"].size() == 1);
  CHECK(hex(out["p0"][0]) == hex(inner));
  CHECK(out["p1"].size() == 1);
}

std::map<std::string, std::string> remote_macs(Harness& h) {
  pb::ListRemoteMacsResponse r;
  std::string err;
  REQUIRE(h.cp().remote_macs(pb::ListRemoteMacsRequest(), &r, &err));
  std::map<std::string, std::string> out;
  for (const auto& m : r.macs()) out[m.mac()] = m.remote() + (m.is_static() ? " static" : "");
  return out;
}

// Inserts `text` into a config right after `anchor`, which must be there.
void insert_after(std::string& cfg, const std::string& anchor, const std::string& text) {
  size_t at = cfg.find(anchor);
  REQUIRE(at != std::string::npos);
  cfg.insert(at + anchor.size(), text);
}

pb::VniStats vni_stats(Harness& h, uint32_t vni) {
  pb::Stats s = h.cp().stats();
  for (const auto& v : s.vnis())
    if (v.vni() == vni) return v;
  FAIL("no stats for VNI " << vni);
  return {};
}

}  // namespace

TEST_CASE("vxlan: decap floods to members and other remotes, learns the remote, encaps back byte for byte") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  pb::VniStats before = vni_stats(h, 100);  // the bridge interface's announcement went out too
  Bytes b_to_a = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10");
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b_to_a));
  h.step();
  // Unknown unicast from a remote: to p0 and relayed to the other remote,
  // never back to the sender (split horizon).
  auto out = h.recv_all();
  REQUIRE(out.size() == 2);
  REQUIRE(out["p0"].size() == 1);
  CHECK(hex(out["p0"][0]) == hex(b_to_a));
  REQUIRE(out["p1"].size() == 1);
  CHECK(hex(out["p1"][0]) == hex(to_remote("100.64.0.3", kR3Mac, 100, b_to_a, id)));
  id++;
  CHECK(remote_macs(h) == std::map<std::string, std::string>{{kHostB, "100.64.0.2"}});

  Bytes a_to_b = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", 2000, 1000, 18, 0xb8);
  h.send("p0", a_to_b);
  h.step();
  // Known remote MAC: one packet to its VTEP, DSCP/ECN inherited, DF clear, TTL 64.
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, a_to_b, id, 0xb8)});
  id++;

  // A was learned on p0: B's next frame goes there directly.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b_to_a));
  h.step();
  expect_only(h, "p0", {b_to_a});

  pb::VniStats st = vni_stats(h, 100);
  CHECK(st.rx_packets() == 2);
  CHECK(st.rx_bytes() == 2 * b_to_a.size());
  CHECK(st.tx_packets() == before.tx_packets() + 2);
  CHECK(st.tx_bytes() == before.tx_bytes() + b_to_a.size() + a_to_b.size());

  // Between remotes: B (behind .2) to E (behind .3) is relayed once E is known;
  // to B itself from .2 again it is never sent back.
  constexpr const char* kHostE = "02:00:00:00:0e:01";
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, inner_udp(kHostE, kHostA, "10.10.0.30", "10.10.0.10")));
  h.step();
  h.recv_all();
  Bytes b_to_e = inner_udp(kHostB, kHostE, "10.10.0.20", "10.10.0.30");
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b_to_e));
  h.step();
  expect_only(h, "p1", {to_remote("100.64.0.3", kR3Mac, 100, b_to_e, id)});
  uint64_t same = h.drops(DropReason::kSamePort);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20")));
  h.step();
  CHECK(h.drops(DropReason::kSamePort) == same + 1);
  expect_only(h, "p0", {});
  check_books(h);
}

TEST_CASE("vxlan: broadcast from a local host is replicated to every flood-list remote") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  uint64_t tx0 = vni_stats(h, 100).tx_packets();
  Bytes bcast = eth("ff:ff:ff:ff:ff:ff", kHostA, 0x88b5, Bytes(46, 0x5a));
  h.send("p0", bcast);
  h.step();
  // The router's copy (bridge interface) is not for it: dropped by reason.
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, bcast, id),
                        to_remote("100.64.0.3", kR3Mac, 100, bcast, static_cast<uint16_t>(id + 1))});
  CHECK(h.drops(DropReason::kUnsupportedEthertype) == 1);
  // Unknown unicast likewise.
  Bytes unknown = inner_udp(kHostA, "02:00:00:00:0e:0e", "10.10.0.10", "10.10.0.99");
  h.send("p0", unknown);
  h.step();
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, unknown, static_cast<uint16_t>(id + 2)),
                        to_remote("100.64.0.3", kR3Mac, 100, unknown, static_cast<uint16_t>(id + 3))});
  CHECK(vni_stats(h, 100).tx_packets() == tx0 + 4);
  check_books(h);
}

TEST_CASE("vxlan: every decap drop reason is counted, reserved bits are ignored") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  Bytes inner = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10");

  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, Bytes(inner.begin(), inner.begin() + 10)));
  h.step();
  CHECK(h.drops(DropReason::kVxlanShort) == 1);

  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner, false, 0x00));
  h.step();
  CHECK(h.drops(DropReason::kVxlanBadFlags) == 1);

  h.send("p1", from_remote("100.64.0.2", kR2Mac, 999, inner));
  h.step();
  CHECK(h.drops(DropReason::kVxlanUnknownVni) == 1);

  Bytes bad = from_remote("100.64.0.2", kR2Mac, 100, inner, true);
  bad[bad.size() - 1] ^= 0x01;  // payload changed after the checksum
  h.send("p1", bad);
  h.step();
  CHECK(h.drops(DropReason::kVxlanBadChecksum) == 1);

  Bytes tagged = frame(kHostA, kHostB, 100);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, tagged));
  h.step();
  CHECK(h.drops(DropReason::kVxlanInnerVlan) == 1);
  expect_only(h, "p0", {});

  // An inner frame from a multicast or all-zero source: the bridge drops it.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100,
                           inner_udp("01:00:5e:00:00:01", kHostA, "10.10.0.20", "10.10.0.10")));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100,
                           inner_udp("00:00:00:00:00:00", kHostA, "10.10.0.20", "10.10.0.10")));
  h.step();
  CHECK(h.drops(DropReason::kInvalidSourceMac) == 2);
  expect_only(h, "p0", {});

  // Another UDP port is not VXLAN: a packet for the router's own address.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner, false, 0x08, 4790));
  h.step();
  CHECK(h.drops(DropReason::kLocalUnhandled) == 1);

  // Reserved bits set, and a correct checksum: accepted.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner, true, 0xff));
  h.step();
  expect_p0_and_relay(h, inner);
  // The VNI received it and the two with invalid sources: those were
  // decapsulated, and the bridge dropped them.
  CHECK(vni_stats(h, 100).rx_packets() == 3);
  check_books(h);
}

TEST_CASE("vxlan: in one burst, what the decap lane must not take gets the full checks") {
  // A run's packets that repeat the last decapsulated packet's VTEP, port and
  // VNI take the decap lane; every other case (a checksum to verify, bad
  // flags, a UDP length to trim or too long, a runt inner frame, a tagged
  // inner frame, another VNI or port, a fragment) must still get the full
  // checks, in the same burst.
  Harness h(kVxlan);
  settle(h);
  h.send("p0", inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20"));  // A is on p0
  h.step();
  h.recv_all();
  constexpr const char* kHostE = "02:00:00:00:0e:01";  // behind 100.64.0.3
  Bytes a = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1001);
  Bytes b = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1002);
  Bytes e = inner_udp(kHostE, kHostA, "10.10.0.30", "10.10.0.10", 1003);
  Bytes good = from_remote("100.64.0.2", kR2Mac, 100, a);
  h.send("p1", good);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b, true));  // checksum set: verified
  Bytes bad_sum = from_remote("100.64.0.2", kR2Mac, 100, b, true);
  bad_sum[bad_sum.size() - 1] ^= 0x01;
  h.send("p1", bad_sum);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b, false, 0x00));  // no I flag
  // The UDP length and the IP length disagree: 4 bytes shorter (trimmed),
  // 4 bytes longer (short).
  constexpr size_t kUdpLen = 14 + 20 + 4;
  auto get16 = [](const Bytes& f, size_t at) { return static_cast<uint16_t>(f[at] << 8 | f[at + 1]); };
  Bytes shorter = good;
  put16(shorter, kUdpLen, static_cast<uint16_t>(get16(good, kUdpLen) - 4));
  h.send("p1", shorter);
  Bytes longer = good;
  put16(longer, kUdpLen, static_cast<uint16_t>(get16(good, kUdpLen) + 4));
  h.send("p1", longer);
  // An inner frame shorter than an Ethernet header, its lengths consistent.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, Bytes(b.begin(), b.begin() + 10)));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, frame(kHostA, kHostB, 100)));  // tagged
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 999, b));                           // no such VNI
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b, false, 0x08, 4790));        // not VXLAN
  Ip4Opts frag;
  frag.mf = true;
  h.send("p1", eth(kUnderMac, kR2Mac, 0x0800,
                   ipv4("100.64.0.2", "100.64.0.1", 17,
                        udp_over("100.64.0.2", "100.64.0.1", 50000, 4789, vxlan(100, b), false),
                        frag)));
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, e));  // another remote, same lane
  h.send("p1", good);
  h.step();
  expect_only(h, "p0", {a, b, Bytes(a.begin(), a.end() - 4), e, a});
  CHECK(h.drops(DropReason::kVxlanBadChecksum) == 1);
  CHECK(h.drops(DropReason::kVxlanBadFlags) == 1);
  CHECK(h.drops(DropReason::kVxlanShort) == 2);
  CHECK(h.drops(DropReason::kVxlanInnerVlan) == 1);
  CHECK(h.drops(DropReason::kVxlanUnknownVni) == 1);
  CHECK(h.drops(DropReason::kLocalUnhandled) == 2);  // port 4790 and the fragment
  CHECK(vni_stats(h, 100).rx_packets() == 5);
  std::map<std::string, std::string> remotes = remote_macs(h);
  CHECK(remotes[kHostB] == "100.64.0.2");
  CHECK(remotes[kHostE] == "100.64.0.3");
  check_books(h);
}

TEST_CASE("vxlan: the decap lane a burst leaves is not taken after a new configuration") {
  // A worker keeps the last binding it decapsulated for its next bursts; a
  // new snapshot must make it check the next packet in full: here VNI 100
  // moves to VNI 101, so a packet for 100 has no binding any more.
  Harness h(kVxlan);
  settle(h);
  Bytes a = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1001);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, a));
  h.step();
  expect_p0_and_relay(h, a);
  std::string moved = kVxlan;
  const std::string from = "vnis: [{vni: 100, bridge: ov,";
  moved.replace(moved.find(from), from.size(), "vnis: [{vni: 101, bridge: ov,");
  REQUIRE(h.apply_yaml(moved).ok);
  h.step();
  h.recv_all();
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, a));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 101, a));
  h.step();
  CHECK(h.drops(DropReason::kVxlanUnknownVni) == 1);
  auto out = h.recv_all();
  REQUIRE(out["p0"].size() == 1);
  CHECK(hex(out["p0"][0]) == hex(a));
  CHECK(vni_stats(h, 101).rx_packets() == 1);
  check_books(h);
}

TEST_CASE("vxlan: known_remotes_only drops senders not configured for the VNI") {
  std::string cfg = kVxlan;
  cfg.replace(cfg.find("local_address: \"100.64.0.1\""), 27,
              "local_address: \"100.64.0.1\"\n    known_remotes_only: true");
  Harness h(cfg);
  [[maybe_unused]] uint16_t id = settle(h);
  Bytes inner = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10");
  h.send("p1", from_remote("100.64.0.9", kR2Mac, 100, inner));
  h.step();
  CHECK(h.drops(DropReason::kVxlanUnknownRemote) == 1);
  expect_only(h, "p0", {});
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, inner));
  h.step();
  expect_p0_and_relay(h, inner);
  check_books(h);
}

TEST_CASE("vxlan: frames that would exceed the underlay MTU are dropped, never fragmented") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  // Learn B behind 100.64.0.2 first.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10")));
  h.step();
  h.recv_all();
  id = h.dp().worker(0).ip_id;
  // Inner IP of 1450 bytes fits 1500 - 50 exactly; 1451 does not.
  Bytes fits = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", 1, 2, 1450 - 28);
  Bytes too_big = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", 1, 2, 1451 - 28);
  h.send("p0", fits);
  h.send("p0", too_big);
  h.step();
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, fits, id)});
  CHECK(h.drops(DropReason::kVxlanMtuExceeded) == 1);
  auto vteps = h.cp().vteps();
  REQUIRE(vteps.vteps_size() == 2);
  CHECK(vteps.vteps(0).inner_mtu() == 1450);
  CHECK(vteps.vteps(0).interface() == "under");
  CHECK(vteps.vteps(1).inner_mtu() == 1430);
  check_books(h);
}

TEST_CASE("vxlan: outer source port is stable per flow and spread across flows") {
  std::set<uint16_t> ports;
  for (uint16_t f = 0; f < 256; f++) {
    Bytes inner = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", static_cast<uint16_t>(10000 + f));
    uint16_t p = sport_of(inner);
    CHECK(p >= 49152);
    CHECK(sport_of(inner) == p);
    // The payload does not matter, only the flow.
    Bytes other = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", static_cast<uint16_t>(10000 + f), 2000, 100);
    CHECK(sport_of(other) == p);
    ports.insert(p);
  }
  CHECK(ports.size() >= 240);  // 256 flows over 16384 ports: a few collisions at most

  // On the wire: two flows to one remote leave with their own source ports.
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10")));
  h.step();
  h.recv_all();
  std::set<uint16_t> wire;
  for (uint16_t f = 0; f < 8; f++)
    for (int rep = 0; rep < 2; rep++)
      h.send("p0", inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", static_cast<uint16_t>(3000 + f)));
  h.step();
  auto out = h.recv("p1");
  REQUIRE(out.size() == 16);
  for (size_t i = 0; i < 16; i += 2) {
    uint16_t a = static_cast<uint16_t>(out[i][34] << 8 | out[i][35]);
    uint16_t b = static_cast<uint16_t>(out[i + 1][34] << 8 | out[i + 1][35]);
    CHECK(a == b);
    wire.insert(a);
  }
  CHECK(wire.size() >= 7);
}

TEST_CASE("vxlan: IPv6 underlay decap and encap with the outer UDP checksum") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  Bytes c_to_d = inner_udp(kHostC, kHostD, "10.30.0.3", "10.30.0.4");
  auto from6 = [&](const Bytes& inner, bool checksum) {
    Bytes u = udp_over("2001:db8:64::2", "2001:db8:64::1", 51000, 4789, vxlan(200, inner), true);
    if (!checksum) u[6] = u[7] = 0;
    return eth(kUnder6Mac, kR6Mac, 0x86dd, ipv6("2001:db8:64::2", "2001:db8:64::1", 17, u));
  };
  // A zero checksum is not allowed over IPv6.
  h.send("p3", from6(c_to_d, false));
  h.step();
  CHECK(h.drops(DropReason::kVxlanBadChecksum) == 1);
  h.send("p3", from6(c_to_d, true));
  h.step();
  expect_only(h, "p4", {c_to_d});
  CHECK(remote_macs(h) == std::map<std::string, std::string>{{kHostC, "2001:db8:64::2"}});
  // In one burst: the second and fourth packets take the decap lane,
  // whose checksum check must catch the third.
  Bytes bad = from6(c_to_d, true);
  bad[bad.size() - 1] ^= 0x01;
  h.send("p3", from6(c_to_d, true));
  h.send("p3", from6(c_to_d, true));
  h.send("p3", bad);
  h.send("p3", from6(c_to_d, true));
  h.step();
  expect_only(h, "p4", {c_to_d, c_to_d, c_to_d});
  CHECK(h.drops(DropReason::kVxlanBadChecksum) == 2);

  Bytes d_to_c = inner_udp(kHostD, kHostC, "10.30.0.4", "10.30.0.3", 7, 8, 18, 0x2e);
  h.send("p4", d_to_c);
  h.step();
  Bytes u = udp_over("2001:db8:64::1", "2001:db8:64::2", sport_of(d_to_c), 4789, vxlan(200, d_to_c), true);
  Bytes ip = ipv6("2001:db8:64::1", "2001:db8:64::2", 17, u);
  ip[0] = static_cast<uint8_t>(0x60 | (0x2e >> 4));  // traffic class inherited
  ip[1] = static_cast<uint8_t>((0x2e & 0x0f) << 4);
  expect_only(h, "p3", {eth(kR6Mac, kUnder6Mac, 0x86dd, ip)});
  check_books(h);
}

TEST_CASE("vxlan: a host behind a remote VTEP is routed through the bridge interface") {
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  // B pings the bridge interface: the answer goes straight back into the tunnel.
  Bytes echo = eth(kIrbMac, kHostB, 0x0800,
                   ipv4("10.10.0.20", "10.10.0.1", 1, icmp4(8, 0, 0x12340001, Bytes(8, 1))));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, echo));
  h.step();
  Bytes reply = eth(kHostB, kIrbMac, 0x0800,
                    ipv4("10.10.0.1", "10.10.0.20", 1, icmp4(0, 0, 0x12340001, Bytes(8, 1))));
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, reply, id)});

  // B to a host on another subnet: decapsulated, routed out the LAN port.
  Bytes b_to_lan = inner_udp(kHostB, kIrbMac, "10.10.0.20", "10.20.0.5");
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b_to_lan));
  h.step();
  Ip4Opts o;
  o.ttl = 63;
  expect_only(h, "p2", {eth(kLanHost, kLanMac, 0x0800,
                            ipv4("10.10.0.20", "10.20.0.5", 17, udp4("10.10.0.20", "10.20.0.5", 1000, 2000, 18), o))});
  // And back: routed into the bridge, B's MAC is behind 100.64.0.2: encapsulated.
  h.send("p2", eth(kLanMac, kLanHost, 0x0800,
                   ipv4("10.20.0.5", "10.10.0.20", 17, udp4("10.20.0.5", "10.10.0.20", 2000, 1000, 18))));
  h.step();
  Bytes routed = eth(kHostB, kIrbMac, 0x0800,
                     ipv4("10.20.0.5", "10.10.0.20", 17, udp4("10.20.0.5", "10.10.0.20", 2000, 1000, 18), o));
  expect_only(h, "p1", {to_remote("100.64.0.2", kR2Mac, 100, routed, static_cast<uint16_t>(id + 1))});
  check_books(h);
}

TEST_CASE("vxlan: remote MACs move between VTEPs and ports; static ones stay") {
  std::string cfg = kVxlan;
  cfg.replace(cfg.find("flood: [\"100.64.0.2\", \"100.64.0.3\"]"), 35,
              "flood: [\"100.64.0.2\", \"100.64.0.3\"], "
              "remote_macs: [{mac: \"02:00:00:00:0f:0f\", remote: \"100.64.0.3\"}]");
  Harness h(cfg);
  [[maybe_unused]] uint16_t id = settle(h);
  CHECK(remote_macs(h) == std::map<std::string, std::string>{{"02:00:00:00:0f:0f", "100.64.0.3 static"}});
  // Unicast to the static MAC: to its remote only.
  Bytes to_f = inner_udp(kHostA, "02:00:00:00:0f:0f", "10.10.0.10", "10.10.0.15");
  h.send("p0", to_f);
  h.step();
  expect_only(h, "p1", {to_remote("100.64.0.3", kR3Mac, 100, to_f, id)});

  Bytes from_b = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10");
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, from_b));
  h.step();
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, from_b));
  h.step();
  auto macs = remote_macs(h);
  CHECK(macs[kHostB] == "100.64.0.3");
  // The static MAC does not move when it shows up behind another remote.
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100,
                           inner_udp("02:00:00:00:0f:0f", kHostA, "10.10.0.15", "10.10.0.10")));
  h.step();
  CHECK(remote_macs(h)["02:00:00:00:0f:0f"] == "100.64.0.3 static");
  // B appears on the local port: it is no longer a remote MAC.
  h.send("p0", inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10"));
  h.step();
  CHECK(remote_macs(h).count(kHostB) == 0);
  h.recv_all();
  // Removing the VTEP flushes what was learned behind it.
  std::string no_vxlan = kVxlan.substr(0, kVxlan.find("vteps:"));
  REQUIRE(h.apply_yaml(no_vxlan).ok);
  CHECK(remote_macs(h).empty());
  check_books(h);
}

TEST_CASE("vxlan: a bridge domain bound twice or a VTEP off the router's addresses is rejected") {
  Harness h(kVxlan);
  std::string twice = kVxlan;
  twice.insert(twice.find("router:"), R"(  - name: vt4b
    local_address: "100.64.0.1"
    udp_port: 8472
    vnis: [{vni: 300, bridge: ov}]
)");
  ApplyResult r = h.apply_yaml(twice);
  REQUIRE_FALSE(r.ok);
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].path == "vteps[2].vnis[0]");
  std::string off = kVxlan;
  off.replace(off.find("local_address: \"100.64.0.1\""), 27, "local_address: \"100.64.0.7\"");
  r = h.apply_yaml(off);
  REQUIRE_FALSE(r.ok);
  CHECK(r.errors[0].path == "vteps[0].local_address");
}

TEST_CASE("vxlan: VTEPs sharing an address, and VTEPs on two addresses, each decapsulate their own") {
  // The router's classifier compares an IPv4 destination with the one VTEP
  // address when there is one (VxlanTables::local4_word) and walks the
  // list when there are several: a VTEP missed either way would see its
  // packets forwarded or dropped instead of decapsulated. All three VTEPs
  // bind VNI 100, so in one burst only the address or the port tells them
  // apart (the decap lane must compare both).
  std::string cfg = kVxlan;
  auto add_after = [&](const std::string& anchor, const std::string& text) {
    insert_after(cfg, anchor, text);
  };
  add_after("  - {name: p4, device: x4}\n", "  - {name: p5, device: x5}\n  - {name: p6, device: x6}\n");
  add_after("  - {name: ov6, members: [{port: p4}]}\n",
            "  - {name: ov3, members: [{port: p5}]}\n  - {name: ov4, members: [{port: p6}]}\n");
  add_after("vteps:\n", R"(  - name: vt4b
    local_address: "100.64.0.1"
    udp_port: 8472
    vnis: [{vni: 100, bridge: ov3}]
)");
  Harness h(cfg);
  settle(h);
  const VxlanTables& one = h.dp().tables()->vxlan;
  REQUIRE(one.local4.size() == 1);  // two VTEPs, one address
  CHECK(one.local4_word == RTE_IPV4(100, 64, 0, 1));
  Bytes a = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1001);
  Bytes b = inner_udp(kHostB, kHostA, "10.30.0.20", "10.30.0.10", 1002);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b, false, 0x08, 8472));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, a));
  h.step();
  auto out = h.recv_all();
  REQUIRE(out["p5"].size() == 1);
  CHECK(hex(out["p5"][0]) == hex(b));
  REQUIRE(out["p0"].size() == 1);
  CHECK(hex(out["p0"][0]) == hex(a));

  // A third VTEP on a second address of the underlay interface. A route
  // from the underlay's sources to that address outranks its local route
  // (a longer source): a packet the classifier did not take for a VTEP's
  // would be forwarded to 10.20.0.5 instead of decapsulated.
  add_after("addresses: [\"100.64.0.1/24\"", ", \"100.64.1.1/24\"");
  add_after("vteps:\n", R"(  - name: vt4c
    local_address: "100.64.1.1"
    vnis: [{vni: 100, bridge: ov4}]
)");
  add_after("router: {icmp_rate_per_second: 0}\n", R"(routes:
  - {destination: "100.64.1.1/32", source: "100.64.0.0/24", next_hops: [{gateway: "10.20.0.5"}]}
)");
  REQUIRE(h.apply_yaml(cfg).ok);
  h.step();
  h.recv_all();
  const VxlanTables& two = h.dp().tables()->vxlan;
  REQUIRE(two.local4.size() == 2);
  CHECK(two.local4_word == VxlanTables::kLocal4Several);
  Bytes c = inner_udp(kHostC, kHostA, "10.40.0.30", "10.40.0.10", 1003);
  h.send("p1", eth(kUnderMac, kR2Mac, 0x0800,
                   ipv4("100.64.0.2", "100.64.1.1", 17,
                        udp_over("100.64.0.2", "100.64.1.1", 50000, 4789, vxlan(100, c), false))));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, a));  // another address
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, b, false, 0x08, 8472));  // another port
  h.step();
  out = h.recv_all();
  REQUIRE(out["p6"].size() == 1);
  CHECK(hex(out["p6"][0]) == hex(c));
  REQUIRE(out["p5"].size() == 1);
  CHECK(hex(out["p5"][0]) == hex(b));
  REQUIRE(out["p0"].size() == 1);
  CHECK(hex(out["p0"][0]) == hex(a));
  CHECK(out["p2"].empty());
  check_books(h);
}

TEST_CASE("vxlan: each port reports how VXLAN traffic is spread; without rte_flow it falls back") {
  {
    Harness h(kVxlan);
    pb::ListPortsResponse ports = h.cp().ports();
    for (const auto& p : ports.ports()) CHECK(p.vxlan_rss() == "single-queue");
  }
  // Two queues on ring ports: no RSS, no rte_flow support: the rule is refused
  // cleanly and the port says so.
  Harness h(kVxlan, 2, true, 2);
  pb::ListPortsResponse ports = h.cp().ports();
  REQUIRE(ports.ports_size() == 5);
  for (const auto& p : ports.ports()) CHECK(p.vxlan_rss() == "no-rss");
  uint16_t id = settle(h);
  // Traffic still flows on the worker that polls the queue it arrived on.
  Bytes inner = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10");
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner));
  h.step();
  expect_p0_and_relay(h, inner);
  (void)id;
}

TEST_CASE("vxlan: with remotes_full_mesh nothing from one remote goes to another") {
  std::string cfg = kVxlan;
  cfg.replace(cfg.find("local_address: \"100.64.0.1\""), 27,
              "local_address: \"100.64.0.1\"\n    remotes_full_mesh: true");
  Harness h(cfg);
  settle(h);
  Bytes bcast = eth("ff:ff:ff:ff:ff:ff", kHostB, 0x88b5, Bytes(46, 0x11));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, bcast));
  h.step();
  // Local member only (the bridge interface's copy is dropped by ether type).
  expect_only(h, "p0", {bcast});
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, inner_udp(kHostC, kHostA, "10.10.0.30", "10.10.0.10")));
  h.step();
  h.recv_all();
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner_udp(kHostB, kHostC, "10.10.0.20", "10.10.0.30")));
  h.step();
  expect_only(h, "p0", {});
  CHECK(h.drops(DropReason::kSamePort) == 1);
  check_books(h);
}

TEST_CASE("vxlan: remote MACs age like local ones; outer TTL, fixed DSCP and DF follow the VTEP") {
  FakeClock clk;
  std::string cfg = kVxlan;
  cfg.replace(cfg.find("local_address: \"100.64.0.1\""), 27,
              "local_address: \"100.64.0.1\"\n    ttl: 9\n    dscp_mode: FIXED\n    dscp: 46\n"
              "    df: DF_SET");
  cfg.replace(cfg.find("{name: ov, members"), 18, "{name: ov, ageing_seconds: 10, members");
  Harness h(cfg);
  uint16_t id = settle(h);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10")));
  h.step();
  h.recv_all();
  id = h.dp().worker(0).ip_id;
  REQUIRE(remote_macs(h).count(kHostB) == 1);
  // ECN bits (here CE, 0x3) are kept under the fixed DSCP; TTL and DF as configured.
  Bytes a_to_b = inner_udp(kHostA, kHostB, "10.10.0.10", "10.10.0.20", 1, 2, 18, 0x03);
  h.send("p0", a_to_b);
  h.step();
  Ip4Opts o;
  o.id = id;
  o.tos = 46 << 2 | 0x3;
  o.df = true;
  o.ttl = 9;
  expect_only(h, "p1", {eth(kR2Mac, kUnderMac, 0x0800,
                            ipv4("100.64.0.1", "100.64.0.2", 17,
                                 udp_over("100.64.0.1", "100.64.0.2", sport_of(a_to_b), 4789,
                                          vxlan(100, a_to_b), false), o))});
  clk.advance(11 * kNsPerSec);
  CHECK(h.dp().learner().age(clock_now_ns()) >= 1);
  CHECK(remote_macs(h).count(kHostB) == 0);
  // Unknown again: flooded to both remotes.
  h.send("p0", a_to_b);
  h.step();
  CHECK(h.recv("p1").size() == 2);
}

TEST_CASE("vxlan: IPv6 and non-IP inner frames are relayed between remotes with their own hash") {
  Harness h(kVxlan);
  uint16_t id = settle(h);
  // Decapsulated frames start at odd offsets in the mbuf: hashing them must
  // not assume alignment (UBSan checks this build).
  Bytes v6 = eth(kHostC, kHostB, 0x86dd,
                 ipv6("2001:db8:77::2", "2001:db8:77::3", 17,
                      udp_over("2001:db8:77::2", "2001:db8:77::3", 5, 6, Bytes(10, 7), true)));
  Bytes other = eth(kHostC, kHostB, 0x88b5, Bytes(50, 0x42));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, v6));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, other));
  h.step();
  auto out = h.recv_all();
  REQUIRE(out["p0"].size() == 2);
  REQUIRE(out["p1"].size() == 2);
  CHECK(hex(out["p1"][0]) == hex(to_remote("100.64.0.3", kR3Mac, 100, v6, id)));
  CHECK(hex(out["p1"][1]) == hex(to_remote("100.64.0.3", kR3Mac, 100, other, static_cast<uint16_t>(id + 1))));
  // The IPv6 flow hash covers the addresses and ports: another port, another source port.
  Bytes v6b = v6;
  v6b[14 + 40 + 1] = 9;  // UDP source port 5 -> 9 (the checksum does not matter here)
  CHECK(sport_of(v6b) != sport_of(v6));
  check_books(h);
}

TEST_CASE("vxlan: inner frames routed a burst at a time keep their order and their own tunnel") {
  // Routed inner frames go to the router a run at a time, each with the index
  // of its remote (TunnelSources); one that turns out to have no route is
  // answered back into the tunnel it came from, not the run's first or last.
  Harness h(kVxlan);
  [[maybe_unused]] uint16_t id = settle(h);
  const char* kHostX = "02:00:00:00:0c:33";  // 10.10.0.30 behind 100.64.0.3
  Bytes first = inner_udp(kHostB, kIrbMac, "10.10.0.20", "10.20.0.5", 1001);
  Bytes nowhere = inner_udp(kHostX, kIrbMac, "10.10.0.30", "172.31.0.1");
  Bytes second = inner_udp(kHostB, kIrbMac, "10.10.0.20", "10.20.0.5", 1002);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, first));
  h.send("p1", from_remote("100.64.0.3", kR3Mac, 100, nowhere));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, second));
  h.step();
  auto out = h.recv_all();
  Ip4Opts o;
  o.ttl = 63;
  REQUIRE(out["p2"].size() == 2);
  CHECK(hex(out["p2"][0]) == hex(eth(kLanHost, kLanMac, 0x0800,
                                     ipv4("10.10.0.20", "10.20.0.5", 17,
                                          udp4("10.10.0.20", "10.20.0.5", 1001, 2000, 18), o))));
  CHECK(hex(out["p2"][1]) == hex(eth(kLanHost, kLanMac, 0x0800,
                                     ipv4("10.10.0.20", "10.20.0.5", 17,
                                          udp4("10.10.0.20", "10.20.0.5", 1002, 2000, 18), o))));
  // The net unreachable goes to 100.64.0.3 only: one tunnel packet, nothing flooded.
  CHECK(out["p0"].empty());
  REQUIRE(out["p1"].size() == 1);
  const Bytes& back = out["p1"][0];
  constexpr size_t kInner = 14 + 20 + 8 + 8;
  REQUIRE(back.size() > kInner + 14 + 20 + 1);
  auto mac_of = [](const char* m) {
    auto a = mac(m);
    return Bytes(a.begin(), a.end());
  };
  CHECK(hex(slice(back, 0, 6)) == hex(mac_of(kR3Mac)));
  CHECK(hex(slice(back, 30, 4)) == hex(Bytes{100, 64, 0, 3}));
  CHECK(hex(slice(back, kInner, 6)) == hex(mac_of(kHostX)));
  CHECK(hex(slice(back, kInner + 14 + 16, 4)) == hex(Bytes{10, 10, 0, 30}));
  CHECK(back[kInner + 14 + 20] == 3);  // ICMP destination unreachable
  CHECK(h.drops(DropReason::kNoRoute) == 1);
  check_books(h);
}

TEST_CASE("vxlan: one burst mixing bindings, drops and non-VXLAN is decapsulated a run at a time, in order") {
  // The decap run strips a packet that repeats the binding before it with
  // the lane's compares and hands each binding's frames to its bridge
  // together; every packet must still take its own way: its own domain, its
  // drop, the general path, the router.
  std::string cfg = kVxlan;
  auto add_after = [&](const std::string& anchor, const std::string& text) {
    insert_after(cfg, anchor, text);
  };
  add_after("  - {name: p4, device: x4}\n", "  - {name: p5, device: x5}\n");
  add_after("  - {name: ov6, members: [{port: p4}]}\n", "  - {name: ov2, members: [{port: p5}]}\n");
  add_after(R"(vnis: [{vni: 100, bridge: ov, flood: ["100.64.0.2", "100.64.0.3"]})",
            ", {vni: 101, bridge: ov2}");
  Harness h(cfg);
  uint16_t id = settle(h);
  // The router's classifier finds IPv4 VTEP addresses in this list: without
  // it, every packet below would take the general path one at a time.
  const std::vector<uint32_t>& local4 = h.dp().tables()->vxlan.local4;
  REQUIRE(local4.size() == 1);
  CHECK(local4[0] == RTE_BE32(RTE_IPV4(100, 64, 0, 1)));
  constexpr const char* kHostY = "02:00:00:00:0f:01";  // behind 100.64.0.2, in ov2
  constexpr const char* kHostZ = "02:00:00:00:0f:02";  // unknown, in ov2
  Bytes x1 = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1001);
  Bytes x2 = inner_udp(kHostB, kHostA, "10.10.0.20", "10.10.0.10", 1002);
  Bytes y1 = inner_udp(kHostY, kHostZ, "10.30.0.2", "10.30.0.3", 1003);
  Bytes y2 = inner_udp(kHostY, kHostZ, "10.30.0.2", "10.30.0.3", 1004);
  Bytes routed = inner_udp(kHostB, kIrbMac, "10.10.0.20", "10.20.0.5", 1005);
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, x1));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 101, y1));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, x2));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, x1, false, 0x08, 4790));  // not VXLAN
  // An echo to the VTEP's address: answered by the general path after the
  // frames before it have gone their way.
  h.send("p1", eth(kUnderMac, kR2Mac, 0x0800,
                   ipv4("100.64.0.2", "100.64.0.1", 1, icmp4(8, 0, 0x12340001, Bytes(8, 1)))));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 999, x1));  // unknown VNI
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 101, y2));
  h.send("p1", from_remote("100.64.0.2", kR2Mac, 100, routed));
  h.step();
  auto out = h.recv_all();
  CHECK(out.size() == 4);
  REQUIRE(out["p0"].size() == 2);
  CHECK(hex(out["p0"][0]) == hex(x1));
  CHECK(hex(out["p0"][1]) == hex(x2));
  REQUIRE(out["p5"].size() == 2);
  CHECK(hex(out["p5"][0]) == hex(y1));
  CHECK(hex(out["p5"][1]) == hex(y2));
  // Unknown unicast in VNI 100 is relayed to the other remote (VNI 101 has no
  // flood list), and the echo answered after both.
  REQUIRE(out["p1"].size() == 3);
  CHECK(hex(out["p1"][0]) == hex(to_remote("100.64.0.3", kR3Mac, 100, x1, id)));
  CHECK(hex(out["p1"][1]) == hex(to_remote("100.64.0.3", kR3Mac, 100, x2, static_cast<uint16_t>(id + 1))));
  REQUIRE(out["p1"][2].size() >= 14 + 20 + 8);
  CHECK(hex(slice(out["p1"][2], 0, 6)) == hex(slice(eth(kR2Mac, kUnderMac, 0x0800, {}), 0, 6)));
  CHECK(out["p1"][2][14 + 20] == 0);  // echo reply
  Ip4Opts o;
  o.ttl = 63;
  REQUIRE(out["p2"].size() == 1);
  CHECK(hex(out["p2"][0]) == hex(eth(kLanHost, kLanMac, 0x0800,
                                     ipv4("10.10.0.20", "10.20.0.5", 17,
                                          udp4("10.10.0.20", "10.20.0.5", 1005, 2000, 18), o))));
  CHECK(h.drops(DropReason::kLocalUnhandled) == 1);
  CHECK(h.drops(DropReason::kVxlanUnknownVni) == 1);
  CHECK(vni_stats(h, 100).rx_packets() == 3);
  CHECK(vni_stats(h, 101).rx_packets() == 2);
  // Each source is learned behind the sender in its own domain.
  h.step();
  CHECK(remote_macs(h) ==
        std::map<std::string, std::string>{{kHostB, "100.64.0.2"}, {kHostY, "100.64.0.2"}});
  check_books(h);
}
