#include "bench/profile.h"

#include <algorithm>

#include "control/defaults.h"
#include "control/validate.h"
#include "route/ip.h"
#include "control/yaml_proto.h"
#include "pipeline/dataplane.h"
#include "vxlan/vxlan_stage.h"

namespace sy::bench {

namespace {

constexpr uint32_t kBenchNet = (198u << 24) | (18u << 16);  // 198.18.0.0/15 (RFC 2544)
constexpr uint8_t kInSide = 0x0a, kOutSide = 0x0b;
// The l2 profile holds 2 MACs per flow in one bridge; the MAC table is shared.
constexpr uint32_t kMaxL2Flows = kMacTableCapacity / 2 - 1024;

Ipv4Flow flow_at(uint32_t i) {
  Ipv4Flow f;
  f.src_mac = host_mac(kInSide, i);
  f.dst_mac = host_mac(kOutSide, i);
  f.src_ip = kBenchNet | (i & 0xffff);
  f.dst_ip = kBenchNet | 0x10000 | (i & 0xffff);
  f.src_port = static_cast<uint16_t>(1024 + (i >> 16));
  f.dst_port = 5001;
  return f;
}

void fill_dataplane(const BenchOptions& o, uint64_t preloaded, pb::Dataplane* d) {
  d->set_main_lcore(o.lcores.at(0));
  for (uint32_t i = 0; i < o.workers; i++) d->add_worker_lcores(o.lcores.at(1 + i));
  d->set_file_prefix(o.file_prefix);
  d->set_idle_sleep_us(0);  // benchmarks poll
  d->set_burst_size(o.burst_size);
  d->set_hugepages(o.hugepages);
  // net_pcap keeps every replayed frame in an mbuf of the port's pool.
  uint64_t mbufs = std::max<uint64_t>(32767, preloaded + 16384);
  d->set_mbufs(static_cast<uint32_t>(mbufs));
  d->set_memory_mb(static_cast<uint32_t>(std::max<uint64_t>(512, 256 + mbufs * 2600 / (1 << 20))));
}

std::string pcap_device(uint32_t index, const std::vector<std::string>& files) {
  std::string dev = "net_pcap" + std::to_string(index);
  for (const auto& f : files) dev += ",rx_pcap=" + f;
  return dev + ",infinite_rx=1";
}

// Writes one pcap per worker and the two ports every generated profile has:
// "in" replaying those files, "out" a sink; also sizes the dataplane.
bool add_replay_ports(const BenchOptions& o, const std::vector<std::vector<Frame>>& per_worker,
                      BenchSetup* s, std::string* error) {
  for (uint32_t w = 0; w < o.workers; w++) {
    std::string path = o.work_dir + "/" + o.profile + "-w" + std::to_string(w) + ".pcap";
    if (!write_pcap(path, per_worker[w], error)) return false;
    s->pcap_files.push_back(path);
    s->distinct_frames += per_worker[w].size();
  }
  pb::Config& c = s->config;
  fill_dataplane(o, s->distinct_frames, c.mutable_dataplane());
  pb::Port* in = c.add_ports();
  in->set_name("in");
  in->set_device(pcap_device(0, s->pcap_files));
  pb::Port* out = c.add_ports();
  out->set_name("out");
  out->set_device("net_null0,no-rx=1");
  return true;
}

bool build_l2(const BenchOptions& o, BenchSetup* s, std::string* error) {
  if (o.flows == 0 || o.flows > kMaxL2Flows) {
    *error = "--flows: the l2 profile takes 1.." + std::to_string(kMaxL2Flows) +
             " flows (2 MACs each in one MAC table of " + std::to_string(kMacTableCapacity) + ")";
    return false;
  }
  std::vector<std::vector<Frame>> per_worker(o.workers);
  std::vector<uint64_t> counts(o.workers, 0);
  for (uint32_t i = 0; i < o.flows; i++) {
    uint32_t w = i % o.workers;
    per_worker[w].push_back(build_udp4_frame(flow_at(i), frame_size_at(o.frame_size, counts[w]++)));
  }
  // IMIX needs at least one full cycle per file to have its mix.
  for (uint32_t w = 0; w < o.workers; w++) {
    auto& v = per_worker[w];
    size_t n = v.size();
    while (o.frame_size == kImix && v.size() % 12 != 0) {
      Frame f = v[v.size() % n];
      f.resize(frame_size_at(kImix, counts[w]++) - 4, 0);
      v.push_back(f);
    }
  }
  if (!add_replay_ports(o, per_worker, s, error)) return false;
  pb::Config& c = s->config;
  pb::BridgeDomain* b = c.add_bridges();
  b->set_name("bench");
  b->set_ageing_seconds(3600);  // nothing ages out during a run
  b->set_mac_limit(2 * o.flows + 64);
  b->add_members()->set_port("in");
  b->add_members()->set_port("out");
  // Destinations live behind the sink, which never sends: learn them up front
  // through the learner, as if they had spoken once.
  for (uint32_t i = 0; i < o.flows; i++)
    s->prelearn.push_back(PreLearn{"bench", 1, host_mac(kOutSide, i), "out"});
  s->mean_frame_size = mean_frame_size(o.frame_size);
  s->description = "l2 learned bridge: " + frame_size_name(o.frame_size) + " B frames, " +
                   std::to_string(o.flows) + " flows (" + std::to_string(2 * o.flows) +
                   " MACs), in (pcap replay) -> bridge -> out (null)";
  return true;
}

bool build_user(const BenchOptions& o, BenchSetup* s, std::string* error) {
  ConfigErrors errs = load_yaml_file(o.config_file, &s->config);
  if (!errs.empty()) {
    *error = o.config_file + ": " + format_error(errs.front());
    if (errs.size() > 1) *error += " (and " + std::to_string(errs.size() - 1) + " more)";
    return false;
  }
  pb::Config& c = s->config;
  if (c.ports_size() == 0) {
    *error = o.config_file + ": ports: the bench needs at least one port";
    return false;
  }
  // The run's own lcores, prefix and polling replace the file's.
  pb::Dataplane keep = c.dataplane();
  c.clear_dataplane();
  uint64_t preloaded = 0;
  if (!o.pcap_file.empty()) {
    std::vector<Frame> frames;
    if (!read_pcap(o.pcap_file, &frames, error)) return false;
    if (frames.empty()) {
      *error = o.pcap_file + ": no packets";
      return false;
    }
    double bytes = 0;
    for (const auto& f : frames) bytes += f.size() + 4;
    s->mean_frame_size = bytes / frames.size();
    s->distinct_frames = frames.size() * o.workers;
    preloaded = s->distinct_frames;
    int feed = o.pcap_port.empty() ? 0 : -1;
    for (int i = 0; i < c.ports_size(); i++)
      if (c.ports(i).name() == o.pcap_port) feed = i;
    if (feed < 0) {
      *error = "--pcap-port: no port named \"" + o.pcap_port + "\" in " + o.config_file;
      return false;
    }
    std::vector<std::string> files(o.workers, o.pcap_file);
    s->pcap_files = files;
    uint32_t nulls = 0;
    for (int i = 0; i < c.ports_size(); i++)
      c.mutable_ports(i)->set_device(i == feed ? pcap_device(0, files)
                                               : "net_null" + std::to_string(nulls++) + ",no-rx=1");
    s->description = "user traffic " + o.pcap_file + " into port " + c.ports(feed).name() +
                     " of " + o.config_file + " (other ports are null sinks)";
  } else {
    s->description = "user config " + o.config_file + " on its own ports";
  }
  fill_dataplane(o, preloaded, c.mutable_dataplane());
  if (keep.mbufs() > c.dataplane().mbufs()) c.mutable_dataplane()->set_mbufs(keep.mbufs());
  if (keep.memory_mb() > c.dataplane().memory_mb())
    c.mutable_dataplane()->set_memory_mb(keep.memory_mb());
  for (const auto& a : keep.eal_args()) c.mutable_dataplane()->add_eal_args(a);
  if (keep.rx_descriptors()) c.mutable_dataplane()->set_rx_descriptors(keep.rx_descriptors());
  if (keep.tx_descriptors()) c.mutable_dataplane()->set_tx_descriptors(keep.tx_descriptors());
  return true;
}

// Destination prefix of route i: consecutive /24s from 1.0.0.0 up (real
// tables are dense), /48s under 2a00::/16 grouped 256 to a /40 (as providers'
// customer assignments are).
IpPrefix l3_route(bool v6, uint32_t i) {
  IpPrefix p;
  p.addr.v6 = v6;
  if (!v6) {
    uint32_t a = ((1 + (i >> 16)) << 24) | ((i & 0xffff) << 8);
    p.addr = IpAddr::from_v4_host(a);
    p.len = 24;
  } else {
    uint8_t b[16] = {0x2a, static_cast<uint8_t>(i >> 24), static_cast<uint8_t>(i >> 16),
                     static_cast<uint8_t>(i >> 8), 0, static_cast<uint8_t>(i)};
    p.addr = IpAddr::from_v6(b);
    p.len = 48;
  }
  return p;
}

std::string gateway(bool v6, uint32_t k) {
  return v6 ? "2001:2:0:1::" + std::to_string(k + 2) : "198.19.0." + std::to_string(k + 2);
}

Mac gateway_mac(uint32_t k) { return host_mac(kOutSide, 0x00ff0000u + k); }

// The routing part of an l3 config: every route to `ecmp` gateways starting
// at gateway `first`.
void add_routes(const BenchOptions& o, bool v6, uint32_t routes, uint32_t first, pb::Config* c) {
  c->clear_routes();
  c->mutable_routes()->Reserve(static_cast<int>(routes));
  for (uint32_t i = 0; i < routes; i++) {
    pb::Route* r = c->add_routes();
    r->set_destination(format_prefix(l3_route(v6, i)));
    for (uint32_t k = 0; k < o.ecmp; k++)
      r->add_next_hops()->set_gateway(gateway(v6, first + k));
  }
}

bool build_l3(const BenchOptions& o, bool v6, BenchSetup* s, std::string* error) {
  uint32_t routes = o.routes ? o.routes : (v6 ? 200000 : 1000000);
  uint32_t max_routes = v6 ? 2'000'000 : 4'000'000;
  if (routes > max_routes) {
    *error = "--routes: the " + o.profile + " profile takes 1.." + std::to_string(max_routes);
    return false;
  }
  if (o.ecmp < 1 || o.ecmp > 64) {
    *error = "--ecmp: 1..64 next hops";
    return false;
  }
  const Mac in_mac = host_mac(0x01, 1), out_mac = host_mac(0x01, 2);
  std::vector<std::vector<Frame>> per_worker(o.workers);
  std::vector<uint64_t> counts(o.workers, 0);
  for (uint32_t j = 0; j < o.flows; j++) {
    uint32_t w = j % o.workers;
    // Flows spread over the routes (a multiplicative hash of the flow index).
    uint32_t r = static_cast<uint32_t>((uint64_t{j} * 2654435761u) % routes);
    IpPrefix p = l3_route(v6, r);
    uint32_t size = frame_size_at(o.frame_size, counts[w]++);
    if (!v6) {
      Ipv4Flow f;
      f.src_mac = host_mac(kInSide, j);
      f.dst_mac = in_mac;
      f.src_ip = kBenchNet | (2 + (j & 0xfff));
      f.dst_ip = p.addr.v4_host() | (1 + j % 254);
      f.src_port = static_cast<uint16_t>(1024 + (j >> 12));
      f.dst_port = 5001;
      per_worker[w].push_back(build_udp4_frame(f, size));
    } else {
      Ipv6Flow f;
      f.src_mac = host_mac(kInSide, j);
      f.dst_mac = in_mac;
      IpAddr src;
      parse_ip("2001:2::", &src);
      src.b[14] = static_cast<uint8_t>(j >> 8);
      src.b[15] = static_cast<uint8_t>(2 + (j & 0xfd));
      f.src_ip = src.b;
      f.dst_ip = p.addr.b;
      f.dst_ip[15] = static_cast<uint8_t>(1 + j % 254);
      f.src_port = static_cast<uint16_t>(1024 + (j >> 12));
      f.dst_port = 5001;
      per_worker[w].push_back(build_udp6_frame(f, size));
    }
  }
  if (!add_replay_ports(o, per_worker, s, error)) return false;
  pb::Config& c = s->config;
  // Two FIBs live at once during an apply: the 64 MiB first level plus the
  // library's rules and groups, ~300 bytes a route, each.
  uint64_t fib_mb = 2 * (64 + uint64_t{routes} * 300 / (1 << 20)) + 64;
  c.mutable_dataplane()->set_memory_mb(
      static_cast<uint32_t>(c.dataplane().memory_mb() + fib_mb));
  pb::RouterInterface* i1 = c.add_interfaces();
  i1->set_name("in");
  i1->set_port("in");
  i1->set_mac(format_mac(in_mac.data()));
  i1->add_addresses(v6 ? "2001:2::1/64" : "198.18.0.1/16");
  pb::RouterInterface* i2 = c.add_interfaces();
  i2->set_name("out");
  i2->set_port("out");
  i2->set_mac(format_mac(out_mac.data()));
  i2->add_addresses(v6 ? "2001:2:0:1::1/64" : "198.19.0.1/24");
  // Gateways behind the sink never answer ARP/ND: static neighbours, twice
  // as many as a route uses, so a swap can move every route elsewhere.
  for (uint32_t k = 0; k < 2 * o.ecmp; k++) {
    pb::StaticNeighbour* n = c.add_neighbours();
    n->set_interface("out");
    n->set_address(gateway(v6, k));
    n->set_mac(format_mac(gateway_mac(k).data()));
  }
  c.mutable_router()->set_exception_path(false);  // no TUN devices from a benchmark
  pb::Config alternate = c;
  add_routes(o, v6, routes, 0, &c);
  add_routes(o, v6, routes, o.ecmp, &alternate);
  s->swap_configs = {alternate, c};
  s->routes = routes;
  s->mean_frame_size = v6 && o.frame_size != kImix
                           ? std::max(o.frame_size, kMinIpv6Frame) + 0.0
                           : mean_frame_size(o.frame_size);
  std::string size = frame_size_name(o.frame_size);
  if (v6 && o.frame_size != kImix && o.frame_size < kMinIpv6Frame)
    size = std::to_string(kMinIpv6Frame) + " (IPv6 minimum)";
  s->description = o.profile + " router: " + size + " B frames, " + std::to_string(o.flows) +
                   " flows over " + std::to_string(routes) + (v6 ? " /48" : " /24") +
                   " routes, " + std::to_string(o.ecmp) +
                   " next hop(s) each, in (pcap replay) -> FIB -> out (null)";
  return true;
}

// vxlan: hosts behind remote VTEPs send through a VXLAN tunnel to a bridge
// interface (IRB), which routes them like l3v4. The underlay is 198.18.0.0/24
// on port "in" (the local VTEP 198.18.0.1, remote VTEPs from .2), the overlay
// 198.18.1.0/24 on bridge "overlay" bound to VNI 100, which has no member
// port: traffic comes in through the tunnel only.
constexpr uint32_t kVxlanVni = 100;
constexpr uint32_t kVxlanRemotes = 4;
constexpr uint32_t kVxlanHosts = 64;  // inner source MACs, host k behind remote k % 4

bool build_vxlan(const BenchOptions& o, BenchSetup* s, std::string* error) {
  uint32_t routes = o.routes ? o.routes : 1000;
  if (routes > 4'000'000) {
    *error = "--routes: the vxlan profile takes 1..4000000";
    return false;
  }
  if (o.ecmp < 1 || o.ecmp > 64) {
    *error = "--ecmp: 1..64 next hops";
    return false;
  }
  const Mac in_mac = host_mac(0x01, 1), out_mac = host_mac(0x01, 2), irb_mac = host_mac(0x01, 3);
  const uint32_t local_vtep = kBenchNet | 1;       // 198.18.0.1
  const uint32_t overlay = kBenchNet | (1u << 8);  // 198.18.1.0/24
  std::vector<std::vector<Frame>> per_worker(o.workers);
  std::vector<uint64_t> counts(o.workers, 0);
  for (uint32_t j = 0; j < o.flows; j++) {
    uint32_t w = j % o.workers;
    uint32_t host = j % kVxlanHosts, remote = host % kVxlanRemotes;
    uint32_t r = static_cast<uint32_t>((uint64_t{j} * 2654435761u) % routes);
    // --frame-size is the inner frame's: the wire carries 50 bytes more.
    Ipv4Flow f;
    f.src_mac = host_mac(kInSide, host);
    f.dst_mac = irb_mac;
    f.src_ip = overlay | (10 + host);
    f.dst_ip = l3_route(false, r).addr.v4_host() | (1 + j % 254);
    f.src_port = static_cast<uint16_t>(1024 + (j / kVxlanHosts) % 64512);  // flows stay distinct
    f.dst_port = 5001;
    Frame inner = build_udp4_frame(f, frame_size_at(o.frame_size, counts[w]++));
    Vxlan4Outer v;
    v.src_mac = host_mac(kInSide, 0x00ff0000u + remote);
    v.dst_mac = in_mac;
    v.src_ip = local_vtep + 1 + remote;
    v.dst_ip = local_vtep;
    // As a VTEP (Linux's or ours) picks it: a hash of the inner flow.
    v.src_port = vxlan_source_port(inner.data(), static_cast<uint32_t>(inner.size()));
    v.vni = kVxlanVni;
    per_worker[w].push_back(build_vxlan4_frame(v, inner));
  }
  if (!add_replay_ports(o, per_worker, s, error)) return false;
  pb::Config& c = s->config;
  uint64_t fib_mb = 2 * (64 + uint64_t{routes} * 300 / (1 << 20)) + 64;
  c.mutable_dataplane()->set_memory_mb(
      static_cast<uint32_t>(c.dataplane().memory_mb() + fib_mb));
  pb::BridgeDomain* b = c.add_bridges();
  b->set_name("overlay");
  b->set_ageing_seconds(3600);  // nothing ages out during a run
  b->set_mac_limit(kVxlanHosts + 64);
  pb::RouterInterface* under = c.add_interfaces();
  under->set_name("in");
  under->set_port("in");
  under->set_mac(format_mac(in_mac.data()));
  under->add_addresses("198.18.0.1/24");
  pb::RouterInterface* irb = c.add_interfaces();
  irb->set_name("irb");
  irb->set_bridge("overlay");
  irb->set_mac(format_mac(irb_mac.data()));
  irb->add_addresses("198.18.1.1/24");
  pb::RouterInterface* out = c.add_interfaces();
  out->set_name("out");
  out->set_port("out");
  out->set_mac(format_mac(out_mac.data()));
  out->add_addresses("198.19.0.1/24");
  for (uint32_t k = 0; k < 2 * o.ecmp; k++) {
    pb::StaticNeighbour* n = c.add_neighbours();
    n->set_interface("out");
    n->set_address(gateway(false, k));
    n->set_mac(format_mac(gateway_mac(k).data()));
  }
  pb::Vtep* vt = c.add_vteps();
  vt->set_name("vtep");
  vt->set_local_address("198.18.0.1");
  pb::VniBinding* vni = vt->add_vnis();
  vni->set_vni(kVxlanVni);
  vni->set_bridge("overlay");
  // No flood list: the hosts' MACs are learned behind their remotes from the
  // first packets of the warm-up (the learner thread, asynchronously); every
  // frame is for the bridge interface, so nothing is ever flooded.
  c.mutable_router()->set_exception_path(false);  // no TUN devices from a benchmark
  pb::Config alternate = c;
  add_routes(o, false, routes, 0, &c);
  add_routes(o, false, routes, o.ecmp, &alternate);
  s->swap_configs = {alternate, c};
  s->routes = routes;
  // What the sink receives (and the rates in bits count): the inner frames.
  s->mean_frame_size = mean_frame_size(o.frame_size);
  std::string size = frame_size_name(o.frame_size);
  s->description = "vxlan decap -> bridge -> route: " + size + " B inner frames (" +
                   (o.frame_size == kImix ? "+" + std::to_string(kVxlan4Overhead)
                                          : std::to_string(o.frame_size + kVxlan4Overhead)) +
                   " B outer), " + std::to_string(o.flows) + " flows from " +
                   std::to_string(std::min(o.flows, kVxlanHosts)) + " hosts behind " +
                   std::to_string(std::min(o.flows, kVxlanRemotes)) + " remote VTEPs (VNI " +
                   std::to_string(kVxlanVni) + ") over " + std::to_string(routes) +
                   " /24 routes, " + std::to_string(o.ecmp) +
                   " next hop(s) each, in (pcap replay) -> VTEP -> bridge -> IRB -> FIB -> out "
                   "(null); lan (null) in the bridge";
  return true;
}

}  // namespace

std::vector<std::string> available_profiles() { return {"l2", "l3v4", "l3v6", "vxlan"}; }

bool build_setup(const BenchOptions& o, BenchSetup* s, std::string* error) {
  if (o.lcores.size() < 1 + o.workers) {
    *error = "--lcores: need the main lcore and one per worker";
    return false;
  }
  if (!o.config_file.empty()) return build_user(o, s, error);
  if (o.profile == "l2") return build_l2(o, s, error);
  if (o.profile == "l3v4") return build_l3(o, false, s, error);
  if (o.profile == "l3v6") return build_l3(o, true, s, error);
  if (o.profile == "vxlan") return build_vxlan(o, s, error);
  *error = "unknown profile \"" + o.profile + "\" (available: l2, l3v4, l3v6, vxlan)";
  return false;
}

}  // namespace sy::bench
