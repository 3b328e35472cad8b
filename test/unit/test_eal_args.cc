#include <catch2/catch.hpp>

#include <algorithm>

#include "control/eal_args.h"
#include "control/yaml_proto.h"

using namespace sy;

namespace {

pb::Config load(const std::string& yaml) {
  pb::Config c;
  REQUIRE(yaml_to_message(yaml, &c).empty());
  return c;
}

bool has(const EalPlan& p, const std::string& arg) {
  return std::find(p.args.begin(), p.args.end(), arg) != p.args.end();
}

}  // namespace

TEST_CASE("virtual ports only: --no-pci, vdevs, hugepages when free") {
  pb::Config c = load(R"(
dataplane: {worker_lcores: [1], file_prefix: lab, memory_mb: 256}
ports:
  - {name: p1, device: "net_af_xdp0,iface=p1"}
  - {name: p2, device: "net_af_packet1,iface=p2"}
)");
  EalPlan p = build_eal_args(c, HostFacts{true, 2});
  CHECK(has(p, "--no-pci"));
  CHECK(has(p, "--vdev=net_af_xdp0,iface=p1"));
  CHECK(has(p, "--vdev=net_af_packet1,iface=p2"));
  CHECK(has(p, "--file-prefix=lab"));
  CHECK(has(p, "--huge-unlink"));
  CHECK(has(p, "256"));
  CHECK(has(p, "0,1"));
  CHECK_FALSE(has(p, "--no-huge"));
  CHECK(p.hugepages);
}

TEST_CASE("a PCI port is allow-listed and --no-pci is dropped") {
  pb::Config c = load(R"(
ports:
  - {name: up, device: "0000:3b:00.1"}
)");
  EalPlan p = build_eal_args(c, HostFacts{true, 4});
  CHECK_FALSE(has(p, "--no-pci"));
  CHECK(has(p, "-a"));
  CHECK(has(p, "0000:3b:00.1"));
}

TEST_CASE("no free hugepages: --no-huge with a note; more lcores than CPUs are remapped") {
  pb::Config c = load(R"(
dataplane: {worker_lcores: [1, 2, 3]}
ports: [{name: p1, device: net_null0}]
)");
  EalPlan p = build_eal_args(c, HostFacts{false, 2});
  CHECK(has(p, "--no-huge"));
  CHECK_FALSE(p.hugepages);
  CHECK(has(p, "--lcores=0@0,1@1,2@0,3@1"));
  CHECK(p.notes.size() == 2);
}

TEST_CASE("AVX-512 hosts get DPDK's 512-bit paths unless eal_args set the width") {
  pb::Config c = load(R"(
dataplane: {worker_lcores: [1]}
ports:
  - {name: p1, device: "net_null0"}
)");
  HostFacts avx{true, 2, true};
  EalPlan p = build_eal_args(c, avx);
  CHECK(has(p, "--force-max-simd-bitwidth=512"));
  CHECK(std::any_of(p.notes.begin(), p.notes.end(),
                    [](const std::string& n) { return n.find("AVX-512") != std::string::npos; }));

  CHECK_FALSE(has(build_eal_args(c, HostFacts{true, 2, false}), "--force-max-simd-bitwidth=512"));

  c.mutable_dataplane()->add_eal_args("--force-max-simd-bitwidth=256");
  p = build_eal_args(c, avx);
  CHECK_FALSE(has(p, "--force-max-simd-bitwidth=512"));
  CHECK(std::count_if(p.args.begin(), p.args.end(), [](const std::string& s) {
          return s.rfind("--force-max-simd-bitwidth", 0) == 0;
        }) == 1);
}
