#include "vxlan/remote_vteps.h"

#include <algorithm>

namespace sy {

void RemoteVteps::reclaim() {
  auto done = [&](const std::pair<uint16_t, uint64_t>& p) {
    if (refs_[p.first] != 0) return true;  // revived meanwhile: keep it
    if (qs_ != nullptr && rte_rcu_qsbr_check(qs_, p.second, false) != 1) return false;
    index_.erase({entries_[p.first].vtep, entries_[p.first].addr});
    free_.push_back(p.first);
    return true;
  };
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(), done), pending_.end());
}

int32_t RemoteVteps::acquire(uint32_t vtep, const IpAddr& addr) {
  auto it = index_.find({vtep, addr});
  if (it != index_.end()) {
    refs_[it->second]++;
    return it->second;
  }
  reclaim();
  uint16_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (next_ < kCapacity) {
    id = next_++;
  } else {
    return -1;
  }
  entries_[id] = RemoteVtep{vtep, addr, addr.v6 ? 0 : v4_key(vtep, addr)};
  refs_[id] = 1;
  index_.emplace(std::make_pair(vtep, addr), id);
  return id;
}

void RemoteVteps::release(uint16_t id) {
  if (id >= kCapacity || refs_[id] == 0) return;
  if (--refs_[id] != 0) return;
  uint64_t token = qs_ != nullptr ? rte_rcu_qsbr_start(qs_) : 0;
  // Released, revived and released again: only the latest grace period counts.
  for (auto& p : pending_)
    if (p.first == id) {
      p.second = token;
      return;
    }
  pending_.emplace_back(id, token);
}

}  // namespace sy
