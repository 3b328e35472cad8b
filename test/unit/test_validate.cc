#include <catch2/catch.hpp>

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

std::vector<std::string> paths(const ConfigErrors& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.path + ": " + e.message);
  return out;
}

const std::string kGood = R"(
dataplane: {worker_lcores: [1], main_lcore: 0, file_prefix: sy-test}
management: {grpc_address: "127.0.0.1:50051", metrics_address: "127.0.0.1:9469"}
ports:
  - {name: p1, device: "net_af_packet0,iface=p1"}
  - {name: p2, device: "net_af_packet1,iface=p2", mtu: 9000}
  - {name: p3, device: "0000:3b:00.1"}
bridges:
  - name: br0
    members:
      - {port: p1, mode: ACCESS, access_vlan: 10}
      - {port: p2, mode: TRUNK, allowed_vlans: [10, 20], native_vlan: 30}
    static_macs:
      - {mac: "02:00:00:00:00:01", vlan: 20, port: p2}
      - {mac: "02-00-00-00-00-02", vlan: 10, port: p1}
)";

}  // namespace

TEST_CASE("a correct config has no errors") {
  REQUIRE(paths(validate_config(load(kGood), nullptr)).empty());
}

TEST_CASE("every error is reported with its path") {
  pb::Config c = load(R"(
dataplane: {worker_lcores: [0, 2, 2], burst_size: 1000, file_prefix: "bad prefix"}
management: {grpc_address: "nowhere", metrics_address: "127.0.0.1:99999"}
ports:
  - {name: p1, device: "net_tap0"}
  - {name: p1, device: "net_tap0", mtu: 20}
  - {name: "", device: ""}
bridges:
  - name: br0
    mac_limit: 10000000
    members:
      - {port: p1, mode: TRUNK, allowed_vlans: [10, 10, 4095]}
      - {port: nope}
      - {port: p1}
      - {port: p1, mode: ACCESS, allowed_vlans: [3]}
    static_macs:
      - {mac: "01:00:5e:00:00:01", port: p1}
      - {mac: "zz", port: p1}
      - {mac: "02:00:00:00:00:01", vlan: 99, port: p1}
  - name: br0
)");
  auto e = paths(validate_config(c, nullptr));
  auto has = [&](const std::string& prefix) {
    for (const auto& s : e)
      if (s.rfind(prefix, 0) == 0) return true;
    return false;
  };
  CHECK(has("dataplane.worker_lcores[0]: lcore 0 is the main lcore"));
  CHECK(has("dataplane.worker_lcores[2]: lcore 2 listed twice"));
  CHECK(has("dataplane.burst_size:"));
  CHECK(has("dataplane.file_prefix:"));
  CHECK(has("management.grpc_address:"));
  CHECK(has("management.metrics_address:"));
  CHECK(has("ports[1].name: port \"p1\" defined twice"));
  CHECK(has("ports[1].device: device \"net_tap0\" used by two ports"));
  CHECK(has("ports[1].mtu:"));
  CHECK(has("ports[2].name: required"));
  CHECK(has("ports[2].device: required"));
  CHECK(has("bridges[0].mac_limit:"));
  CHECK(has("bridges[0].members[0].allowed_vlans[1]: VLAN 10 listed twice"));
  CHECK(has("bridges[0].members[0].allowed_vlans[2]: 4095 is not a VLAN"));
  CHECK(has("bridges[0].members[1].port: no port named \"nope\""));
  CHECK(has("bridges[0].members[2].port: port \"p1\" is already a member of bridges[0]"));
  CHECK(has("bridges[0].static_macs[0].mac:"));
  CHECK(has("bridges[0].static_macs[1].mac:"));
  CHECK(has("bridges[0].static_macs[2].vlan: port \"p1\" does not carry VLAN 99"));
  CHECK(has("bridges[1].name: bridge \"br0\" defined twice"));
}

TEST_CASE("start-up-only sections cannot change on a running appliance") {
  pb::Config running = load(kGood);
  pb::Config next = running;
  next.mutable_dataplane()->set_burst_size(64);
  next.mutable_ports(0)->set_device("net_af_packet0,iface=p9");
  next.mutable_ports(1)->set_mtu(1500);  // hot: allowed
  auto e = paths(validate_config(next, &running));
  REQUIRE(e.size() == 2);
  CHECK(e[0].rfind("dataplane:", 0) == 0);
  CHECK(e[1].rfind("ports[0]:", 0) == 0);
  next = running;
  next.add_ports()->set_name("p4");
  next.mutable_ports(3)->set_device("net_null0");
  REQUIRE(paths(validate_config(next, &running)).size() == 1);
}

TEST_CASE("MAC parsing and formatting") {
  std::array<uint8_t, 6> m{};
  REQUIRE(parse_mac("02:0A:ff:00:10:9b", &m));
  REQUIRE(format_mac(m.data()) == "02:0a:ff:00:10:9b");
  REQUIRE_FALSE(parse_mac("02:0a:ff:00:10", &m));
  REQUIRE_FALSE(parse_mac("02:0a-ff:00:10:9b", &m));
  REQUIRE_FALSE(parse_mac("02:0a:ff:00:10:9g", &m));
  REQUIRE_FALSE(parse_mac("02:0a:ff:00:10:9bb", &m));
}
