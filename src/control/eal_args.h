// EAL arguments from the config's dataplane section and ports. Kept apart from
// the daemon so the exact command line is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

struct EalPlan {
  std::vector<std::string> args;  // argv, starting with the program name
  bool hugepages = false;         // false: --no-huge
  std::vector<std::string> notes; // why a setting was changed (logged at start)
};

struct HostFacts {
  bool hugepages_free = false;  // hugetlbfs mounted and free pages available
  unsigned cpus = 1;
  bool avx512 = false;  // the CPU has AVX-512F
};

HostFacts probe_host();
EalPlan build_eal_args(const pb::Config& cfg, const HostFacts& host);

}  // namespace sy
