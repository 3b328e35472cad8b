// EAL for the few unit tests that need DPDK memory (FIB builds): initialised
// on first use with --no-pci --no-huge and this process's own file prefix;
// torn down (runtime directory included) at exit.
#pragma once

#include <rte_eal.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace sy::test {

inline void unit_eal() {
  static bool up = false;
  static std::string runtime_dir;
  if (up) return;
  std::vector<std::string> args = {"unit_tests", "--no-pci", "--no-huge", "-m", "768", "-l", "0",
                                   "--file-prefix=sy-unit-" + std::to_string(::getpid()),
                                   "--no-telemetry", "--log-level=lib.eal:error"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0)
    throw std::runtime_error("rte_eal_init failed");
  runtime_dir = rte_eal_get_runtime_dir();
  up = true;
  std::atexit([] {
    rte_eal_cleanup();
    std::error_code ec;
    std::filesystem::remove_all(runtime_dir, ec);
  });
}

}  // namespace sy::test
