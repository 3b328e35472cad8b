// RemoteVteps: the remote VTEPs that MAC entries point at, by small id.
//
// Theory of operation: a MAC learned from a tunnel is stored in the shared
// MacTable like a local one, with a port value at or above kTunnelPortBase
// whose low bits are an id here; the id names (local VTEP, remote address).
// Interning keeps MAC slots 16 bits wide and lets workers compare "same
// remote?" with one load. Ids are reference-counted by the entries that use
// them; an id whose count drops to zero is reused only after an RCU grace
// period, so a worker that read an old port value mid-poll still finds the
// address it meant.
//
// Thread-safety: get()/matches(): any worker, lock-free (an id becomes
// visible to workers only through a MacTable port store with release order,
// after its entry was written). acquire()/release(): the single MAC writer
// (MacLearner, under its mutex).
#pragma once

#include <rte_rcu_qsbr.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "route/ip.h"

namespace sy {

struct RemoteVtep {
  uint32_t vtep = 0;  // local VTEP stable id
  IpAddr addr;
  // An IPv4 remote's (vtep, addr) in one word (RemoteVteps::v4_key); 0 for
  // an IPv6 one, which no v4_key is (stable ids start at 1).
  uint64_t v4_key = 0;
};

class RemoteVteps {
 public:
  static constexpr uint16_t kCapacity = 4096;

  explicit RemoteVteps(rte_rcu_qsbr* qs) : qs_(qs) {}

  // --- workers ---------------------------------------------------------------
  const RemoteVtep& get(uint16_t id) const { return entries_[id]; }
  bool matches(uint16_t id, uint32_t vtep, const IpAddr& a) const {
    const RemoteVtep& r = entries_[id];
    return r.vtep == vtep && r.addr == a;
  }
  // The same for an IPv4 remote, given v4_key(vtep, its address): one
  // compare (the bridge asks once per frame from a tunnel).
  bool matches_v4(uint16_t id, uint64_t key) const { return entries_[id].v4_key == key; }
  // `addr` is the IPv4 address's four bytes as loaded.
  static uint64_t v4_key(uint32_t vtep, uint32_t addr) { return uint64_t{vtep} << 32 | addr; }
  static uint64_t v4_key(uint32_t vtep, const IpAddr& a) {
    uint32_t addr;
    std::memcpy(&addr, a.b.data(), 4);
    return v4_key(vtep, addr);
  }

  // --- single writer -----------------------------------------------------------
  // The id of (vtep, addr) with one more reference; -1 when every id is taken.
  int32_t acquire(uint32_t vtep, const IpAddr& addr);
  void release(uint16_t id);
  uint32_t references(uint16_t id) const { return refs_[id]; }
  uint32_t in_use() const { return static_cast<uint32_t>(index_.size()); }

 private:
  void reclaim();

  rte_rcu_qsbr* qs_;
  std::array<RemoteVtep, kCapacity> entries_{};
  std::array<uint32_t, kCapacity> refs_{};
  std::map<std::pair<uint32_t, IpAddr>, uint16_t> index_;
  std::vector<uint16_t> free_;
  uint16_t next_ = 0;                                   // ids never handed out start here
  std::vector<std::pair<uint16_t, uint64_t>> pending_;  // (id, RCU token) unreferenced
};

}  // namespace sy
