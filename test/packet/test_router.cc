// Golden packet tests for the router: crafted frames in, exact frames out,
// through the real pipeline on ring ports. Expected frames are built with the
// independent builders of net_frames.h.
#include <catch2/catch.hpp>

#include "expect.h"
#include "net_frames.h"
#include "packet_harness.h"
#include "pipeline/clock.h"

using namespace sy;
using namespace sy::test;

namespace {

constexpr const char* kLanMac = "02:00:00:00:01:00";
constexpr const char* kWanMac = "02:00:00:00:02:00";
constexpr const char* kAltMac = "02:00:00:00:03:00";
constexpr const char* kHost = "02:00:00:00:01:0a";    // 10.0.1.10 on lan
constexpr const char* kWanGw = "02:00:00:00:02:fe";   // 10.0.2.254 / 2001:db8:2::fe
constexpr const char* kAltGw = "02:00:00:00:03:fe";   // 10.0.3.254
constexpr const char* kBcast = "ff:ff:ff:ff:ff:ff";

const std::string kRouter = R"(
ports:
  - {name: p0, device: x0}
  - {name: p1, device: x1}
  - {name: p2, device: x2}
interfaces:
  - {name: lan, port: p0, mac: "02:00:00:00:01:00",
     addresses: ["10.0.1.1/24", "10.0.11.1/24", "2001:db8:1::1/64"]}
  - {name: wan, port: p1, mac: "02:00:00:00:02:00", mtu: 1400,
     addresses: ["10.0.2.1/24", "2001:db8:2::1/64"]}
  - {name: alt, port: p2, mac: "02:00:00:00:03:00", addresses: ["10.0.3.1/24"]}
routes:
  - {destination: "0.0.0.0/0", next_hops: [{gateway: "10.0.2.254"}]}
  - {destination: "198.51.100.0/24", type: BLACKHOLE}
  - {destination: "203.0.113.0/24", type: REJECT}
  - {destination: "203.0.113.7/32", type: REJECT}
  - {destination: "172.16.0.0/16", next_hops: [{gateway: "10.0.2.254"}, {gateway: "10.0.3.254"}]}
  - {destination: "172.17.0.0/16", source: "10.0.1.128/25", next_hops: [{gateway: "10.0.3.254"}]}
  - {destination: "2001:db8:99::/48", next_hops: [{gateway: "2001:db8:2::fe"}]}
neighbours:
  - {interface: wan, address: "10.0.2.254", mac: "02:00:00:00:02:fe"}
  - {interface: alt, address: "10.0.3.254", mac: "02:00:00:00:03:fe"}
  - {interface: wan, address: "2001:db8:2::fe", mac: "02:00:00:00:02:fe"}
router: {icmp_rate_per_second: 1000, icmp_burst: 1000}
)";

Bytes udp_frame(const std::string& src, const std::string& dst, Ip4Opts o = {}, size_t len = 18,
                uint16_t sport = 1000, uint16_t dport = 2000, const std::string& smac = kHost,
                const std::string& dmac = kLanMac) {
  return eth(dmac, smac, 0x0800, ipv4(src, dst, 17, udp4(src, dst, sport, dport, len), o));
}

// What the router should emit for a forwarded IPv4 frame: new MACs, TTL - 1.
Bytes forwarded(const std::string& src, const std::string& dst, const std::string& smac,
                const std::string& dmac, Ip4Opts o = {}, size_t len = 18, uint16_t sport = 1000,
                uint16_t dport = 2000) {
  o.ttl = static_cast<uint8_t>(o.ttl - 1);
  return eth(dmac, smac, 0x0800, ipv4(src, dst, 17, udp4(src, dst, sport, dport, len), o));
}

Bytes icmp4_error_frame(const std::string& from, const std::string& to, uint8_t type, uint8_t code,
                        uint32_t rest, const Bytes& orig_frame, const std::string& smac = kLanMac,
                        const std::string& dmac = kHost) {
  Bytes quote = slice(orig_frame, 14, 576 - 28);
  Ip4Opts o;
  o.tos = 0xc0;
  return eth(dmac, smac, 0x0800, ipv4(from, to, 1, icmp4(type, code, rest, quote), o));
}

// Takes away the start-up announcements (gratuitous ARP, unsolicited NA).
void settle(Harness& h) {
  h.step();
  h.recv_all();
}

}  // namespace

TEST_CASE("router: forwards IPv4 with TTL and checksum rewritten") {
  Harness h(kRouter);
  settle(h);
  h.send("p0", udp_frame("10.0.1.10", "8.8.8.8"));
  h.step();
  expect_only(h, "p1", {forwarded("10.0.1.10", "8.8.8.8", kWanMac, kWanGw)});
  // Options-free header with an odd TTL and a high checksum: the incremental update still matches.
  Ip4Opts o;
  o.ttl = 200;
  o.id = 0xfffe;
  o.df = true;
  h.send("p0", udp_frame("10.0.1.10", "9.9.9.9", o, 100));
  h.step();
  expect_only(h, "p1", {forwarded("10.0.1.10", "9.9.9.9", kWanMac, kWanGw, o, 100)});
  check_books(h);
}

TEST_CASE("router: TTL 1 is answered with time exceeded from the ingress address") {
  Harness h(kRouter);
  settle(h);
  Ip4Opts o;
  o.ttl = 1;
  Bytes in = udp_frame("10.0.1.10", "8.8.8.8", o);
  h.send("p0", in);
  h.step();
  expect_only(h, "p0", {icmp4_error_frame("10.0.1.1", "10.0.1.10", 11, 0, 0, in)});
  CHECK(h.drops(DropReason::kTtlExceeded) == 1);
  // From a host on the secondary subnet, the error comes from the secondary address.
  Bytes in2 = udp_frame("10.0.11.5", "8.8.8.8", o);
  h.send("p0", in2);
  h.step();
  expect_only(h, "p0", {icmp4_error_frame("10.0.11.1", "10.0.11.5", 11, 0, 0, in2)});
  check_books(h);
}

TEST_CASE("router: echo replies for primary and secondary addresses, ARP for both") {
  Harness h(kRouter);
  settle(h);
  for (const char* addr : {"10.0.1.1", "10.0.11.1"}) {
    Bytes body = {0x12, 0x34, 0x00, 0x01, 'p', 'i', 'n', 'g'};
    Bytes req = eth(kLanMac, kHost, 0x0800, ipv4("10.0.1.10", addr, 1, icmp4(8, 0, 0x12340001, slice(body, 4, 4))));
    h.send("p0", req);
    h.step();
    Bytes rep = eth(kHost, kLanMac, 0x0800, ipv4(addr, "10.0.1.10", 1, icmp4(0, 0, 0x12340001, slice(body, 4, 4))));
    expect_only(h, "p0", {rep});

    h.send("p0", eth(kBcast, kHost, 0x0806, arp(1, kHost, "10.0.1.10", "00:00:00:00:00:00", addr)));
    h.step();
    expect_only(h, "p0", {eth(kHost, kLanMac, 0x0806, arp(2, kLanMac, addr, kHost, "10.0.1.10"))});
  }
  // Not ours: no answer, no forwarding.
  h.send("p0", eth(kBcast, kHost, 0x0806, arp(1, kHost, "10.0.1.10", "00:00:00:00:00:00", "10.0.1.99")));
  h.step();
  expect_only(h, "p0", {});
  // The requester became a neighbour (stale: seen, not confirmed).
  bool found = false;
  for (const auto& n : h.dp().neighbours().snapshot(clock_now_ns()))
    if (format_ip(n.key.addr()) == "10.0.1.10") found = n.state == NeighState::kStale;
  CHECK(found);
  check_books(h);
}

TEST_CASE("router: blackhole drops, reject answers administratively prohibited") {
  Harness h(kRouter);
  settle(h);
  h.send("p0", udp_frame("10.0.1.10", "198.51.100.9"));
  h.step();
  expect_only(h, "p0", {});
  CHECK(h.drops(DropReason::kBlackhole) == 1);
  Bytes net = udp_frame("10.0.1.10", "203.0.113.9");
  h.send("p0", net);
  h.step();
  expect_only(h, "p0", {icmp4_error_frame("10.0.1.1", "10.0.1.10", 3, 9, 0, net)});
  Bytes host = udp_frame("10.0.1.10", "203.0.113.7");
  h.send("p0", host);
  h.step();
  expect_only(h, "p0", {icmp4_error_frame("10.0.1.1", "10.0.1.10", 3, 10, 0, host)});
  CHECK(h.drops(DropReason::kReject) == 2);
  check_books(h);
}

TEST_CASE("router: source prefix routes, with fall-back to shorter destinations") {
  Harness h(kRouter);
  settle(h);
  h.send("p0", udp_frame("10.0.1.200", "172.17.5.5"));
  h.step();
  expect_only(h, "p2", {forwarded("10.0.1.200", "172.17.5.5", kAltMac, kAltGw)});
  h.send("p0", udp_frame("10.0.1.10", "172.17.5.5"));  // source outside 10.0.1.128/25
  h.step();
  expect_only(h, "p1", {forwarded("10.0.1.10", "172.17.5.5", kWanMac, kWanGw)});
}

TEST_CASE("router: IPv4 without DF is fragmented to the egress MTU; with DF, frag needed") {
  Harness h(kRouter);
  settle(h);
  // 1500-byte datagram out of wan (MTU 1400): 1376 + 104 bytes of payload... computed below.
  Ip4Opts o;
  o.id = 77;
  Bytes udp = udp4("10.0.1.10", "8.8.8.8", 1000, 2000, 1472);  // 1480 bytes of IP payload
  h.send("p0", eth(kLanMac, kHost, 0x0800, ipv4("10.0.1.10", "8.8.8.8", 17, udp, o)));
  h.step();
  Ip4Opts f1 = o, f2 = o;
  f1.ttl = f2.ttl = 63;
  f1.mf = true;
  f2.frag_offset8 = 1376 / 8;
  Bytes e1 = eth(kWanGw, kWanMac, 0x0800, ipv4("10.0.1.10", "8.8.8.8", 17, slice(udp, 0, 1376), f1));
  Bytes e2 = eth(kWanGw, kWanMac, 0x0800, ipv4("10.0.1.10", "8.8.8.8", 17, slice(udp, 1376, 1480), f2));
  expect_only(h, "p1", {e1, e2});
  CHECK(counter_sum(h, &WorkerCounters::fragments) == 1);

  o.df = true;
  Bytes df = eth(kLanMac, kHost, 0x0800, ipv4("10.0.1.10", "8.8.8.8", 17, udp, o));
  h.send("p0", df);
  h.step();
  expect_only(h, "p0", {icmp4_error_frame("10.0.1.1", "10.0.1.10", 3, 4, 1400, df)});
  CHECK(h.drops(DropReason::kMtuExceeded) == 1);
  check_books(h);
}

TEST_CASE("router: IPv6 forwarding, hop limit, no route, packet too big, echo, ND") {
  Harness h(kRouter);
  settle(h);
  const std::string host6 = "2001:db8:1::10";
  Bytes udp(16, 0x5a);
  h.send("p0", eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 9)));
  h.step();
  expect_only(h, "p1", {eth(kWanGw, kWanMac, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 8))});

  Bytes expiring = eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 1));
  h.send("p0", expiring);
  h.step();
  expect_only(h, "p0", {eth(kHost, kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", host6, 58,
                                 icmp6("2001:db8:1::1", host6, 3, 0, 0, slice(expiring, 14, 1232))))});

  Bytes nowhere = eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:77::1", 17, udp));
  h.send("p0", nowhere);
  h.step();
  expect_only(h, "p0", {eth(kHost, kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", host6, 58,
                                 icmp6("2001:db8:1::1", host6, 1, 0, 0, slice(nowhere, 14, 1232))))});
  CHECK(h.drops(DropReason::kNoRoute) == 1);

  Bytes big = eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, Bytes(1400, 1)));
  h.send("p0", big);
  h.step();
  expect_only(h, "p0", {eth(kHost, kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", host6, 58,
                                 icmp6("2001:db8:1::1", host6, 2, 0, 1400, slice(big, 14, 1232))))});

  Bytes echo_body = {'h', 'i', '!', '!'};
  h.send("p0", eth(kLanMac, kHost, 0x86dd,
                   ipv6(host6, "2001:db8:1::1", 58, icmp6(host6, "2001:db8:1::1", 128, 0, 0x00070001, echo_body))));
  h.step();
  expect_only(h, "p0", {eth(kHost, kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", host6, 58, icmp6("2001:db8:1::1", host6, 129, 0, 0x00070001, echo_body)))});

  // NS for our address (to its solicited-node group) → solicited NA with router flag.
  h.send("p0", eth("33:33:ff:00:00:01", kHost, 0x86dd,
                   ipv6(host6, "ff02::1:ff00:1", 58,
                        icmp6(host6, "ff02::1:ff00:1", 135, 0, 0, nd_body("2001:db8:1::1", 1, kHost)), 255)));
  h.step();
  expect_only(h, "p0", {eth(kHost, kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", host6, 58,
                                 icmp6("2001:db8:1::1", host6, 136, 0, 0xe0000000,
                                       nd_body("2001:db8:1::1", 2, kLanMac)), 255))});
  // ...and for the interface's link-local address (EUI-64 of its MAC).
  const std::string ll = "fe80::ff:fe00:100";
  h.send("p0", eth("33:33:ff:00:01:00", kHost, 0x86dd,
                   ipv6("fe80::10", "ff02::1:ff00:100", 58,
                        icmp6("fe80::10", "ff02::1:ff00:100", 135, 0, 0, nd_body(ll, 1, kHost)), 255)));
  h.step();
  auto out = h.recv("p0");
  REQUIRE(out.size() == 1);
  CHECK(out[0][14 + 40] == 136);
  // An NS with a wrong hop limit is not answered (RFC 4861 7.1.1).
  h.send("p0", eth("33:33:ff:00:00:01", kHost, 0x86dd,
                   ipv6(host6, "ff02::1:ff00:1", 58,
                        icmp6(host6, "ff02::1:ff00:1", 135, 0, 0, nd_body("2001:db8:1::1", 1, kHost)), 64)));
  h.step();
  expect_only(h, "p0", {});
  CHECK(h.drops(DropReason::kBadNeighbourMessage) == 1);
  check_books(h);
}

TEST_CASE("router: packets wait for ARP resolution and leave in order once it answers") {
  Harness h(kRouter);
  settle(h);
  // From the wan side to a lan host nobody has resolved yet.
  Bytes a = udp_frame("8.8.8.8", "10.0.1.20", {}, 18, 1, 2, kWanGw, kWanMac);
  Bytes b = udp_frame("8.8.8.8", "10.0.1.20", {}, 30, 3, 4, kWanGw, kWanMac);
  h.send("p1", a);
  h.send("p1", b);
  h.step();
  // One request (not one per packet) for the neighbour, from the address on its subnet.
  expect_only(h, "p0", {eth(kBcast, kLanMac, 0x0806,
                            [] {
                              Bytes r = arp(1, kLanMac, "10.0.1.1", "00:00:00:00:00:00", "10.0.1.20");
                              r.resize(60 - 14, 0);
                              return r;
                            }())});
  CHECK(counter_sum(h, &WorkerCounters::held) == 2);
  const char* kNew = "02:00:00:00:01:14";
  h.send("p0", eth(kLanMac, kNew, 0x0806, arp(2, kNew, "10.0.1.20", kLanMac, "10.0.1.1")));
  h.step();
  expect_only(h, "p0", {forwarded("8.8.8.8", "10.0.1.20", kLanMac, kNew, {}, 18, 1, 2),
                        forwarded("8.8.8.8", "10.0.1.20", kLanMac, kNew, {}, 30, 3, 4)});
  // Now resolved: straight through.
  h.send("p1", a);
  h.step();
  expect_only(h, "p0", {forwarded("8.8.8.8", "10.0.1.20", kLanMac, kNew, {}, 18, 1, 2)});
  bool reachable = false;
  for (const auto& n : h.dp().neighbours().snapshot(clock_now_ns()))
    if (format_ip(n.key.addr()) == "10.0.1.20") reachable = n.state == NeighState::kReachable;
  CHECK(reachable);
  check_books(h);
}

TEST_CASE("router: unanswered resolution retries, then answers host unreachable") {
  uint64_t t0 = 1'000'000'000'000ull;
  clock_set_fake_ns(t0);
  {
    Harness h(kRouter);
  settle(h);
    settle(h);
    Bytes a = udp_frame("10.0.2.254", "10.0.1.30", {}, 18, 1, 2, kWanGw, kWanMac);
    h.send("p1", a);
    h.step();
    CHECK(h.recv("p0").size() == 1);  // first request
    for (int i = 1; i <= 2; i++) {
      clock_set_fake_ns(t0 + i * 1'000'000'000ull + 1);
      h.step();
      CHECK(h.recv("p0").size() == 1);  // retries
    }
    clock_set_fake_ns(t0 + 3'000'000'000ull + 2);
    h.step();
    CHECK(h.recv("p0").empty());
    // The held packet is answered: host unreachable, back to where it came from. The
    // quoted header carries the TTL already decremented, as it was when held.
    Ip4Opts o;
    o.ttl = 63;
    Bytes held = udp_frame("10.0.2.254", "10.0.1.30", o, 18, 1, 2, kWanGw, kWanMac);
    expect_only(h, "p1", {icmp4_error_frame("10.0.2.1", "10.0.2.254", 3, 1, 0, held, kWanMac, kWanGw)});
    auto c = h.dp().neighbours().counters();
    CHECK(c.failed == 1);
    CHECK(c.requests_sent == 3);
  }
  clock_set_fake_ns(0);
}

TEST_CASE("router: ECMP spreads flows over both next hops, each flow on one path") {
  Harness h(kRouter);
  settle(h);
  std::map<uint16_t, std::string> path;
  uint32_t per_port[2] = {0, 0};
  for (int round = 0; round < 2; round++) {
    for (uint16_t sport = 1000; sport < 1400; sport++) {
      h.send("p0", udp_frame("10.0.1.10", "172.16.1.1", {}, 18, sport, 80));
      h.step();
      auto out = h.recv_all();
      REQUIRE(out.size() == 1);
      std::string port = out.begin()->first;
      if (round == 0) {
        path[sport] = port;
        per_port[port == "p1" ? 0 : 1]++;
      } else {
        CHECK(path[sport] == port);
      }
    }
  }
  CHECK(per_port[0] > 150);
  CHECK(per_port[1] > 150);
}

TEST_CASE("router: ICMP errors are rate-limited per source") {
  Harness h(kRouter);
  settle(h);
  std::string limited = kRouter;
  limited.replace(limited.find("router: {icmp_rate_per_second: 1000, icmp_burst: 1000}"),
                  std::string("router: {icmp_rate_per_second: 1000, icmp_burst: 1000}").size(),
                  "router: {icmp_rate_per_second: 1, icmp_burst: 3}");
  REQUIRE(h.apply_yaml(limited).ok);
  Ip4Opts o;
  o.ttl = 1;
  for (int i = 0; i < 10; i++) h.send("p0", udp_frame("10.0.1.10", "8.8.8.8", o));
  h.step();
  CHECK(h.recv("p0").size() == 3);
  CHECK(counter_sum(h, &WorkerCounters::icmp_rate_limited) == 7);
  // Another source has its own bucket.
  h.send("p0", udp_frame("10.0.1.11", "8.8.8.8", o));
  h.step();
  CHECK(h.recv("p0").size() == 1);
}

TEST_CASE("router: an added secondary address is announced and answered at once") {
  Harness h(kRouter);
  settle(h);
  h.step();
  h.recv_all();  // start-up announcements
  std::string more = kRouter;
  more.replace(more.find("\"10.0.11.1/24\""), 14, "\"10.0.11.1/24\", \"10.0.12.1/24\"");
  ApplyResult r = h.apply_yaml(more);
  REQUIRE(r.ok);
  h.step();
  Bytes garp = arp(1, kLanMac, "10.0.12.1", "00:00:00:00:00:00", "10.0.12.1");
  garp.resize(60 - 14, 0);
  expect_only(h, "p0", {eth(kBcast, kLanMac, 0x0806, garp)});
  Bytes req = eth(kLanMac, "02:00:00:00:01:0c", 0x0800,
                  ipv4("10.0.12.5", "10.0.12.1", 1, icmp4(8, 0, 0x00010001, Bytes{1, 2, 3, 4})));
  h.send("p0", req);
  h.step();
  auto out = h.recv("p0");
  REQUIRE(out.size() == 1);
  CHECK(out[0][14 + 20] == 0);  // echo reply
}

TEST_CASE("router: malformed packets are counted drops") {
  Harness h(kRouter);
  settle(h);
  Bytes bad = udp_frame("10.0.1.10", "8.8.8.8");
  bad[14 + 10] ^= 0xff;  // checksum
  h.send("p0", bad);
  Bytes trunc = udp_frame("10.0.1.10", "8.8.8.8");
  trunc.resize(14 + 12);
  h.send("p0", trunc);
  Bytes other = udp_frame("10.0.1.10", "8.8.8.8", {}, 18, 1, 2, kHost, "02:00:00:00:99:99");
  h.send("p0", other);
  h.send("p0", eth(kLanMac, kHost, 0x88cc, Bytes(46, 0)));
  h.step();
  expect_only(h, "p0", {});
  CHECK(h.drops(DropReason::kBadIpChecksum) == 1);
  CHECK(h.drops(DropReason::kBadIpHeader) == 1);
  CHECK(h.drops(DropReason::kNotForRouter) == 1);
  CHECK(h.drops(DropReason::kUnsupportedEthertype) == 1);
  check_books(h);
}

TEST_CASE("router: removing an ECMP next hop moves only the flows that used it") {
  std::string three = kRouter;
  const std::string two_hops = "[{gateway: \"10.0.2.254\"}, {gateway: \"10.0.3.254\"}]";
  three.replace(three.find(two_hops), two_hops.size(),
                "[{gateway: \"10.0.2.254\"}, {gateway: \"10.0.3.254\"}, {gateway: \"10.0.2.253\"}]");
  three.replace(three.find("neighbours:\n"), 12,
                "neighbours:\n  - {interface: wan, address: \"10.0.2.253\", mac: \"02:00:00:00:02:fd\"}\n");
  Harness h(three);
  settle(h);
  auto paths = [&] {
    std::map<uint16_t, std::string> out;  // flow → "port/dst MAC"
    for (uint16_t sport = 1000; sport < 1600; sport++) {
      h.send("p0", udp_frame("10.0.1.10", "172.16.1.1", {}, 18, sport, 80));
      h.step();
      auto got = h.recv_all();
      REQUIRE(got.size() == 1);
      out[sport] = got.begin()->first + "/" + hex(slice(got.begin()->second.at(0), 0, 6));
    }
    return out;
  };
  auto before = paths();
  std::map<std::string, int> share;
  for (auto& [f, p] : before) share[p]++;
  REQUIRE(share.size() == 3);
  // Drop the member via alt (10.0.3.254).
  std::string two = three;
  two.replace(two.find(", {gateway: \"10.0.3.254\"}"), std::string(", {gateway: \"10.0.3.254\"}").size(), "");
  REQUIRE(h.apply_yaml(two).ok);
  auto after = paths();
  int moved = 0, kept = 0;
  for (auto& [f, p] : before) {
    if (p.rfind("p2/", 0) == 0) {
      CHECK(after[f].rfind("p1/", 0) == 0);
      moved++;
    } else {
      CHECK(after[f] == p);  // flows on surviving members stay put
      kept++;
    }
  }
  CHECK(moved > 100);
  CHECK(kept > 300);
  // Adding it back moves only about its fair share (a third) back.
  REQUIRE(h.apply_yaml(three).ok);
  auto again = paths();
  int back = 0;
  for (auto& [f, p] : after)
    if (again[f] != p) {
      CHECK(again[f].rfind("p2/", 0) == 0);
      back++;
    }
  CHECK(back > 120);
  CHECK(back < 280);
}

namespace {

// A router interface on VLAN 10 of a bridge (integrated routing and bridging):
// p3 is an access member of VLAN 10, p4 a trunk carrying 10 and 20.
const std::string kIrb = R"(
ports:
  - {name: p0, device: x0}
  - {name: p3, device: x3}
  - {name: p4, device: x4}
bridges:
  - name: br0
    members:
      - {port: p3, mode: ACCESS, access_vlan: 10}
      - {port: p4, mode: TRUNK, allowed_vlans: [10, 20]}
interfaces:
  - {name: lan, port: p0, mac: "02:00:00:00:01:00", addresses: ["10.0.1.1/24"]}
  - {name: irb10, bridge: br0, vlan: 10, mac: "02:00:00:00:0a:00", addresses: ["10.0.10.1/24"]}
neighbours:
  - {interface: lan, address: "10.0.1.10", mac: "02:00:00:00:01:0a"}
)";
constexpr const char* kIrbMac = "02:00:00:00:0a:00";
constexpr const char* kBrHostA = "02:00:00:00:0a:0a";  // 10.0.10.10 behind p3
constexpr const char* kBrHostB = "02:00:00:00:0a:0b";  // 10.0.10.11 behind p4 (tagged)

Bytes tag10(const Bytes& untagged) {
  Bytes b(untagged.begin(), untagged.begin() + 12);
  b.insert(b.end(), {0x81, 0x00, 0x00, 0x0a});
  b.insert(b.end(), untagged.begin() + 12, untagged.end());
  return b;
}

}  // namespace

TEST_CASE("router on a bridge: ARP is flooded and answered, echo replies go back tagged") {
  Harness h(kIrb);
  settle(h);
  Bytes req = eth(kBcast, kBrHostA, 0x0806, arp(1, kBrHostA, "10.0.10.10", "00:00:00:00:00:00", "10.0.10.1"));
  h.send("p3", req);
  h.step();
  auto out = h.recv_all();
  REQUIRE(out.count("p3") == 1);
  REQUIRE(out.count("p4") == 1);
  CHECK(hex(out["p4"].at(0)) == hex(tag10(req)));  // the bridge floods it as usual
  CHECK(hex(out["p3"].at(0)) ==
        hex(eth(kBrHostA, kIrbMac, 0x0806, arp(2, kIrbMac, "10.0.10.1", kBrHostA, "10.0.10.10"))));

  Bytes echo = eth(kIrbMac, kBrHostB, 0x0800,
                   ipv4("10.0.10.11", "10.0.10.1", 1, icmp4(8, 0, 0x00050001, Bytes{9, 9})));
  h.send("p4", tag10(echo));
  h.step();
  expect_only(h, "p4", {tag10(eth(kBrHostB, kIrbMac, 0x0800,
                                  ipv4("10.0.10.1", "10.0.10.11", 1, icmp4(0, 0, 0x00050001, Bytes{9, 9}))))});
  check_books(h);
}

TEST_CASE("router on a bridge: routes between a port and the bridge, resolving through it") {
  Harness h(kIrb);
  settle(h);
  // lan → bridge host not yet resolved: the ARP request floods the VLAN (tagged on the trunk).
  Bytes in = udp_frame("10.0.1.10", "10.0.10.10");
  h.send("p0", in);
  h.step();
  Bytes areq = arp(1, kIrbMac, "10.0.10.1", "00:00:00:00:00:00", "10.0.10.10");
  areq.resize(60 - 14, 0);
  auto out = h.recv_all();
  REQUIRE(out.count("p3") == 1);
  REQUIRE(out.count("p4") == 1);
  CHECK(hex(out["p3"].at(0)) == hex(eth(kBcast, kIrbMac, 0x0806, areq)));
  CHECK(hex(out["p4"].at(0)) == hex(tag10(eth(kBcast, kIrbMac, 0x0806, areq))));
  // The host answers from p3: the held packet follows, untagged, out p3 only.
  h.send("p3", eth(kIrbMac, kBrHostA, 0x0806, arp(2, kBrHostA, "10.0.10.10", kIrbMac, "10.0.10.1")));
  h.step();
  expect_only(h, "p3", {forwarded("10.0.1.10", "10.0.10.10", kIrbMac, kBrHostA)});
  // And back: bridge host → lan host through the router MAC.
  h.send("p3", udp_frame("10.0.10.10", "10.0.1.10", {}, 18, 1000, 2000, kBrHostA, kIrbMac));
  h.step();
  expect_only(h, "p0", {forwarded("10.0.10.10", "10.0.1.10", kLanMac, kHost)});
  // Frames between bridge hosts are still bridged, untouched by the router.
  Bytes l2 = udp_frame("10.0.10.10", "10.0.10.11", {}, 18, 1, 2, kBrHostA, kBrHostB);
  h.send("p3", l2);
  h.step();
  expect_only(h, "p4", {tag10(l2)});
  check_books(h);
}

TEST_CASE("router: a neighbour in use is re-probed after its reachable time, and dropped unanswered") {
  uint64_t t0 = 2'000'000'000'000ull;
  clock_set_fake_ns(t0);
  {
    std::string cfg = kRouter;
    cfg.replace(cfg.find("router: {"), 9, "router: {neighbour_reachable_seconds: 5, ");
    Harness h(cfg);
    settle(h);
    const char* kPeer = "02:00:00:00:01:15";
    // 10.0.1.21 resolves (request, reply)...
    h.send("p1", udp_frame("8.8.8.8", "10.0.1.21", {}, 18, 1, 2, kWanGw, kWanMac));
    h.step();
    h.recv_all();
    h.send("p0", eth(kLanMac, kPeer, 0x0806, arp(2, kPeer, "10.0.1.21", kLanMac, "10.0.1.1")));
    h.step();
    CHECK(h.recv("p0").size() == 1);  // the held packet
    // ...is used again after its reachable time: a unicast probe goes to its MAC.
    clock_set_fake_ns(t0 + 6'000'000'000ull);
    h.send("p1", udp_frame("8.8.8.8", "10.0.1.21", {}, 18, 1, 2, kWanGw, kWanMac));
    h.step();
    auto out = h.recv("p0");
    REQUIRE(out.size() == 2);  // the packet (the stale MAC is still used) and the probe
    Bytes probe = arp(1, kLanMac, "10.0.1.1", "00:00:00:00:00:00", "10.0.1.21");
    probe.resize(60 - 14, 0);
    CHECK(hex(out[1]) == hex(eth(kPeer, kLanMac, 0x0806, probe)));
    // No answer to this probe and the next two: the entry goes.
    for (int i = 1; i <= 3; i++) {
      clock_set_fake_ns(t0 + 6'000'000'000ull + i * 1'000'000'001ull);
      h.step();
      h.recv_all();
    }
    bool present = false;
    for (const auto& n : h.dp().neighbours().snapshot(clock_now_ns()))
      present |= format_ip(n.key.addr()) == "10.0.1.21";
    CHECK_FALSE(present);
  }
  clock_set_fake_ns(0);
}

TEST_CASE("router: IPv6 packets wait for Neighbour Discovery and leave once it answers") {
  Harness h(kRouter);
  settle(h);
  const std::string dst = "2001:db8:1::30";
  Bytes payload(8, 7);
  h.send("p1", eth(kWanMac, kWanGw, 0x86dd, ipv6("2001:db8:99::5", dst, 17, payload, 30)));
  h.step();
  // A solicitation to the target's solicited-node group, from our address on its subnet.
  expect_only(h, "p0", {eth("33:33:ff:00:00:30", kLanMac, 0x86dd,
                            ipv6("2001:db8:1::1", "ff02::1:ff00:30", 58,
                                 icmp6("2001:db8:1::1", "ff02::1:ff00:30", 135, 0, 0,
                                       nd_body(dst, 1, kLanMac)), 255))});
  const char* kNew = "02:00:00:00:01:30";
  h.send("p0", eth(kLanMac, kNew, 0x86dd,
                   ipv6(dst, "2001:db8:1::1", 58,
                        icmp6(dst, "2001:db8:1::1", 136, 0, 0x60000000, nd_body(dst, 2, kNew)), 255)));
  h.step();
  expect_only(h, "p0", {eth(kNew, kLanMac, 0x86dd, ipv6("2001:db8:99::5", dst, 17, payload, 29))});
  check_books(h);
}

TEST_CASE("router: a neighbour's new MAC is used at once, cached lookups included") {
  Harness h(kRouter);
  settle(h);
  const char* kOld = "02:00:00:00:01:16";
  const char* kNew = "02:00:00:00:01:61";
  Bytes pkt = udp_frame("8.8.8.8", "10.0.1.22", {}, 18, 1, 2, kWanGw, kWanMac);
  h.send("p1", pkt);
  h.step();
  h.recv_all();
  h.send("p0", eth(kLanMac, kOld, 0x0806, arp(2, kOld, "10.0.1.22", kLanMac, "10.0.1.1")));
  h.step();
  h.recv_all();
  for (int i = 0; i < 3; i++) {  // forwarded from the worker's cache
    h.send("p1", pkt);
    h.step();
    expect_only(h, "p0", {forwarded("8.8.8.8", "10.0.1.22", kLanMac, kOld, {}, 18, 1, 2)});
  }
  // The host moves to another MAC and says so (gratuitous ARP).
  h.send("p0", eth(kBcast, kNew, 0x0806, arp(1, kNew, "10.0.1.22", "00:00:00:00:00:00", "10.0.1.22")));
  h.step();
  h.recv_all();
  h.send("p1", pkt);
  h.step();
  auto out = h.recv("p0");
  REQUIRE(out.size() == 2);
  CHECK(hex(out[0]) == hex(forwarded("8.8.8.8", "10.0.1.22", kLanMac, kNew, {}, 18, 1, 2)));
  // An unsolicited claim is used but verified: a unicast probe to the new MAC.
  CHECK(hex(slice(out[1], 0, 14)) == hex(slice(eth(kNew, kLanMac, 0x0806, {}), 0, 14)));
  check_books(h);
}

TEST_CASE("router: one burst of mixed families and slow-path packets keeps its order") {
  Harness h(kRouter);
  settle(h);
  const std::string host6 = "2001:db8:1::10";
  Bytes udp6 = udp_over(host6, "2001:db8:99::1", 7, 8, Bytes(12, 3), true);
  Ip4Opts padded_opts;
  padded_opts.id = 7;
  Bytes a = udp_frame("10.0.1.10", "8.8.8.8");
  Bytes b = eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp6, 9));
  Bytes c = udp_frame("10.0.1.10", "8.8.4.4", padded_opts, 1);  // 43-byte frame: padded to 60
  c.resize(60, 0);
  Ip4Opts ttl2;
  ttl2.ttl = 2;
  Bytes d = udp_frame("10.0.1.10", "9.9.9.9", ttl2);
  Bytes too_big = udp_frame("10.0.1.10", "8.8.8.8", Ip4Opts{}, 1400);  // DF clear: fragmented
  // The fragments come out between the fast-path packets around them.
  h.send("p0", a);
  h.send("p0", b);
  h.send("p0", too_big);
  h.send("p0", c);
  h.send("p0", d);
  h.step();
  auto out = h.recv("p1");
  REQUIRE(out.size() == 6);
  CHECK(hex(out[0]) == hex(forwarded("10.0.1.10", "8.8.8.8", kWanMac, kWanGw)));
  CHECK(hex(out[1]) == hex(eth(kWanGw, kWanMac, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp6, 8))));
  CHECK(out[2].size() <= 14 + 1400);  // the first fragment (wan MTU 1400)
  CHECK(out[3].size() < out[2].size());
  CHECK(hex(out[4]) == hex(forwarded("10.0.1.10", "8.8.4.4", kWanMac, kWanGw, padded_opts, 1)));
  CHECK(hex(out[5]) == hex(forwarded("10.0.1.10", "9.9.9.9", kWanMac, kWanGw, ttl2)));
  check_books(h);
}

TEST_CASE("router: forwarding through a gateway follows its new MAC, a swapped route and neighbour") {
  // The fast path keeps resolved gateways in a per-worker adjacency cache;
  // each of these changes must reach the very next packet.
  std::string cfg = kRouter;
  const std::string extra_route =
      "  - {destination: \"172.18.0.0/16\", next_hops: [{gateway: \"10.0.1.254\"}]}\n";
  cfg.insert(cfg.find("neighbours:"), extra_route);
  Harness h(cfg);
  settle(h);
  Bytes to_wan = udp_frame("10.0.1.10", "8.8.8.8");
  for (int i = 0; i < 3; i++) {
    h.send("p0", to_wan);
    h.step();
    expect_only(h, "p1", {forwarded("10.0.1.10", "8.8.8.8", kWanMac, kWanGw)});
  }
  // A learned gateway: resolved once, then cached, then it changes MAC.
  const char* kGwOld = "02:00:00:00:01:fe";
  const char* kGwNew = "02:00:00:00:01:ef";
  Bytes to_lan_gw = udp_frame("8.8.8.8", "172.18.0.9", {}, 18, 1, 2, kWanGw, kWanMac);
  h.send("p1", to_lan_gw);
  h.step();
  h.recv_all();  // the ARP request; the packet waits
  h.send("p0", eth(kLanMac, kGwOld, 0x0806, arp(2, kGwOld, "10.0.1.254", kLanMac, "10.0.1.1")));
  h.step();
  expect_only(h, "p0", {forwarded("8.8.8.8", "172.18.0.9", kLanMac, kGwOld, {}, 18, 1, 2)});
  for (int i = 0; i < 3; i++) {
    h.send("p1", to_lan_gw);
    h.step();
    expect_only(h, "p0", {forwarded("8.8.8.8", "172.18.0.9", kLanMac, kGwOld, {}, 18, 1, 2)});
  }
  h.send("p0", eth(kBcast, kGwNew, 0x0806,
                   arp(1, kGwNew, "10.0.1.254", "00:00:00:00:00:00", "10.0.1.254")));
  h.step();
  h.recv_all();
  h.send("p1", to_lan_gw);
  h.step();
  auto out = h.recv("p0");
  REQUIRE(!out.empty());
  CHECK(hex(out[0]) == hex(forwarded("8.8.8.8", "172.18.0.9", kLanMac, kGwNew, {}, 18, 1, 2)));

  // Replaces `from` by `to` in `text`, applies it, then sends one packet to the wan.
  auto apply_with = [&](std::string& text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    REQUIRE(h.apply_yaml(text).ok);
    h.step();
    h.recv_all();
    h.send("p0", to_wan);
    h.step();
  };
  // A swapped config: the static neighbour's MAC changes...
  std::string swapped = cfg;
  apply_with(swapped, "address: \"10.0.2.254\", mac: \"02:00:00:00:02:fe\"",
             "address: \"10.0.2.254\", mac: \"02:00:00:00:02:ef\"");
  expect_only(h, "p1", {forwarded("10.0.1.10", "8.8.8.8", kWanMac, "02:00:00:00:02:ef")});
  // ...then the default route moves to the other interface's gateway.
  apply_with(swapped, "{destination: \"0.0.0.0/0\", next_hops: [{gateway: \"10.0.2.254\"}]}",
             "{destination: \"0.0.0.0/0\", next_hops: [{gateway: \"10.0.3.254\"}]}");
  expect_only(h, "p2", {forwarded("10.0.1.10", "8.8.8.8", kAltMac, kAltGw)});
  check_books(h);
}

TEST_CASE("router: an IPv6 destination the worker has cached follows a swapped route at once") {
  // The IPv6 fast path keeps FIB answers in a per-worker cache; a new
  // snapshot must reach the very next packet: a more specific route, then
  // no route at all.
  Harness h(kRouter);
  settle(h);
  const std::string host6 = "2001:db8:1::10";
  Bytes udp(16, 0x5a);
  Bytes to_99 = eth(kLanMac, kHost, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 9));
  for (int i = 0; i < 3; i++) {
    h.send("p0", to_99);
    h.step();
    expect_only(h, "p1", {eth(kWanGw, kWanMac, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 8))});
  }
  std::string cfg = kRouter;
  const std::string route48 = "  - {destination: \"2001:db8:99::/48\", next_hops: [{gateway: \"2001:db8:2::fe\"}]}\n";
  size_t at = cfg.find(route48);
  REQUIRE(at != std::string::npos);
  // A /64 inside it now goes through a gateway on the LAN.
  std::string more = cfg;
  more.insert(at + route48.size(),
              "  - {destination: \"2001:db8:99::/64\", next_hops: [{gateway: \"2001:db8:1::20\"}]}\n");
  more.insert(more.find("  - {interface: wan, address: \"2001:db8:2::fe\""),
              "  - {interface: lan, address: \"2001:db8:1::20\", mac: \"02:00:00:00:01:20\"}\n");
  REQUIRE(h.apply_yaml(more).ok);
  h.step();
  h.recv_all();
  h.send("p0", to_99);
  h.step();
  expect_only(h, "p0",
              {eth("02:00:00:00:01:20", kLanMac, 0x86dd, ipv6(host6, "2001:db8:99::1", 17, udp, 8))});
  // Without the route the destination has none: answered unreachable.
  std::string none = cfg;
  none.erase(at, route48.size());
  REQUIRE(h.apply_yaml(none).ok);
  h.step();
  h.recv_all();
  uint64_t before = h.drops(DropReason::kNoRoute);
  h.send("p0", to_99);
  h.step();
  auto out = h.recv("p0");
  REQUIRE(out.size() == 1);
  CHECK(out[0][14 + 40] == 1);  // ICMPv6 destination unreachable
  CHECK(h.drops(DropReason::kNoRoute) == before + 1);
  expect_only(h, "p1", {});
  check_books(h);
}

TEST_CASE("router: one burst alternating next hops, and ECMP flows in it, each take their own route") {
  // Frames of routes sharing a single-path group reuse the adjacency of the
  // frame before (AdjacencyMemo): a frame of another route, or of an ECMP
  // route, must not.
  std::string cfg = kRouter;
  const std::string at = "routes:\n";
  cfg.insert(cfg.find(at) + at.size(),
             "  - {destination: \"192.168.50.0/24\", next_hops: [{gateway: \"10.0.3.254\"}]}\n");
  Harness h(cfg);
  settle(h);
  // Each ECMP flow's path, one frame a step.
  std::map<uint16_t, std::string> path;
  for (uint16_t sport = 1000; sport < 1032; sport++) {
    h.send("p0", udp_frame("10.0.1.10", "172.16.1.1", {}, 18, sport, 80));
    h.step();
    auto out = h.recv_all();
    REQUIRE(out.size() == 1);
    path[sport] = out.begin()->first;
  }
  // One burst: wan, alt, wan, alt, wan, wan, then the ECMP flows.
  const char* dsts[] = {"8.8.8.8", "192.168.50.1", "8.8.4.4", "192.168.50.2", "8.8.8.9", "9.9.9.9"};
  for (const char* d : dsts) h.send("p0", udp_frame("10.0.1.10", d));
  for (uint16_t sport = 1000; sport < 1032; sport++)
    h.send("p0", udp_frame("10.0.1.10", "172.16.1.1", {}, 18, sport, 80));
  h.step();
  auto wan = h.recv("p1");
  auto alt = h.recv("p2");
  size_t ecmp_wan = 0, ecmp_alt = 0;
  for (const auto& [sport, port] : path) (port == "p1" ? ecmp_wan : ecmp_alt)++;
  REQUIRE(wan.size() == 4 + ecmp_wan);
  REQUIRE(alt.size() == 2 + ecmp_alt);
  CHECK(hex(wan[0]) == hex(forwarded("10.0.1.10", "8.8.8.8", kWanMac, kWanGw)));
  CHECK(hex(wan[1]) == hex(forwarded("10.0.1.10", "8.8.4.4", kWanMac, kWanGw)));
  CHECK(hex(wan[2]) == hex(forwarded("10.0.1.10", "8.8.8.9", kWanMac, kWanGw)));
  CHECK(hex(wan[3]) == hex(forwarded("10.0.1.10", "9.9.9.9", kWanMac, kWanGw)));
  CHECK(hex(alt[0]) == hex(forwarded("10.0.1.10", "192.168.50.1", kAltMac, kAltGw)));
  CHECK(hex(alt[1]) == hex(forwarded("10.0.1.10", "192.168.50.2", kAltMac, kAltGw)));
  size_t wi = 4, ai = 2;
  for (uint16_t sport = 1000; sport < 1032; sport++) {
    bool on_wan = path[sport] == "p1";
    const Bytes& got = on_wan ? wan[wi++] : alt[ai++];
    CHECK(hex(got) == hex(forwarded("10.0.1.10", "172.16.1.1", on_wan ? kWanMac : kAltMac,
                                    on_wan ? kWanGw : kAltGw, {}, 18, sport, 80)));
  }
  CHECK(ecmp_wan > 0);
  CHECK(ecmp_alt > 0);
  check_books(h);
}
