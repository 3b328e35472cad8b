// Golden packet tests for the L2 learning bridge: crafted frames in, exact
// frames out, through the real pipeline on ring ports.
#include <catch2/catch.hpp>

#include "packet_harness.h"
#include "pipeline/clock.h"

using namespace sy;
using namespace sy::test;

namespace {

constexpr const char* kA = "02:00:00:00:00:0a";
constexpr const char* kB = "02:00:00:00:00:0b";
constexpr const char* kC = "02:00:00:00:00:0c";
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

const std::string kPorts = R"(
ports:
  - {name: p1, device: x1}
  - {name: p2, device: x2}
  - {name: p3, device: x3}
)";

const std::string kFlat = kPorts + R"(
bridges:
  - name: br0
    members: [{port: p1}, {port: p2}, {port: p3}]
)";

const std::string kFlatAgeing10 = kPorts + R"(
bridges:
  - name: br0
    ageing_seconds: 10
    members: [{port: p1}, {port: p2}, {port: p3}]
)";

// p1: access VLAN 10, p2: access VLAN 20, p3: trunk 10,20.
const std::string kVlans = kPorts + R"(
bridges:
  - name: br0
    members:
      - {port: p1, mode: ACCESS, access_vlan: 10}
      - {port: p2, mode: ACCESS, access_vlan: 20}
      - {port: p3, mode: TRUNK, allowed_vlans: [10, 20]}
)";

}  // namespace

TEST_CASE("unknown unicast floods to every other member, never back (split horizon)") {
  FakeClock clk;
  Harness h(kFlat);
  Bytes f = frame(kB, kA, std::nullopt, 0x0800, 46, 1);
  h.send("p1", f);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 2);
  REQUIRE(out["p2"] == std::vector<Bytes>{f});
  REQUIRE(out["p3"] == std::vector<Bytes>{f});
  REQUIRE(h.flood_copies() == 1);
  REQUIRE(h.rx() == 1);
  REQUIRE(h.tx() == 2);
}

TEST_CASE("a learned MAC receives unicast on its port only") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p1", frame(kBcast, kA, std::nullopt, 0x0806, 46, 1));
  h.step();
  h.recv_all();
  clk.advance(kNsPerSec);
  Bytes reply = frame(kA, kB, std::nullopt, 0x0800, 46, 2);
  h.send("p2", reply);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p1"] == std::vector<Bytes>{reply});
  pb::ListMacsResponse macs;
  std::string err;
  REQUIRE(h.cp().macs("br0", &macs, &err));
  REQUIRE(macs.macs_size() == 2);  // A on p1, B on p2
  REQUIRE(macs.macs(0).mac() == kA);
  REQUIRE(macs.macs(0).port() == "p1");
  REQUIRE(macs.macs(1).mac() == kB);
  REQUIRE(macs.macs(1).port() == "p2");
}

TEST_CASE("broadcast and multicast are flooded even when the destination is known") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p2", frame(kA, kB, std::nullopt));
  h.step();
  h.recv_all();
  Bytes mc = frame("01:00:5e:00:00:01", kA, std::nullopt, 0x0800, 46, 7);
  h.send("p1", mc);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out["p2"] == std::vector<Bytes>{mc});
  REQUIRE(out["p3"] == std::vector<Bytes>{mc});
  REQUIRE(out.count("p1") == 0);
}

TEST_CASE("a MAC seen on another port moves there") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.step();
  clk.advance(kNsPerSec);
  h.send("p3", frame(kBcast, kA, std::nullopt));  // A moved to p3
  h.step();
  h.recv_all();
  clk.advance(kNsPerSec);
  Bytes to_a = frame(kA, kB, std::nullopt, 0x0800, 46, 3);
  h.send("p2", to_a);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p3"] == std::vector<Bytes>{to_a});
  auto stats = h.cp().stats();
  REQUIRE(stats.bridges(0).moves() == 1);
}

TEST_CASE("entries age out after the bridge's ageing time and traffic floods again") {
  FakeClock clk;
  Harness h(kFlatAgeing10);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.step();
  h.recv_all();
  clk.advance(9 * kNsPerSec);
  REQUIRE(h.dp().learner().age(clock_now_ns()) == 0);
  Bytes to_a = frame(kA, kB, std::nullopt);
  h.send("p2", to_a);
  h.step();
  REQUIRE(h.recv_all().size() == 1);  // still known: unicast to p1
  // B was learned at t=9; A at t=0. At t=10.5 A has aged, B not.
  clk.advance(1500 * 1'000'000ull);
  REQUIRE(h.dp().learner().age(clock_now_ns()) == 1);
  h.send("p3", to_a);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 2);  // flooded to p1 and p2
  REQUIRE(h.cp().stats().bridges(0).aged() == 1);
}

TEST_CASE("access → trunk pushes the access VLAN tag; other VLANs do not see the frame") {
  FakeClock clk;
  Harness h(kVlans);
  Bytes in = frame(kBcast, kA, std::nullopt, 0x0806, 46, 5);
  h.send("p1", in);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(hex(out["p3"].at(0)) == hex(frame(kBcast, kA, 10, 0x0806, 46, 5)));
}

TEST_CASE("trunk → access pops the tag; the VLAN selects the access port") {
  FakeClock clk;
  Harness h(kVlans);
  h.send("p3", frame(kBcast, kB, 20, 0x0806, 46, 6, /*pcp=*/5));
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(hex(out["p2"].at(0)) == hex(frame(kBcast, kB, std::nullopt, 0x0806, 46, 6)));
}

TEST_CASE("trunk → trunk keeps the tag and its priority bits") {
  FakeClock clk;
  Harness h(kPorts + R"(
bridges:
  - name: br0
    members:
      - {port: p1, mode: TRUNK, allowed_vlans: [10, 20]}
      - {port: p3, mode: TRUNK, allowed_vlans: [20]}
)");
  Bytes in = frame(kBcast, kA, 20, 0x86dd, 60, 9, 3);
  h.send("p1", in);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out["p3"] == std::vector<Bytes>{in});
}

TEST_CASE("native VLAN: untagged frames on a trunk join it and leave untagged") {
  FakeClock clk;
  Harness h(kPorts + R"(
bridges:
  - name: br0
    members:
      - {port: p1, mode: ACCESS, access_vlan: 10}
      - {port: p3, mode: TRUNK, allowed_vlans: [20], native_vlan: 10}
)");
  Bytes in = frame(kBcast, kA, std::nullopt, 0x0800, 46, 4);
  h.send("p3", in);
  h.step();
  REQUIRE(h.recv_all()["p1"] == std::vector<Bytes>{in});
  h.send("p1", in);
  h.step();
  REQUIRE(h.recv_all()["p3"] == std::vector<Bytes>{in});
}

TEST_CASE("frames a member does not carry are dropped by named reason") {
  FakeClock clk;
  Harness h(kVlans);
  h.send("p3", frame(kBcast, kA, 30));                 // VLAN 30 not allowed
  h.send("p3", frame(kBcast, kA, std::nullopt));       // untagged on a trunk without native
  h.send("p1", frame(kBcast, kA, 20));                 // tagged 20 on access VLAN 10
  h.send("p1", frame(kBcast, "01:00:00:00:00:01", std::nullopt));  // multicast source
  h.send("p1", frame(kBcast, "00:00:00:00:00:00", std::nullopt));  // zero source
  h.send("p1", Bytes(10, 0xff));                       // runt
  h.step();
  REQUIRE(h.recv_all().empty());
  REQUIRE(h.drops(DropReason::kVlanNotAllowed) == 1);
  REQUIRE(h.drops(DropReason::kUntaggedOnTrunk) == 1);
  REQUIRE(h.drops(DropReason::kTaggedOnAccess) == 1);
  REQUIRE(h.drops(DropReason::kInvalidSourceMac) == 2);
  REQUIRE(h.drops(DropReason::kRunt) == 1);
  REQUIRE(h.rx() == 6);
  REQUIRE(h.total_drops() == 6);
}

TEST_CASE("a frame to a MAC learned on the ingress port is filtered, not reflected") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.step();
  h.recv_all();
  clk.advance(kNsPerSec);
  h.send("p1", frame(kA, kC, std::nullopt));
  h.step();
  REQUIRE(h.recv_all().empty());
  REQUIRE(h.drops(DropReason::kSamePort) == 1);
}

TEST_CASE("when the MAC limit is reached new sources are not learned, counted, and flooded") {
  FakeClock clk;
  Harness h(kPorts + R"(
bridges:
  - name: br0
    mac_limit: 2
    members: [{port: p1}, {port: p2}, {port: p3}]
)");
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.send("p1", frame(kBcast, kB, std::nullopt));
  h.send("p1", frame(kBcast, kC, std::nullopt));
  h.step();
  h.recv_all();
  auto st = h.cp().stats().bridges(0);
  REQUIRE(st.macs() == 2);
  REQUIRE(st.limit_hits() == 1);
  clk.advance(kNsPerSec);
  h.send("p2", frame(kC, "02:00:00:00:00:99", std::nullopt));
  h.step();
  REQUIRE(h.recv_all().size() == 2);  // C unknown: flooded to p1 and p3
}

TEST_CASE("static MACs forward without learning and never move") {
  FakeClock clk;
  Harness h(kPorts + R"(
bridges:
  - name: br0
    members: [{port: p1}, {port: p2}, {port: p3}]
    static_macs: [{mac: "02:00:00:00:00:0b", port: p2}]
)");
  h.send("p3", frame(kBcast, kB, std::nullopt));  // B shows up on p3: must not move
  h.step();
  h.recv_all();
  clk.advance(kNsPerSec);
  Bytes to_b = frame(kB, kA, std::nullopt);
  h.send("p1", to_b);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p2"] == std::vector<Bytes>{to_b});
  clk.advance(1000 * kNsPerSec);
  h.dp().learner().age(clock_now_ns());
  pb::ListMacsResponse macs;
  std::string err;
  REQUIRE(h.cp().macs("", &macs, &err));
  bool static_b = false;
  for (const auto& m : macs.macs()) static_b |= m.mac() == kB && m.is_static() && m.port() == "p2";
  REQUIRE(static_b);
}

TEST_CASE("learned MACs survive a config swap; a rejected config changes nothing") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.step();
  h.recv_all();
  ApplyResult ok = h.apply_yaml(kPorts + R"(
bridges:
  - name: br0
    ageing_seconds: 600
    members: [{port: p1}, {port: p2}, {port: p3}]
)");
  REQUIRE(ok.ok);
  REQUIRE(ok.generation == 2);
  ApplyResult bad = h.apply_yaml(kPorts + R"(
bridges:
  - name: br0
    members: [{port: p1}, {port: p9}, {port: p3, mode: TRUNK, allowed_vlans: [5, 5]}]
)");
  REQUIRE_FALSE(bad.ok);
  REQUIRE(bad.generation == 2);
  REQUIRE(bad.errors.size() == 2);
  CHECK(bad.errors[0].path == "bridges[0].members[1].port");
  CHECK(bad.errors[1].path == "bridges[0].members[2].allowed_vlans[1]");
  REQUIRE(h.cp().get_config().config().bridges(0).ageing_seconds() == 600);
  clk.advance(kNsPerSec);
  Bytes to_a = frame(kA, kB, std::nullopt);
  h.send("p2", to_a);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p1"] == std::vector<Bytes>{to_a});
}

TEST_CASE("dry run reports the diff and changes nothing") {
  FakeClock clk;
  Harness h(kFlat);
  ApplyResult r = h.apply_yaml(kPorts + R"(
bridges:
  - name: br0
    mac_limit: 100
    members: [{port: p1}, {port: p2}, {port: p3}]
)", true);
  REQUIRE(r.ok);
  REQUIRE(r.generation == 1);
  REQUIRE(!r.diff.empty());
  REQUIRE(r.diff[0].find("mac_limit") != std::string::npos);
  REQUIRE(h.cp().get_config().config().bridges(0).mac_limit() == 0);
}

TEST_CASE("removing a port from a bridge flushes its MACs; removing the bridge flushes all") {
  FakeClock clk;
  Harness h(kFlat);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.send("p2", frame(kBcast, kB, std::nullopt));
  h.step();
  h.recv_all();
  REQUIRE(h.dp().macs().count() == 2);
  REQUIRE(h.apply_yaml(kPorts + R"(
bridges:
  - name: br0
    members: [{port: p2}, {port: p3}]
)").ok);
  REQUIRE(h.dp().macs().count() == 1);
  h.send("p1", frame(kBcast, kC, std::nullopt));
  h.step();
  REQUIRE(h.recv_all().empty());
  REQUIRE(h.drops(DropReason::kNotBridged) == 1);
  REQUIRE(h.apply_yaml(kPorts).ok);
  REQUIRE(h.dp().macs().count() == 0);
}

TEST_CASE("every received packet is transmitted or dropped by reason") {
  FakeClock clk;
  Harness h(kVlans);
  for (uint32_t i = 0; i < 200; i++) {
    char src[18];
    std::snprintf(src, sizeof(src), "02:00:00:00:%02x:%02x", i / 256, i % 256);
    std::string port = i % 3 == 0 ? "p1" : i % 3 == 1 ? "p2" : "p3";
    std::optional<uint16_t> tag;
    if (port == "p3") tag = i % 2 ? 10 : 30;
    h.send(port, frame(i % 5 ? kBcast : kA, src, tag, 0x0800, 46, i));
    if (i % 32 == 31) h.step();
  }
  h.step();
  size_t out = 0;
  for (auto& [p, frames] : h.recv_all()) out += frames.size();
  REQUIRE(h.rx() == 200);
  REQUIRE(h.tx() == out);
  REQUIRE(h.rx() + h.flood_copies() == h.tx() + h.total_drops());
  auto w = h.cp().stats().workers(0);
  REQUIRE(w.flood_copies() == h.flood_copies());
  REQUIRE(w.learn_events() > 0);
  REQUIRE(w.learn_queue_full() == 0);
}

TEST_CASE("a MAC the worker has cached follows moves, static pinning and removal at once") {
  // Workers keep hot MACs in a private cache in front of the shared table;
  // every change the learner makes must reach the next poll.
  FakeClock clk;
  std::string cfg = kFlatAgeing10;
  Harness h(cfg);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.step();
  h.recv_all();
  Bytes to_a = frame(kA, kB, std::nullopt, 0x0800, 46, 1);
  for (int i = 0; i < 3; i++) {  // cached after the first
    h.send("p2", to_a);
    h.step();
    auto out = h.recv_all();
    REQUIRE(out.size() == 1);
    REQUIRE(out["p1"] == std::vector<Bytes>{to_a});
  }
  clk.advance(kNsPerSec);
  h.send("p3", frame(kBcast, kA, std::nullopt));  // A moves to p3
  h.step();
  h.recv_all();
  h.send("p2", to_a);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p3"] == std::vector<Bytes>{to_a});
  // Pinned to p1 by config: frames from A on p3 no longer move it.
  std::string pinned = cfg + "    static_macs: [{mac: \"02:00:00:00:00:0a\", port: p1}]\n";
  REQUIRE(h.apply_yaml(pinned).ok);
  h.send("p3", frame(kBcast, kA, std::nullopt));
  h.step();
  h.recv_all();
  h.send("p2", to_a);
  h.step();
  out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p1"] == std::vector<Bytes>{to_a});
  // Unpinned: the static entry is removed, so A is unknown and flooded.
  REQUIRE(h.apply_yaml(cfg).ok);
  h.send("p2", to_a);
  h.step();
  out = h.recv_all();
  REQUIRE(out.size() == 2);  // p1 and p3
}

TEST_CASE("conversations the worker's flow cache answers keep their MACs alive and follow a move") {
  // After its first frames a conversation is answered by one flow-cache
  // probe that neither looks at nor touches the source's table entry: the
  // cache must still refresh the source's time each second (or it ages out
  // while talking) and must not answer for a source that moved.
  FakeClock clk;
  Harness h(kFlatAgeing10);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.send("p2", frame(kBcast, kB, std::nullopt));
  h.step();
  h.recv_all();
  Bytes b_to_a = frame(kA, kB, std::nullopt, 0x0800, 46, 1);
  Bytes a_to_b = frame(kB, kA, std::nullopt, 0x0800, 46, 2);
  for (int s = 0; s < 25; s++) {  // 2.5 ageing times, four frames each way a second
    for (int i = 0; i < 4; i++) {
      h.send("p2", b_to_a);
      h.send("p1", a_to_b);
      h.step();
      auto out = h.recv_all();
      REQUIRE(out.size() == 2);
      REQUIRE(out["p1"] == std::vector<Bytes>{b_to_a});
      REQUIRE(out["p2"] == std::vector<Bytes>{a_to_b});
      clk.advance(kNsPerSec / 4);
    }
    REQUIRE(h.dp().learner().age(clock_now_ns()) == 0);
  }
  // B moves to p3 and keeps talking to A within the same second: the same
  // conversation from another port takes the full path, which learns the move.
  h.send("p2", b_to_a);
  h.step();
  REQUIRE(h.recv_all()["p1"] == std::vector<Bytes>{b_to_a});
  h.send("p3", b_to_a);
  h.step();
  REQUIRE(h.recv_all()["p1"] == std::vector<Bytes>{b_to_a});
  h.send("p1", a_to_b);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.size() == 1);
  REQUIRE(out["p3"] == std::vector<Bytes>{a_to_b});
  REQUIRE(h.cp().stats().bridges(0).moves() == 1);
  // 2 broadcasts and 200 + 3 unicast frames. Misses: the broadcasts, each
  // conversation's first frame in each of the 25 seconds (50), the frame
  // after the loop (a new second), the one from p3 and A's answer (B moved).
  auto w = h.cp().stats().workers(0);
  CHECK(w.l2_flow_hits() + w.l2_flow_misses() == 205);
  CHECK(w.l2_flow_hits() == 150);
  CHECK(w.l2_flow_misses() == 55);
}

TEST_CASE("conversations between an access port and a trunk are tagged by the flow cache as at first") {
  // From its second frame a conversation is answered by the worker's flow
  // cache, which carries whether the frame leaves tagged: the tag must be
  // pushed (access → trunk) and popped (trunk → access) on every frame.
  FakeClock clk;
  Harness h(kVlans);
  h.send("p1", frame(kBcast, kA, std::nullopt));
  h.send("p3", frame(kBcast, kB, 10));
  h.step();
  h.recv_all();
  for (int i = 0; i < 4; i++) {
    h.send("p1", frame(kB, kA, std::nullopt, 0x0800, 46, 1));
    h.send("p3", frame(kA, kB, 10, 0x0800, 46, 2, /*pcp=*/3));
    h.step();
    auto out = h.recv_all();
    REQUIRE(out.size() == 2);
    REQUIRE(hex(out["p3"].at(0)) == hex(frame(kB, kA, 10, 0x0800, 46, 1)));
    REQUIRE(hex(out["p1"].at(0)) == hex(frame(kA, kB, std::nullopt, 0x0800, 46, 2)));
  }
  CHECK(h.cp().stats().workers(0).l2_flow_hits() >= 6);
}
