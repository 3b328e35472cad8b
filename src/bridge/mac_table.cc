#include "bridge/mac_table.h"

#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include <cstring>

#include "pipeline/shared_hash.h"

namespace sy {

uint32_t mac_key_hash(const void* key, uint32_t, uint32_t init) { return mac_key_crc(key, init); }

std::unique_ptr<MacTable> MacTable::create(const std::string& name, uint32_t capacity,
                                           rte_rcu_qsbr* qs, std::string* error) {
  std::unique_ptr<MacTable> t(new MacTable());
  t->hash_ = create_shared_hash(name, capacity, sizeof(MacKey), mac_key_hash, qs, "MAC table",
                                error);
  if (t->hash_ == nullptr) return nullptr;
  t->capacity_ = capacity;
  t->slots_ = create_shared_slots<MacSlot>("mac_slots", capacity);
  if (t->slots_ == nullptr) {
    *error = "cannot allocate MAC slots";
    return nullptr;
  }
  return t;
}

MacTable::~MacTable() {
  if (hash_ != nullptr) rte_hash_free(hash_);
  rte_free(slots_);
}

int32_t MacTable::add(const MacKey& key, uint16_t port, bool is_static, uint64_t now_ns) {
  int32_t pos = rte_hash_add_key(hash_, &key);
  if (pos < 0) return pos;
  MacSlot& s = slots_[pos];
  s.port.store(port, std::memory_order_release);
  s.last_seen_ns.store(now_ns, std::memory_order_relaxed);
  s.is_static.store(is_static, std::memory_order_relaxed);
  return pos;
}

bool MacTable::remove(const MacKey& key) {
  int32_t pos = rte_hash_lookup(hash_, &key);
  if (pos < 0) return false;
  slots_[pos].port.store(kNoPort, std::memory_order_relaxed);
  slots_[pos].is_static.store(false, std::memory_order_relaxed);
  bool removed = rte_hash_del_key(hash_, &key) >= 0;
  bump();
  return removed;
}

}  // namespace sy
