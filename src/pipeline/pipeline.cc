#include "pipeline/pipeline.h"

#include "bridge/bridge_stage.h"
#include "route/router_stage.h"

namespace sy {

void pipeline_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                      uint16_t n) {
  if (t.router.port_iface[in_port] != kNoIface) {
    router_process(w, t, in_port, pkts, n);
  } else if (t.bridge.ports[in_port].bridge != kNoBridge) {
    bridge_process(w, t, in_port, pkts, n);
  } else {
    // A port neither bridged nor routed has nowhere to send frames.
    w.counters.drop(DropReason::kNotBridged, n);
    rte_pktmbuf_free_bulk(pkts, n);
    return;
  }
  // What bridge interfaces took to route (VXLAN's inner frames among them)
  // goes as one burst.
  router_drain(w, t);
}

}  // namespace sy
