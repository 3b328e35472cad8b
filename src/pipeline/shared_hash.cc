#include "pipeline/shared_hash.h"

#include <rte_errno.h>

namespace sy {

rte_hash* create_shared_hash(const std::string& name, uint32_t capacity, uint32_t key_len,
                             rte_hash_function hash_fn, rte_rcu_qsbr* qs, const char* what,
                             std::string* error) {
  rte_hash_parameters params{};
  params.name = name.c_str();
  params.entries = capacity;
  params.key_len = key_len;
  params.hash_func = hash_fn;
  params.socket_id = SOCKET_ID_ANY;
  // EXT_TABLE: a full bucket spills instead of failing before `capacity`.
  params.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF | RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
  rte_hash* h = rte_hash_create(&params);
  if (h == nullptr) {
    *error = std::string("cannot create ") + what + " " + name + ": " + rte_strerror(rte_errno);
    return nullptr;
  }
  if (qs != nullptr) {
    rte_hash_rcu_config rcu{};
    rcu.v = qs;
    rcu.mode = RTE_HASH_QSBR_MODE_DQ;
    if (rte_hash_rcu_qsbr_add(h, &rcu) != 0) {
      *error = std::string("cannot attach RCU to ") + what + ": " + rte_strerror(rte_errno);
      rte_hash_free(h);
      return nullptr;
    }
  }
  return h;
}

}  // namespace sy
