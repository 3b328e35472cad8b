#include "pipeline/counters.h"

namespace sy {

const char* drop_reason_name(DropReason r) {
  switch (r) {
    case DropReason::kRunt: return "runt";
    case DropReason::kNotBridged: return "not_bridged";
    case DropReason::kVlanNotAllowed: return "vlan_not_allowed";
    case DropReason::kUntaggedOnTrunk: return "untagged_on_trunk";
    case DropReason::kTaggedOnAccess: return "tagged_on_access";
    case DropReason::kInvalidSourceMac: return "invalid_source_mac";
    case DropReason::kSamePort: return "same_port";
    case DropReason::kNoFloodTarget: return "no_flood_target";
    case DropReason::kTxQueueFull: return "tx_queue_full";
    case DropReason::kCopyFailed: return "copy_failed";
    case DropReason::kNotForRouter: return "not_for_router";
    case DropReason::kUnsupportedEthertype: return "unsupported_ethertype";
    case DropReason::kBadIpHeader: return "bad_ip_header";
    case DropReason::kBadIpChecksum: return "bad_ip_checksum";
    case DropReason::kBadNeighbourMessage: return "bad_neighbour_message";
    case DropReason::kNeighbourMessage: return "neighbour_message";
    case DropReason::kIpMulticast: return "ip_multicast";
    case DropReason::kTtlExceeded: return "ttl_exceeded";
    case DropReason::kNoRoute: return "no_route";
    case DropReason::kBlackhole: return "blackhole";
    case DropReason::kReject: return "reject";
    case DropReason::kMtuExceeded: return "mtu_exceeded";
    case DropReason::kFragmentFailed: return "fragment_failed";
    case DropReason::kNeighbourQueueFull: return "neighbour_queue_full";
    case DropReason::kLocalUnhandled: return "local_unhandled";
    case DropReason::kPuntRateLimited: return "punt_rate_limited";
    case DropReason::kPuntQueueFull: return "punt_queue_full";
    case DropReason::kVxlanShort: return "vxlan_short";
    case DropReason::kVxlanBadFlags: return "vxlan_bad_flags";
    case DropReason::kVxlanBadChecksum: return "vxlan_bad_checksum";
    case DropReason::kVxlanUnknownVni: return "vxlan_unknown_vni";
    case DropReason::kVxlanUnknownRemote: return "vxlan_unknown_remote";
    case DropReason::kVxlanInnerVlan: return "vxlan_inner_vlan";
    case DropReason::kVxlanMtuExceeded: return "vxlan_mtu_exceeded";
    case DropReason::kVxlanNoHeadroom: return "vxlan_no_headroom";
    case DropReason::kVxlanNoUnderlayRoute: return "vxlan_no_underlay_route";
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace sy
