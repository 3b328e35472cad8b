#include "route/neighbour_table.h"

#include <rte_jhash.h>
#include <rte_malloc.h>

#include "pipeline/shared_hash.h"

namespace sy {

namespace {

uint32_t neigh_key_hash(const void* key, uint32_t, uint32_t init) {
  uint32_t w[6];
  std::memcpy(w, key, sizeof(w));
  return rte_jhash_32b(w, 6, init);
}

}  // namespace

const char* neigh_state_name(NeighState s) {
  switch (s) {
    case NeighState::kNone: return "incomplete";
    case NeighState::kReachable: return "reachable";
    case NeighState::kStale: return "stale";
    case NeighState::kProbe: return "probe";
    case NeighState::kStatic: return "static";
  }
  return "?";
}

std::unique_ptr<NeighbourTable> NeighbourTable::create(const std::string& name, uint32_t capacity,
                                                       rte_rcu_qsbr* qs, std::string* error) {
  std::unique_ptr<NeighbourTable> t(new NeighbourTable());
  t->hash_ = create_shared_hash(name, capacity, sizeof(NeighKey), neigh_key_hash, qs,
                                "neighbour table", error);
  if (t->hash_ == nullptr) return nullptr;
  t->capacity_ = capacity;
  t->slots_ = create_shared_slots<Slot>("neigh_slots", capacity);
  if (t->slots_ == nullptr) {
    *error = "cannot allocate neighbour slots";
    return nullptr;
  }
  return t;
}

NeighbourTable::~NeighbourTable() {
  if (hash_ != nullptr) rte_hash_free(hash_);
  rte_free(slots_);
}

int32_t NeighbourTable::add(const NeighKey& k) {
  int32_t pos = rte_hash_add_key(hash_, &k);
  if (pos < 0) return pos;
  slots_[pos].word.store(0, std::memory_order_release);
  slots_[pos].used_ns.store(0, std::memory_order_relaxed);
  return pos;
}

bool NeighbourTable::remove(const NeighKey& k) {
  int32_t pos = rte_hash_lookup(hash_, &k);
  if (pos < 0) return false;
  slots_[pos].word.store(0, std::memory_order_release);
  bump();
  return rte_hash_del_key(hash_, &k) >= 0;
}

}  // namespace sy
