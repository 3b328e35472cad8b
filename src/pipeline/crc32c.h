// crc32c_u64: one CRC-32C step over 8 bytes, the hash of the per-worker caches.
//
// rte_hash_crc_8byte() decides at run time which instructions it may use: a
// load, a compare and a branch before every step (~3 of a cache probe's
// instructions). Built for a CPU with SSE4.2 (every x86 CPU DPDK supports), the
// step is the one `crc32` instruction. The values are rte_hash_crc_8byte()'s.
#pragma once

#include <cstdint>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#else
#include <rte_hash_crc.h>
#endif

namespace sy {

inline uint32_t crc32c_u64(uint64_t v, uint32_t init) {
#if defined(__SSE4_2__)
  return static_cast<uint32_t>(_mm_crc32_u64(init, v));
#else
  return rte_hash_crc_8byte(v, init);
#endif
}

}  // namespace sy
