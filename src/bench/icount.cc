#include "bench/icount.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace sy::bench {

namespace {

// Runs argv, returns its exit status; stdout into *out, stderr into `err_file`.
int run_capture(const std::vector<std::string>& args, std::string* out,
                const std::string& err_file) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    dup2(fds[1], 1);
    int e = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (e >= 0) dup2(e, 2);
    std::vector<char*> argv;
    for (auto a : args) argv.push_back(strdup(a.c_str()));
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) out->append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const std::string& file, size_t lines) {
  std::ifstream in(file);
  std::vector<std::string> all;
  for (std::string l; std::getline(in, l);) all.push_back(l);
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); i++)
    out += "\n  " + all[i];
  return out;
}

uint64_t parse_count(const std::string& s) {  // "1,234,567" → 1234567
  uint64_t v = 0;
  for (char c : s)
    if (c >= '0' && c <= '9') v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

}  // namespace

bool icount_supported(std::string* why) {
#ifdef __AVX512F__
  *why = "this build uses AVX-512 (-march=" SY_MARCH "), which valgrind cannot execute; "
         "use a build configured with -Dmarch=x86-64-v3 (scripts/bench.sh makes build-icount/)";
  return false;
#else
  if (access("/usr/bin/valgrind", X_OK) != 0) {
    *why = "valgrind is not installed (scripts/install-deps.sh installs it)";
    return false;
  }
  return true;
#endif
}

bool parse_callgrind_total(const std::string& text, uint64_t* total) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    for (const char* key : {"totals:", "summary:"}) {
      if (line.rfind(key, 0) == 0) {
        *total = std::strtoull(line.c_str() + std::strlen(key), nullptr, 10);
        return true;
      }
    }
  }
  return false;
}

bool run_icount(const std::vector<std::string>& self_args, const std::string& work_dir,
                IcountResult* out, std::string* error) {
  if (!icount_supported(error)) return false;
  std::string cg_file = work_dir + "/callgrind.out";
  std::string err_file = work_dir + "/callgrind.log";
  std::vector<std::string> args = {"/usr/bin/valgrind", "--tool=callgrind",
                                   "--callgrind-out-file=" + cg_file, "--collect-atstart=no",
                                   "--toggle-collect=sy::bench::run_measured_polls*"};
  args.insert(args.end(), self_args.begin(), self_args.end());
  for (const auto& a : args) out->command += (out->command.empty() ? "" : " ") + a;
  std::string child_out;
  int rc = run_capture(args, &child_out, err_file);
  if (rc != 0) {
    *error = "count run under callgrind exited with " + std::to_string(rc) + ":" +
             tail_of(err_file, 25);
    return false;
  }
  size_t at = child_out.find("measured_packets=");
  if (at == std::string::npos) {
    *error = "count run printed no measured_packets line:" + tail_of(err_file, 25);
    return false;
  }
  out->packets = std::strtoull(child_out.c_str() + at + 17, nullptr, 10);
  std::ifstream in(cg_file);
  std::stringstream text;
  text << in.rdbuf();
  if (!parse_callgrind_total(text.str(), &out->instructions) || out->packets == 0) {
    *error = "cannot read the instruction total from " + cg_file;
    return false;
  }
  out->per_packet = static_cast<double>(out->instructions) / static_cast<double>(out->packets);

  // Inclusive cost per function, for the per-stage breakdown.
  std::string annotated;
  run_capture({"/usr/bin/callgrind_annotate", "--inclusive=yes", "--threshold=99.9", cg_file},
              &annotated, work_dir + "/annotate.log");
  const std::pair<const char*, const char*> kNamed[] = {
      {"sy::worker_poll_once", "worker poll (rx + pipeline + tx)"},
      {"sy::pipeline_process", "pipeline (all stages)"},
      {"sy::bridge_process", "bridge stage"},
      {"rte_hash_lookup_bulk", "shared MAC table lookups (rte_hash, MAC cache misses)"},
      {"sy::router_process", "router stage"},
      {"sy::router_drain",
       "routing what bridge interfaces took (RouteBacklog, a burst at a time)"},
      {"sy::vxlan_decap_burst", "VXLAN decap, a run at a time (with the inner frames' bridge)"},
      {"sy::bridge_tunnel_burst", "bridge from the tunnel, a run of one binding at a time"},
      {"rte_fib_lookup_bulk", "IPv4 FIB lookup (rte_fib)"},
      {"rte_lpm6_lookup_bulk_func", "IPv6 FIB lookup (rte_lpm6, Fib6Cache misses)"},
      {"rte_hash_lookup", "single-key rte_hash lookups (neighbour or MAC cache misses)"},
      {"sy::worker_flush_port", "tx flush (the PMD frees or sends)"},
  };
  std::istringstream lines(annotated);
  for (std::string line; std::getline(lines, line);) {
    for (const auto& [fn, label] : kNamed) {
      if (line.find(std::string(fn) + "(") == std::string::npos &&
          line.find(std::string(fn) + " ") == std::string::npos)
        continue;
      bool seen = false;
      for (const auto& f : out->functions) seen |= f.first == label;
      if (seen) continue;
      uint64_t ir = parse_count(line.substr(0, line.find_first_of("(")));
      out->functions.emplace_back(label, static_cast<double>(ir) / static_cast<double>(out->packets));
    }
  }
  return true;
}

}  // namespace sy::bench
