#include "pipeline/pipeline.h"

#include "bridge/bridge_stage.h"
#include "route/router_stage.h"

namespace sy {

void pipeline_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                      uint16_t n) {
  if (t.router.port_iface[in_port] != kNoIface) {
    router_process(w, t, in_port, pkts, n);
    return;
  }
  const PortL2& l2 = t.bridge.ports[in_port];
  if (l2.bridge == kNoBridge) {
    // A port neither bridged nor routed has nowhere to send frames.
    w.counters.drop(DropReason::kNotBridged, n);
    rte_pktmbuf_free_bulk(pkts, n);
    return;
  }
  bridge_process(w, t, in_port, pkts, n);
}

}  // namespace sy
