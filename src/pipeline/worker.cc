#include "pipeline/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include "pipeline/clock.h"
#include "pipeline/pipeline.h"
#include "route/router_stage.h"

namespace sy {

void worker_flush_port(WorkerCtx& w, uint16_t port) {
  TxBuffer& b = w.tx[port];
  if (b.count == 0) return;
  uint16_t sent = rte_eth_tx_burst(port, w.index, b.pkts, b.count);
  w.counters.tx_packets.add(sent);
  if (sent < b.count) {
    w.counters.drop(DropReason::kTxQueueFull, b.count - sent);
    rte_pktmbuf_free_bulk(&b.pkts[sent], b.count - sent);
  }
  b.count = 0;
}

void worker_flush(WorkerCtx& w) {
  for (uint16_t p = 0; p < w.nb_ports; p++) worker_flush_port(w, p);
}

namespace {

// Closes the interval the last poll opened (its cycles are busy or idle by
// what it received) and opens one at `tsc`.
void account_cycles(WorkerCtx& w, uint64_t tsc) {
  if (w.poll_start_tsc != 0)
    (w.poll_was_busy ? w.counters.busy_cycles : w.counters.idle_cycles).add(tsc - w.poll_start_tsc);
  w.poll_start_tsc = tsc;
}

// A stepped worker's polls are apart by whatever the stepping thread does:
// each closes its own interval.
void end_poll(WorkerCtx& w, uint16_t total) {
  w.poll_was_busy = total > 0;
  if (w.manual) {
    account_cycles(w, rte_get_tsc_cycles());
    w.poll_start_tsc = 0;
    rte_rcu_qsbr_thread_offline(w.qs, w.index);
  }
}

}  // namespace

uint16_t worker_poll_once(WorkerCtx& w) {
  uint64_t start = rte_get_tsc_cycles();
  account_cycles(w, start);
  if (w.manual) rte_rcu_qsbr_thread_online(w.qs, w.index);
  const Tables* t = w.tables->load(std::memory_order_acquire);
  if (t == nullptr) {  // nothing published yet: leave frames in the rx rings
    rte_rcu_qsbr_quiescent(w.qs, w.index);
    end_poll(w, 0);
    return 0;
  }
  w.now_ns = clock_ns_at_tsc(start);
  w.snapshot = t;
  if (w.neighbours != nullptr) w.neigh_epoch = w.neighbours->epoch();
  w.adj.refresh(t->serial.value, w.neigh_epoch);
  w.fib6_cache.refresh(t->serial.value);
  if (w.macs != nullptr && w.mac_cache.refresh(w.macs->epoch(), t->serial.value, w.now_ns))
    w.l2_flows.forget();
  uint16_t total = 0;
  rte_mbuf* pkts[kMaxBurst];
  for (uint16_t i = 0; i < w.nb_rxq; i++) {
    const RxQueueRef& q = w.rxq[i];
    uint16_t n = rte_eth_rx_burst(q.port, q.queue, pkts, w.burst_size);
    if (n == 0) continue;
    total += n;
    w.counters.rx_packets.add(n);
    w.counters.bursts.add(1);
    pipeline_process(w, *t, q.port, pkts, n);
  }
  if (w.inject != nullptr) {
    unsigned k = rte_ring_dequeue_burst(w.inject, reinterpret_cast<void**>(pkts), w.burst_size,
                                        nullptr);
    for (unsigned i = 0; i < k; i++) {
      w.counters.injected.add(1);
      if (pkts[i]->port == kInjectToIface) {
        router_iface_tx_by_id(w, *t, pkts[i]->hash.usr, pkts[i]);
      } else if (pkts[i]->port >= w.nb_ports) {
        w.counters.drop(DropReason::kTxQueueFull);
        rte_pktmbuf_free(pkts[i]);
      } else {
        worker_tx(w, pkts[i]->port, pkts[i]);
      }
    }
    total += static_cast<uint16_t>(k);
  }
  if (w.local_out != nullptr) {
    unsigned k = rte_ring_dequeue_burst(w.local_out, reinterpret_cast<void**>(pkts), w.burst_size,
                                        nullptr);
    for (unsigned i = 0; i < k; i++) router_local_output(w, *t, pkts[i]);
    total += static_cast<uint16_t>(k);
  }
  router_drain(w, *t);
  worker_flush(w);
  rte_rcu_qsbr_quiescent(w.qs, w.index);
  end_poll(w, total);
  return total;
}

int worker_main(void* arg) {
  WorkerCtx& w = *static_cast<WorkerCtx*>(arg);
  rte_rcu_qsbr_thread_register(w.qs, w.index);
  rte_rcu_qsbr_thread_online(w.qs, w.index);
  while (!w.stop->load(std::memory_order_relaxed)) {
    if (worker_poll_once(w) > 0) {
      w.idle_polls = 0;
      continue;
    }
    if (w.idle_sleep_us == 0 || ++w.idle_polls < kIdlePollsBeforeSleep) continue;
    // Offline while asleep: grace periods must not wait for a sleeping worker.
    // The sleep counts as idle: the interval the last (empty) poll opened
    // runs until the next poll starts.
    rte_rcu_qsbr_thread_offline(w.qs, w.index);
    rte_delay_us_sleep(w.idle_sleep_us);
    rte_rcu_qsbr_thread_online(w.qs, w.index);
  }
  account_cycles(w, rte_get_tsc_cycles());
  worker_flush(w);
  rte_rcu_qsbr_thread_offline(w.qs, w.index);
  rte_rcu_qsbr_thread_unregister(w.qs, w.index);
  return 0;
}

}  // namespace sy
