#include "control/metrics.h"

#include <exception>
#include <map>

namespace sy {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

class Families {
 public:
  MetricFamily& family(const std::string& name, const std::string& help, MetricType type) {
    auto it = index_.find(name);
    if (it != index_.end()) return out_[it->second];
    index_[name] = out_.size();
    out_.push_back(MetricFamily{name, help, type, {}});
    return out_.back();
  }
  void counter(const std::string& name, const std::string& help,
               std::vector<ClientMetric::Label> labels, double v) {
    ClientMetric m;
    m.label = std::move(labels);
    m.counter.value = v;
    family(name, help, MetricType::Counter).metric.push_back(m);
  }
  void gauge(const std::string& name, const std::string& help,
             std::vector<ClientMetric::Label> labels, double v) {
    ClientMetric m;
    m.label = std::move(labels);
    m.gauge.value = v;
    family(name, help, MetricType::Gauge).metric.push_back(m);
  }
  std::vector<MetricFamily> take() { return std::move(out_); }

 private:
  std::vector<MetricFamily> out_;
  std::map<std::string, size_t> index_;
};

}  // namespace

std::vector<MetricFamily> stats_to_metric_families(const pb::Stats& s) {
  Families f;
  for (const auto& p : s.ports()) {
    std::vector<ClientMetric::Label> l{{"port", p.name()}};
    f.counter("switchyard_port_rx_packets_total", "Packets received by the port (ethdev).", l,
              p.rx_packets());
    f.counter("switchyard_port_rx_bytes_total", "Bytes received by the port (ethdev).", l,
              p.rx_bytes());
    f.counter("switchyard_port_tx_packets_total", "Packets sent by the port (ethdev).", l,
              p.tx_packets());
    f.counter("switchyard_port_tx_bytes_total", "Bytes sent by the port (ethdev).", l,
              p.tx_bytes());
    f.counter("switchyard_port_rx_missed_total",
              "Packets the device dropped because rx queues were full.", l, p.rx_missed());
    f.counter("switchyard_port_rx_errors_total", "Erroneous packets received.", l, p.rx_errors());
    f.counter("switchyard_port_tx_errors_total", "Failed transmissions.", l, p.tx_errors());
    f.counter("switchyard_port_rx_nombuf_total", "Rx mbuf allocation failures.", l, p.rx_nombuf());
    for (const auto& [name, v] : p.xstats())
      f.counter("switchyard_port_xstats_total", "Device extended statistics (ethdev xstats).",
                {{"port", p.name()}, {"name", name}}, static_cast<double>(v));
  }
  for (const auto& w : s.workers()) {
    std::vector<ClientMetric::Label> l{{"worker", std::to_string(w.worker())},
                                       {"lcore", std::to_string(w.lcore())}};
    f.counter("switchyard_worker_busy_cycles_total", "TSC cycles spent on polls that received packets.",
              l, w.busy_cycles());
    f.counter("switchyard_worker_idle_cycles_total", "TSC cycles spent on empty polls and sleeping.",
              l, w.idle_cycles());
    f.counter("switchyard_worker_bursts_total", "Non-empty rx bursts.", l, w.bursts());
    f.counter("switchyard_worker_rx_packets_total", "Packets received by the worker.", l,
              w.rx_packets());
    f.counter("switchyard_worker_tx_packets_total", "Packets transmitted by the worker.", l,
              w.tx_packets());
    f.counter("switchyard_worker_flood_copies_total",
              "Extra packet copies made to flood (included in transmitted packets).", l,
              w.flood_copies());
    f.counter("switchyard_worker_learn_events_total",
              "MAC learn or move requests sent to the MAC learner.", l, w.learn_events());
    f.counter("switchyard_worker_learn_queue_full_total",
              "MAC learn requests lost because the learner's ring was full (retried by later "
              "frames).",
              l, w.learn_queue_full());
    f.counter("switchyard_worker_l2_flow_cache_hits_total",
              "Bridged frames the worker's flow cache answered with one probe.", l,
              w.l2_flow_hits());
    f.counter("switchyard_worker_l2_flow_cache_misses_total",
              "Bridged frames that took the MAC cache path (new or changed conversations, "
              "flooding, routing, tunnels).",
              l, w.l2_flow_misses());
  }
  for (const auto& d : s.drops())
    f.counter("switchyard_drops_total", "Packets dropped by the pipeline, by reason.",
              {{"reason", d.reason()}}, d.packets());
  for (const auto& b : s.bridges()) {
    std::vector<ClientMetric::Label> l{{"bridge", b.name()}};
    f.gauge("switchyard_bridge_macs", "MAC entries (learned and static) in the bridge.", l, b.macs());
    f.gauge("switchyard_bridge_mac_limit", "Most MAC entries the bridge holds.", l, b.mac_limit());
    f.counter("switchyard_bridge_macs_learned_total", "MAC addresses learned.", l, b.learned());
    f.counter("switchyard_bridge_mac_moves_total", "MAC addresses that moved to another port.", l,
              b.moves());
    f.counter("switchyard_bridge_mac_limit_hits_total",
              "Source MACs not learned because the bridge was full.", l, b.limit_hits());
    f.counter("switchyard_bridge_macs_aged_total", "MAC entries removed by ageing.", l, b.aged());
  }
  const pb::RouterStats& r = s.router();
  f.gauge("switchyard_fib_routes", "Prefixes in the FIB (local and connected included).",
          {{"family", "ipv4"}}, r.routes_v4());
  f.gauge("switchyard_fib_routes", "Prefixes in the FIB (local and connected included).",
          {{"family", "ipv6"}}, r.routes_v6());
  f.gauge("switchyard_fib_memory_bytes", "DPDK memory the FIB takes.", {{"family", "ipv4"}},
          r.fib_memory_bytes_v4());
  f.gauge("switchyard_fib_memory_bytes", "DPDK memory the FIB takes.", {{"family", "ipv6"}},
          r.fib_memory_bytes_v6());
  f.gauge("switchyard_ecmp_groups", "Distinct next-hop groups.", {}, r.ecmp_groups());
  for (const auto& [kind, v] : r.icmp_sent())
    f.counter("switchyard_icmp_sent_total", "ICMP/ICMPv6 messages the router sent, by kind.",
              {{"kind", kind}}, v);
  f.counter("switchyard_icmp_rate_limited_total",
            "ICMP errors not sent because the source's token bucket was empty.", {},
            r.icmp_rate_limited());
  f.counter("switchyard_ipv4_fragments_created_total",
            "Extra packets made by fragmenting to the egress MTU.", {}, r.fragments_created());
  f.counter("switchyard_neighbour_held_total",
            "Packets handed to the neighbour manager to wait for resolution.", {},
            r.packets_held());
  for (const auto& [state, v] : r.neighbours())
    f.gauge("switchyard_neighbours", "Neighbour entries, by state.", {{"state", state}}, v);
  f.counter("switchyard_neighbour_replies_total", "ARP replies and Neighbour Advertisements sent.",
            {}, r.neighbour_replies());
  f.counter("switchyard_neighbour_requests_total",
            "ARP requests and Neighbour Solicitations sent (probes included).", {},
            r.neighbour_requests());
  f.counter("switchyard_neighbour_announcements_total",
            "Gratuitous ARP and unsolicited Neighbour Advertisements sent.", {},
            r.neighbour_announcements());
  f.counter("switchyard_neighbour_resolved_total", "Resolutions completed.", {},
            r.neighbour_resolved());
  f.counter("switchyard_neighbour_failed_total", "Resolutions given up after all retries.", {},
            r.neighbour_failed());
  f.counter("switchyard_neighbour_hold_dropped_total",
            "Held packets dropped (hold queue full, resolution failed, interface removed).", {},
            r.neighbour_hold_dropped());
  f.counter("switchyard_neighbour_events_lost_total",
            "ARP/ND learning events lost because the manager's ring was full.", {},
            r.neighbour_events_lost());
  f.counter("switchyard_punted_total",
            "Packets for the router's addresses sent to the kernel (exception path).", {},
            r.punted());
  f.counter("switchyard_exception_to_kernel_total", "Punted packets written to a TUN device.", {},
            r.punt_to_kernel());
  f.counter("switchyard_exception_from_kernel_total",
            "Packets the kernel sent, routed out through the data plane.", {}, r.punt_from_kernel());
  f.counter("switchyard_exception_dropped_total",
            "Exception-path packets lost (no device, ring full, no mbuf).", {}, r.punt_dropped());
  for (const auto& v : s.vnis()) {
    std::vector<ClientMetric::Label> l{{"vtep", v.vtep()}, {"vni", std::to_string(v.vni())}};
    f.counter("switchyard_vxlan_rx_packets_total",
              "Packets decapsulated into the VNI's bridge domain.", l, v.rx_packets());
    f.counter("switchyard_vxlan_rx_bytes_total", "Inner frame bytes decapsulated.", l,
              v.rx_bytes());
    f.counter("switchyard_vxlan_tx_packets_total",
              "Frames encapsulated to remote VTEPs (head-end copies included).", l,
              v.tx_packets());
    f.counter("switchyard_vxlan_tx_bytes_total", "Inner frame bytes encapsulated.", l,
              v.tx_bytes());
  }
  f.gauge("switchyard_config_generation", "Generation of the running configuration.", {},
          s.generation());
  f.gauge("switchyard_config_last_apply_timestamp_seconds",
          "Unix time of the last configuration apply (accepted or rejected).", {},
          s.last_apply_unix_ms() / 1000.0);
  f.gauge("switchyard_config_last_apply_success", "1 if the last apply was accepted, else 0.", {},
          s.last_apply_ok() ? 1 : 0);
  f.gauge("switchyard_tsc_hz", "TSC frequency: divides the cycle counters into seconds.", {},
          s.tsc_hz());
  return f.take();
}

std::unique_ptr<MetricsServer> MetricsServer::start(const std::string& address,
                                                    std::function<pb::Stats()> source,
                                                    std::string* error) {
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  m->collectable_ = std::make_shared<StatsCollectable>(std::move(source));
  try {
    m->exposer_ = std::make_unique<prometheus::Exposer>(address, 1);
  } catch (const std::exception& e) {
    *error = "cannot listen on " + address + ": " + e.what();
    return nullptr;
  }
  m->exposer_->RegisterCollectable(m->collectable_);
  return m;
}

}  // namespace sy
