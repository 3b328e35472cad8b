// The switchyard daemon's life cycle: load and validate the config, take the
// instance lock, start EAL, ports, workers, the MAC learner, the gRPC API and
// the metrics exposer; on SIGINT/SIGTERM stop them in reverse order and clean
// up hugepage and runtime files.
#pragma once

namespace sy {

// Returns the process exit code.
int daemon_main(int argc, char** argv);

}  // namespace sy
