#include "vxlan/vxlan_rss.h"

#include <vector>

namespace sy {

bool vxlan_rss_request_inner(const rte_eth_dev_info& info, rte_eth_conf* conf) {
  if ((info.flow_type_rss_offloads & RTE_ETH_RSS_LEVEL_INNERMOST) == 0) return false;
  conf->rx_adv_conf.rss_conf.rss_hf |= RTE_ETH_RSS_LEVEL_INNERMOST;
  return true;
}

std::string vxlan_rss_finish(uint16_t port, uint16_t nb_rxq, bool rss, bool inner_requested,
                             rte_flow** flow) {
  *flow = nullptr;
  if (nb_rxq <= 1) return "single-queue";
  if (rss && inner_requested) return "inner-rss";
  std::vector<uint16_t> queues(nb_rxq);
  for (uint16_t q = 0; q < nb_rxq; q++) queues[q] = q;
  rte_flow_attr attr{};
  attr.ingress = 1;
  rte_flow_item_udp udp_spec{};
  udp_spec.hdr.dst_port = rte_cpu_to_be_16(4789);
  rte_flow_item_udp udp_mask{};
  udp_mask.hdr.dst_port = 0xffff;
  rte_flow_item pattern[5]{};
  pattern[0].type = RTE_FLOW_ITEM_TYPE_ETH;
  pattern[1].type = RTE_FLOW_ITEM_TYPE_IPV4;
  pattern[2].type = RTE_FLOW_ITEM_TYPE_UDP;
  pattern[2].spec = &udp_spec;
  pattern[2].mask = &udp_mask;
  pattern[3].type = RTE_FLOW_ITEM_TYPE_VXLAN;
  pattern[4].type = RTE_FLOW_ITEM_TYPE_END;
  rte_flow_action_rss act_rss{};
  act_rss.func = RTE_ETH_HASH_FUNCTION_DEFAULT;
  act_rss.level = 2;  // the first inner encapsulation level
  act_rss.types = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP;
  act_rss.queue_num = nb_rxq;
  act_rss.queue = queues.data();
  rte_flow_action actions[2]{};
  actions[0].type = RTE_FLOW_ACTION_TYPE_RSS;
  actions[0].conf = &act_rss;
  actions[1].type = RTE_FLOW_ACTION_TYPE_END;
  rte_flow_error err{};
  if (rte_flow_validate(port, &attr, pattern, actions, &err) == 0) {
    *flow = rte_flow_create(port, &attr, pattern, actions, &err);
    if (*flow != nullptr) return "rte-flow-inner-rss";
  }
  // No inner hashing: the outer hash still sees the senders' flow-derived
  // UDP source ports, if the device hashes UDP ports at all.
  return rss ? "outer-udp-source-port" : "no-rss";
}

}  // namespace sy
