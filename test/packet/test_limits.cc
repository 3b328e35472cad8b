// Large configurations through the real control plane and pipeline: every
// index the compiled tables keep must hold the config's sizes, and whatever
// they cannot hold is refused by validation, never wrapped.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include "control/validate.h"
#include "expect.h"
#include "net_frames.h"
#include "packet_harness.h"

using namespace sy;
using namespace sy::test;

namespace {

const std::string kWide = R"(
ports:
  - {name: p0, device: x0}
  - {name: p1, device: x1}
interfaces:
  - {name: lan, port: p0, mac: "02:00:00:00:01:00", addresses: ["10.200.1.1/24"]}
  - {name: wan, port: p1, mac: "02:00:00:00:02:00", addresses: ["10.0.0.1/15"]}
router: {icmp_rate_per_second: 0}
)";

std::string v4_text(uint32_t host) {
  in_addr a{htonl(host)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof(buf));
  return buf;
}

}  // namespace

// 65,537 /32 routes, each via its own gateway: more next-hop entries than a
// 16-bit index holds. The last route must still forward to its own gateway,
// and the API must describe it without reading out of bounds.
TEST_CASE("limits: 65,537 routes each via its own gateway keep their next hops") {
  Harness h(kWide);
  pb::Config cfg = h.config_with_devices(kWide);
  constexpr uint32_t kRoutes = 65537;
  const uint32_t dst0 = 0x64400000;  // 100.64.0.0
  const uint32_t gw0 = 0x0a000002;   // 10.0.0.2
  for (uint32_t i = 0; i < kRoutes; i++) {
    pb::Route* r = cfg.add_routes();
    r->set_destination(v4_text(dst0 + i) + "/32");
    r->add_next_hops()->set_gateway(v4_text(gw0 + i));
  }
  // Distinct MACs for the first and the last gateway, so a wrapped index shows.
  for (uint32_t i : {0u, kRoutes - 1}) {
    pb::StaticNeighbour* n = cfg.add_neighbours();
    n->set_interface("wan");
    n->set_address(v4_text(gw0 + i));
    n->set_mac(i == 0 ? "02:00:00:00:02:01" : "02:00:00:00:02:02");
  }
  ApplyResult r = h.cp().apply(cfg, false);
  REQUIRE(r.ok);

  pb::LookupRouteRequest req;
  pb::LookupRouteResponse resp;
  std::string err;
  req.set_destination(v4_text(dst0 + kRoutes - 1));
  REQUIRE(h.cp().lookup_route(req, &resp, &err));
  REQUIRE(resp.found());
  CHECK(resp.next_hop().gateway() == v4_text(gw0 + kRoutes - 1));
  REQUIRE(resp.route().next_hops_size() == 1);
  CHECK(resp.route().next_hops(0).buckets() == 1);

  pb::ListRoutesResponse all = h.cp().routes(false);
  bool seen_last = false;
  for (const auto& ri : all.routes()) {
    if (ri.destination() != v4_text(dst0 + kRoutes - 1) + "/32") continue;
    seen_last = true;
    REQUIRE(ri.next_hops_size() == 1);
    CHECK(ri.next_hops(0).gateway() == v4_text(gw0 + kRoutes - 1));
  }
  CHECK(seen_last);

  h.step();
  h.recv_all();
  for (uint32_t i : {0u, kRoutes - 1}) {
    std::string dst = v4_text(dst0 + i);
    h.send("p0", eth("02:00:00:00:01:00", "02:00:00:00:01:0a", 0x0800,
                     ipv4("10.200.1.10", dst, 17, udp4("10.200.1.10", dst, 1000, 2000, 18))));
    h.step();
    Ip4Opts o;
    o.ttl = 63;
    expect_only(h, "p1",
                {eth(i == 0 ? "02:00:00:00:02:01" : "02:00:00:00:02:02", "02:00:00:00:02:00",
                     0x0800, ipv4("10.200.1.10", dst, 17, udp4("10.200.1.10", dst, 1000, 2000, 18), o))});
  }
  check_books(h);
}
