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

namespace {

const std::string kRouted = R"(
ports:
  - {name: p1, device: "net_af_packet0,iface=p1"}
  - {name: p2, device: "net_af_packet1,iface=p2"}
  - {name: p3, device: "net_af_packet2,iface=p3"}
bridges:
  - name: br0
    members: [{port: p3}]
interfaces:
  - {name: lan, port: p1, addresses: ["10.0.1.1/24", "10.0.11.1/24", "2001:db8:1::1/64"]}
  - {name: wan, port: p2, mtu: 1400, addresses: ["10.0.2.1/24"]}
routes:
  - {destination: "0.0.0.0/0", next_hops: [{gateway: "10.0.2.254"}]}
  - {destination: "172.16.0.0/12", source: "10.0.1.0/25", next_hops: [{gateway: "10.0.2.9", weight: 3}, {interface: lan}]}
  - {destination: "198.51.100.0/24", type: BLACKHOLE}
neighbours:
  - {interface: wan, address: "10.0.2.254", mac: "02:00:00:00:02:fe"}
router: {ecmp_hash_fields: [SRC_ADDRESS, DST_ADDRESS], ecmp_symmetric: true}
)";

bool has(const ConfigErrors& errors, const std::string& path, const std::string& text) {
  for (const auto& e : errors)
    if (e.path == path && e.message.find(text) != std::string::npos) return true;
  return false;
}

ConfigErrors errors_with(const std::string& from, const std::string& to) {
  std::string y = kRouted;
  size_t at = y.find(from);
  REQUIRE(at != std::string::npos);
  y.replace(at, from.size(), to);
  return validate_config(load(y), nullptr);
}

}  // namespace

TEST_CASE("router config: a good one passes") {
  CHECK(paths(validate_config(load(kRouted), nullptr)).empty());
}

TEST_CASE("router config: each mistake is named by path") {
  CHECK(has(errors_with("10.0.2.254\"}]}", "10.0.9.1\"}]}"), "routes[0].next_hops[0].gateway",
            "not on any interface subnet"));
  CHECK(has(errors_with("\"0.0.0.0/0\"", "\"10.0.0.1/8\""), "routes[0].destination",
            "did you mean 10.0.0.0/8"));
  CHECK(has(errors_with("source: \"10.0.1.0/25\"", "source: \"2001:db8::/32\""), "routes[1].source",
            "different address families"));
  CHECK(has(errors_with("weight: 3", "weight: 5000"), "routes[1].next_hops[0].weight", "1..1000"));
  CHECK(has(errors_with("type: BLACKHOLE}", "type: BLACKHOLE, next_hops: [{interface: lan}]}"),
            "routes[2].next_hops", "no next hops"));
  CHECK(has(errors_with("port: p1,", "port: p3,"), "interfaces[0].port", "bridge member"));
  CHECK(has(errors_with("port: p2, mtu: 1400", "port: p1, mtu: 1400"), "interfaces[1].port",
            "already has an interface"));
  CHECK(has(errors_with("mtu: 1400", "mtu: 9000"), "interfaces[1].mtu", "port's MTU"));
  CHECK(has(errors_with("\"10.0.2.1/24\"", "\"10.0.1.77/24\""), "interfaces[1].addresses[0]",
            "already on interfaces[0]"));
  CHECK(has(errors_with("\"10.0.11.1/24\"", "\"10.0.1.1/24\""), "interfaces[0].addresses[1]",
            "already assigned"));
  CHECK(has(errors_with("\"10.0.11.1/24\"", "\"10.0.11.1\""), "interfaces[0].addresses[1]",
            "prefix length"));
  CHECK(has(errors_with("\"10.0.11.1/24\"", "\"224.0.0.1/24\""), "interfaces[0].addresses[1]",
            "cannot be an interface address"));
  CHECK(has(errors_with("address: \"10.0.2.254\"", "address: \"10.0.7.254\""),
            "neighbours[0].address", "not on a subnet"));
  CHECK(has(errors_with("mac: \"02:00:00:00:02:fe\"", "mac: \"01:00:00:00:02:fe\""),
            "neighbours[0].mac", "unicast"));
  CHECK(has(errors_with("gateway: \"10.0.2.254\"", "gateway: \"10.0.2.1\""),
            "routes[0].next_hops[0].gateway", "own addresses"));
  CHECK(has(errors_with("{destination: \"198.51.100.0/24\", type: BLACKHOLE}",
                        "{destination: \"10.0.1.0/24\", type: BLACKHOLE}"),
            "routes[2].destination", "connected subnet"));
  CHECK(has(errors_with("{destination: \"198.51.100.0/24\", type: BLACKHOLE}",
                        "{destination: \"0.0.0.0/0\", type: BLACKHOLE}"),
            "routes[2]", "another route"));
  CHECK(has(errors_with("{name: lan, port: p1,", "{name: lan, bridge: br9,"), "interfaces[0].bridge",
            "no bridge named"));
  CHECK(has(errors_with("{name: lan, port: p1,", "{name: lan, bridge: br0, vlan: 7,"),
            "interfaces[0].vlan", "carries VLAN 7"));
  CHECK(paths(errors_with("{name: lan, port: p1,", "{name: lan, bridge: br0,")).empty());
}

TEST_CASE("router config: 65 next hops are too many") {
  std::string route = "  - destination: \"10.9.0.0/16\"\n    next_hops:\n";
  for (int i = 0; i < 65; i++) route += "      - {gateway: \"10.0.2." + std::to_string(i + 10) + "\"}\n";
  std::string y = kRouted;
  y.insert(y.find("neighbours:"), route);
  CHECK(has(validate_config(load(y), nullptr), "routes[3].next_hops", "at most 64"));
}

TEST_CASE("validate: VXLAN VTEPs, bindings, flood lists and remote MACs") {
  const std::string base = kGood + R"(
interfaces:
  - {name: under, port: p3, addresses: ["100.64.0.1/24", "2001:db8:64::1/64"]}
vteps:
)";
  auto check = [&](const std::string& vteps) { return paths(validate_config(load(base + vteps), nullptr)); };
  CHECK(check(R"(
  - name: vt
    local_address: "100.64.0.1"
    dscp_mode: FIXED
    dscp: 46
    df: DF_INHERIT
    vnis:
      - {vni: 100, bridge: br0, vlan: 10, flood: ["100.64.0.2"],
         remote_macs: [{mac: "02:00:00:00:0b:01", remote: "100.64.0.3"}]}
      - {vni: 16777215, bridge: br0, vlan: 20}
  - {name: vt6, local_address: "2001:db8:64::1", vnis: [{vni: 100, bridge: br0, vlan: 30}]}
)").empty());
  CHECK(check(R"(
  - name: vt
    local_address: "100.64.0.9"
    vnis: [{vni: 100, bridge: br0, vlan: 10}]
)") == std::vector<std::string>{"vteps[0].local_address: 100.64.0.9 is not an address of any router "
                                "interface (the underlay reaches a VTEP through one)"});
  CHECK(check(R"(
  - name: vt
    local_address: "100.64.0.1"
    ttl: 300
    dscp: 7
    vnis:
      - {vni: 16777216, bridge: br0}
      - {vni: 5, bridge: nope}
      - {vni: 6, bridge: br0, vlan: 10, flood: ["2001:db8::2", "100.64.0.1", "224.0.0.1", "100.64.0.5", "100.64.0.5"]}
      - {vni: 6, bridge: br0, vlan: 10, remote_macs: [{mac: "01:00:5e:00:00:01", remote: "100.64.0.2"},
                                                  {mac: "02:00:00:00:00:01", remote: ""}]}
  - {name: vt, local_address: "100.64.0.1", vnis: [{vni: 7, bridge: br0, vlan: 20,
     remote_macs: [{mac: "02:00:00:00:00:01", remote: "100.64.0.2"}]}]}
)") == std::vector<std::string>{
      "vteps[0].ttl: 300 is not a TTL (1..255)",
      "vteps[0].dscp: set dscp_mode: FIXED to use a fixed DSCP",
      "vteps[0].vnis[0].vni: 16777216 is not a VNI (0..16777215)",
      "vteps[0].vnis[1].bridge: no bridge named \"nope\"",
      "vteps[0].vnis[2].flood[0]: 2001:db8::2 is not of the local address's family (100.64.0.1)",
      "vteps[0].vnis[2].flood[1]: 100.64.0.1 is this VTEP's own address",
      "vteps[0].vnis[2].flood[2]: 224.0.0.1 cannot be a remote VTEP (unspecified, loopback, "
      "broadcast or multicast; multicast underlays are not supported)",
      "vteps[0].vnis[2].flood[4]: 100.64.0.5 listed twice",
      "vteps[0].vnis[3].vni: VNI 6 bound twice on this VTEP",
      "vteps[0].vnis[3]: bridge \"br0\" VLAN 10 is already bound to a VNI at vteps[0].vnis[2]",
      "vteps[0].vnis[3].remote_macs[0].mac: 01:00:5e:00:00:01 is a multicast address",
      "vteps[0].vnis[3].remote_macs[1].remote: required",
      "vteps[1].name: VTEP \"vt\" defined twice",
      "vteps[1].local_address: same address and UDP port as vteps[0]",
      "vteps[1].vnis[0].remote_macs[0].mac: 02:00:00:00:00:01 is also a static MAC of bridge \"br0\"",
  });
}

TEST_CASE("validate: a bridge interface on a VLAN that only a VXLAN VNI carries") {
  const std::string cfg = kGood + R"(
interfaces:
  - {name: under, port: p3, addresses: ["100.64.0.1/24"]}
  - {name: irb, bridge: br0, vlan: 40, addresses: ["10.9.0.1/24"]}
vteps:
  - {name: vt, local_address: "100.64.0.1", vnis: [{vni: 40, bridge: br0, vlan: VLAN}]}
)";
  auto with_vlan = [&](const std::string& v) {
    std::string c = cfg;
    c.replace(c.find("VLAN}"), 4, v);
    return paths(validate_config(load(c), nullptr));
  };
  CHECK(with_vlan("40").empty());
  CHECK(with_vlan("41") == std::vector<std::string>{
      "interfaces[1].vlan: no member of bridge \"br0\" carries VLAN 40 (nor is it bound to a "
      "VXLAN VNI)"});
}

TEST_CASE("validate: at most 65,535 bridge VLANs in all (workers number them in 16 bits)") {
  // 16 bridges with a trunk of every VLAN: 65,504 domains; a 17th bridge's
  // 31 more VLANs pass, and a 32nd does not.
  auto config = [](unsigned last_bridge_vlans) {
    pb::Config c = load(kGood);
    c.clear_bridges();
    for (unsigned b = 0; b < 17; b++) {
      pb::Port* p = c.add_ports();
      p->set_name("t" + std::to_string(b));
      p->set_device("net_null" + std::to_string(b));
      pb::BridgeDomain* br = c.add_bridges();
      br->set_name("br" + std::to_string(b));
      pb::BridgeMember* m = br->add_members();
      m->set_port(p->name());
      m->set_mode(pb::BridgeMember::TRUNK);
      unsigned n = b < 16 ? 4094 : last_bridge_vlans;
      for (unsigned v = 1; v <= n; v++) m->add_allowed_vlans(v);
    }
    return paths(validate_config(c, nullptr));
  };
  CHECK(config(31).empty());
  CHECK(config(32) == std::vector<std::string>{
      "bridges: the bridges carry 65536 VLANs in all; at most 65535"});
}
