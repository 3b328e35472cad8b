// Fib: longest-prefix match for one address family over DPDK's rte_fib
// (IPv4, DIR-24-8) or rte_lpm6 (IPv6). The value stored per prefix is opaque
// to the Fib, at most 31 bits (IPv4) or 21 bits (IPv6); RouterTables stores a
// route-chain index and fast group (FibValueLayout). 0 means "no route".
//
// Why rte_lpm6 and not rte_fib6 for IPv6: rte_fib6's trie reserves its tbl8
// groups by a per-prefix worst case (a /48 under nothing else reserves 3), and
// allocates them all up front, so 200,000 /48s cost ~600 MB per snapshot.
// rte_lpm6 checks the groups an add really needs; sized from the prefixes it
// takes what the table takes.
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
#include <rte_lpm6.h>

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

  // The widest value a FIB of the family holds: DIR-24-8's 4-byte entries
  // keep 31 bits, LPM6's next hops are 21 bits.
  static constexpr unsigned value_bits(bool v6) { return v6 ? 21 : 31; }

  bool v6() const { return lpm6_ != nullptr; }
  size_t prefixes() const { return prefixes_; }
  // Bytes of DPDK memory the FIB took (measured around its construction).
  size_t memory_bytes() const { return memory_bytes_; }

  // Host-order IPv4 addresses.
  void lookup4(uint32_t* ips, uint64_t* values, unsigned n) const {
    rte_fib_lookup_bulk(fib4_, ips, values, n);
  }
  // n <= kMaxLookup6.
  static constexpr unsigned kMaxLookup6 = 64;
  void lookup6(uint8_t (*ips)[16], uint64_t* values, unsigned n) const {
    int32_t hops[kMaxLookup6];
    rte_lpm6_lookup_bulk_func(lpm6_, ips, hops, n);
    for (unsigned i = 0; i < n; i++)
      values[i] = hops[i] < 0 ? default6_ : static_cast<uint64_t>(hops[i]);
  }
  uint64_t lookup(const IpAddr& a) const;

 private:
  Fib() = default;
  rte_fib* fib4_ = nullptr;
  rte_lpm6* lpm6_ = nullptr;
  uint64_t default6_ = 0;  // ::/0, which LPM6 does not take as a rule
  size_t prefixes_ = 0;
  size_t memory_bytes_ = 0;
};

// tbl8 groups DIR-24-8 (IPv4) or LPM6 (IPv6) needs for these prefixes:
// one per distinct 8-bit stride below the first 24 bits that some prefix
// extends past.
uint32_t fib_tbl8_needed(bool v6, const std::vector<FibEntry>& entries);

}  // namespace sy
