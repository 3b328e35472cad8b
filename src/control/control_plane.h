// ControlPlane: the one core that YAML start-up, gRPC and the CLI adapt.
//
// Theory of operation: apply() validates a desired Config, compiles an
// immutable Tables snapshot, reconciles state that outlives snapshots (static
// MACs, port MTU/promiscuous) and publishes the snapshot through RCU. A
// rejected config changes nothing. Every accepted config bumps the generation.
//
// Thread-safety: all public methods may be called from any control thread
// (gRPC handlers, metrics exposer, main); they serialise on one mutex. None of
// them is called by workers.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "control/compile_router.h"
#include "control/config_error.h"
#include "switchyard.pb.h"

namespace sy {

class Dataplane;
class BridgeIds;

namespace pb = ::switchyard::v1;

struct ApplyResult {
  bool ok = false;
  uint64_t generation = 0;  // running generation after the call
  ConfigErrors errors;
  std::vector<std::string> diff;
  // Where the time went, in order: validate, diff, compile, publish,
  // reconcile (milliseconds).
  std::vector<std::pair<std::string, double>> phases_ms;
};

class ControlPlane {
 public:
  // `dp` must already have its ports started (see Dataplane::start_ports).
  explicit ControlPlane(Dataplane& dp);
  ~ControlPlane();

  ApplyResult apply(const pb::Config& desired, bool dry_run);

  pb::GetConfigResponse get_config() const;
  pb::Stats stats() const;
  pb::ListPortsResponse ports() const;
  // Empty bridge = all. Unknown bridge: returns false with *error set.
  bool macs(const std::string& bridge, pb::ListMacsResponse* out, std::string* error) const;
  pb::ListInterfacesResponse interfaces() const;
  pb::ListRoutesResponse routes(bool v6) const;
  // Which route and next hop a flow takes. Bad addresses: false with *error set.
  bool lookup_route(const pb::LookupRouteRequest& req, pb::LookupRouteResponse* out,
                    std::string* error) const;
  pb::ListNeighboursResponse neighbours() const;
  pb::ListVtepsResponse vteps() const;
  // Unknown VTEP: false with *error set.
  bool remote_macs(const pb::ListRemoteMacsRequest& req, pb::ListRemoteMacsResponse* out,
                   std::string* error) const;

 private:
  Dataplane& dp_;
  mutable std::mutex mu_;
  pb::Config running_;
  uint64_t generation_ = 0;
  int64_t last_apply_unix_ms_ = 0;
  bool last_apply_ok_ = true;
  std::unique_ptr<BridgeIds> bridge_ids_;
  std::unique_ptr<BridgeIds> iface_ids_;
  EcmpHistory ecmp_history_;
  std::unique_ptr<BridgeIds> vtep_ids_;
  VniSlots vni_slots_;
  // Counter values a slot had when its binding got it: reported figures are
  // the difference, so a reused slot starts from zero.
  std::vector<pb::VniStats> vni_baseline_;

  pb::VniStats vni_totals(uint16_t slot) const;
  // Name shown for a MAC entry's port: a port name or "vxlan:<vtep>:<remote>".
  std::string port_label(uint16_t port, const RemoteVtep& remote,
                         const std::map<uint16_t, std::string>& port_names) const;
};

}  // namespace sy
