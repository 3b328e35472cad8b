// HugepageArray: a fixed array of cache lines for a worker's private caches
// (MacCache, L2FlowCache, Fib6Cache), in DPDK memory when the EAL is up;
// StampedSets: those caches' sets with the stamp that invalidates them.
// Those caches are 1-2 MiB probed at random: on 4 KiB pages nearly every
// probe is also a TLB miss; in a hugepage the whole cache is one or two TLB
// entries. Without the EAL (unit
// tests) or without DPDK memory left, ordinary aligned heap memory.
//
// Thread-safety: as its owner.
#pragma once

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

namespace sy {

template <typename T>
class HugepageArray {
  static_assert(std::is_trivially_destructible_v<T>, "lines are freed without destructors");

 public:
  explicit HugepageArray(size_t n) : n_(n) {
    if (rte_lcore_count() > 0)  // the EAL is up
      p_ = static_cast<T*>(rte_malloc_socket("cache", n * sizeof(T), alignof(T), SOCKET_ID_ANY));
    dpdk_ = p_ != nullptr;
    if (!dpdk_) p_ = static_cast<T*>(::operator new[](n * sizeof(T), std::align_val_t{alignof(T)}));
    for (size_t i = 0; i < n; i++) new (&p_[i]) T{};
  }
  ~HugepageArray() {
    if (dpdk_) rte_free(p_);
    else ::operator delete[](p_, std::align_val_t{alignof(T)});
  }
  HugepageArray(const HugepageArray&) = delete;
  HugepageArray& operator=(const HugepageArray&) = delete;

  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }
  size_t size() const { return n_; }

 private:
  T* p_ = nullptr;
  size_t n_;
  bool dpdk_ = false;
};

// The sets of a worker's set-associative cache, and the stamp its entries
// carry while valid: moving the stamp on forgets every entry at once, without
// a sweep. It moves whenever the cached source's version (a table epoch, a
// snapshot serial) is not the one seen last. Entries may keep the stamp in
// fewer bits (kStampBits); on wrapping, the sets are cleared once.
template <typename Set, unsigned kStampBits = 32>
class StampedSets {
  static_assert(kStampBits >= 8 && kStampBits <= 32);
  static constexpr uint32_t kStampMask =
      kStampBits == 32 ? UINT32_MAX : (uint32_t{1} << kStampBits) - 1;

 public:
  explicit StampedSets(size_t n) : sets_(n) {}

  // Once per poll, with the source's current version.
  void refresh(uint64_t version) {
    if (version == version_) return;
    version_ = version;
    forget();
  }
  // Invalidates every entry now.
  void forget() {
    stamp_ = (stamp_ + 1) & kStampMask;
    if (stamp_ == 0) {  // wrapped: clear rather than risk a match
      for (size_t s = 0; s < sets_.size(); s++) sets_[s] = Set{};
      stamp_ = 1;
    }
  }
  uint32_t stamp() const { return stamp_; }
  Set& operator[](size_t i) { return sets_[i]; }
  const Set& operator[](size_t i) const { return sets_[i]; }

 private:
  HugepageArray<Set> sets_;
  uint64_t version_ = 0;
  uint32_t stamp_ = 1;
};

}  // namespace sy
