#include "pipeline/dataplane.h"

#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "vxlan/vxlan_rss.h"

namespace sy {

namespace {

std::atomic<unsigned> g_instance{0};

std::string err_text(int rc) { return rte_strerror(rc < 0 ? -rc : rc); }

}  // namespace

bool is_pci_address(const std::string& device) {
  static const std::regex kPci(R"(^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$)");
  return std::regex_match(device.substr(0, device.find(',')), kPci);
}

std::string device_name(const std::string& device) {
  std::string name = device.substr(0, device.find(','));
  if (is_pci_address(name) && name.size() == 7) name = "0000:" + name;
  return name;
}

std::unique_ptr<Dataplane> Dataplane::create(const DataplaneOptions& opts, std::string* error) {
  std::unique_ptr<Dataplane> dp(new Dataplane());
  dp->opts_ = opts;
  dp->tag_ = "sy" + std::to_string(g_instance.fetch_add(1));
  uint32_t nw = static_cast<uint32_t>(opts.worker_lcores.size());
  if (nw == 0 || nw > RTE_MAX_LCORE) {
    *error = "dataplane.worker_lcores: need between 1 and " + std::to_string(RTE_MAX_LCORE);
    return nullptr;
  }
  size_t sz = rte_rcu_qsbr_get_memsize(nw);
  dp->qs_ = static_cast<rte_rcu_qsbr*>(rte_zmalloc("rcu", sz, RTE_CACHE_LINE_SIZE));
  if (dp->qs_ == nullptr || rte_rcu_qsbr_init(dp->qs_, nw) != 0) {
    *error = "cannot allocate the RCU domain (is EAL memory too small?)";
    return nullptr;
  }
  dp->macs_ = MacTable::create(dp->tag_ + "_macs", opts.mac_capacity, dp->qs_, error);
  if (!dp->macs_) return nullptr;
  for (uint32_t i = 0; i < nw; i++) {
    std::string name = dp->tag_ + "_learn" + std::to_string(i);
    rte_ring* r = rte_ring_create_elem(name.c_str(), sizeof(LearnEvent), 4096, SOCKET_ID_ANY,
                                       RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (r == nullptr) {
      *error = "cannot create learn ring: " + std::string(rte_strerror(rte_errno));
      return nullptr;
    }
    dp->learn_rings_.push_back(r);
  }
  dp->remotes_ = std::make_unique<RemoteVteps>(dp->qs_);
  dp->learner_ = std::make_unique<MacLearner>(*dp->macs_, *dp->remotes_, dp->learn_rings_);
  dp->neigh_table_ =
      NeighbourTable::create(dp->tag_ + "_neigh", opts.neighbour_capacity, dp->qs_, error);
  if (!dp->neigh_table_) return nullptr;
  dp->neigh_events_ = rte_ring_create_elem((dp->tag_ + "_nev").c_str(), sizeof(NeighEvent), 4096,
                                           SOCKET_ID_ANY, RING_F_SC_DEQ);
  dp->inject_ = rte_ring_create((dp->tag_ + "_inj").c_str(), 4096, SOCKET_ID_ANY,
                                RING_F_SP_ENQ | RING_F_SC_DEQ);
  if (dp->neigh_events_ == nullptr || dp->inject_ == nullptr) {
    *error = "cannot create neighbour rings: " + std::string(rte_strerror(rte_errno));
    return nullptr;
  }
  dp->neigh_manager_ =
      std::make_unique<NeighbourManager>(*dp->neigh_table_, dp->neigh_events_, dp->inject_);
  if (opts.exception_path) {
    dp->punt_ = rte_ring_create_elem((dp->tag_ + "_punt").c_str(), sizeof(PuntItem), 4096,
                                     SOCKET_ID_ANY, RING_F_SC_DEQ);
    dp->local_out_ = rte_ring_create((dp->tag_ + "_lout").c_str(), 4096, SOCKET_ID_ANY,
                                     RING_F_SP_ENQ | RING_F_SC_DEQ);
    if (dp->punt_ == nullptr || dp->local_out_ == nullptr) {
      *error = "cannot create exception-path rings: " + std::string(rte_strerror(rte_errno));
      return nullptr;
    }
    dp->exception_path_ = std::make_unique<ExceptionPath>(dp->punt_, dp->local_out_);
  }
  for (uint32_t i = 0; i < nw; i++) {
    auto w = std::make_unique<WorkerCtx>();
    w->index = static_cast<uint16_t>(i);
    w->lcore = static_cast<uint16_t>(opts.worker_lcores[i]);
    w->burst_size = std::clamp<uint16_t>(opts.burst_size, 1, kMaxBurst);
    w->idle_sleep_us = opts.idle_sleep_us;
    w->tables = &dp->tables_;
    w->qs = dp->qs_;
    w->macs = dp->macs_.get();
    w->remotes = dp->remotes_.get();
    w->learn_ring = dp->learn_rings_[i];
    w->stop = &dp->stop_;
    w->nb_workers = static_cast<uint16_t>(nw);
    w->neighbours = dp->neigh_table_.get();
    w->neighbour_events = dp->neigh_events_;
    w->inject = i == 0 ? dp->inject_ : nullptr;
    w->punt = dp->punt_;
    w->local_out = i == 0 ? dp->local_out_ : nullptr;
    dp->workers_.push_back(std::move(w));
  }
  return dp;
}

Dataplane::~Dataplane() {
  stop_workers();
  if (learner_) learner_->stop();
  if (neigh_manager_) neigh_manager_->stop();
  neigh_manager_.reset();  // frees held packets and queued events
  exception_path_.reset();  // closes the TUN devices, frees punted packets
  if (local_out_ != nullptr) {
    void* m;
    while (rte_ring_dequeue(local_out_, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  if (inject_ != nullptr) {
    void* m;
    while (rte_ring_dequeue(inject_, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
  }
  stop_ports();
  delete tables_.exchange(nullptr);
  learner_.reset();
  macs_.reset();
  neigh_table_.reset();
  rte_ring_free(neigh_events_);
  rte_ring_free(inject_);
  rte_ring_free(punt_);
  rte_ring_free(local_out_);
  for (rte_ring* r : learn_rings_) rte_ring_free(r);
  if (pool_ != nullptr) rte_mempool_free(pool_);
  rte_free(qs_);
}

bool Dataplane::start_ports(const std::vector<PortSpec>& specs, std::string* error) {
  uint32_t max_mtu = RTE_ETHER_MTU;
  for (const auto& s : specs) max_mtu = std::max(max_mtu, s.mtu);
  // One segment per frame: room for the largest MTU plus L2 headers and two tags.
  uint32_t room = std::max<uint32_t>(RTE_MBUF_DEFAULT_BUF_SIZE,
                                     max_mtu + RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN + 8 +
                                         RTE_PKTMBUF_HEADROOM);
  if (room > UINT16_MAX) {
    *error = "ports: MTU " + std::to_string(max_mtu) + " is too large for one mbuf";
    return false;
  }
  std::string pool_name = tag_ + "_pool";
  pool_ = rte_pktmbuf_pool_create(pool_name.c_str(), opts_.mbufs, 256, 0,
                                  static_cast<uint16_t>(room), SOCKET_ID_ANY);
  if (pool_ == nullptr) {
    *error = "cannot create mbuf pool of " + std::to_string(opts_.mbufs) +
             " mbufs: " + rte_strerror(rte_errno) + " (raise dataplane.memory_mb?)";
    return false;
  }
  for (auto& w : workers_) w->pool = pool_;
  neigh_manager_->set_pool(pool_);
  if (exception_path_) exception_path_->set_pool(pool_);

  for (size_t i = 0; i < specs.size(); i++) {
    PortState ps;
    if (!setup_port(ps, specs[i], error)) {
      *error = "ports[" + std::to_string(i) + "] (" + specs[i].name + "): " + *error;
      stop_ports();
      return false;
    }
    ports_.push_back(ps);
  }
  uint16_t max_id = 0;
  for (const auto& p : ports_) max_id = std::max<uint16_t>(max_id, p.id + 1);
  for (auto& w : workers_) {
    w->nb_ports = max_id;
    w->nb_rxq = 0;
    for (const auto& p : ports_)
      if (w->index < p.nb_rxq) w->rxq[w->nb_rxq++] = RxQueueRef{p.id, w->index};
  }
  return true;
}

bool Dataplane::setup_port(PortState& ps, const PortSpec& spec, std::string* error) {
  ps.name = spec.name;
  ps.device = spec.device;
  uint16_t id;
  std::string dev = device_name(spec.device);
  if (rte_eth_dev_get_port_by_name(dev.c_str(), &id) != 0) {
    *error = "no DPDK device named \"" + dev + "\" (was it given to EAL?)";
    return false;
  }
  ps.id = id;
  rte_eth_dev_info info{};
  int rc = rte_eth_dev_info_get(id, &info);
  if (rc != 0) {
    *error = "cannot read device info: " + err_text(rc);
    return false;
  }
  ps.driver = info.driver_name ? info.driver_name : "";
  uint16_t nw = static_cast<uint16_t>(workers_.size());
  if (info.max_tx_queues < nw) {
    *error = "device offers " + std::to_string(info.max_tx_queues) + " tx queue(s) but " +
             std::to_string(nw) +
             " workers need one each (net_af_packet: qpairs=N, net_af_xdp: queue_count=N)";
    return false;
  }
  ps.nb_rxq = std::min<uint16_t>(nw, info.max_rx_queues);
  ps.nb_txq = nw;
  rte_eth_conf conf{};
  if (ps.nb_rxq > 1 && info.flow_type_rss_offloads != 0) {
    conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
    conf.rx_adv_conf.rss_conf.rss_hf =
        (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
    ps.rss = true;
  }
  bool inner_rss = ps.rss && vxlan_rss_request_inner(info, &conf);
  if (spec.mtu != 0) conf.rxmode.mtu = spec.mtu;
  rc = rte_eth_dev_configure(id, ps.nb_rxq, ps.nb_txq, &conf);
  if (rc != 0) {
    *error = "cannot configure device: " + err_text(rc);
    return false;
  }
  uint16_t nb_rxd = opts_.rx_descriptors, nb_txd = opts_.tx_descriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(id, &nb_rxd, &nb_txd);
  int socket = rte_eth_dev_socket_id(id);
  if (socket < 0) socket = static_cast<int>(rte_socket_id());
  for (uint16_t q = 0; q < ps.nb_rxq; q++) {
    rc = rte_eth_rx_queue_setup(id, q, nb_rxd, socket, nullptr, pool_);
    if (rc != 0) {
      *error = "cannot set up rx queue " + std::to_string(q) + ": " + err_text(rc);
      return false;
    }
  }
  for (uint16_t q = 0; q < ps.nb_txq; q++) {
    rc = rte_eth_tx_queue_setup(id, q, nb_txd, socket, nullptr);
    if (rc != 0) {
      *error = "cannot set up tx queue " + std::to_string(q) + ": " + err_text(rc);
      return false;
    }
  }
  rc = rte_eth_dev_start(id);
  if (rc != 0) {
    *error = "cannot start device: " + err_text(rc);
    return false;
  }
  ps.vxlan_rss = vxlan_rss_finish(id, ps.nb_rxq, ps.rss, inner_rss, &ps.vxlan_flow);
  uint16_t mtu = 0;
  rte_eth_dev_get_mtu(id, &mtu);
  ps.mtu = mtu;
  if (!set_port_promiscuous(id, spec.promiscuous, error)) {
    rte_eth_dev_stop(id);
    return false;
  }
  ps.promiscuous = spec.promiscuous;
  return true;
}

void Dataplane::stop_ports() {
  for (const auto& p : ports_) {
    if (p.vxlan_flow != nullptr) {
      rte_flow_error err{};
      rte_flow_destroy(p.id, p.vxlan_flow, &err);
    }
    rte_eth_dev_stop(p.id);
    rte_eth_dev_close(p.id);
  }
  ports_.clear();
}

int Dataplane::port_id(const std::string& name) const {
  for (const auto& p : ports_)
    if (p.name == name) return p.id;
  return -1;
}

bool Dataplane::set_port_mtu(uint16_t id, uint32_t mtu, std::string* error) {
  int rc = rte_eth_dev_set_mtu(id, static_cast<uint16_t>(mtu));
  if (rc != 0) {
    *error = "cannot set MTU " + std::to_string(mtu) + ": " + err_text(rc);
    return false;
  }
  for (auto& p : ports_)
    if (p.id == id) p.mtu = mtu;
  return true;
}

bool Dataplane::set_port_promiscuous(uint16_t id, bool on, std::string* error) {
  int rc = on ? rte_eth_promiscuous_enable(id) : rte_eth_promiscuous_disable(id);
  // Virtual devices without the notion (rings, null) answer ENOTSUP: nothing to do.
  if (rc != 0 && rc != -ENOTSUP) {
    *error = std::string("cannot ") + (on ? "enable" : "disable") +
             " promiscuous mode: " + err_text(rc);
    return false;
  }
  for (auto& p : ports_)
    if (p.id == id) p.promiscuous = on;
  return true;
}

PortCounters Dataplane::port_counters(uint16_t id) const {
  PortCounters c;
  rte_eth_stats st{};
  if (rte_eth_stats_get(id, &st) == 0) {
    c.rx_packets = st.ipackets;
    c.rx_bytes = st.ibytes;
    c.tx_packets = st.opackets;
    c.tx_bytes = st.obytes;
    c.rx_missed = st.imissed;
    c.rx_errors = st.ierrors;
    c.tx_errors = st.oerrors;
    c.rx_nombuf = st.rx_nombuf;
  }
  int n = rte_eth_xstats_get_names(id, nullptr, 0);
  if (n > 0) {
    std::vector<rte_eth_xstat_name> names(n);
    std::vector<rte_eth_xstat> values(n);
    if (rte_eth_xstats_get_names(id, names.data(), n) == n &&
        rte_eth_xstats_get(id, values.data(), n) == n) {
      for (int i = 0; i < n; i++)
        if (values[i].id < static_cast<uint64_t>(n))
          c.xstats.emplace_back(names[values[i].id].name, values[i].value);
    }
  }
  return c;
}

LinkState Dataplane::link_state(uint16_t id) const {
  rte_eth_link link{};
  LinkState s;
  if (rte_eth_link_get_nowait(id, &link) == 0) {
    s.up = link.link_status == RTE_ETH_LINK_UP;
    s.speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
    s.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
  }
  return s;
}

void Dataplane::publish(std::unique_ptr<Tables> t) {
  const Tables* old = tables_.exchange(t.release(), std::memory_order_acq_rel);
  if (old == nullptr) return;
  uint64_t token = rte_rcu_qsbr_start(qs_);
  rte_rcu_qsbr_check(qs_, token, true);
  delete old;
}

void Dataplane::attach_manual_worker(size_t i) {
  WorkerCtx& w = *workers_[i];
  w.manual = true;
  rte_rcu_qsbr_thread_register(qs_, w.index);
}

bool Dataplane::launch_workers(std::string* error) {
  if (running_) return true;
  stop_.store(false);
  for (auto& w : workers_) {
    if (!rte_lcore_is_enabled(w->lcore) || w->lcore == rte_get_main_lcore()) {
      *error = "dataplane.worker_lcores: lcore " + std::to_string(w->lcore) +
               " is not an EAL worker lcore";
      stop_workers_launched(w->index);
      return false;
    }
    w->manual = false;
    int rc = rte_eal_remote_launch(worker_main, w.get(), w->lcore);
    if (rc != 0) {
      *error = "cannot launch worker on lcore " + std::to_string(w->lcore) + ": " + err_text(rc);
      stop_workers_launched(w->index);
      return false;
    }
  }
  running_ = true;
  return true;
}

void Dataplane::stop_workers_launched(size_t n) {
  stop_.store(true);
  for (size_t i = 0; i < n; i++) rte_eal_wait_lcore(workers_[i]->lcore);
}

void Dataplane::stop_workers() {
  if (!running_) return;
  stop_workers_launched(workers_.size());
  running_ = false;
}

}  // namespace sy
