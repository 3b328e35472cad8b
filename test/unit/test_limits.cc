// Validation refuses configurations larger than the compiled tables hold
// (control/limits.h), naming the path and the limit.
#include <catch2/catch.hpp>

#include <algorithm>

#include "control/limits.h"
#include "control/validate.h"
#include "control/yaml_proto.h"

using namespace sy;

namespace {

pb::Config load(const std::string& yaml) {
  pb::Config c;
  ConfigErrors e = yaml_to_message(yaml, &c);
  REQUIRE(e.empty());
  return c;
}

bool has_error(const ConfigErrors& errors, const std::string& path, const std::string& part) {
  return std::any_of(errors.begin(), errors.end(), [&](const ConfigError& e) {
    return e.path == path && e.message.find(part) != std::string::npos;
  });
}

std::string dump(const ConfigErrors& errors) {
  std::string s;
  for (const auto& e : errors) s += format_error(e) + "\n";
  return s;
}

const std::string kBase = R"(
ports:
  - {name: p0, device: "net_ring0"}
  - {name: p1, device: "net_ring1"}
interfaces:
  - {name: lan, port: p0, addresses: ["10.0.1.1/24", "2001:db8:1::1/64"]}
  - {name: wan, port: p1, addresses: ["10.0.0.1/16"]}
)";

}  // namespace

TEST_CASE("limits: more ports than DPDK's port ids") {
  pb::Config c = load(kBase);
  for (uint32_t i = 2; i <= kMaxConfigPorts; i++) {
    pb::Port* p = c.add_ports();
    p->set_name("x" + std::to_string(i));
    p->set_device("net_ring" + std::to_string(i));
  }
  ConfigErrors e = validate_config(c, nullptr);
  INFO(dump(e));
  CHECK(has_error(e, "ports", "at most " + std::to_string(kMaxConfigPorts)));
}

TEST_CASE("limits: bridges, interfaces, VTEPs and static neighbours are counted") {
  pb::Config c = load(kBase);
  for (uint32_t i = 0; i <= kMaxBridges; i++) c.add_bridges()->set_name("b" + std::to_string(i));
  for (uint32_t i = 0; i <= kMaxInterfaces; i++) {
    pb::RouterInterface* r = c.add_interfaces();
    r->set_name("i" + std::to_string(i));
    r->set_bridge("b0");
  }
  for (uint32_t i = 0; i <= kMaxVteps; i++) c.add_vteps()->set_name("v" + std::to_string(i));
  for (uint32_t i = 0; i <= kMaxStaticNeighbours; i++) {
    pb::StaticNeighbour* n = c.add_neighbours();
    n->set_interface("wan");
    n->set_address("10.0." + std::to_string(1 + i / 250) + "." + std::to_string(1 + i % 250));
    n->set_mac("02:00:00:00:00:01");
  }
  ConfigErrors e = validate_config(c, nullptr);
  INFO(dump(e).substr(0, 2000));
  CHECK(has_error(e, "bridges", "at most " + std::to_string(kMaxBridges)));
  CHECK(has_error(e, "interfaces", "at most " + std::to_string(kMaxInterfaces)));
  CHECK(has_error(e, "vteps", "at most " + std::to_string(kMaxVteps)));
  CHECK(has_error(e, "neighbours", "at most " + std::to_string(kMaxStaticNeighbours)));
}

TEST_CASE("limits: addresses per interface") {
  pb::Config c = load(kBase);
  pb::RouterInterface* lan = c.mutable_interfaces(0);
  for (uint32_t i = 0; i < kMaxAddressesPerInterface; i++)
    lan->add_addresses("10.1." + std::to_string(i) + ".1/24");
  ConfigErrors e = validate_config(c, nullptr);
  INFO(dump(e));
  CHECK(has_error(e, "interfaces[0].addresses",
                  "at most " + std::to_string(kMaxAddressesPerInterface)));
}

TEST_CASE("limits: distinct multi-path next-hop sets; shared sets count once") {
  pb::Config c = load(kBase);
  // Many routes sharing two sets are fine.
  for (uint32_t i = 0; i < 3 * kMaxEcmpSets; i++) {
    pb::Route* r = c.add_routes();
    r->set_destination("100." + std::to_string(64 + i / 65536) + "." +
                       std::to_string((i / 256) % 256) + "." + std::to_string(i % 256) + "/32");
    r->add_next_hops()->set_gateway("10.0.0.2");
    r->add_next_hops()->set_gateway(i % 2 ? "10.0.0.3" : "10.0.0.4");
  }
  CHECK(validate_config(c, nullptr).empty());
  // One set more than the limit, each by its own second gateway.
  c.clear_routes();
  for (uint32_t i = 0; i <= kMaxEcmpSets; i++) {
    pb::Route* r = c.add_routes();
    r->set_destination("100.64." + std::to_string(i / 256) + "." + std::to_string(i % 256) + "/32");
    r->add_next_hops()->set_gateway("10.0.0.2");
    r->add_next_hops()->set_gateway("10.0." + std::to_string(1 + i / 250) + "." +
                                    std::to_string(2 + i % 250));
  }
  ConfigErrors e = validate_config(c, nullptr);
  INFO(dump(e).substr(0, 2000));
  REQUIRE(e.size() == 1);
  CHECK(has_error(e, "routes[" + std::to_string(kMaxEcmpSets) + "].next_hops",
                  "more than " + std::to_string(kMaxEcmpSets)));
}

TEST_CASE("limits: names of interfaces and VTEPs; exception-path device names stay distinct") {
  pb::Config c = load(kBase);
  c.mutable_interfaces(0)->set_name("has space");
  pb::Vtep* v = c.add_vteps();
  v->set_name("bad/name");
  v->set_local_address("10.0.0.1");
  ConfigErrors e = validate_config(c, nullptr);
  INFO(dump(e));
  CHECK(has_error(e, "interfaces[0].name", "must be 1-63 characters"));
  CHECK(has_error(e, "vteps[0].name", "must be 1-63 characters"));

  // "sy-" + the first 12 characters: these two would share a TUN device.
  c = load(kBase);
  c.mutable_interfaces(0)->set_name("uplink-east-1");
  c.mutable_interfaces(1)->set_name("uplink-east-2");
  e = validate_config(c, nullptr);
  INFO(dump(e));
  CHECK(has_error(e, "interfaces[1].name", "\"sy-uplink-east-\""));
  // Without the exception path there are no devices to collide.
  c.mutable_router()->set_exception_path(false);
  CHECK(validate_config(c, nullptr).empty());
}
