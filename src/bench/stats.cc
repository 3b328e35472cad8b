#include "bench/stats.h"

#include <rte_cycles.h>

#include <algorithm>
#include <cstdio>

namespace sy::bench {

namespace {
// Ethernet FCS, which ethdev byte counters leave out and wire rates include.
constexpr double kFcsBytes = 4;
}  // namespace

Snapshot take_snapshot(const Dataplane& dp) {
  Snapshot s;
  s.tsc = rte_get_tsc_cycles();
  for (const auto& p : dp.ports()) s.ports.push_back(dp.port_counters(p.id));
  for (size_t i = 0; i < dp.nb_workers(); i++) {
    const WorkerCounters& c = dp.worker(i).counters;
    WorkerSnap w;
    w.rx = c.rx_packets.get();
    w.tx = c.tx_packets.get();
    w.busy = c.busy_cycles.get();
    w.flood = c.flood_copies.get();
    for (size_t r = 0; r < kDropReasonCount; r++) w.drops[r] = c.drops[r].get();
    s.workers.push_back(w);
  }
  return s;
}

Window make_window(const Dataplane& dp, const Snapshot& a, const Snapshot& b,
                   double mean_frame_size) {
  Window w;
  w.seconds = static_cast<double>(b.tsc - a.tsc) / static_cast<double>(rte_get_tsc_hz());
  if (w.seconds <= 0) return w;
  for (size_t i = 0; i < b.ports.size() && i < a.ports.size(); i++) {
    const PortCounters &x = a.ports[i], &y = b.ports[i];
    PortRate r;
    r.name = dp.ports()[i].name;
    r.rx_pps = static_cast<double>(y.rx_packets - x.rx_packets) / w.seconds;
    r.tx_pps = static_cast<double>(y.tx_packets - x.tx_packets) / w.seconds;
    auto bps = [&](uint64_t bytes, double pps) {
      if (bytes == 0) return pps * mean_frame_size * 8;  // driver counts no bytes
      return (static_cast<double>(bytes) / w.seconds + pps * kFcsBytes) * 8;
    };
    r.rx_bps = bps(y.rx_bytes - x.rx_bytes, r.rx_pps);
    r.tx_bps = bps(y.tx_bytes - x.tx_bytes, r.tx_pps);
    r.rx_missed = y.rx_missed - x.rx_missed;
    r.rx_nombuf = y.rx_nombuf - x.rx_nombuf;
    w.ports.push_back(r);
  }
  uint64_t busy = 0, rx = 0;
  for (size_t i = 0; i < b.workers.size() && i < a.workers.size(); i++) {
    const WorkerSnap &x = a.workers[i], &y = b.workers[i];
    WorkerRate r;
    r.index = static_cast<uint32_t>(i);
    r.lcore = dp.worker(i).lcore;
    r.rx_pps = static_cast<double>(y.rx - x.rx) / w.seconds;
    r.tx_pps = static_cast<double>(y.tx - x.tx) / w.seconds;
    r.cycles_per_packet =
        y.rx > x.rx ? static_cast<double>(y.busy - x.busy) / static_cast<double>(y.rx - x.rx) : 0;
    busy += y.busy - x.busy;
    rx += y.rx - x.rx;
    w.rx_pps += r.rx_pps;
    w.tx_pps += r.tx_pps;
    w.workers.push_back(r);
    for (size_t d = 0; d < kDropReasonCount; d++)
      if (y.drops[d] != x.drops[d])
        w.drops[drop_reason_name(static_cast<DropReason>(d))] += y.drops[d] - x.drops[d];
  }
  w.cycles_per_packet = rx ? static_cast<double>(busy) / static_cast<double>(rx) : 0;
  return w;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string format_rate(double v) {
  char buf[32];
  if (v >= 1e9)
    std::snprintf(buf, sizeof(buf), "%.2f G", v / 1e9);
  else if (v >= 1e6)
    std::snprintf(buf, sizeof(buf), "%.2f M", v / 1e6);
  else if (v >= 1e3)
    std::snprintf(buf, sizeof(buf), "%.2f k", v / 1e3);
  else
    std::snprintf(buf, sizeof(buf), "%.0f ", v);
  return buf;
}

}  // namespace sy::bench
