// Compiles a validated Config into an immutable Tables snapshot plus the
// parameters the MacLearner needs. Pure function of its inputs (no DPDK calls),
// so it is unit-testable and can run while workers forward with the old tables.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bridge/mac_learner.h"
#include "pipeline/tables.h"
#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

// Stable numeric ids for bridges, by name, for state that outlives snapshots
// (MAC entries). An id is never reused for another name in one process, so a
// bridge deleted and re-created starts with an empty MAC table.
class BridgeIds {
 public:
  uint32_t id_for(const std::string& name);
  // Forgets names not in `keep` (their ids are retired, not reused).
  void retain(const std::vector<std::string>& keep);
  const std::string* name_of(uint32_t id) const;
  // 0 when the name has no id.
  uint32_t id_for_existing(const std::string& name) const {
    auto it = ids_.find(name);
    return it == ids_.end() ? 0 : it->second;
  }

 private:
  std::map<std::string, uint32_t> ids_;
  uint32_t next_ = 1;
};

struct CompiledConfig {
  std::unique_ptr<Tables> tables;
  std::vector<BridgeLearnParams> bridges;
  std::vector<StaticMacSpec> statics;
};

// Per-worker counter slots of VNI bindings, by "vtep|vni", kept across
// applies so a binding's counters continue.
using VniSlots = std::map<std::string, uint16_t>;

// `port_ids` maps every configured port name to its DPDK port id.
CompiledConfig compile_config(const pb::Config& cfg, const std::map<std::string, uint16_t>& port_ids,
                              BridgeIds& ids, uint64_t generation);

// Compiles the VTEPs and VNI bindings of a validated config into out->tables
// (VxlanTables, Bridge::tunnels), adds tunnelled VLANs to the learn params
// and remote MACs to the statics. Bridges must be compiled already. Returns
// the slots of this config; `fresh` gets the slots given to new bindings.
VniSlots compile_vxlan(const pb::Config& cfg, BridgeIds& vtep_ids, const VniSlots& previous,
                       CompiledConfig* out, std::vector<uint16_t>* fresh);

}  // namespace sy
