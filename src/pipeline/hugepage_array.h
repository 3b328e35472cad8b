// HugepageArray: a fixed array of cache lines for a worker's private caches
// (MacCache, Fib6Cache), in DPDK memory when the EAL is up. Those caches are
// 1-2 MiB probed at random: on 4 KiB pages nearly every probe is also a TLB
// miss; in a hugepage the whole cache is one TLB entry. Without the EAL (unit
// tests) or without DPDK memory left, ordinary aligned heap memory.
//
// Thread-safety: as its owner.
#pragma once

#include <rte_lcore.h>
#include <rte_malloc.h>

#include <cstddef>
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

}  // namespace sy
