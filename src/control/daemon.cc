#include "control/daemon.h"

#include <fcntl.h>
#include <rte_eal.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "control/control_plane.h"
#include "control/dataplane_options.h"
#include "control/defaults.h"
#include "control/eal_args.h"
#include "control/grpc_service.h"
#include "control/metrics.h"
#include "control/validate.h"
#include "control/yaml_proto.h"
#include "pipeline/dataplane.h"

namespace sy {

namespace {

constexpr const char* kUsage =
    "usage: switchyard --config FILE        run the appliance\n"
    "       switchyard --check-config FILE  validate FILE, list every error, exit 0/1\n";

void log(const std::string& msg) { std::cerr << "switchyard: " << msg << std::endl; }

bool load_and_validate(const std::string& file, pb::Config* cfg) {
  ConfigErrors errors = load_yaml_file(file, cfg);
  if (errors.empty()) errors = validate_config(*cfg, nullptr);
  for (const auto& e : errors) std::cerr << file << ": " << format_error(e) << "\n";
  return errors.empty();
}

// An flock held for the process lifetime: DPDK's own check for a second
// primary with the same prefix fails late and cryptically; this one is clear.
class InstanceLock {
 public:
  bool acquire(const std::string& prefix, std::string* error) {
    path_ = "/var/run/switchyard." + prefix + ".lock";
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      *error = "cannot open " + path_ + ": " + std::strerror(errno);
      return false;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      char buf[32] = {};
      ssize_t n = ::pread(fd_, buf, sizeof(buf) - 1, 0);
      std::string pid = n > 0 ? std::string(buf, strcspn(buf, "\n")) : "?";
      *error = "another switchyard is running with file prefix \"" + prefix + "\" (pid " + pid +
               "); stop it or set dataplane.file_prefix";
      ::close(fd_);
      fd_ = -1;
      return false;
    }
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
      // The lock itself is what matters; the pid is informational.
    }
    return true;
  }
  ~InstanceLock() {
    if (fd_ >= 0) {
      ::unlink(path_.c_str());
      ::close(fd_);
    }
  }

 private:
  std::string path_;
  int fd_ = -1;
};

int run(const pb::Config& cfg) {
  const pb::Dataplane& d = cfg.dataplane();
  std::string prefix = file_prefix(d);
  InstanceLock lock;
  std::string error;
  if (!lock.acquire(prefix, &error)) {
    log(error);
    return 1;
  }

  // Block the stop signals in every thread (EAL and gRPC start their own);
  // the main thread waits for them with sigtimedwait.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  EalPlan plan = build_eal_args(cfg, probe_host());
  for (const auto& n : plan.notes) log(n);
  std::string cmdline;
  for (const auto& a : plan.args) cmdline += a + " ";
  log("EAL: " + cmdline);
  std::vector<char*> argv;
  for (auto& a : plan.args) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (rte_eal_init(static_cast<int>(plan.args.size()), argv.data()) < 0) {
    log("EAL initialisation failed: " + std::string(rte_strerror(rte_errno)));
    return 1;
  }
  std::string runtime_dir = rte_eal_get_runtime_dir();

  int rc = 0;
  {
    DataplaneOptions opts = dataplane_options(d);
    std::unique_ptr<Dataplane> dp = Dataplane::create(opts, &error);
    std::vector<PortSpec> specs = port_specs(cfg);
    if (!dp || !dp->start_ports(specs, &error)) {
      log(error);
      rc = 1;
    }
    std::unique_ptr<ControlPlane> cp;
    std::unique_ptr<GrpcServer> grpc;
    std::unique_ptr<MetricsServer> metrics;
    if (rc == 0) {
      cp = std::make_unique<ControlPlane>(*dp);
      ApplyResult r = cp->apply(cfg, false);
      for (const auto& e : r.errors) log(format_error(e));
      if (!r.ok) rc = 1;
    }
    if (rc == 0) {
      dp->learner().start();
      dp->neighbours().start();
      if (dp->exception_path()) dp->exception_path()->start();
      if (!dp->launch_workers(&error)) {
        log(error);
        rc = 1;
      }
    }
    if (rc == 0) {
      grpc = GrpcServer::start(grpc_address(cfg.management()), *cp, &error);
      if (!grpc) {
        log("gRPC: " + error);
        rc = 1;
      }
    }
    if (rc == 0) {
      ControlPlane* cpp = cp.get();
      metrics = MetricsServer::start(metrics_address(cfg.management()),
                                     [cpp] { return cpp->stats(); }, &error);
      if (!metrics) {
        log("metrics: " + error);
        rc = 1;
      }
    }
    if (rc == 0) {
      log("running generation 1: " + std::to_string(cfg.ports_size()) + " ports, " +
          std::to_string(cfg.bridges_size()) + " bridges, " +
          std::to_string(opts.worker_lcores.size()) + " workers; gRPC " +
          grpc_address(cfg.management()) + ", metrics http://" +
          metrics_address(cfg.management()) + "/metrics");
      for (;;) {
        timespec timeout{1, 0};
        int sig = sigtimedwait(&stop_signals, nullptr, &timeout);
        if (sig == SIGINT || sig == SIGTERM) {
          log(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") +
              ", stopping");
          break;
        }
      }
    }
    if (grpc) grpc->stop();
    metrics.reset();
    if (dp) {
      dp->stop_workers();  // workers flush their tx buffers on the way out
      dp->learner().stop();
      dp->neighbours().stop();
      if (dp->exception_path()) dp->exception_path()->stop();
    }
    grpc.reset();
    cp.reset();
    dp.reset();  // stops and closes ports, frees pools
  }
  rte_eal_cleanup();
  std::error_code ec;
  std::filesystem::remove_all(runtime_dir, ec);
  log(rc == 0 ? "stopped cleanly" : "exiting after an error");
  return rc;
}

}  // namespace

int daemon_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "--check-config") {
    pb::Config cfg;
    if (!load_and_validate(args[1], &cfg)) return 1;
    std::cout << args[1] << ": OK (" << cfg.ports_size() << " ports, " << cfg.bridges_size()
              << " bridges)\n";
    return 0;
  }
  if (args.size() == 2 && args[0] == "--config") {
    pb::Config cfg;
    if (!load_and_validate(args[1], &cfg)) return 1;
    return run(cfg);
  }
  std::cerr << kUsage;
  return args.size() == 1 && (args[0] == "--help" || args[0] == "-h") ? 0 : 64;
}

}  // namespace sy
