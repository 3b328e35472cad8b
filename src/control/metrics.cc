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
