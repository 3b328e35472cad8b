// ExceptionPath: the kernel's view of the router interfaces, so host daemons
// (ssh, a BGP speaker, a health checker) can talk through the appliance's ports.
//
// Theory of operation: for every router interface there is a kernel TUN
// device "sy-<name>" (L3: no Ethernet, so the kernel never needs to resolve a
// neighbour itself) carrying the interface's addresses and MTU. Workers punt
// packets for one of our addresses that the data plane does not answer itself
// (anything but ARP/ND and ICMP echo), rate-limited, through a multi-producer
// ring; this thread writes them to the interface's TUN. What the kernel sends
// into a TUN is read here, given an Ethernet header and handed to worker 0
// through the local-output ring; the worker routes it like any packet (FIB,
// ECMP, neighbour resolution), so replies leave through the data plane.
//
// Thread-safety: reconcile() and counters() take mu_; the thread runs poll().
// Workers touch only the rings.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "route/ip.h"

namespace sy {

struct PuntItem {
  rte_mbuf* m;      // the IP packet (Ethernet header already removed)
  uint32_t iface;   // RouterIface::stable_id it arrived on
  uint32_t pad;
};
static_assert(sizeof(PuntItem) == 16, "ring element size");

struct ExceptionIface {
  uint32_t stable_id = 0;
  std::string name;   // router interface name
  uint16_t mtu = 1500;
  std::vector<IpPrefix> addresses;  // link-local excluded: the kernel makes its own
};

struct ExceptionCounters {
  uint64_t to_kernel = 0;       // punted packets written to a TUN
  uint64_t from_kernel = 0;     // packets the kernel sent, handed to worker 0
  uint64_t dropped = 0;         // no TUN for the interface, write failed, ring full, no mbuf
  uint64_t interfaces = 0;      // TUN devices up
};

class ExceptionPath {
 public:
  ExceptionPath(rte_ring* punt, rte_ring* local_out);
  ~ExceptionPath();

  void set_pool(rte_mempool* pool);
  // Makes the TUN devices exactly `ifaces` (empty: none). Errors are
  // returned per interface; the rest still proceed.
  std::vector<std::string> reconcile(const std::vector<ExceptionIface>& ifaces);
  // Moves punted packets to the kernel and the kernel's packets to worker 0.
  uint32_t poll(int timeout_ms);
  ExceptionCounters counters() const;
  // The TUN device name for an interface ("sy-" + name, cut to 15 characters).
  static std::string device_name(const std::string& iface);

  void start();
  void stop();

 private:
  struct Tun {
    ExceptionIface spec;
    int fd = -1;
    int ifindex = 0;
  };
  bool open_tun(Tun& t, std::string* error);
  void close_tun(Tun& t);
  bool set_addresses(Tun& t, const std::vector<IpPrefix>& add, const std::vector<IpPrefix>& del,
                     std::string* error);

  rte_ring* punt_;
  rte_ring* local_out_;
  rte_mempool* pool_ = nullptr;
  mutable std::mutex mu_;
  std::map<uint32_t, Tun> tuns_;  // by interface stable id
  int netlink_ = -1;
  ExceptionCounters counters_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

}  // namespace sy
