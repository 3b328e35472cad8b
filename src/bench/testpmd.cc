#include "bench/testpmd.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <deque>
#include <filesystem>

#include "bench/stats.h"
#include "control/defaults.h"
#include "control/eal_args.h"

namespace sy::bench {

namespace {

// Lines of testpmd output kept for the error message when it fails.
constexpr size_t kTailLines = 30;
constexpr int kNoOutputTimeoutS = 30;

std::string strip_ansi(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '\033') {
      out += s[i];
      continue;
    }
    // ESC [ parameters final-byte (CSI), or ESC and one character.
    if (i + 1 < s.size() && s[i + 1] == '[') {
      i += 2;
      while (i < s.size() && !(s[i] >= '@' && s[i] <= '~')) i++;
    } else {
      i++;
    }
  }
  return out;
}

void stop_child(pid_t pid) {
  int status;
  if (waitpid(pid, &status, WNOHANG) == pid) return;
  kill(pid, SIGINT);  // testpmd stops its ports and exits on SIGINT
  for (int i = 0; i < 100; i++) {
    if (waitpid(pid, &status, WNOHANG) == pid) return;
    usleep(100'000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
}

}  // namespace

void TestpmdStatsParser::feed_line(const std::string& raw) {
  std::string line = strip_ansi(raw);
  if (line.find("NIC statistics for port") != std::string::npos) return;
  size_t at = line.find("Tx-pps:");
  if (at == std::string::npos) return;
  sum_ += std::strtod(line.c_str() + at + 7, nullptr);
  if (++seen_ == nb_ports_) {
    periods_.push_back(sum_);
    seen_ = 0;
    sum_ = 0;
  }
}

std::string testpmd_binary() {
  for (const char* p : {"/usr/bin/dpdk-testpmd", "/usr/local/bin/dpdk-testpmd"})
    if (access(p, X_OK) == 0) return p;
  return "";
}

bool run_testpmd_io(const pb::Config& cfg_in, uint32_t warmup_periods, uint32_t windows,
                    uint32_t period_s, const std::function<void(const std::string&)>& progress,
                    TestpmdResult* out, std::string* error) {
  std::string bin = testpmd_binary();
  if (bin.empty()) {
    *error = "dpdk-testpmd is not installed (Debian package dpdk-dev; scripts/install-deps.sh)";
    return false;
  }
  pb::Config cfg = cfg_in;
  std::string prefix = file_prefix(cfg.dataplane()) + "-testpmd";
  cfg.mutable_dataplane()->set_file_prefix(prefix);
  EalPlan plan = build_eal_args(cfg, probe_host());
  std::vector<std::string> args = plan.args;
  args[0] = bin;
  uint32_t nw = static_cast<uint32_t>(worker_lcores(cfg.dataplane()).size());
  uint32_t nports = static_cast<uint32_t>(cfg.ports_size());
  args.insert(args.end(),
              {"--", "--forward-mode=io", "--nb-cores=" + std::to_string(nw),
               "--rxq=" + std::to_string(nw), "--txq=" + std::to_string(nw),
               "--burst=" + std::to_string(burst_size(cfg.dataplane())),
               "--port-topology=" + std::string(nports == 1 ? "loop" : "chained"),
               "--stats-period=" + std::to_string(period_s), "--no-mlockall"});
  // Descriptor counts as the appliance uses them (drivers that ignore them do so alike).
  args.push_back("--rxd=" + std::to_string(rx_descriptors(cfg.dataplane())));
  args.push_back("--txd=" + std::to_string(tx_descriptors(cfg.dataplane())));
  for (const auto& a : args) out->command += (out->command.empty() ? "" : " ") + a;

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(fds[1]);

  TestpmdStatsParser parser(nports);
  std::deque<std::string> tail;
  std::string buf;
  bool ok = false, eof = false;
  size_t reported = 0;
  auto last_output = std::chrono::steady_clock::now();
  while (!eof) {
    pollfd p{fds[0], POLLIN, 0};
    int r = poll(&p, 1, 500);
    if (r > 0) {
      char chunk[4096];
      ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n <= 0) {
        eof = true;
      } else {
        last_output = std::chrono::steady_clock::now();
        buf.append(chunk, static_cast<size_t>(n));
      }
    }
    size_t nl;
    while ((nl = buf.find('\n')) != std::string::npos) {
      std::string line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      parser.feed_line(line);
      tail.push_back(strip_ansi(line));
      if (tail.size() > kTailLines) tail.pop_front();
    }
    while (reported < parser.periods().size()) {
      double pps = parser.periods()[reported++];
      bool warm = reported <= warmup_periods;
      progress("testpmd io " + std::string(warm ? "warm-up " : "window ") +
               std::to_string(warm ? reported : reported - warmup_periods) + ": tx " +
               format_rate(pps) + "pps");
    }
    if (parser.periods().size() >= warmup_periods + windows) {
      ok = true;
      break;
    }
    if (std::chrono::steady_clock::now() - last_output > std::chrono::seconds(kNoOutputTimeoutS)) {
      *error = "dpdk-testpmd printed nothing for " + std::to_string(kNoOutputTimeoutS) + " s";
      break;
    }
  }
  stop_child(pid);
  close(fds[0]);
  std::error_code ec;
  std::filesystem::remove_all("/var/run/dpdk/" + prefix, ec);
  if (!ok) {
    if (error->empty()) *error = "dpdk-testpmd exited before " + std::to_string(windows) +
                                 " measured windows";
    *error += "; command: " + out->command + "\nlast output:";
    for (const auto& l : tail) *error += "\n  " + l;
    return false;
  }
  const auto& per = parser.periods();
  out->window_tx_pps.assign(per.begin() + warmup_periods, per.begin() + warmup_periods + windows);
  out->median_tx_pps = median(out->window_tx_pps);
  return true;
}

}  // namespace sy::bench
