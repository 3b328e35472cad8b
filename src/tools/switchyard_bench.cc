// switchyard-bench: testpmd-style benchmark of the real pipeline. See
// docs/benchmarks.md for the method; `switchyard-bench --help` for options.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench/icount.h"
#include "bench/json.h"
#include "bench/profile.h"
#include "bench/run.h"
#include "bench/testpmd.h"
#include "control/validate.h"
#include "version.h"

namespace sb = sy::bench;

namespace {

constexpr const char* kUsage = R"(usage: switchyard-bench [options]

Traffic (one of):
  --profile NAME       generated traffic: l2 (default), l3v4, l3v6, vxlan
                       (decap -> bridge -> route)
  --config FILE        a switchyard config: its own ports (NICs) forward like
                       testpmd, with the pipeline in between
  --config FILE --pcap FILE [--pcap-port NAME]
                       replay FILE into NAME (default: first port); the other
                       ports become null sinks
Generated traffic:
  --frame-size N|imix  64..1518 bytes with FCS, or imix 7:4:1 (default 64);
                       vxlan: the inner frame (on the wire 50 bytes more)
  --flows N            distinct flows (default 10000)
  --routes N           l3v4/l3v6/vxlan: static routes (default 1000000 /
                       200000 / 1000; a million IPv4 routes need ~1.2 GiB
                       of hugepages, or --no-huge)
  --ecmp N             l3v4/l3v6/vxlan: next hops per route (default 1)
  --swaps N            l3v4/l3v6/vxlan: during the first N windows, apply a config
                       moving every route to other next hops while traffic
                       flows; reports apply times (every flow stays routed)
Run:
  --workers N          worker lcores (default 1)
  --lcores LIST        main lcore, then one per worker (default 0,1,...)
  --burst N            rx burst size (default 32)
  --warmup S           warm-up seconds (default 2)
  --windows N          measurement windows (default 5); the summary is their median
  --interval S         window length in whole seconds (default 1)
  --baseline           run dpdk-testpmd io before and after, on the same ports,
                       traffic and cores, and report our rate as a ratio to the
                       median of its windows from both runs
  --no-huge            run without hugepages
Deterministic:
  --count N            step one worker on the main thread for exactly N packets
                       after a warm-up; prints measured_packets=N
  --icount [N]         instructions per packet: runs --count N (default 320000)
                       under valgrind --tool=callgrind (needs a build without
                       AVX-512: scripts/bench.sh makes build-icount/)
Output:
  --json               JSON result on stdout; progress goes to stderr
  --update-json FILE   merge this profile's figures into FILE (docs/benchmarks.json)
  --keep-files         keep the generated pcap files
  --name KEY           the entry --update-json writes (default: the profile)
)";

// Performance budget per profile: ratio to testpmd io (issue 5).
const std::map<std::string, double> kBudget = {
    {"l2", 0.60}, {"l3v4", 0.55}, {"l3v6", 0.45}, {"vxlan", 0.40}};

struct Cli {
  sb::BenchOptions bench;
  sb::RunOptions run;
  bool baseline = false;
  bool json = false;
  bool keep_files = false;
  uint64_t icount = 0;
  std::string update_json;
  std::string name;
  std::string lcores_text;
};

std::FILE* human = stdout;  // stderr with --json

void say(const std::string& s) {
  std::fprintf(human, "%s\n", s.c_str());
  std::fflush(human);
}

std::string fmt(double v, int prec = 2) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", prec, v);
  return buf;
}

bool parse_uint(const std::string& s, uint64_t lo, uint64_t hi, uint64_t* out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || v < lo || v > hi) return false;
  *out = v;
  return true;
}

int usage_error(const std::string& msg) {
  std::fprintf(stderr, "switchyard-bench: %s\n(see --help)\n", msg.c_str());
  return 64;
}

// Returns 0 to go on, or an exit code.
int parse_args(int argc, char** argv, Cli* c) {
  std::vector<std::string> a(argv + 1, argv + argc);
  c->bench.profile = "l2";
  for (size_t i = 0; i < a.size(); i++) {
    const std::string& k = a[i];
    auto value = [&](std::string* v) {
      if (i + 1 >= a.size()) return false;
      *v = a[++i];
      return true;
    };
    auto number = [&](uint64_t lo, uint64_t hi, uint64_t* out) {
      std::string v;
      return value(&v) && parse_uint(v, lo, hi, out);
    };
    std::string v;
    uint64_t n = 0;
    if (k == "--help" || k == "-h") {
      std::fputs(kUsage, stdout);
      return -1;
    } else if (k == "--profile") {
      if (!value(&c->bench.profile)) return usage_error("--profile needs a name");
    } else if (k == "--config") {
      if (!value(&c->bench.config_file)) return usage_error("--config needs a file");
    } else if (k == "--pcap") {
      if (!value(&c->bench.pcap_file)) return usage_error("--pcap needs a file");
    } else if (k == "--pcap-port") {
      if (!value(&c->bench.pcap_port)) return usage_error("--pcap-port needs a port name");
    } else if (k == "--frame-size") {
      std::string err;
      if (!value(&v) || !sb::parse_frame_size(v, &c->bench.frame_size, &err))
        return usage_error("--frame-size: expected 64..1518 or imix");
    } else if (k == "--flows") {
      if (!number(1, 10'000'000, &n)) return usage_error("--flows: expected 1..10000000");
      c->bench.flows = static_cast<uint32_t>(n);
    } else if (k == "--routes") {
      if (!number(1, 4'000'000, &n)) return usage_error("--routes: expected 1..4000000");
      c->bench.routes = static_cast<uint32_t>(n);
    } else if (k == "--ecmp") {
      if (!number(1, 64, &n)) return usage_error("--ecmp: expected 1..64");
      c->bench.ecmp = static_cast<uint32_t>(n);
    } else if (k == "--swaps") {
      if (!number(1, 1000, &n)) return usage_error("--swaps: expected 1..1000");
      c->run.swaps = static_cast<uint32_t>(n);
    } else if (k == "--workers") {
      if (!number(1, 64, &n)) return usage_error("--workers: expected 1..64");
      c->bench.workers = static_cast<uint32_t>(n);
    } else if (k == "--lcores") {
      if (!value(&c->lcores_text)) return usage_error("--lcores needs a list");
    } else if (k == "--burst") {
      if (!number(1, 256, &n)) return usage_error("--burst: expected 1..256");
      c->bench.burst_size = static_cast<uint32_t>(n);
    } else if (k == "--warmup") {
      if (!number(0, 3600, &n)) return usage_error("--warmup: expected 0..3600 seconds");
      c->run.warmup_s = static_cast<double>(n);
    } else if (k == "--windows") {
      if (!number(1, 1000, &n)) return usage_error("--windows: expected 1..1000");
      c->run.windows = static_cast<uint32_t>(n);
    } else if (k == "--interval") {
      if (!number(1, 60, &n)) return usage_error("--interval: expected 1..60 seconds");
      c->run.interval_s = static_cast<double>(n);
    } else if (k == "--baseline") {
      c->baseline = true;
    } else if (k == "--no-huge") {
      c->bench.hugepages = false;
    } else if (k == "--count") {
      if (!number(1, uint64_t{1} << 40, &n)) return usage_error("--count: expected a packet count");
      c->run.count = n;
    } else if (k == "--icount") {
      c->icount = 320000;
      if (i + 1 < a.size() && a[i + 1].rfind("--", 0) != 0) {
        if (!number(1, uint64_t{1} << 32, &c->icount)) return usage_error("--icount: expected N");
      }
    } else if (k == "--json") {
      c->json = true;
    } else if (k == "--update-json") {
      if (!value(&c->update_json)) return usage_error("--update-json needs a file");
    } else if (k == "--name") {
      if (!value(&c->name)) return usage_error("--name needs a key");
    } else if (k == "--keep-files") {
      c->keep_files = true;
    } else {
      return usage_error("unknown option " + k);
    }
  }
  if (!c->bench.pcap_file.empty() && c->bench.config_file.empty())
    return usage_error("--pcap needs --config (the pipeline the traffic goes through)");
  if (!c->bench.config_file.empty()) c->bench.profile.clear();
  if ((c->run.count || c->icount) && c->bench.workers != 1)
    return usage_error("--count/--icount step one worker: use --workers 1");
  if (c->run.count && c->baseline) return usage_error("--count and --baseline exclude each other");
  c->bench.lcores.clear();
  if (c->lcores_text.empty()) {
    for (uint32_t l = 0; l <= c->bench.workers; l++) c->bench.lcores.push_back(l);
  } else {
    size_t pos = 0;
    while (pos <= c->lcores_text.size()) {
      size_t comma = c->lcores_text.find(',', pos);
      std::string item = c->lcores_text.substr(pos, comma - pos);
      uint64_t n = 0;
      if (!parse_uint(item, 0, 1023, &n)) return usage_error("--lcores: expected e.g. 0,1");
      c->bench.lcores.push_back(static_cast<unsigned>(n));
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
    if (c->bench.lcores.size() != c->bench.workers + 1)
      return usage_error("--lcores: give the main lcore and exactly one per worker");
  }
  return 0;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string lpad(std::string s, size_t w) {
  if (s.size() < w) s.insert(0, w - s.size(), ' ');
  return s;
}

void print_window(const sb::Window& w, uint32_t index, uint32_t total) {
  say("  ---- window " + std::to_string(index + 1) + "/" + std::to_string(total) + " (" +
      fmt(w.seconds) + " s) " + std::string(50, '-'));
  for (const auto& p : w.ports) {
    std::string line = "  port " + pad(p.name, 8) + " Rx-pps: " +
                       lpad(sb::format_rate(p.rx_pps), 9) + " Rx-bps: " +
                       lpad(sb::format_rate(p.rx_bps), 9) + " Tx-pps: " +
                       lpad(sb::format_rate(p.tx_pps), 9) + " Tx-bps: " +
                       lpad(sb::format_rate(p.tx_bps), 9);
    if (p.rx_missed || p.rx_nombuf)
      line += " missed " + std::to_string(p.rx_missed) + " nombuf " + std::to_string(p.rx_nombuf);
    say(line);
  }
  for (const auto& k : w.workers)
    say("  worker " + std::to_string(k.index) + " (lcore " + std::to_string(k.lcore) +
        "): rx " + sb::format_rate(k.rx_pps) + "pps, tx " + sb::format_rate(k.tx_pps) +
        "pps, " + fmt(k.cycles_per_packet, 1) + " cycles/packet");
  std::string drops;
  for (const auto& [r, n] : w.drops) drops += " " + r + "=" + std::to_string(n);
  say("  drops:" + (drops.empty() ? std::string(" none") : drops));
}

sb::JsonObject window_json(const sb::Window& w) {
  sb::JsonObject o;
  auto& f = *o.mutable_fields();
  f["seconds"] = sb::json_number(w.seconds);
  f["tx_mpps"] = sb::json_number(w.tx_pps / 1e6, 4);
  f["rx_mpps"] = sb::json_number(w.rx_pps / 1e6, 4);
  f["cycles_per_packet"] = sb::json_number(w.cycles_per_packet, 1);
  sb::JsonValue ports;
  for (const auto& p : w.ports) {
    sb::JsonObject po;
    auto& pf = *po.mutable_fields();
    pf["name"] = sb::json_string(p.name);
    pf["rx_pps"] = sb::json_number(p.rx_pps, 0);
    pf["tx_pps"] = sb::json_number(p.tx_pps, 0);
    pf["rx_bps"] = sb::json_number(p.rx_bps, 0);
    pf["tx_bps"] = sb::json_number(p.tx_bps, 0);
    pf["rx_missed"] = sb::json_number(static_cast<double>(p.rx_missed), 0);
    *ports.mutable_list_value()->add_values() = sb::json_object(po);
  }
  f["ports"] = ports;
  sb::JsonValue workers;
  for (const auto& k : w.workers) {
    sb::JsonObject wo;
    auto& wf = *wo.mutable_fields();
    wf["worker"] = sb::json_number(k.index, 0);
    wf["lcore"] = sb::json_number(k.lcore, 0);
    wf["rx_pps"] = sb::json_number(k.rx_pps, 0);
    wf["tx_pps"] = sb::json_number(k.tx_pps, 0);
    wf["cycles_per_packet"] = sb::json_number(k.cycles_per_packet, 1);
    *workers.mutable_list_value()->add_values() = sb::json_object(wo);
  }
  f["workers"] = workers;
  sb::JsonObject drops;
  for (const auto& [r, n] : w.drops)
    (*drops.mutable_fields())[r] = sb::json_number(static_cast<double>(n), 0);
  f["drops"] = sb::json_object(drops);
  return o;
}

sb::JsonValue offloads_json(const std::vector<sb::OffloadReport>& reps) {
  sb::JsonValue list;
  for (const auto& r : reps) {
    sb::JsonObject o;
    auto& f = *o.mutable_fields();
    f["port"] = sb::json_string(r.port);
    f["driver"] = sb::json_string(r.driver);
    f["max_rx_queues"] = sb::json_number(r.max_rx_queues, 0);
    f["max_tx_queues"] = sb::json_number(r.max_tx_queues, 0);
    f["rss_offered"] = sb::json_strings(r.rss_offered);
    f["rx_offloads_offered"] = sb::json_strings(r.rx_offered);
    f["tx_offloads_offered"] = sb::json_strings(r.tx_offered);
    f["rte_flow_queue"] = sb::json_string(r.flow_queue);
    f["rte_flow_rss"] = sb::json_string(r.flow_rss);
    f["rss_used"] = sb::json_strings(r.rss_used);
    f["used"] = sb::json_strings(r.used);
    f["software"] = sb::json_strings(r.software);
    *list.mutable_list_value()->add_values() = sb::json_object(o);
  }
  return list;
}

void print_offloads(const std::vector<sb::OffloadReport>& reps) {
  auto join_with = [](const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s.empty() ? std::string("none") : s;
  };
  auto join = [&](const std::vector<std::string>& v) { return join_with(v, " "); };
  say("offloads:");
  for (const auto& r : reps) {
    say("  port " + r.port + " (" + r.driver + ", " + std::to_string(r.max_rx_queues) + " rx / " +
        std::to_string(r.max_tx_queues) + " tx queues max)");
    say("    offered: rss [" + join(r.rss_offered) + "] rx [" + join(r.rx_offered) + "] tx [" +
        join(r.tx_offered) + "]");
    say("    rte_flow: queue " + r.flow_queue + "; rss " + r.flow_rss);
    say("    used: " + join(r.used) + (r.rss_used.empty() ? "" : " hash [" + join(r.rss_used) + "]") +
        "; in software: " + join_with(r.software, "; "));
  }
}

std::string self_exe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("switchyard-bench") : p.string();
}

std::string profile_key(const Cli& c) {
  if (!c.name.empty()) return c.name;
  return c.bench.profile.empty() ? std::string("user") : c.bench.profile;
}

int run_icount_mode(const Cli& c) {
  std::vector<std::string> args = {self_exe()};
  if (!c.bench.config_file.empty()) {
    args.insert(args.end(), {"--config", c.bench.config_file});
    if (!c.bench.pcap_file.empty()) args.insert(args.end(), {"--pcap", c.bench.pcap_file});
    if (!c.bench.pcap_port.empty()) args.insert(args.end(), {"--pcap-port", c.bench.pcap_port});
  } else {
    args.insert(args.end(), {"--profile", c.bench.profile});
  }
  args.insert(args.end(),
              {"--frame-size", sb::frame_size_name(c.bench.frame_size), "--flows",
               std::to_string(c.bench.flows), "--burst", std::to_string(c.bench.burst_size),
               "--no-huge", "--count", std::to_string(c.icount)});
  if (c.bench.routes) args.insert(args.end(), {"--routes", std::to_string(c.bench.routes)});
  if (c.bench.ecmp != 1) args.insert(args.end(), {"--ecmp", std::to_string(c.bench.ecmp)});
  std::string work = c.bench.work_dir;
  say("switchyard-bench: counting instructions for " + std::to_string(c.icount) +
      " packets under callgrind (slow: about a minute)");
  sb::IcountResult r;
  std::string error;
  if (!sb::run_icount(args, work, &r, &error)) {
    std::fprintf(stderr, "switchyard-bench: %s\n", error.c_str());
    return 1;
  }
  say("instructions per packet: " + fmt(r.per_packet, 1) + " (" + std::to_string(r.instructions) +
      " over " + std::to_string(r.packets) + " packets)");
  size_t width = 36;
  for (const auto& f : r.functions) width = std::max(width, f.first.size() + 2);
  for (const auto& [name, ir] : r.functions) say("  " + pad(name, width) + lpad(fmt(ir, 1), 7));
  sb::JsonObject fields;
  auto& f = *fields.mutable_fields();
  f["instructions_per_packet"] = sb::json_number(r.per_packet, 1);
  sb::JsonObject by_fn;
  for (const auto& [name, ir] : r.functions)
    (*by_fn.mutable_fields())[name] = sb::json_number(ir, 1);
  f["instructions_by_function"] = sb::json_object(by_fn);
  f["icount_packets"] = sb::json_number(static_cast<double>(r.packets), 0);
  f["icount_measured_at"] = sb::json_string(now_utc());
  f["icount_commit"] = sb::json_string(SY_VERSION);
  f["icount_march"] = sb::json_string(SY_MARCH);
  // Counts may use a smaller table than the rate run (scripts/bench.sh): say so.
  if (c.bench.routes != 0) f["icount_routes"] = sb::json_number(c.bench.routes, 0);
  if (c.json) {
    sb::JsonObject o = fields;
    (*o.mutable_fields())["profile"] = sb::json_string(profile_key(c));
    (*o.mutable_fields())["command"] = sb::json_string(r.command);
    std::fputs(sb::to_json(o).c_str(), stdout);
  }
  if (!c.update_json.empty() &&
      !sb::update_profile_json(c.update_json, profile_key(c), fields, &error)) {
    std::fprintf(stderr, "switchyard-bench: %s\n", error.c_str());
    return 1;
  }
  return 0;
}

int run_main(Cli& c) {
  std::string error;
  sb::BenchSetup setup;
  if (!sb::build_setup(c.bench, &setup, &error)) {
    std::fprintf(stderr, "switchyard-bench: %s\n", error.c_str());
    return 1;
  }
  sy::ConfigErrors errs = sy::validate_config(setup.config, nullptr);
  if (!errs.empty()) {
    std::fprintf(stderr, "switchyard-bench: the bench config is invalid:\n");
    for (const auto& e : errs) std::fprintf(stderr, "  %s\n", sy::format_error(e).c_str());
    return 1;
  }
  std::string lcores;
  for (unsigned l : c.bench.lcores) lcores += (lcores.empty() ? "" : ",") + std::to_string(l);
  say("switchyard-bench " SY_VERSION ": " + setup.description);
  say("  " + std::to_string(c.bench.workers) + " worker(s), lcores " + lcores + " (main first), burst " +
      std::to_string(c.bench.burst_size) + ", " +
      (c.run.count ? "count mode " + std::to_string(c.run.count) + " packets"
                   : "warm-up " + fmt(c.run.warmup_s, 0) + " s, " +
                         std::to_string(c.run.windows) + " windows of " +
                         fmt(c.run.interval_s, 0) + " s"));

  // The baseline brackets the run: testpmd io before and after it, its
  // windows pooled. The neighbours on a shared VM move both rates between
  // minutes, and a drift during the run then weighs on both sides alike
  // instead of on the ratio.
  sb::TestpmdResult before, after;
  bool have_base = false;
  uint32_t period = static_cast<uint32_t>(c.run.interval_s);
  uint32_t warm = std::max<uint32_t>(1, static_cast<uint32_t>(std::ceil(c.run.warmup_s / period)));
  auto baseline = [&](const char* when, sb::TestpmdResult* out) {
    if (!sb::run_testpmd_io(setup.config, warm, c.run.windows, period, say, out, &error)) {
      std::fprintf(stderr, "switchyard-bench: baseline (%s): %s\n", when, error.c_str());
      return false;
    }
    say("testpmd io " + std::string(when) + ": median " + sb::format_rate(out->median_tx_pps) +
        "pps over " + std::to_string(c.run.windows) + " windows");
    return true;
  };
  if (c.baseline && !baseline("before", &before)) return 1;

  sb::RunResult res;
  uint32_t nwin = c.run.windows;
  bool ok = sb::run_bench(
      setup, c.run, say, [nwin](const sb::Window& w, uint32_t i) { print_window(w, i, nwin); },
      &res, &error);
  for (const auto& n : res.eal_notes) say("note: " + n);
  if (!ok) {
    std::fprintf(stderr, "switchyard-bench: %s\n", error.c_str());
    return 1;
  }
  if (c.baseline) {
    if (!baseline("after", &after)) return 1;
    have_base = true;
  }
  sb::TestpmdResult base = before;
  base.window_tx_pps.insert(base.window_tx_pps.end(), after.window_tx_pps.begin(),
                            after.window_tx_pps.end());
  if (have_base) base.median_tx_pps = sb::median(base.window_tx_pps);

  double ratio = have_base && base.median_tx_pps > 0 ? res.median_tx_pps / base.median_tx_pps : 0;
  std::string key = profile_key(c);
  print_offloads(res.offloads);
  if (c.run.count) {
    // On stdout without --json: the --icount parent reads this line back.
    say("measured_packets=" + std::to_string(res.measured_packets));
  } else {
    say("==== summary (median of " + std::to_string(res.windows.size()) + " windows) ====");
    double gbps = res.median_tx_pps * setup.mean_frame_size * 8;
    say("  switchyard: " + sb::format_rate(res.median_tx_pps) + "pps" +
        (gbps > 0 ? " (" + sb::format_rate(gbps) + "bps)" : std::string()) + ", " +
        fmt(res.median_cycles_per_packet, 1) + " cycles/packet per worker");
    if (have_base) {
      std::string budget;
      auto b = kBudget.find(key);
      if (b != kBudget.end())
        budget = " (budget >= " + fmt(b->second) + ": " + (ratio >= b->second ? "met" : "not met") + ")";
      say("  testpmd io: " + sb::format_rate(base.median_tx_pps) + "pps (before " +
          sb::format_rate(before.median_tx_pps) + "pps, after " +
          sb::format_rate(after.median_tx_pps) + "pps); ratio " + fmt(ratio, 3) + budget);
    }
  }
  if (setup.routes > 0) {
    std::vector<double> swap_ms;
    for (const auto& a : res.applies)
      if (a.during_traffic) swap_ms.push_back(a.ms);
    std::string swaps;
    if (!swap_ms.empty())
      swaps = "; " + std::to_string(swap_ms.size()) + " swaps while forwarding: median " +
              fmt(sb::median(swap_ms), 0) + " ms, max " +
              fmt(*std::max_element(swap_ms.begin(), swap_ms.end()), 0) + " ms";
    say("  routes: " + std::to_string(setup.routes) + " (FIB " +
        std::to_string(res.fib_routes_v4 + res.fib_routes_v6) + " prefixes, " +
        fmt((res.fib_bytes_v4 + res.fib_bytes_v6) / 1048576.0, 1) + " MiB); load: YAML " +
        fmt(res.yaml_load_s, 2) + " s, JSON " + fmt(res.json_load_s, 2) + " s; start-up apply " +
        fmt(res.applies.empty() ? 0 : res.applies[0].ms, 0) + " ms" + swaps);
  }
  std::string drops;
  for (const auto& [r, n] : res.drops) drops += " " + r + "=" + std::to_string(n);
  say("  counters: rx " + std::to_string(res.rx) + ", tx " + std::to_string(res.tx) +
      ", flood copies " + std::to_string(res.flood_copies) + ", drops " +
      std::to_string(res.dropped) + (drops.empty() ? "" : " (" + drops.substr(1) + ")") +
      (res.router_made + res.router_handed
           ? ", router-made " + std::to_string(res.router_made) + ", held/punted " +
                 std::to_string(res.router_handed)
           : std::string()) +
      ": " + (res.balanced ? "balanced" : "UNBALANCED") + "; " +
      std::to_string(res.macs) + " MACs");

  std::string measured_at = now_utc();
  sb::JsonObject doc;
  auto& f = *doc.mutable_fields();
  f["profile"] = sb::json_string(key);
  f["description"] = sb::json_string(setup.description);
  f["frame_size"] = sb::json_string(sb::frame_size_name(c.bench.frame_size));
  f["flows"] = sb::json_number(c.bench.flows, 0);
  f["workers"] = sb::json_number(c.bench.workers, 0);
  f["lcores"] = sb::json_string(lcores);
  f["burst"] = sb::json_number(c.bench.burst_size, 0);
  f["commit"] = sb::json_string(SY_VERSION);
  f["measured_at"] = sb::json_string(measured_at);
  if (c.run.count) {
    f["measured_packets"] = sb::json_number(static_cast<double>(res.measured_packets), 0);
  } else {
    f["mpps"] = sb::json_number(res.median_tx_pps / 1e6, 3);
    f["rx_mpps"] = sb::json_number(res.median_rx_pps / 1e6, 3);
    f["cycles_per_packet"] = sb::json_number(res.median_cycles_per_packet, 1);
    sb::JsonValue wins;
    for (const auto& w : res.windows)
      *wins.mutable_list_value()->add_values() = sb::json_object(window_json(w));
    f["windows"] = wins;
  }
  if (have_base) {
    sb::JsonObject b;
    auto& bf = *b.mutable_fields();
    bf["tool"] = sb::json_string("dpdk-testpmd --forward-mode=io");
    bf["mpps"] = sb::json_number(base.median_tx_pps / 1e6, 3);
    std::vector<double> mpps;
    for (double p : base.window_tx_pps) mpps.push_back(p / 1e6);
    bf["windows_mpps"] = sb::json_numbers(mpps, 3);
    bf["before_mpps"] = sb::json_number(before.median_tx_pps / 1e6, 3);
    bf["after_mpps"] = sb::json_number(after.median_tx_pps / 1e6, 3);
    bf["command"] = sb::json_string(base.command);
    f["baseline"] = sb::json_object(b);
    f["ratio_to_testpmd_io"] = sb::json_number(ratio, 3);
  }
  sb::JsonObject counters;
  auto& cf = *counters.mutable_fields();
  cf["rx"] = sb::json_number(static_cast<double>(res.rx), 0);
  cf["tx"] = sb::json_number(static_cast<double>(res.tx), 0);
  cf["flood_copies"] = sb::json_number(static_cast<double>(res.flood_copies), 0);
  cf["dropped"] = sb::json_number(static_cast<double>(res.dropped), 0);
  sb::JsonObject by_reason;
  for (const auto& [r, n] : res.drops)
    (*by_reason.mutable_fields())[r] = sb::json_number(static_cast<double>(n), 0);
  cf["drops"] = sb::json_object(by_reason);
  cf["router_made"] = sb::json_number(static_cast<double>(res.router_made), 0);
  cf["router_handed"] = sb::json_number(static_cast<double>(res.router_handed), 0);
  cf["balanced"] = sb::json_bool(res.balanced);
  cf["macs"] = sb::json_number(static_cast<double>(res.macs), 0);
  f["counters"] = sb::json_object(counters);
  if (setup.routes > 0) {
    sb::JsonObject rt;
    auto& rf = *rt.mutable_fields();
    rf["routes"] = sb::json_number(static_cast<double>(setup.routes), 0);
    rf["ecmp"] = sb::json_number(c.bench.ecmp, 0);
    rf["fib_prefixes"] = sb::json_number(static_cast<double>(res.fib_routes_v4 + res.fib_routes_v6), 0);
    rf["fib_mib"] = sb::json_number((res.fib_bytes_v4 + res.fib_bytes_v6) / 1048576.0, 1);
    rf["yaml_mib"] = sb::json_number(res.yaml_bytes / 1048576.0, 1);
    rf["yaml_load_s"] = sb::json_number(res.yaml_load_s, 2);
    rf["json_mib"] = sb::json_number(res.json_bytes / 1048576.0, 1);
    rf["json_load_s"] = sb::json_number(res.json_load_s, 2);
    rf["startup_apply_ms"] = sb::json_number(res.applies.empty() ? 0 : res.applies[0].ms, 0);
    std::vector<double> swap_ms;
    for (const auto& a : res.applies)
      if (a.during_traffic) swap_ms.push_back(a.ms);
    rf["swap_apply_ms"] = sb::json_numbers(swap_ms, 0);
    f["routing"] = sb::json_object(rt);
  }
  f["offloads"] = offloads_json(res.offloads);
  if (c.json) std::fputs(sb::to_json(doc).c_str(), stdout);

  if (!c.update_json.empty() && !c.run.count) {
    sb::JsonObject entry;
    auto& ef = *entry.mutable_fields();
    for (const char* k : {"mpps", "cycles_per_packet", "frame_size", "flows", "workers",
                          "measured_at", "commit", "description"})
      ef[k] = f[k];
    if (f.count("routing")) ef["routing"] = f["routing"];
    if (have_base) {
      ef["ratio_to_testpmd_io"] = f["ratio_to_testpmd_io"];
      ef["testpmd_io_mpps"] = sb::json_number(base.median_tx_pps / 1e6, 3);
      ef["testpmd_io_before_mpps"] = sb::json_number(before.median_tx_pps / 1e6, 3);
      ef["testpmd_io_after_mpps"] = sb::json_number(after.median_tx_pps / 1e6, 3);
    }
    auto b = kBudget.find(key);
    if (b != kBudget.end()) ef["budget_ratio"] = sb::json_number(b->second, 2);
    if (!sb::update_profile_json(c.update_json, key, entry, &error)) {
      std::fprintf(stderr, "switchyard-bench: %s\n", error.c_str());
      return 1;
    }
    say("updated " + c.update_json);
  }
  return res.balanced ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Cli c;
  int rc = parse_args(argc, argv, &c);
  if (rc != 0) return rc < 0 ? 0 : rc;
  if (c.json) human = stderr;
  char tmpl[] = "/tmp/sy-bench-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    std::perror("switchyard-bench: mkdtemp");
    return 1;
  }
  c.bench.work_dir = tmpl;
  c.bench.file_prefix = "sy-bench-" + std::to_string(getpid());
  rc = c.icount ? run_icount_mode(c) : run_main(c);
  std::error_code ec;
  if (c.keep_files)
    say("kept " + c.bench.work_dir);
  else
    std::filesystem::remove_all(c.bench.work_dir, ec);
  return rc;
}
