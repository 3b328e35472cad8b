#include <catch2/catch.hpp>
#include <google/protobuf/util/message_differencer.h>

#include "control/yaml_proto.h"
#include "switchyard.pb.h"

using namespace sy;
namespace pb = ::switchyard::v1;

namespace {
const char* kFull = R"(
dataplane:
  worker_lcores: [1, 2]
  main_lcore: 0
  hugepages: false
  idle_sleep_us: 0
  file_prefix: lab
management: {grpc_address: "127.0.0.1:50051"}
ports:
  - name: p1
    device: "net_af_packet0,iface=p1"
    mtu: 0x2328
  - {name: p2, device: net_null0, promiscuous: false}
bridges:
  - name: br0
    members:
      - {port: p1}
      - {port: p2, mode: TRUNK, allowedVlans: [10, 20], native_vlan: 30}
    static_macs: [{mac: "02:00:00:00:00:01", vlan: 10, port: p2}]
)";
}

TEST_CASE("a full config loads through reflection") {
  pb::Config c;
  REQUIRE(yaml_to_message(kFull, &c).empty());
  REQUIRE(c.dataplane().worker_lcores_size() == 2);
  REQUIRE(c.dataplane().has_hugepages());
  REQUIRE_FALSE(c.dataplane().hugepages());
  REQUIRE(c.dataplane().has_idle_sleep_us());
  REQUIRE(c.ports(0).mtu() == 9000);
  REQUIRE(c.ports(1).has_promiscuous());
  REQUIRE(c.bridges(0).members(1).mode() == pb::BridgeMember::TRUNK);
  REQUIRE(c.bridges(0).members(1).allowed_vlans(1) == 20);  // json_name accepted
  REQUIRE(c.bridges(0).static_macs(0).port() == "p2");
}

TEST_CASE("message_to_yaml round-trips") {
  pb::Config c, back;
  REQUIRE(yaml_to_message(kFull, &c).empty());
  std::string text = message_to_yaml(c);
  INFO(text);
  REQUIRE(yaml_to_message(text, &back).empty());
  REQUIRE(google::protobuf::util::MessageDifferencer::Equals(c, back));
  pb::Stats s;
  (*s.add_ports()->mutable_xstats())["rx_good"] = 5;
  pb::Stats s2;
  REQUIRE(yaml_to_message(message_to_yaml(s), &s2).empty());
  REQUIRE(s2.ports(0).xstats().at("rx_good") == 5);
}

TEST_CASE("every error has a path and a line; the message is left empty") {
  pb::Config c;
  auto e = yaml_to_message(R"(
dataplane:
  burst_size: abc
  memory_mb: -5
  hugepages: yes
ports:
  - {name: p1, mtu: 70000000000}
  - {name: p2, colour: red}
bridges:
  - members: [{mode: SIDEWAYS}]
)", &c);
  REQUIRE(e.size() == 6);
  CHECK(e[0].path == "dataplane.burst_size");
  CHECK(e[0].message == "line 3: expected an unsigned integer, got \"abc\"");
  CHECK(e[1].path == "dataplane.memory_mb");
  CHECK(e[2].path == "dataplane.hugepages");
  CHECK(e[3].path == "ports[0].mtu");
  CHECK(e[3].message.find("out of range") != std::string::npos);
  CHECK(e[4].path == "ports[1]");
  CHECK(e[4].message == "line 8: unknown field \"colour\"");
  CHECK(e[5].path == "bridges[0].members[0].mode");
  CHECK(e[5].message.find("ACCESS, TRUNK") != std::string::npos);
  REQUIRE(c.ByteSizeLong() == 0);
}

TEST_CASE("structure errors, duplicate keys, syntax errors, missing files") {
  pb::Config c;
  auto e = yaml_to_message("ports: {name: p1}\n", &c);
  REQUIRE(e.size() == 1);
  CHECK(e[0].path == "ports");
  e = yaml_to_message("dataplane: {main_lcore: 1, main_lcore: 2}\n", &c);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("given twice") != std::string::npos);
  e = yaml_to_message("ports: [\n", &c);
  REQUIRE(e.size() == 1);
  CHECK(e[0].path.empty());
  CHECK(e[0].message.rfind("line ", 0) == 0);
  e = yaml_to_message("", &c);
  REQUIRE(e.empty());
  e = load_yaml_file("/nonexistent/switchyard.yaml", &c);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("cannot read") != std::string::npos);
}

TEST_CASE("a document starting with '{' is read as JSON by protobuf's parser") {
  pb::Config c;
  ConfigErrors e = yaml_to_message(
      R"({"ports": [{"name": "p1", "device": "net_null0"}],
          "routes": [{"destination": "10.0.0.0/8", "type": "BLACKHOLE"}]})",
      &c);
  REQUIRE(e.empty());
  CHECK(c.ports(0).name() == "p1");
  CHECK(c.routes(0).type() == pb::Route::BLACKHOLE);
  e = yaml_to_message(R"({"ports": [{"nmae": "p1"}]})", &c);
  REQUIRE(e.size() == 1);
  CHECK(e[0].message.find("JSON") != std::string::npos);
  CHECK(c.ports_size() == 0);  // nothing partial
}
