#include "packet_harness.h"

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "control/validate.h"
#include "control/yaml_proto.h"
#include "pipeline/clock.h"

namespace sy::test {

namespace {
bool g_eal_up = false;
std::string g_runtime_dir;
std::atomic<unsigned> g_ring_seq{0};
}  // namespace

void ensure_eal() {
  if (g_eal_up) return;
  unsigned cpus = std::max(1u, std::thread::hardware_concurrency());
  std::string lcores = "--lcores=0@0";
  for (unsigned l = 1; l <= 2; l++) lcores += "," + std::to_string(l) + "@" + std::to_string(l % cpus);
  std::string prefix = "--file-prefix=sy-pkt-" + std::to_string(::getpid());
  std::vector<std::string> args = {"packet_tests", lcores, "--no-pci", "--no-huge", "-m", "512",
                                   prefix, "--log-level=lib.eal:error"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
    throw std::runtime_error("rte_eal_init failed");
  g_runtime_dir = rte_eal_get_runtime_dir();
  g_eal_up = true;
}

void shutdown_eal() {
  if (!g_eal_up) return;
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(g_runtime_dir, ec);
  g_eal_up = false;
}

Bytes frame(const std::string& dst, const std::string& src, std::optional<uint16_t> vlan,
            uint16_t ethertype, size_t payload_len, uint32_t seed, uint8_t pcp) {
  std::array<uint8_t, 6> d{}, s{};
  if (!parse_mac(dst, &d) || !parse_mac(src, &s)) throw std::invalid_argument("bad MAC");
  Bytes b(d.begin(), d.end());
  b.insert(b.end(), s.begin(), s.end());
  if (vlan) {
    uint16_t tci = static_cast<uint16_t>((pcp << 13) | *vlan);
    b.insert(b.end(), {0x81, 0x00, static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)});
  }
  b.push_back(static_cast<uint8_t>(ethertype >> 8));
  b.push_back(static_cast<uint8_t>(ethertype));
  for (size_t i = 0; i < payload_len; i++)
    b.push_back(i < 4 ? static_cast<uint8_t>(seed >> (8 * (3 - i))) : static_cast<uint8_t>(i));
  return b;
}

std::string hex(const Bytes& b) {
  std::string s;
  char buf[4];
  for (uint8_t c : b) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    s += buf;
  }
  return s;
}

Harness::Harness(const std::string& yaml, unsigned workers, bool manual, uint16_t queues,
                 uint32_t idle_sleep_us)
    : manual_(manual) {
  ensure_eal();
  pb::Config cfg;
  ConfigErrors errors = yaml_to_message(yaml, &cfg);
  if (!errors.empty()) throw std::runtime_error("test YAML: " + format_error(errors[0]));
  for (const auto& p : cfg.ports()) {
    RingPort rp;
    unsigned seq = g_ring_seq.fetch_add(1);
    rp.device = "net_ring_t" + std::to_string(seq);
    for (uint16_t q = 0; q < queues; q++) {
      std::string rx = "t" + std::to_string(seq) + "rx" + std::to_string(q);
      std::string tx = "t" + std::to_string(seq) + "tx" + std::to_string(q);
      rp.rx.push_back(rte_ring_create(rx.c_str(), 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ));
      rp.tx.push_back(rte_ring_create(tx.c_str(), 4096, SOCKET_ID_ANY, RING_F_SC_DEQ));
      if (!rp.rx.back() || !rp.tx.back()) throw std::runtime_error("ring create failed");
    }
    int id = rte_eth_from_rings(rp.device.c_str(), rp.rx.data(), queues, rp.tx.data(), queues,
                                SOCKET_ID_ANY);
    if (id < 0) throw std::runtime_error("rte_eth_from_rings failed");
    // The PMD names the ethdev itself; the config refers to it by that name.
    char name[RTE_ETH_NAME_MAX_LEN];
    rte_eth_dev_get_name_by_port(static_cast<uint16_t>(id), name);
    rp.device = name;
    ports_[p.name()] = rp;
  }
  cfg = config_with_devices(yaml);

  DataplaneOptions opts;
  opts.worker_lcores.clear();
  for (unsigned i = 0; i < workers; i++) opts.worker_lcores.push_back(i + 1);
  opts.idle_sleep_us = idle_sleep_us;
  opts.mbufs = 8191;
  opts.mac_capacity = 4096;
  opts.exception_path = false;  // no TUN devices in the test host's namespace
  std::string err;
  dp_ = Dataplane::create(opts, &err);
  if (!dp_) throw std::runtime_error(err);
  std::vector<PortSpec> specs;
  for (const auto& p : cfg.ports()) specs.push_back({p.name(), p.device(), p.mtu(), true});
  if (!dp_->start_ports(specs, &err)) throw std::runtime_error(err);
  cp_ = std::make_unique<ControlPlane>(*dp_);
  ApplyResult r = cp_->apply(cfg, false);
  if (!r.ok) throw std::runtime_error("initial apply: " + format_error(r.errors.at(0)));
  if (manual) {
    dp_->attach_manual_worker(0);
  } else if (!dp_->launch_workers(&err)) {
    throw std::runtime_error(err);
  }
}

Harness::~Harness() {
  if (dp_) dp_->stop_workers();
  for (auto& [name, rp] : ports_)
    for (rte_mbuf* m : drain_tx(name)) rte_pktmbuf_free(m);
  cp_.reset();
  dp_.reset();
  for (auto& [name, rp] : ports_) {
    for (rte_ring* r : rp.rx) {
      rte_mbuf* m;
      while (rte_ring_dequeue(r, reinterpret_cast<void**>(&m)) == 0) rte_pktmbuf_free(m);
      rte_ring_free(r);
    }
    for (rte_ring* r : rp.tx) rte_ring_free(r);
  }
}

pb::Config Harness::config_with_devices(const std::string& yaml) const {
  pb::Config cfg;
  ConfigErrors errors = yaml_to_message(yaml, &cfg);
  if (!errors.empty()) throw std::runtime_error("test YAML: " + format_error(errors[0]));
  for (auto& p : *cfg.mutable_ports()) {
    auto it = ports_.find(p.name());
    if (it != ports_.end()) p.set_device(it->second.device);
  }
  return cfg;
}

ApplyResult Harness::apply_yaml(const std::string& yaml, bool dry_run) {
  return cp_->apply(config_with_devices(yaml), dry_run);
}

uint16_t Harness::port_id(const std::string& name) const {
  return static_cast<uint16_t>(dp_->port_id(name));
}

rte_mbuf* Harness::make_mbuf(const Bytes& f) {
  rte_mbuf* m = rte_pktmbuf_alloc(dp_->pool());
  if (m == nullptr) throw std::runtime_error("mbuf pool empty");
  char* p = rte_pktmbuf_append(m, static_cast<uint16_t>(f.size()));
  std::memcpy(p, f.data(), f.size());
  return m;
}

size_t Harness::enqueue_burst(const std::string& port, uint16_t queue, rte_mbuf** m, size_t n) {
  return rte_ring_enqueue_burst(ports_.at(port).rx.at(queue), reinterpret_cast<void**>(m),
                                static_cast<unsigned>(n), nullptr);
}

void Harness::send(const std::string& port, const Bytes& f, uint16_t queue) {
  rte_mbuf* m = make_mbuf(f);
  if (enqueue_burst(port, queue, &m, 1) != 1) {
    rte_pktmbuf_free(m);
    throw std::runtime_error("rx ring full");
  }
}

void Harness::step() {
  WorkerCtx& w = dp_->worker(0);
  for (int i = 0; i < 64 && worker_poll_once(w) > 0; i++) {
  }
  dp_->learner().drain(clock_now_ns());
  // The manager's answers (requests, released packets) go out through worker 0.
  dp_->neighbours().poll(clock_now_ns());
  for (int i = 0; i < 64 && worker_poll_once(w) > 0; i++) {
  }
}

std::vector<rte_mbuf*> Harness::drain_tx(const std::string& port) {
  std::vector<rte_mbuf*> out;
  for (rte_ring* r : ports_.at(port).tx) {
    rte_mbuf* m;
    while (rte_ring_dequeue(r, reinterpret_cast<void**>(&m)) == 0) out.push_back(m);
  }
  return out;
}

std::vector<Bytes> Harness::recv(const std::string& port) {
  std::vector<Bytes> out;
  for (rte_mbuf* m : drain_tx(port)) {
    const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*);
    out.emplace_back(p, p + m->data_len);
    rte_pktmbuf_free(m);
  }
  return out;
}

std::map<std::string, std::vector<Bytes>> Harness::recv_all() {
  std::map<std::string, std::vector<Bytes>> out;
  for (auto& [name, rp] : ports_) {
    auto frames = recv(name);
    if (!frames.empty()) out[name] = std::move(frames);
  }
  return out;
}

uint64_t Harness::drops(DropReason r) const {
  uint64_t n = 0;
  for (size_t i = 0; i < dp_->nb_workers(); i++)
    n += dp_->worker(i).counters.drops[static_cast<size_t>(r)].get();
  return n;
}

uint64_t Harness::total_drops() const {
  uint64_t n = 0;
  for (size_t r = 0; r < kDropReasonCount; r++) n += drops(static_cast<DropReason>(r));
  return n;
}

uint64_t Harness::rx() const {
  uint64_t n = 0;
  for (size_t i = 0; i < dp_->nb_workers(); i++) n += dp_->worker(i).counters.rx_packets.get();
  return n;
}

uint64_t Harness::tx() const {
  uint64_t n = 0;
  for (size_t i = 0; i < dp_->nb_workers(); i++) n += dp_->worker(i).counters.tx_packets.get();
  return n;
}

uint64_t Harness::flood_copies() const {
  uint64_t n = 0;
  for (size_t i = 0; i < dp_->nb_workers(); i++) n += dp_->worker(i).counters.flood_copies.get();
  return n;
}

}  // namespace sy::test
