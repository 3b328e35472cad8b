// Instruction counts: the bench re-runs itself in count mode under valgrind's
// callgrind, collecting only run_measured_polls() (rx burst, pipeline, tx
// burst for an exact number of packets, after a warm-up), so the figure is
// deterministic on a noisy shared machine where rates drift.
//
// Theory of operation: callgrind starts with collection off and toggles it on
// entering run_measured_polls; the total Ir over the packets measured is the
// instructions per packet. callgrind_annotate's inclusive costs break it down
// per function (worker loop, pipeline, bridge stage, drivers).
//
// Valgrind cannot execute AVX-512, so this needs a build without it
// (meson -Dmarch=x86-64-v3; scripts/bench.sh makes one in build-icount/).
//
// Thread-safety: call from one thread; it blocks while the child runs.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sy::bench {

struct IcountResult {
  uint64_t packets = 0;
  uint64_t instructions = 0;
  double per_packet = 0;
  // Inclusive instructions per packet of the functions worth naming.
  std::vector<std::pair<std::string, double>> functions;
  std::string command;
};

// True when this binary can run under valgrind; otherwise *why says what to do.
bool icount_supported(std::string* why);

// Runs `self_args` (this program's arguments, ending in "--count N") under
// callgrind and reads the counts back.
bool run_icount(const std::vector<std::string>& self_args, const std::string& work_dir,
                IcountResult* out, std::string* error);

// Parses the "totals:"/"summary:" line of a callgrind output file; exposed for tests.
bool parse_callgrind_total(const std::string& text, uint64_t* total);

}  // namespace sy::bench
