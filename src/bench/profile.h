// Benchmark set-ups: what switchyard-bench runs, expressed in the appliance's
// own config schema, so the bench exercises the same validation, compiled
// tables and worker loop as the daemon.
//
// Theory of operation: a generated profile (l2, l3v4, l3v6, vxlan)
// writes its traffic into pcap files, one per worker, and builds a Config
// whose first port replays them (net_pcap, infinite_rx=1) and whose other
// port is a sink (net_null, no-rx=1). A user set-up takes the user's config
// as is (real ports forward like testpmd) or, given a pcap, feeds that file
// into one of its ports and turns the other ports into sinks. Entries a
// profile needs learned before measuring (MACs that live behind the sink,
// which sends nothing) are listed in `prelearn`. The l3 profiles route every
// flow through one of `routes` static routes to gateways behind the sink
// (static neighbours), from 198.18.0.0/15 and 2001:2::/48, the benchmarking
// ranges of RFC 2544 and RFC 5180. The vxlan profile sends the l3v4 kind of
// flows from hosts behind remote VTEPs through a VXLAN tunnel (VNI 100) to a
// bridge interface, which routes them the same way: decap -> bridge -> route;
// its frame size is the inner frame's. Its hosts need no prelearning: every
// frame is for the bridge interface, and the warm-up learns them behind
// their remotes.
//
// Thread-safety: plain control-side functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/traffic.h"
#include "switchyard.pb.h"

namespace sy::bench {

namespace pb = ::switchyard::v1;

struct BenchOptions {
  std::string profile;          // l2 | l3v4 | l3v6 | vxlan; empty with config_file
  std::string config_file;      // user config (real ports, or with pcap_file)
  std::string pcap_file;        // user traffic, replayed into pcap_port
  std::string pcap_port;        // default: the config's first port
  uint32_t frame_size = 64;     // or kImix; vxlan: the inner frame's
  uint32_t flows = 10000;
  uint32_t routes = 0;          // l3v4/l3v6/vxlan: routes in the FIB (0: the profile's default)
  uint32_t ecmp = 1;            // l3v4/l3v6/vxlan: next hops per route
  uint32_t workers = 1;
  std::vector<unsigned> lcores; // main lcore first, then one per worker
  bool hugepages = true;
  uint32_t burst_size = 32;
  std::string work_dir;         // where generated pcaps go
  std::string file_prefix;      // EAL --file-prefix, unique per run
};

struct PreLearn {
  std::string bridge;
  uint32_t vlan;
  Mac mac;
  std::string port;
};

struct BenchSetup {
  pb::Config config;
  std::string description;           // one line for the report header
  std::vector<std::string> pcap_files;
  uint64_t distinct_frames = 0;      // frames in the replayed files
  double mean_frame_size = 0;        // bytes with FCS, 0 = unknown (real ports)
  std::vector<PreLearn> prelearn;
  // Configs that route every generated flow as `config` does, through other
  // next hops: applied in turn while traffic flows (--swaps).
  std::vector<pb::Config> swap_configs;
  uint64_t routes = 0;               // static routes in `config`
};

// Profiles this build can generate.
std::vector<std::string> available_profiles();

// Builds the set-up for `opts`: writes pcaps, fills *setup. The config is
// validated by the caller through the normal path.
bool build_setup(const BenchOptions& opts, BenchSetup* setup, std::string* error);

}  // namespace sy::bench
