// The L2 learning bridge stage (datapath side).
//
// Theory of operation, per burst received on one port:
//   1. classify: Ethernet/802.1Q parse and the frame's VLAN from the ingress
//      member (ACCESS: its VLAN; TRUNK: the tag, or the native VLAN when
//      untagged). Frames the member does not carry are dropped by reason;
//   2. the worker's L2FlowCache: a conversation (domain, source, destination)
//      this worker bridged to a member earlier in the same second, from the
//      same port, goes out at once (its source was refreshed then);
//   3. the others: every source and destination through the worker's
//      MacCache, its misses in one bulk lookup of the shared MAC table, then
//      learn: an unknown source or a source seen on another port (a move)
//      becomes a LearnEvent for the MacLearner; a known one refreshes its age;
//   4. forward: known unicast goes to its port (never back out the ingress
//      port); broadcast, multicast and unknown unicast are flooded to every
//      other member carrying the VLAN (split horizon), one copy each;
//   5. egress tagging: pop or push the 802.1Q tag for the egress member.
// A VLAN with a router interface hands frames to the interface MAC to the
// router (tag removed), and gives the router a copy of broadcast/multicast
// (ARP, Neighbour Discovery) besides flooding it.
// A VLAN bound to a VXLAN VNI has the tunnel as one more member: MACs learned
// behind remote VTEPs are sent there encapsulated (vxlan/vxlan_stage), and
// floods are replicated to the VNI's flood list. Split horizon: nothing goes
// back to the remote VTEP it came from; frames from one remote reach others
// (hub) unless the VTEP's remotes form a full mesh.
//
// Thread-safety: runs on a worker; reads the snapshot and the MacTable's
// lock-free side; writes only its own WorkerCtx.
#pragma once

#include <rte_mbuf.h>

#include "bridge/bridge_tables.h"
#include "pipeline/tables.h"
#include "pipeline/worker.h"

namespace sy {

void bridge_process(WorkerCtx& w, const Tables& t, uint16_t in_port, rte_mbuf** pkts,
                    uint16_t n);

// A frame from the router into VLAN `vlan` of bridge `bridge` (index): to the
// learned port of its destination, else flooded; tagged per egress member.
void bridge_output(WorkerCtx& w, const Tables& t, uint16_t bridge, uint16_t vlan, rte_mbuf* m);
// The same to one member port, tagged as that member carries `vlan`.
void bridge_output_port(WorkerCtx& w, const BridgeTables& bt, uint16_t port, uint16_t vlan,
                        rte_mbuf* m);

// A frame decapsulated from VXLAN binding `vni`, sent by remote VTEP
// `remote`: it enters the binding's domain as if received on a member of its
// own (source learned behind the remote, never sent back to it).
void bridge_tunnel_input(WorkerCtx& w, const Tables& t, const VniEntry& vni,
                         const IpAddr& remote, rte_mbuf* m);
// The same for a run of `n` frames of one binding, frame i from remotes[i]:
// their sources are looked up in the MAC cache together, and the binding's
// router interface is found once for the run.
void bridge_tunnel_burst(WorkerCtx& w, const Tables& t, const VniEntry& vni, rte_mbuf** pkts,
                         const IpAddr* remotes, uint16_t n);

}  // namespace sy
