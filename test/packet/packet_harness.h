// Packet-test harness: the real Dataplane + ControlPlane over DPDK ring ports
// in this process. Tests write frames into a port's rx rings, step the worker
// (or let real workers run), and read what the pipeline transmitted from the
// port's tx rings, byte for byte.
#pragma once

#include <rte_mbuf.h>
#include <rte_ring.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "control/control_plane.h"
#include "pipeline/clock.h"
#include "pipeline/dataplane.h"

namespace sy::test {

using Bytes = std::vector<uint8_t>;

// Initialises EAL once for the test process (--no-pci, --no-huge, own prefix).
void ensure_eal();
void shutdown_eal();

// An Ethernet frame: dst, src, optional 802.1Q tag (vid, pcp), ethertype and a
// payload of `payload_len` bytes derived from `seed` (first 4 bytes = seed).
Bytes frame(const std::string& dst, const std::string& src, std::optional<uint16_t> vlan,
            uint16_t ethertype = 0x0800, size_t payload_len = 46, uint32_t seed = 0,
            uint8_t pcp = 0);
std::string hex(const Bytes& b);

// The pipeline's clock under the test's control while in scope (ageing, and
// past the learn filter's hold time between steps).
struct FakeClock {
  uint64_t now = 1'000 * kNsPerSec;
  FakeClock() { clock_set_fake_ns(now); }
  ~FakeClock() { clock_set_fake_ns(0); }
  void advance(uint64_t ns) {
    now += ns;
    clock_set_fake_ns(now);
  }
};

class Harness {
 public:
  // `yaml` is a Config whose ports' `device` fields are ignored: each port is
  // backed by a fresh ring ethdev with `queues` rx/tx queue pairs.
  // `workers` worker contexts; with manual=true the test thread steps worker 0.
  Harness(const std::string& yaml, unsigned workers = 1, bool manual = true, uint16_t queues = 1,
          uint32_t idle_sleep_us = 0);
  ~Harness();

  ApplyResult apply_yaml(const std::string& yaml, bool dry_run = false);

  void send(const std::string& port, const Bytes& frame, uint16_t queue = 0);
  // Polls worker 0 until its rx rings are empty, then lets the learner drain.
  void step();
  std::vector<Bytes> recv(const std::string& port);
  // recv() on every port; returns port → frames for ports that sent anything.
  std::map<std::string, std::vector<Bytes>> recv_all();

  uint64_t drops(DropReason r) const;
  uint64_t total_drops() const;
  uint64_t rx() const;
  uint64_t tx() const;
  uint64_t flood_copies() const;

  Dataplane& dp() { return *dp_; }
  ControlPlane& cp() { return *cp_; }
  pb::Config config_with_devices(const std::string& yaml) const;

  uint16_t port_id(const std::string& name) const;
  size_t enqueue_burst(const std::string& port, uint16_t queue, rte_mbuf** m, size_t n);
  rte_mbuf* make_mbuf(const Bytes& frame);
  std::vector<rte_mbuf*> drain_tx(const std::string& port);

 private:
  struct RingPort {
    std::string device;
    std::vector<rte_ring*> rx, tx;
  };
  std::map<std::string, RingPort> ports_;  // by config port name
  std::unique_ptr<Dataplane> dp_;
  std::unique_ptr<ControlPlane> cp_;
  bool manual_;
};

}  // namespace sy::test
