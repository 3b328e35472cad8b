#include "route/fib.h"

#include <rte_errno.h>
#include <rte_malloc.h>

#include <atomic>
#include <unordered_set>

namespace sy {

namespace {

std::atomic<uint64_t> g_fib_seq{0};


size_t dpdk_heap_allocated() {
  size_t total = 0;
  for (unsigned s = 0; s < rte_socket_count(); s++) {
    rte_malloc_socket_stats st{};
    if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
      total += st.heap_allocsz_bytes;
  }
  return total;
}

// The first `bits` bits of a 16-byte address as a hashable string key.
std::string stride_key(const IpPrefix& p, unsigned bits) {
  IpAddr m = mask_addr(p.addr, bits);
  return std::string(reinterpret_cast<const char*>(m.b.data()), (bits + 7) / 8) +
         static_cast<char>(bits);
}

}  // namespace

uint32_t fib_tbl8_needed(bool v6, const std::vector<FibEntry>& entries) {
  std::unordered_set<std::string> groups;
  unsigned max_bits = v6 ? 128 : 32;
  for (const FibEntry& e : entries)
    for (unsigned level = 24; level < e.prefix.len && level < max_bits; level += 8)
      groups.insert(stride_key(e.prefix, level));
  return static_cast<uint32_t>(groups.size());
}

namespace {

// One attempt at building with `tbl8` groups; -ENOSPC asks for more.
int try_build(rte_fib** f4, rte_lpm6** f6, bool v6, const std::vector<FibEntry>& entries,
              uint32_t tbl8, bool narrow, std::string* error) {
  std::string name = "fib" + std::to_string(g_fib_seq.fetch_add(1));
  int max_routes = static_cast<int>(entries.size()) + 16;
  if (!v6) {
    rte_fib_conf conf{};
    conf.type = RTE_FIB_DIR24_8;
    conf.default_nh = 0;
    conf.max_routes = max_routes;
    conf.dir24_8.nh_sz = narrow ? RTE_FIB_DIR24_8_2B : RTE_FIB_DIR24_8_4B;
    conf.dir24_8.num_tbl8 = tbl8;
    *f4 = rte_fib_create(name.c_str(), SOCKET_ID_ANY, &conf);
    if (*f4 == nullptr) {
      *error = "cannot create the IPv4 FIB for " + std::to_string(entries.size()) +
               " prefixes: " + rte_strerror(rte_errno) + " (raise dataplane.memory_mb?)";
      return -ENOMEM;
    }
    for (const FibEntry& e : entries) {
      int rc = rte_fib_add(*f4, e.prefix.addr.v4_host(), e.prefix.len, e.value);
      if (rc != 0) {
        *error = "cannot add " + format_prefix(e.prefix) + " to the IPv4 FIB: " + rte_strerror(-rc);
        rte_fib_free(*f4);
        *f4 = nullptr;
        return rc;
      }
    }
  } else {
    (void)narrow;  // LPM6 entries are 4 bytes
    rte_lpm6_config conf{};
    conf.max_rules = static_cast<uint32_t>(max_routes);
    conf.number_tbl8s = tbl8;
    *f6 = rte_lpm6_create(name.c_str(), SOCKET_ID_ANY, &conf);
    if (*f6 == nullptr) {
      *error = "cannot create the IPv6 FIB for " + std::to_string(entries.size()) +
               " prefixes: " + rte_strerror(rte_errno) + " (raise dataplane.memory_mb?)";
      return -ENOMEM;
    }
    for (const FibEntry& e : entries) {
      if (e.prefix.len == 0) continue;  // the default: kept beside the table
      int rc = rte_lpm6_add(*f6, e.prefix.addr.b.data(), e.prefix.len, e.value);
      if (rc != 0) {
        *error = "cannot add " + format_prefix(e.prefix) + " to the IPv6 FIB: " + rte_strerror(-rc);
        rte_lpm6_free(*f6);
        *f6 = nullptr;
        return rc;
      }
    }
  }
  return 0;
}

}  // namespace

std::unique_ptr<Fib> Fib::build(bool v6, const std::vector<FibEntry>& entries, std::string* error) {
  std::unique_ptr<Fib> f(new Fib());
  uint32_t max_value = 0;
  for (const FibEntry& e : entries) max_value = std::max(max_value, e.value);
  if (max_value >= (uint64_t{1} << value_bits(v6))) {
    *error = std::string("the ") + (v6 ? "IPv6" : "IPv4") + " FIB holds at most " +
             std::to_string((uint64_t{1} << value_bits(v6)) - 1) + " destinations";
    return nullptr;
  }
  // The tbl8 need is computed from the prefixes; should the library count
  // otherwise, -ENOSPC retries with twice as many.
  uint32_t tbl8 = fib_tbl8_needed(v6, entries) + 64;
  size_t before = dpdk_heap_allocated();
  for (int attempt = 0;; attempt++) {
    // 2-byte entries hold values and tbl8 indexes below 2^15.
    bool narrow = max_value < (1u << 15) && tbl8 < (1u << 15);
    int rc = try_build(&f->fib4_, &f->lpm6_, v6, entries, tbl8, narrow, error);
    if (rc == 0) break;
    if (rc != -ENOSPC || attempt == 4) return nullptr;
    tbl8 *= 2;
  }
  for (const FibEntry& e : entries)
    if (v6 && e.prefix.len == 0) f->default6_ = e.value;
  f->prefixes_ = entries.size();
  size_t after = dpdk_heap_allocated();
  f->memory_bytes_ = after > before ? after - before : 0;
  return f;
}

Fib::~Fib() {
  if (fib4_ != nullptr) rte_fib_free(fib4_);
  if (lpm6_ != nullptr) rte_lpm6_free(lpm6_);
}

uint64_t Fib::lookup(const IpAddr& a) const {
  uint64_t v = 0;
  if (a.v6) {
    uint8_t ip[1][16];
    std::memcpy(ip[0], a.b.data(), 16);
    lookup6(ip, &v, 1);
  } else {
    uint32_t ip = a.v4_host();
    lookup4(&ip, &v, 1);
  }
  return v;
}

}  // namespace sy
