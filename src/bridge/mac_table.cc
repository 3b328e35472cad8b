#include "bridge/mac_table.h"

#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include <cstring>
#include <new>

namespace sy {

uint32_t mac_key_hash(const void* key, uint32_t, uint32_t init) {
  uint32_t w[3];
  std::memcpy(w, key, sizeof(w));
  return rte_hash_crc_4byte(w[2], rte_hash_crc_4byte(w[1], rte_hash_crc_4byte(w[0], init)));
}

std::unique_ptr<MacTable> MacTable::create(const std::string& name, uint32_t capacity,
                                           rte_rcu_qsbr* qs, std::string* error) {
  std::unique_ptr<MacTable> t(new MacTable());
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity;
  params.key_len = sizeof(MacKey);
  params.hash_func = mac_key_hash;
  params.socket_id = SOCKET_ID_ANY;
  // EXT_TABLE: a full bucket spills instead of failing before `capacity`.
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  t->hash_ = rte_hash_create(&params);
  if (t->hash_ == nullptr) {
    *error = "cannot create MAC table " + name + ": " + rte_strerror(rte_errno);
    return nullptr;
  }
  if (qs != nullptr) {
    rte_hash_rcu_config rcu{};
    rcu.v = qs;
    rcu.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(t->hash_, &rcu) != 0) {
      *error = "cannot attach RCU to MAC table: " + std::string(rte_strerror(rte_errno));
      return nullptr;
    }
  }
  // rte_hash positions range over entries + the extendable table's spare keys.
  t->capacity_ = capacity;
  uint32_t slots = capacity * 2 + 64;
  void* mem = rte_zmalloc("mac_slots", sizeof(MacSlot) * slots, RTE_CACHE_LINE_SIZE);
  if (mem == nullptr) {
    *error = "cannot allocate MAC slots";
    return nullptr;
  }
  t->slots_ = static_cast<MacSlot*>(mem);
  for (uint32_t i = 0; i < slots; i++) new (&t->slots_[i]) MacSlot();
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
  s.port.store(port, std::memory_order_relaxed);
  s.last_seen_ns.store(now_ns, std::memory_order_relaxed);
  s.is_static.store(is_static, std::memory_order_relaxed);
  return pos;
}

bool MacTable::remove(const MacKey& key) {
  int32_t pos = rte_hash_lookup(hash_, &key);
  if (pos < 0) return false;
  slots_[pos].port.store(kNoPort, std::memory_order_relaxed);
  slots_[pos].is_static.store(false, std::memory_order_relaxed);
  return rte_hash_del_key(hash_, &key) >= 0;
}

}  // namespace sy
