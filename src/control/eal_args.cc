#include "control/eal_args.h"

#include <fstream>
#include <sstream>
#include <thread>

#include "control/defaults.h"
#include "pipeline/dataplane.h"

namespace sy {

HostFacts probe_host() {
  HostFacts h;
  h.cpus = std::max(1u, std::thread::hardware_concurrency());
  h.avx512 = __builtin_cpu_supports("avx512f");
  bool mounted = false;
  std::ifstream mounts("/proc/mounts");
  for (std::string line; std::getline(mounts, line);)
    if (line.find(" hugetlbfs ") != std::string::npos) mounted = true;
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    if (line.rfind("HugePages_Free:", 0) == 0) {
      std::istringstream in(line.substr(15));
      long free_pages = 0;
      in >> free_pages;
      h.hugepages_free = mounted && free_pages > 0;
    }
  }
  return h;
}

EalPlan build_eal_args(const pb::Config& cfg, const HostFacts& host) {
  EalPlan plan;
  const pb::Dataplane& d = cfg.dataplane();
  auto& a = plan.args;
  a.push_back("switchyard");

  // Lcores: when the config names more lcores than the host has CPUs, map
  // them onto CPUs explicitly rather than failing (tests on 2-core machines).
  std::vector<unsigned> lcores{d.main_lcore()};
  for (unsigned l : worker_lcores(d)) lcores.push_back(l);
  bool remap = false;
  for (unsigned l : lcores) remap |= l >= host.cpus;
  std::string list;
  for (unsigned l : lcores) {
    if (!list.empty()) list += ",";
    list += std::to_string(l);
    if (remap) list += "@" + std::to_string(l % host.cpus);
  }
  if (remap) {
    a.push_back("--lcores=" + list);
    plan.notes.push_back("lcores mapped onto " + std::to_string(host.cpus) + " CPUs: " + list);
  } else {
    a.push_back("-l");
    a.push_back(list);
  }
  a.push_back("--main-lcore=" + std::to_string(d.main_lcore()));
  a.push_back("--file-prefix=" + file_prefix(d));

  bool any_pci = false;
  for (const auto& p : cfg.ports()) {
    if (is_pci_address(p.device())) {
      any_pci = true;
      a.push_back("-a");
      a.push_back(p.device());
    } else {
      a.push_back("--vdev=" + p.device());
    }
  }
  // The host's own NIC must never be probed unless a PCI port is configured.
  if (!any_pci) a.push_back("--no-pci");

  plan.hugepages = hugepages(d) && host.hugepages_free;
  if (hugepages(d) && !host.hugepages_free)
    plan.notes.push_back("no free hugepages (run scripts/hugepages.sh): using --no-huge");
  a.push_back("-m");
  a.push_back(std::to_string(memory_mb(d)));
  if (plan.hugepages)
    a.push_back("--huge-unlink");  // no hugepage files outlive the process
  else
    a.push_back("--no-huge");
  // DPDK keeps its 512-bit paths off unless told (some older CPUs clock down
  // for AVX-512). rte_fib's gather lookup is one: sixteen DIR-24-8 entries
  // fetched at once instead of one after another (l3v4 at a million routes:
  // ~3% faster on this project's AMD EPYC test VM). An operator who wants
  // them off passes --force-max-simd-bitwidth=256 in eal_args.
  bool simd_set = false;
  for (const auto& extra : d.eal_args())
    simd_set |= extra.rfind("--force-max-simd-bitwidth", 0) == 0;
  if (host.avx512 && !simd_set) {
    a.push_back("--force-max-simd-bitwidth=512");
    plan.notes.push_back("AVX-512: DPDK's 512-bit paths on (dataplane.eal_args "
                         "--force-max-simd-bitwidth=256 turns them off)");
  }
  for (const auto& extra : d.eal_args()) a.push_back(extra);
  return plan;
}

}  // namespace sy
