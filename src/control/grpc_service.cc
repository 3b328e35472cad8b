#include "control/grpc_service.h"

#include <grpcpp/server_builder.h>

#include <chrono>

#include "switchyard.grpc.pb.h"

namespace sy {

namespace {

class Service final : public pb::Switchyard::Service {
 public:
  explicit Service(ControlPlane& cp) : cp_(cp) {}

  grpc::Status GetConfig(grpc::ServerContext*, const pb::GetConfigRequest*,
                         pb::GetConfigResponse* out) override {
    *out = cp_.get_config();
    return grpc::Status::OK;
  }

  grpc::Status ApplyConfig(grpc::ServerContext*, const pb::ApplyConfigRequest* req,
                           pb::ApplyConfigResponse* out) override {
    ApplyResult r = cp_.apply(req->config(), req->dry_run());
    out->set_ok(r.ok);
    out->set_generation(r.generation);
    for (const auto& e : r.errors) {
      pb::ConfigError* pe = out->add_errors();
      pe->set_path(e.path);
      pe->set_message(e.message);
    }
    for (const auto& d : r.diff) out->add_diff(d);
    // A rejected config is an answer, not an RPC failure: the errors are the payload.
    return grpc::Status::OK;
  }

  grpc::Status GetStats(grpc::ServerContext*, const pb::GetStatsRequest*,
                        pb::Stats* out) override {
    *out = cp_.stats();
    return grpc::Status::OK;
  }

  grpc::Status ListPorts(grpc::ServerContext*, const pb::ListPortsRequest*,
                         pb::ListPortsResponse* out) override {
    *out = cp_.ports();
    return grpc::Status::OK;
  }

  grpc::Status ListMacs(grpc::ServerContext*, const pb::ListMacsRequest* req,
                        pb::ListMacsResponse* out) override {
    std::string error;
    if (!cp_.macs(req->bridge(), out, &error))
      return grpc::Status(grpc::StatusCode::NOT_FOUND, error);
    return grpc::Status::OK;
  }

  grpc::Status ListInterfaces(grpc::ServerContext*, const pb::ListInterfacesRequest*,
                              pb::ListInterfacesResponse* out) override {
    *out = cp_.interfaces();
    return grpc::Status::OK;
  }

  grpc::Status ListRoutes(grpc::ServerContext*, const pb::ListRoutesRequest* req,
                          pb::ListRoutesResponse* out) override {
    *out = cp_.routes(req->v6());
    return grpc::Status::OK;
  }

  grpc::Status LookupRoute(grpc::ServerContext*, const pb::LookupRouteRequest* req,
                           pb::LookupRouteResponse* out) override {
    std::string error;
    if (!cp_.lookup_route(*req, out, &error))
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error);
    return grpc::Status::OK;
  }

  grpc::Status ListNeighbours(grpc::ServerContext*, const pb::ListNeighboursRequest*,
                              pb::ListNeighboursResponse* out) override {
    *out = cp_.neighbours();
    return grpc::Status::OK;
  }

  grpc::Status ListVteps(grpc::ServerContext*, const pb::ListVtepsRequest*,
                         pb::ListVtepsResponse* out) override {
    *out = cp_.vteps();
    return grpc::Status::OK;
  }

  grpc::Status ListRemoteMacs(grpc::ServerContext*, const pb::ListRemoteMacsRequest* req,
                              pb::ListRemoteMacsResponse* out) override {
    std::string error;
    if (!cp_.remote_macs(*req, out, &error))
      return grpc::Status(grpc::StatusCode::NOT_FOUND, error);
    return grpc::Status::OK;
  }

 private:
  ControlPlane& cp_;
};

}  // namespace

std::unique_ptr<GrpcServer> GrpcServer::start(const std::string& address, ControlPlane& cp,
                                              std::string* error) {
  std::unique_ptr<GrpcServer> s(new GrpcServer());
  s->service_ = std::make_unique<Service>(cp);
  grpc::ServerBuilder builder;
  // Full configs with a million routes are tens of MB.
  builder.SetMaxReceiveMessageSize(1 << 30);
  builder.SetMaxSendMessageSize(1 << 30);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &s->port_);
  builder.RegisterService(s->service_.get());
  s->server_ = builder.BuildAndStart();
  if (!s->server_ || s->port_ == 0) {
    *error = "cannot listen on " + address + " (address in use or invalid)";
    return nullptr;
  }
  return s;
}

void GrpcServer::stop() {
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
}

GrpcServer::~GrpcServer() {
  stop();
  server_.reset();
}

}  // namespace sy
