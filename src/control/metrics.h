// Prometheus exposition: a Collectable that builds metric families from a
// fresh Stats snapshot on every scrape, so there is no second copy of the
// counters to keep in sync. Served by prometheus-cpp's Exposer on loopback.
//
// Thread-safety: Collect() runs on the exposer's HTTP thread and only calls
// the stats source (ControlPlane::stats(), which takes its own lock).
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

std::vector<prometheus::MetricFamily> stats_to_metric_families(const pb::Stats& s);

class StatsCollectable : public prometheus::Collectable {
 public:
  explicit StatsCollectable(std::function<pb::Stats()> source) : source_(std::move(source)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return stats_to_metric_families(source_());
  }

 private:
  std::function<pb::Stats()> source_;
};

class MetricsServer {
 public:
  // Serves /metrics on "host:port". Returns nullptr with *error on failure.
  static std::unique_ptr<MetricsServer> start(const std::string& address,
                                              std::function<pb::Stats()> source,
                                              std::string* error);

 private:
  std::shared_ptr<StatsCollectable> collectable_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace sy
