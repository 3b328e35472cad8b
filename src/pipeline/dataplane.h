// Dataplane: owns the DPDK side of the appliance — the mbuf pool, the ports
// and their queues, the workers and their lcores, the RCU domain, the current
// Tables snapshot, and the state that outlives snapshots (MAC table + learner).
//
// Theory of operation: EAL is initialised first (by the daemon or a test);
// create() builds the RCU domain and the MAC table; start_ports() configures
// every configured device with one rx queue per worker (RSS where the device
// offers it) and one tx queue per worker; publish() installs a Tables snapshot;
// launch_workers() starts one pinned worker per lcore. publish() may be called
// at any time while workers run: the previous snapshot is freed only after an
// RCU grace period.
//
// Thread-safety: control-side methods are called from one control thread at a
// time (ControlPlane serialises them); read-only getters (port_counters,
// worker counters) may be called concurrently from API threads.
#pragma once

#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "bridge/mac_learner.h"
#include "bridge/mac_table.h"
#include "pipeline/tables.h"
#include "pipeline/worker.h"
#include "route/exception_path.h"
#include "route/neighbour_manager.h"
#include "route/neighbour_table.h"
#include "vxlan/remote_vteps.h"

namespace sy {

struct PortSpec {
  std::string name;
  std::string device;  // PCI address or "vdev_name,args"
  uint32_t mtu = 0;    // 0 = device default
  bool promiscuous = true;
};

struct DataplaneOptions {
  std::vector<unsigned> worker_lcores{1};
  uint16_t burst_size = 32;
  uint32_t idle_sleep_us = 100;
  uint32_t mbufs = 32767;
  uint16_t rx_descriptors = 1024;
  uint16_t tx_descriptors = 1024;
  uint32_t mac_capacity = 65536;
  uint32_t neighbour_capacity = 16384;
  // Kernel TUN devices for packets to our addresses. Tests in the root
  // namespace turn it off: nothing of theirs may reach the host's kernel.
  bool exception_path = true;
};

struct PortState {
  std::string name;
  std::string device;
  uint16_t id = 0;
  uint16_t nb_rxq = 0;
  uint16_t nb_txq = 0;
  bool rss = false;
  std::string vxlan_rss;            // see vxlan/vxlan_rss.h
  struct rte_flow* vxlan_flow = nullptr;
  uint32_t mtu = 0;
  bool promiscuous = false;
  std::string driver;
};

struct PortCounters {
  uint64_t rx_packets = 0, rx_bytes = 0, tx_packets = 0, tx_bytes = 0;
  uint64_t rx_missed = 0, rx_errors = 0, tx_errors = 0, rx_nombuf = 0;
  std::vector<std::pair<std::string, uint64_t>> xstats;
};

struct LinkState {
  bool up = false;
  uint32_t speed_mbps = 0;
  bool full_duplex = false;
};

// The device name part of a port's device string ("net_af_packet0,iface=p1" →
// "net_af_packet0"); PCI addresses are returned in full "DDDD:BB:DD.F" form.
std::string device_name(const std::string& device);
bool is_pci_address(const std::string& device);

class Dataplane {
 public:
  static std::unique_ptr<Dataplane> create(const DataplaneOptions& opts, std::string* error);
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // Ports are matched to DPDK devices by name (vdevs given to EAL, PCI devices
  // it probed, or ethdevs a test created, e.g. with rte_eth_from_rings()).
  bool start_ports(const std::vector<PortSpec>& specs, std::string* error);
  void stop_ports();
  const std::vector<PortState>& ports() const { return ports_; }
  int port_id(const std::string& name) const;
  bool set_port_mtu(uint16_t id, uint32_t mtu, std::string* error);
  bool set_port_promiscuous(uint16_t id, bool on, std::string* error);
  PortCounters port_counters(uint16_t id) const;
  LinkState link_state(uint16_t id) const;

  // Installs `t` and frees the previous snapshot after an RCU grace period.
  void publish(std::unique_ptr<Tables> t);
  const Tables* tables() const { return tables_.load(std::memory_order_acquire); }

  // Fails if a worker lcore is not enabled in EAL or is busy.
  bool launch_workers(std::string* error);
  void stop_workers();
  bool workers_running() const { return running_; }

  size_t nb_workers() const { return workers_.size(); }
  WorkerCtx& worker(size_t i) { return *workers_[i]; }
  const WorkerCtx& worker(size_t i) const { return *workers_[i]; }
  // Lets the calling thread step worker i with worker_poll_once() (tests).
  void attach_manual_worker(size_t i);

  MacTable& macs() { return *macs_; }
  MacLearner& learner() { return *learner_; }
  const RemoteVteps& remotes() const { return *remotes_; }
  const MacLearner& learner() const { return *learner_; }
  NeighbourManager& neighbours() { return *neigh_manager_; }
  const NeighbourManager& neighbours() const { return *neigh_manager_; }
  // Null when DataplaneOptions::exception_path is off.
  ExceptionPath* exception_path() { return exception_path_.get(); }
  const ExceptionPath* exception_path() const { return exception_path_.get(); }
  rte_mempool* pool() { return pool_; }
  const DataplaneOptions& options() const { return opts_; }

 private:
  Dataplane() = default;
  bool setup_port(PortState& ps, const PortSpec& spec, std::string* error);
  void stop_workers_launched(size_t n);

  DataplaneOptions opts_;
  std::string tag_;  // unique per instance: names DPDK objects
  rte_rcu_qsbr* qs_ = nullptr;
  rte_mempool* pool_ = nullptr;
  std::unique_ptr<MacTable> macs_;
  std::unique_ptr<RemoteVteps> remotes_;  // before learner_: it refers to them
  std::vector<rte_ring*> learn_rings_;
  std::unique_ptr<MacLearner> learner_;
  std::unique_ptr<NeighbourTable> neigh_table_;
  rte_ring* neigh_events_ = nullptr;
  rte_ring* inject_ = nullptr;
  std::unique_ptr<NeighbourManager> neigh_manager_;
  rte_ring* punt_ = nullptr;
  rte_ring* local_out_ = nullptr;
  std::unique_ptr<ExceptionPath> exception_path_;
  std::vector<PortState> ports_;
  std::vector<std::unique_ptr<WorkerCtx>> workers_;
  std::atomic<const Tables*> tables_{nullptr};
  std::atomic<bool> stop_{false};
  bool running_ = false;
};

}  // namespace sy
