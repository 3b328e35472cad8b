// Shared hash tables for state that outlives snapshots (the MAC table, the
// neighbour table): an rte_hash in lock-free read/write concurrency mode —
// workers read, one writer inserts and deletes — whose key positions are
// recycled only after an RCU grace period, so a worker that looked a key up
// may keep reading that position's slot until it reports quiescence. The
// values live in a slot array beside the hash, indexed by position.
//
// Thread-safety: creation and destruction on a control thread.
#pragma once

#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include <cstdint>
#include <new>
#include <string>

namespace sy {

// `what` names the table in errors ("MAC table"). Null with *error set on failure.
rte_hash* create_shared_hash(const std::string& name, uint32_t capacity, uint32_t key_len,
                             rte_hash_function hash_fn, rte_rcu_qsbr* qs, const char* what,
                             std::string* error);

// Positions such a hash can return (its extendable table adds spare keys).
inline uint32_t shared_hash_positions(uint32_t capacity) { return capacity * 2 + 64; }

// The slot array for a shared hash of `capacity`, constructed; free with rte_free.
template <typename Slot>
Slot* create_shared_slots(const char* name, uint32_t capacity) {
  uint32_t n = shared_hash_positions(capacity);
  void* mem = rte_zmalloc(name, sizeof(Slot) * n, RTE_CACHE_LINE_SIZE);
  if (mem == nullptr) return nullptr;
  Slot* slots = static_cast<Slot*>(mem);
  for (uint32_t i = 0; i < n; i++) new (&slots[i]) Slot();
  return slots;
}

}  // namespace sy
