// TxBuffer: a worker's frames waiting for one port, sent as one burst when the
// poll ends (or when it fills).
//
// Thread-safety: one per (worker, port), touched only by its worker.
#pragma once

#include <rte_mbuf.h>

#include <cstdint>

namespace sy {

constexpr uint16_t kTxBufferSize = 512;

struct TxBuffer {
  uint16_t count = 0;
  rte_mbuf* pkts[kTxBufferSize];
};

}  // namespace sy
