// Effective values of fields whose proto3 zero means "use the default". One
// place, so validation, compilation, EAL arguments and docs agree.
#pragma once

#include <string>
#include <vector>

#include "switchyard.pb.h"

namespace sy {

namespace pb = ::switchyard::v1;

inline std::vector<unsigned> worker_lcores(const pb::Dataplane& d) {
  if (d.worker_lcores_size() == 0) return {1};
  return {d.worker_lcores().begin(), d.worker_lcores().end()};
}
inline unsigned memory_mb(const pb::Dataplane& d) { return d.memory_mb() ? d.memory_mb() : 512; }
inline bool hugepages(const pb::Dataplane& d) { return d.has_hugepages() ? d.hugepages() : true; }
inline std::string file_prefix(const pb::Dataplane& d) {
  return d.file_prefix().empty() ? "switchyard" : d.file_prefix();
}
inline unsigned idle_sleep_us(const pb::Dataplane& d) {
  return d.has_idle_sleep_us() ? d.idle_sleep_us() : 100;
}
inline unsigned burst_size(const pb::Dataplane& d) { return d.burst_size() ? d.burst_size() : 32; }
inline unsigned mbufs(const pb::Dataplane& d) { return d.mbufs() ? d.mbufs() : 32767; }
inline unsigned rx_descriptors(const pb::Dataplane& d) {
  return d.rx_descriptors() ? d.rx_descriptors() : 1024;
}
inline unsigned tx_descriptors(const pb::Dataplane& d) {
  return d.tx_descriptors() ? d.tx_descriptors() : 1024;
}
inline std::string grpc_address(const pb::Management& m) {
  return m.grpc_address().empty() ? "127.0.0.1:50051" : m.grpc_address();
}
inline std::string metrics_address(const pb::Management& m) {
  return m.metrics_address().empty() ? "127.0.0.1:9469" : m.metrics_address();
}
inline bool promiscuous(const pb::Port& p) { return p.has_promiscuous() ? p.promiscuous() : true; }
inline unsigned ageing_seconds(const pb::BridgeDomain& b) {
  return b.has_ageing_seconds() ? b.ageing_seconds() : 300;
}
inline unsigned mac_limit(const pb::BridgeDomain& b) { return b.mac_limit() ? b.mac_limit() : 8192; }
inline bool learning(const pb::BridgeDomain& b) { return b.has_learning() ? b.learning() : true; }
inline unsigned access_vlan(const pb::BridgeMember& m) {
  return m.access_vlan() ? m.access_vlan() : 1;
}
inline unsigned static_mac_vlan(const pb::StaticMac& s) { return s.vlan() ? s.vlan() : 1; }

inline unsigned icmp_rate_per_second(const pb::Router& r) {
  return r.has_icmp_rate_per_second() ? r.icmp_rate_per_second() : 100;
}
inline unsigned icmp_burst(const pb::Router& r) { return r.icmp_burst() ? r.icmp_burst() : 50; }
inline unsigned neighbour_reachable_seconds(const pb::Router& r) {
  return r.neighbour_reachable_seconds() ? r.neighbour_reachable_seconds() : 30;
}
inline unsigned neighbour_retries(const pb::Router& r) {
  return r.neighbour_retries() ? r.neighbour_retries() : 3;
}
inline unsigned neighbour_retry_ms(const pb::Router& r) {
  return r.neighbour_retry_ms() ? r.neighbour_retry_ms() : 1000;
}
inline unsigned neighbour_hold_packets(const pb::Router& r) {
  return r.neighbour_hold_packets() ? r.neighbour_hold_packets() : 16;
}
inline bool exception_path(const pb::Router& r) {
  return r.has_exception_path() ? r.exception_path() : true;
}
inline unsigned punt_rate_per_second(const pb::Router& r) {
  return r.has_punt_rate_per_second() ? r.punt_rate_per_second() : 10000;
}
inline unsigned next_hop_weight(const pb::NextHop& n) { return n.weight() ? n.weight() : 1; }

// Capacity of the shared MAC table (all bridges together).
constexpr unsigned kMacTableCapacity = 65536;

inline unsigned vtep_udp_port(const pb::Vtep& v) { return v.udp_port() ? v.udp_port() : 4789; }
inline unsigned vtep_ttl(const pb::Vtep& v) { return v.ttl() ? v.ttl() : 64; }
inline unsigned vni_vlan(const pb::VniBinding& b) { return b.vlan() ? b.vlan() : 1; }

}  // namespace sy
