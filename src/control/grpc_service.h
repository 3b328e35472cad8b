// The gRPC API: a thin adapter from switchyard.v1.Switchyard to ControlPlane.
// No logic lives here; every answer comes from one ControlPlane call.
//
// Thread-safety: handlers run on gRPC's threads; ControlPlane serialises.
#pragma once

#include <grpcpp/server.h>

#include <memory>
#include <string>

#include "control/control_plane.h"

namespace sy {

class GrpcServer {
 public:
  // "host:port" ("host:0" picks a free port). nullptr with *error if it cannot bind.
  static std::unique_ptr<GrpcServer> start(const std::string& address, ControlPlane& cp,
                                           std::string* error);
  ~GrpcServer();
  void stop();
  int port() const { return port_; }

 private:
  GrpcServer() = default;
  std::unique_ptr<grpc::Service> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace sy
