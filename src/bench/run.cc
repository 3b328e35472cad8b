#include "bench/run.h"

#include <google/protobuf/util/json_util.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "control/control_plane.h"
#include "control/dataplane_options.h"
#include "control/eal_args.h"
#include "control/yaml_proto.h"
#include "pipeline/clock.h"
#include "pipeline/dataplane.h"

namespace sy::bench {

namespace {

std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", prec, v);
  return buf;
}

// Feeds the learner the entries a profile needs before traffic starts, through
// a worker's learn ring: the same path a worker's own learn request takes.
bool prelearn(Dataplane& dp, const BenchSetup& s, std::string* error) {
  if (s.prelearn.empty()) return true;
  const Tables* t = dp.tables();
  rte_ring* ring = dp.worker(0).learn_ring;
  size_t i = 0;
  while (i < s.prelearn.size()) {
    const PreLearn& p = s.prelearn[i];
    int b = -1;
    for (int k = 0; k < s.config.bridges_size(); k++)
      if (s.config.bridges(k).name() == p.bridge) b = k;
    int port = dp.port_id(p.port);
    if (b < 0 || port < 0 || t == nullptr) {
      *error = "prelearn: unknown bridge or port " + p.bridge + "/" + p.port;
      return false;
    }
    LearnEvent ev{};
    ev.key.bridge_id = t->bridge.bridges[static_cast<size_t>(b)].stable_id;
    ev.key.vlan = static_cast<uint16_t>(p.vlan);
    std::memcpy(ev.key.mac, p.mac.data(), 6);
    ev.port = static_cast<uint16_t>(port);
    if (rte_ring_sp_enqueue_elem(ring, &ev, sizeof(ev)) == 0) {
      i++;
      continue;
    }
    dp.learner().drain(clock_now_ns());  // ring full: let the learner take a batch
  }
  dp.learner().drain(clock_now_ns());
  return true;
}

uint64_t mac_count(const Dataplane& dp) {
  uint64_t n = 0;
  for (const auto& [id, c] : dp.learner().counters()) n += c.macs;
  return n;
}

void totals(const Dataplane& dp, RunResult* out) {
  Snapshot s = take_snapshot(dp);
  for (const auto& w : s.workers) {
    out->rx += w.rx;
    out->tx += w.tx;
    out->flood_copies += w.flood;
    for (size_t r = 0; r < kDropReasonCount; r++) {
      if (w.drops[r] == 0) continue;
      out->dropped += w.drops[r];
      out->drops[drop_reason_name(static_cast<DropReason>(r))] += w.drops[r];
    }
  }
  // Packets the router made (ICMP errors, fragments, frames of the neighbour
  // manager) count like flood copies; packets it handed to the neighbour
  // manager or the kernel like drops.
  uint64_t made = 0, handed = 0;
  for (size_t i = 0; i < dp.nb_workers(); i++) {
    const WorkerCounters& c = dp.worker(i).counters;
    made += c.icmp_errors.get() + c.fragments.get() + c.injected.get() + c.local_out.get();
    handed += c.held.get() + c.punted.get();
  }
  out->router_made = made;
  out->router_handed = handed;
  out->balanced = out->rx + out->flood_copies + made == out->tx + out->dropped + handed;
  out->macs = mac_count(dp);
}

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

bool measure_rate(Dataplane& dp, ControlPlane& cp, const BenchSetup& setup, const RunOptions& o,
                  const LineSink& progress,
                  const std::function<void(const Window&, uint32_t)>& on_window, RunResult* out,
                  std::string* error) {
  dp.learner().start();
  dp.neighbours().start();
  if (!dp.launch_workers(error)) return false;
  auto sleep_s = [](double s) {
    std::this_thread::sleep_for(std::chrono::duration<double>(s));
  };
  // Warm-up in steps of at most one interval, with a progress line each.
  Snapshot prev = take_snapshot(dp);
  double warmed = 0;
  while (warmed + 1e-9 < o.warmup_s) {
    double step = std::min(o.interval_s, o.warmup_s - warmed);
    sleep_s(step);
    warmed += step;
    Snapshot now = take_snapshot(dp);
    Window w = make_window(dp, prev, now, setup.mean_frame_size);
    progress("warm-up " + fmt(warmed, 1) + "/" + fmt(o.warmup_s, 1) + " s: rx " +
             format_rate(w.rx_pps) + "pps, tx " + format_rate(w.tx_pps) + "pps, " +
             std::to_string(mac_count(dp)) + " MACs");
    prev = now;
  }
  prev = take_snapshot(dp);
  std::vector<double> tx, rx, cpp;
  for (uint32_t i = 0; i < o.windows; i++) {
    auto t0 = std::chrono::steady_clock::now();
    if (i < o.swaps && !setup.swap_configs.empty()) {
      // A new config while traffic flows: every flow stays routed by both.
      const pb::Config& next = setup.swap_configs[i % setup.swap_configs.size()];
      ApplyResult r = cp.apply(next, false);
      double ms = ms_since(t0);
      if (!r.ok) {
        *error = "swap " + std::to_string(i + 1) + " rejected: " + format_error(r.errors.at(0));
        dp.stop_workers();
        return false;
      }
      out->applies.push_back(ApplyTiming{ms, true});
      std::string phases;
      for (const auto& [name, pms] : r.phases_ms) phases += " " + name + " " + fmt(pms, 0);
      progress("swap " + std::to_string(i + 1) + ": applied " + std::to_string(setup.routes) +
               " routes in " + fmt(ms, 0) + " ms while forwarding (ms:" + phases + ")");
    }
    double left = o.interval_s - ms_since(t0) / 1000;
    if (left > 0) sleep_s(left);
    Snapshot now = take_snapshot(dp);
    Window w = make_window(dp, prev, now, setup.mean_frame_size);
    prev = now;
    on_window(w, i);
    tx.push_back(w.tx_pps);
    rx.push_back(w.rx_pps);
    cpp.push_back(w.cycles_per_packet);
    out->windows.push_back(std::move(w));
  }
  dp.stop_workers();  // flushes tx buffers
  dp.learner().stop();
  dp.neighbours().stop();
  out->median_tx_pps = median(tx);
  out->median_rx_pps = median(rx);
  out->median_cycles_per_packet = median(cpp);
  return true;
}

bool measure_count(Dataplane& dp, const BenchSetup& setup, const RunOptions& o,
                   const LineSink& progress,
                   RunResult* out, std::string* error) {
  if (dp.nb_workers() != 1) {
    *error = "--count steps one worker; use --workers 1";
    return false;
  }
  dp.attach_manual_worker(0);
  WorkerCtx& w = dp.worker(0);
  // The clock stands still while counting: under callgrind a second of real
  // time is only some ten thousand packets, and the caches' once-a-second
  // forget would make the count depend on the host's speed. What a forget
  // costs is spread over a second's tens of millions of packets in a run.
  struct FrozenClock {
    FrozenClock() { clock_set_fake_ns(clock_now_ns()); }
    ~FrozenClock() { clock_set_fake_ns(0); }
  } frozen;
  // Warm-up: every replayed frame seen twice, the learner drained after every
  // poll, so the measured section runs in the steady state (all MACs known).
  uint64_t warm = 0, target = std::max<uint64_t>(2 * setup.distinct_frames, 1024);
  for (int guard = 0; warm < target && guard < 1'000'000; guard++) {
    warm += worker_poll_once(w);
    dp.learner().drain(clock_now_ns());
  }
  if (warm == 0) {
    *error = "--count: no packets received during warm-up";
    return false;
  }
  progress("count mode: warm-up " + std::to_string(warm) + " packets, measuring " +
           std::to_string(o.count));
  out->measured_packets = run_measured_polls(w, o.count);
  return true;
}

}  // namespace

__attribute__((noinline)) uint64_t run_measured_polls(WorkerCtx& w, uint64_t packets) {
  uint64_t got = 0;
  // Bounded: a port that stops delivering ends the section instead of hanging.
  for (uint64_t idle = 0; got < packets && idle < 1'000'000;) {
    uint16_t n = worker_poll_once(w);
    got += n;
    idle = n ? 0 : idle + 1;
  }
  return got;
}

bool run_bench(const BenchSetup& setup, const RunOptions& o, const LineSink& progress,
               const std::function<void(const Window&, uint32_t)>& on_window, RunResult* out,
               std::string* error) {
  const pb::Config& cfg = setup.config;
  EalPlan plan = build_eal_args(cfg, probe_host());
  plan.args[0] = "switchyard-bench";
  out->eal_notes = plan.notes;
  std::vector<char*> argv;
  for (auto& a : plan.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(plan.args.size()), argv.data()) < 0) {
    *error = "EAL initialisation failed: " + std::string(rte_strerror(rte_errno));
    return false;
  }
  std::string runtime_dir = rte_eal_get_runtime_dir();
  bool ok = false;
  {
    std::unique_ptr<Dataplane> dp = Dataplane::create(dataplane_options(cfg.dataplane()), error);
    std::vector<PortSpec> specs = port_specs(cfg);
    std::unique_ptr<ControlPlane> cp;
    if (dp && dp->start_ports(specs, error)) {
      cp = std::make_unique<ControlPlane>(*dp);
      auto t0 = std::chrono::steady_clock::now();
      ApplyResult r = cp->apply(cfg, false);
      out->applies.push_back(ApplyTiming{ms_since(t0), false});
      if (setup.routes > 0) {
        // What loading this config from its YAML file costs the daemon.
        std::string text = message_to_yaml(cfg);
        pb::Config back;
        auto t1 = std::chrono::steady_clock::now();
        ConfigErrors ye = yaml_to_message(text, &back);
        out->yaml_load_s = ms_since(t1) / 1000;
        out->yaml_bytes = text.size();
        if (!ye.empty()) progress("note: YAML round trip failed: " + format_error(ye[0]));
        std::string json;
        (void)google::protobuf::util::MessageToJsonString(cfg, &json);
        auto t2 = std::chrono::steady_clock::now();
        ConfigErrors je = yaml_to_message(json, &back);
        out->json_load_s = ms_since(t2) / 1000;
        out->json_bytes = json.size();
        if (!je.empty()) progress("note: JSON round trip failed: " + format_error(je[0]));
        progress("config: " + std::to_string(setup.routes) + " routes; YAML " +
                 fmt(text.size() / 1048576.0, 1) + " MiB loads in " + fmt(out->yaml_load_s, 2) +
                 " s, as JSON " + fmt(json.size() / 1048576.0, 1) + " MiB in " +
                 fmt(out->json_load_s, 2) + " s; applied in " + fmt(out->applies[0].ms, 0) +
                 " ms");
      }
      if (!r.ok) {
        *error = "config rejected:";
        for (const auto& e : r.errors) *error += "\n  " + format_error(e);
      } else if (prelearn(*dp, setup, error)) {
        out->offloads = offload_report(*dp);
        ok = o.count > 0 ? measure_count(*dp, setup, o, progress, out, error)
                         : measure_rate(*dp, *cp, setup, o, progress, on_window, out, error);
        if (ok) {
          totals(*dp, out);
          pb::RouterStats rs = cp->stats().router();
          out->fib_bytes_v4 = rs.fib_memory_bytes_v4();
          out->fib_bytes_v6 = rs.fib_memory_bytes_v6();
          out->fib_routes_v4 = rs.routes_v4();
          out->fib_routes_v6 = rs.routes_v6();
        }
      }
    }
    cp.reset();
    dp.reset();
  }
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  return ok;
}

}  // namespace sy::bench
