#include "route/neighbour_table.h"

#include <rte_errno.h>
#include <rte_jhash.h>
#include <rte_malloc.h>

#include <new>

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
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity;
  params.key_len = sizeof(NeighKey);
  params.hash_func = neigh_key_hash;
  params.socket_id = SOCKET_ID_ANY;
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  t->hash_ = rte_hash_create(&params);
  if (t->hash_ == nullptr) {
    *error = "cannot create neighbour table " + name + ": " + rte_strerror(rte_errno);
    return nullptr;
  }
  if (qs != nullptr) {
    rte_hash_rcu_config rcu{};
    rcu.v = qs;
    rcu.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(t->hash_, &rcu) != 0) {
      *error = "cannot attach RCU to neighbour table: " + std::string(rte_strerror(rte_errno));
      return nullptr;
    }
  }
  t->capacity_ = capacity;
  uint32_t slots = capacity * 2 + 64;
  void* mem = rte_zmalloc("neigh_slots", sizeof(Slot) * slots, RTE_CACHE_LINE_SIZE);
  if (mem == nullptr) {
    *error = "cannot allocate neighbour slots";
    return nullptr;
  }
  t->slots_ = static_cast<Slot*>(mem);
  for (uint32_t i = 0; i < slots; i++) new (&t->slots_[i]) Slot();
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
  return rte_hash_del_key(hash_, &k) >= 0;
}

}  // namespace sy
