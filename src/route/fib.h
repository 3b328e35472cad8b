// Fib: longest-prefix match for one address family over DPDK's rte_fib
// (IPv4, DIR-24-8) or rte_fib6 (IPv6, trie). The value stored per prefix is an
// opaque index chosen by the caller (RouterTables stores a route-chain index);
// 0 means "no route".
//
// Theory of operation: a Fib is built once, whole, off the fast path, and is
// then immutable: it is part of a Tables snapshot and is freed when that
// snapshot is retired after an RCU grace period. The next-hop width (2 or 4
// bytes) and the number of tbl8 groups are sized exactly from the route set, so
// a small table costs the fixed 2^24-entry first level (32 MiB at 2 bytes) and
// nothing more.
//
// Thread-safety: build() on a control thread; lookups from any thread once
// built. Lookups do not modify the FIB (the DPDK API is simply not const).
#pragma once

#include <rte_fib.h>
#include <rte_fib6.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "route/ip.h"

namespace sy {

struct FibEntry {
  IpPrefix prefix;   // host bits clear
  uint32_t value;    // != 0
};

class Fib {
 public:
  // `entries` must hold one family, distinct prefixes.
  static std::unique_ptr<Fib> build(bool v6, const std::vector<FibEntry>& entries,
                                    std::string* error);
  ~Fib();
  Fib(const Fib&) = delete;
  Fib& operator=(const Fib&) = delete;

  bool v6() const { return fib6_ != nullptr; }
  size_t prefixes() const { return prefixes_; }
  // Bytes of DPDK memory the FIB took (measured around its construction).
  size_t memory_bytes() const { return memory_bytes_; }

  // Host-order IPv4 addresses.
  void lookup4(uint32_t* ips, uint64_t* values, unsigned n) const {
    rte_fib_lookup_bulk(fib4_, ips, values, n);
  }
  void lookup6(uint8_t (*ips)[16], uint64_t* values, unsigned n) const {
    rte_fib6_lookup_bulk(fib6_, ips, values, n);
  }
  uint64_t lookup(const IpAddr& a) const;

 private:
  Fib() = default;
  rte_fib* fib4_ = nullptr;
  rte_fib6* fib6_ = nullptr;
  size_t prefixes_ = 0;
  size_t memory_bytes_ = 0;
};

// tbl8 groups DIR-24-8 (IPv4) or the trie (IPv6) needs for these prefixes:
// one per distinct 8-bit stride below the first 24 bits that some prefix
// extends past.
uint32_t fib_tbl8_needed(bool v6, const std::vector<FibEntry>& entries);

}  // namespace sy
