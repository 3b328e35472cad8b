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
    case DropReason::kCount: break;
  }
  return "unknown";
}

}  // namespace sy
