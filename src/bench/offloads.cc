#include "bench/offloads.h"

#include <rte_ethdev.h>
#include <rte_flow.h>

#include <cstring>
#include <utility>

namespace sy::bench {

namespace {

// ethdev names rx/tx offloads but not RSS hash types.
const std::pair<uint64_t, const char*> kRssTypes[] = {
    {RTE_ETH_RSS_IPV4, "ipv4"},
    {RTE_ETH_RSS_FRAG_IPV4, "ipv4-frag"},
    {RTE_ETH_RSS_NONFRAG_IPV4_TCP, "ipv4-tcp"},
    {RTE_ETH_RSS_NONFRAG_IPV4_UDP, "ipv4-udp"},
    {RTE_ETH_RSS_NONFRAG_IPV4_SCTP, "ipv4-sctp"},
    {RTE_ETH_RSS_NONFRAG_IPV4_OTHER, "ipv4-other"},
    {RTE_ETH_RSS_IPV6, "ipv6"},
    {RTE_ETH_RSS_FRAG_IPV6, "ipv6-frag"},
    {RTE_ETH_RSS_NONFRAG_IPV6_TCP, "ipv6-tcp"},
    {RTE_ETH_RSS_NONFRAG_IPV6_UDP, "ipv6-udp"},
    {RTE_ETH_RSS_NONFRAG_IPV6_SCTP, "ipv6-sctp"},
    {RTE_ETH_RSS_NONFRAG_IPV6_OTHER, "ipv6-other"},
    {RTE_ETH_RSS_IPV6_EX, "ipv6-ex"},
    {RTE_ETH_RSS_L2_PAYLOAD, "l2-payload"},
    {RTE_ETH_RSS_PORT, "port"},
    {RTE_ETH_RSS_VXLAN, "vxlan"},
    {RTE_ETH_RSS_GENEVE, "geneve"},
    {RTE_ETH_RSS_NVGRE, "nvgre"},
    {RTE_ETH_RSS_GTPU, "gtpu"},
    {RTE_ETH_RSS_ETH, "eth"},
    {RTE_ETH_RSS_S_VLAN, "s-vlan"},
    {RTE_ETH_RSS_C_VLAN, "c-vlan"},
    {RTE_ETH_RSS_L3_SRC_ONLY, "l3-src-only"},
    {RTE_ETH_RSS_L3_DST_ONLY, "l3-dst-only"},
    {RTE_ETH_RSS_L4_SRC_ONLY, "l4-src-only"},
    {RTE_ETH_RSS_L4_DST_ONLY, "l4-dst-only"},
    {RTE_ETH_RSS_LEVEL_OUTERMOST, "level-outer"},
    {RTE_ETH_RSS_LEVEL_INNERMOST, "level-inner"},
};

std::vector<std::string> rss_names(uint64_t bits) {
  std::vector<std::string> out;
  for (const auto& [bit, name] : kRssTypes)
    if ((bits & bit) == bit) out.push_back(name);
  return out;
}

template <typename NameFn>
std::vector<std::string> offload_names(uint64_t bits, NameFn name) {
  std::vector<std::string> out;
  for (int b = 0; b < 64; b++)
    if (bits & (uint64_t{1} << b)) out.push_back(name(uint64_t{1} << b));
  return out;
}

std::string probe_flow(uint16_t port, const rte_flow_action* actions) {
  rte_flow_attr attr{};
  attr.ingress = 1;
  rte_flow_item pattern[] = {{RTE_FLOW_ITEM_TYPE_ETH, nullptr, nullptr, nullptr},
                             {RTE_FLOW_ITEM_TYPE_END, nullptr, nullptr, nullptr}};
  rte_flow_error err{};
  int rc = rte_flow_validate(port, &attr, pattern, actions, &err);
  if (rc == 0) return "supported";
  std::string why = err.message ? err.message : std::strerror(-rc);
  return "no: " + why;
}

}  // namespace

std::vector<OffloadReport> offload_report(const Dataplane& dp) {
  std::vector<OffloadReport> out;
  for (const auto& p : dp.ports()) {
    OffloadReport r;
    r.port = p.name;
    r.driver = p.driver;
    rte_eth_dev_info info{};
    if (rte_eth_dev_info_get(p.id, &info) == 0) {
      r.max_rx_queues = info.max_rx_queues;
      r.max_tx_queues = info.max_tx_queues;
      r.rss_offered = rss_names(info.flow_type_rss_offloads);
      r.rx_offered = offload_names(info.rx_offload_capa, rte_eth_dev_rx_offload_name);
      r.tx_offered = offload_names(info.tx_offload_capa, rte_eth_dev_tx_offload_name);
    }
    rte_flow_action_queue queue{0};
    rte_flow_action queue_actions[] = {{RTE_FLOW_ACTION_TYPE_QUEUE, &queue},
                                       {RTE_FLOW_ACTION_TYPE_END, nullptr}};
    r.flow_queue = probe_flow(p.id, queue_actions);
    uint16_t queues[1] = {0};
    rte_flow_action_rss rss{};
    rss.types = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP;
    rss.queue_num = 1;
    rss.queue = queues;
    rte_flow_action rss_actions[] = {{RTE_FLOW_ACTION_TYPE_RSS, &rss},
                                     {RTE_FLOW_ACTION_TYPE_END, nullptr}};
    r.flow_rss = probe_flow(p.id, rss_actions);
    if (p.rss) {
      rte_eth_rss_conf conf{};
      if (rte_eth_dev_rss_hash_conf_get(p.id, &conf) == 0) r.rss_used = rss_names(conf.rss_hf);
      r.used.push_back("rss (" + std::to_string(p.nb_rxq) + " queues)");
    } else {
      r.software.push_back(p.nb_rxq > 1 ? "queue spread: device has no RSS"
                                        : "single rx queue per port (one worker)");
    }
    // Bridged frames are untouched; the router verifies IPv4 header checksums
    // in software unless the port flags them good, and updates them
    // incrementally, so no tx checksum offload is asked for.
    r.software.push_back("checksums: IPv4 header verified in software (rx flags used when set), "
                         "updated incrementally on forwarding");
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace sy::bench
