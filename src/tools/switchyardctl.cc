// switchyardctl: the operator's CLI over the gRPC API.
//
//   switchyardctl [--server ADDR] [--json] config apply FILE [--dry-run]
//   switchyardctl [--server ADDR] [--json] config get
//   switchyardctl [--server ADDR] [--json] show ports | show stats | show bridge macs [BRIDGE]
//   switchyardctl [--server ADDR] [--json] show interfaces | show routes [--v6] | show neighbours
//   switchyardctl [--server ADDR] [--json] show route lookup ADDR [--src ADDR] [--proto N]
//                                          [--sport N] [--dport N]
//   switchyardctl [--server ADDR] [--json] show vteps | show vxlan macs [VTEP] [--vni N]
//
// Exit codes: 0 ok, 1 rejected config or failed request, 2 server unreachable, 64 usage.
#include <google/protobuf/util/json_util.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "control/yaml_proto.h"
#include "switchyard.grpc.pb.h"

namespace pb = ::switchyard::v1;

namespace {

constexpr const char* kUsage =
    "usage: switchyardctl [--server ADDR] [--json] COMMAND\n"
    "  config apply FILE [--dry-run]   validate and apply a full config (YAML)\n"
    "  config get                      the running config and its generation\n"
    "  show ports                      ports, link state, queues, counters\n"
    "  show stats                      ports, workers, drops by reason, bridges\n"
    "  show bridge macs [BRIDGE]       MAC tables\n"
    "  show interfaces                 router interfaces and their addresses\n"
    "  show routes [--v6]              the IPv4 (or IPv6) routing table with ECMP shares\n"
    "  show route lookup ADDR [--src ADDR] [--proto N] [--sport N] [--dport N]\n"
    "                                  which route and next hop that flow takes\n"
    "  show neighbours                 ARP/ND cache: state, age, packets waiting\n"
    "  show vteps                      VXLAN tunnel endpoints, VNIs, flood lists, counters\n"
    "  show vxlan macs [VTEP] [--vni N]  MACs behind remote VTEPs (learned and static)\n"
    "ADDR defaults to $SWITCHYARD_SERVER or 127.0.0.1:50051.\n";

std::string to_json(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::util::JsonPrintOptions o;
  o.add_whitespace = true;
  o.preserve_proto_field_names = true;
  o.always_print_primitive_fields = true;
  (void)google::protobuf::util::MessageToJsonString(m, &out, o);
  return out;
}

// A minimal aligned table: columns sized to their widest cell.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void row(std::vector<std::string> r) { rows_.push_back(std::move(r)); }
  void print(std::ostream& out) const {
    std::vector<size_t> w(rows_[0].size(), 0);
    for (const auto& r : rows_)
      for (size_t i = 0; i < r.size() && i < w.size(); i++) w[i] = std::max(w[i], r[i].size());
    for (const auto& r : rows_) {
      for (size_t i = 0; i < r.size(); i++)
        out << std::left << std::setw(static_cast<int>(w[i]) + (i + 1 < r.size() ? 2 : 0)) << r[i];
      out << "\n";
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string num(uint64_t v) { return std::to_string(v); }

class Ctl {
 public:
  Ctl(const std::string& server, bool json)
      : server_(server),
        json_(json),
        stub_(pb::Switchyard::NewStub(grpc::CreateCustomChannel(
            server, grpc::InsecureChannelCredentials(), channel_args()))) {}

  // Routing tables and configs with a million routes are tens of MB.
  static grpc::ChannelArguments channel_args() {
    grpc::ChannelArguments a;
    a.SetMaxReceiveMessageSize(-1);
    a.SetMaxSendMessageSize(-1);
    return a;
  }

  template <typename Req, typename Resp, typename Fn>
  int call(Fn fn, const Req& req, Resp* resp) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status st = ((*stub_).*fn)(&ctx, req, resp);
    if (st.ok()) return 0;
    if (st.error_code() == grpc::StatusCode::UNAVAILABLE ||
        st.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
      std::cerr << "switchyardctl: cannot reach switchyard at " << server_ << ": "
                << st.error_message() << "\n";
      return 2;
    }
    std::cerr << "switchyardctl: " << st.error_message() << "\n";
    return 1;
  }

  int config_apply(const std::string& file, bool dry_run) {
    pb::ApplyConfigRequest req;
    sy::ConfigErrors errors = sy::load_yaml_file(file, req.mutable_config());
    if (!errors.empty()) {
      for (const auto& e : errors) std::cerr << file << ": " << sy::format_error(e) << "\n";
      return 1;
    }
    req.set_dry_run(dry_run);
    pb::ApplyConfigResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ApplyConfig, req, &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
    } else if (resp.ok()) {
      std::cout << (dry_run ? "dry run: valid; running generation " : "applied: generation ")
                << resp.generation() << "\n";
      if (resp.diff_size() == 0) std::cout << "no changes\n";
      for (const auto& d : resp.diff()) std::cout << "  " << d << "\n";
    }
    if (!resp.ok()) {
      std::cerr << "rejected (running generation " << resp.generation() << " unchanged):\n";
      for (const auto& e : resp.errors())
        std::cerr << "  " << (e.path().empty() ? "" : e.path() + ": ") << e.message() << "\n";
      return 1;
    }
    return 0;
  }

  int config_get() {
    pb::GetConfigResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::GetConfig, pb::GetConfigRequest(), &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
    } else {
      std::cout << "# generation " << resp.generation() << "\n" << sy::message_to_yaml(resp.config());
    }
    return 0;
  }

  int show_ports() {
    pb::ListPortsResponse ports;
    pb::Stats stats;
    if (int rc = call(&pb::Switchyard::Stub::ListPorts, pb::ListPortsRequest(), &ports)) return rc;
    if (int rc = call(&pb::Switchyard::Stub::GetStats, pb::GetStatsRequest(), &stats)) return rc;
    if (json_) {
      std::cout << to_json(ports);
      return 0;
    }
    Table t({"NAME", "ID", "DRIVER", "MAC", "LINK", "SPEED", "MTU", "PROMISC", "RXQ", "TXQ", "RSS",
             "VXLAN-RSS", "RX-PKTS", "TX-PKTS"});
    for (const auto& p : ports.ports()) {
      uint64_t rx = 0, tx = 0;
      for (const auto& s : stats.ports())
        if (s.name() == p.name()) rx = s.rx_packets(), tx = s.tx_packets();
      t.row({p.name(), num(p.port_id()), p.driver(), p.mac(), p.link_up() ? "up" : "down",
             p.speed_mbps() ? num(p.speed_mbps()) + "M" : "-", num(p.mtu()),
             p.promiscuous() ? "on" : "off", num(p.rx_queues()), num(p.tx_queues()),
             p.rss() ? "yes" : "no", p.vxlan_rss(), num(rx), num(tx)});
    }
    t.print(std::cout);
    return 0;
  }

  int show_stats() {
    pb::Stats s;
    if (int rc = call(&pb::Switchyard::Stub::GetStats, pb::GetStatsRequest(), &s)) return rc;
    if (json_) {
      std::cout << to_json(s);
      return 0;
    }
    std::cout << "generation " << s.generation() << ", last apply "
              << (s.last_apply_ok() ? "accepted" : "rejected") << "\n\nPorts\n";
    Table p({"PORT", "RX-PKTS", "RX-BYTES", "TX-PKTS", "TX-BYTES", "RX-MISSED", "RX-ERR",
             "TX-ERR", "RX-NOMBUF"});
    for (const auto& x : s.ports())
      p.row({x.name(), num(x.rx_packets()), num(x.rx_bytes()), num(x.tx_packets()),
             num(x.tx_bytes()), num(x.rx_missed()), num(x.rx_errors()), num(x.tx_errors()),
             num(x.rx_nombuf())});
    p.print(std::cout);
    std::cout << "\nWorkers\n";
    Table w({"WORKER", "LCORE", "RX-PKTS", "TX-PKTS", "FLOOD-COPIES", "BURSTS", "BUSY-CYCLES",
             "IDLE-CYCLES", "CYCLES/PKT", "LEARN-REQS", "LEARN-LOST", "L2-FLOW-HITS",
             "L2-FLOW-MISSES"});
    for (const auto& x : s.workers())
      w.row({num(x.worker()), num(x.lcore()), num(x.rx_packets()), num(x.tx_packets()),
             num(x.flood_copies()), num(x.bursts()), num(x.busy_cycles()), num(x.idle_cycles()),
             x.rx_packets() ? num(x.busy_cycles() / x.rx_packets()) : "-", num(x.learn_events()),
             num(x.learn_queue_full()), num(x.l2_flow_hits()), num(x.l2_flow_misses())});
    w.print(std::cout);
    std::cout << "\nDrops\n";
    Table d({"REASON", "PACKETS"});
    for (const auto& x : s.drops()) d.row({x.reason(), num(x.packets())});
    d.print(std::cout);
    std::cout << "\nBridges\n";
    Table b({"BRIDGE", "MACS", "LIMIT", "LEARNED", "MOVES", "LIMIT-HITS", "AGED"});
    for (const auto& x : s.bridges())
      b.row({x.name(), num(x.macs()), num(x.mac_limit()), num(x.learned()), num(x.moves()),
             num(x.limit_hits()), num(x.aged())});
    b.print(std::cout);
    return 0;
  }

  int show_macs(const std::string& bridge) {
    pb::ListMacsRequest req;
    req.set_bridge(bridge);
    pb::ListMacsResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListMacs, req, &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    Table t({"BRIDGE", "VLAN", "MAC", "PORT", "TYPE", "AGE"});
    for (const auto& m : resp.macs())
      t.row({m.bridge(), num(m.vlan()), m.mac(), m.port(), m.is_static() ? "static" : "dynamic",
             m.is_static() ? "-" : num(m.age_seconds()) + "s"});
    t.print(std::cout);
    std::cout << resp.macs_size() << " entries\n";
    return 0;
  }

  int show_interfaces() {
    pb::ListInterfacesResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListInterfaces, pb::ListInterfacesRequest(), &resp))
      return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    Table t({"INTERFACE", "PORT", "MAC", "MTU", "ADDRESSES"});
    for (const auto& i : resp.interfaces()) {
      std::string addrs;
      for (const auto& a : i.addresses()) addrs += (addrs.empty() ? "" : " ") + a;
      t.row({i.name(), i.port(), i.mac(), num(i.mtu()), addrs});
    }
    t.print(std::cout);
    return 0;
  }

  static std::string next_hops_text(const pb::RouteInfo& r) {
    std::string s;
    for (const auto& nh : r.next_hops()) {
      if (!s.empty()) s += ", ";
      s += (nh.gateway().empty() ? "dev " : "via " + nh.gateway() + " dev ") + nh.interface();
      if (r.next_hops_size() > 1)
        s += " weight " + num(nh.weight()) + " (" + num(nh.buckets()) + " buckets)";
    }
    return s;
  }

  int show_routes(bool v6) {
    pb::ListRoutesRequest req;
    req.set_v6(v6);
    pb::ListRoutesResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListRoutes, req, &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    Table t({"DESTINATION", "SOURCE", "TYPE", "ORIGIN", "NEXT HOPS"});
    for (const auto& r : resp.routes())
      t.row({r.destination(), r.source().empty() ? "any" : r.source(), r.type(), r.origin(),
             next_hops_text(r)});
    t.print(std::cout);
    std::cout << resp.routes_size() << " routes\n";
    return 0;
  }

  int route_lookup(const pb::LookupRouteRequest& req) {
    pb::LookupRouteResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::LookupRoute, req, &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    if (!resp.found()) {
      std::cout << req.destination() << ": no route (answered with destination unreachable)\n";
      return 0;
    }
    const pb::RouteInfo& r = resp.route();
    std::cout << req.destination() << " matches " << r.destination()
              << (r.source().empty() ? "" : " from " + r.source()) << " (" << r.type() << ", "
              << r.origin() << ")\n";
    if (resp.local()) {
      std::cout << "  local address of " << r.next_hops(0).interface() << "\n";
    } else if (r.type() == "normal") {
      const auto& nh = resp.next_hop();
      std::cout << "  next hop: " << (nh.gateway().empty() ? "direct" : nh.gateway()) << " dev "
                << nh.interface();
      if (r.next_hops_size() > 1)
        std::cout << " (bucket " << resp.bucket() << " of ECMP over " << r.next_hops_size()
                  << " next hops)";
      std::cout << "\n";
    }
    return 0;
  }

  int show_neighbours() {
    pb::ListNeighboursResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListNeighbours, pb::ListNeighboursRequest(), &resp))
      return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    Table t({"INTERFACE", "ADDRESS", "MAC", "STATE", "AGE", "HELD"});
    for (const auto& n : resp.neighbours())
      t.row({n.interface(), n.address(), n.mac().empty() ? "-" : n.mac(), n.state(),
             n.state() == "static" ? "-" : num(n.age_seconds()) + "s", num(n.held_packets())});
    t.print(std::cout);
    std::cout << resp.neighbours_size() << " entries\n";
    return 0;
  }

  int show_vteps() {
    pb::ListVtepsResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListVteps, pb::ListVtepsRequest(), &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    for (const auto& v : resp.vteps()) {
      std::cout << "VTEP " << v.name() << ": " << v.local_address() << " udp " << v.udp_port()
                << " on " << (v.interface().empty() ? "?" : v.interface()) << ", inner MTU "
                << v.inner_mtu() << "\n";
      Table t({"VNI", "BRIDGE", "VLAN", "FLOOD", "REMOTE-MACS", "RX-PKTS", "RX-BYTES", "TX-PKTS",
               "TX-BYTES"});
      for (const auto& n : v.vnis()) {
        std::string flood;
        for (const auto& f : n.flood()) flood += (flood.empty() ? "" : ",") + f;
        t.row({num(n.vni()), n.bridge(), num(n.vlan()), flood.empty() ? "-" : flood,
               num(n.remote_macs()), num(n.stats().rx_packets()), num(n.stats().rx_bytes()),
               num(n.stats().tx_packets()), num(n.stats().tx_bytes())});
      }
      t.print(std::cout);
    }
    std::cout << resp.vteps_size() << " VTEPs\n";
    return 0;
  }

  int show_vxlan_macs(const pb::ListRemoteMacsRequest& req) {
    pb::ListRemoteMacsResponse resp;
    if (int rc = call(&pb::Switchyard::Stub::ListRemoteMacs, req, &resp)) return rc;
    if (json_) {
      std::cout << to_json(resp);
      return 0;
    }
    Table t({"VTEP", "VNI", "BRIDGE", "VLAN", "MAC", "REMOTE", "TYPE", "AGE"});
    for (const auto& m : resp.macs())
      t.row({m.vtep(), num(m.vni()), m.bridge(), num(m.vlan()), m.mac(), m.remote(),
             m.is_static() ? "static" : "dynamic", m.is_static() ? "-" : num(m.age_seconds()) + "s"});
    t.print(std::cout);
    std::cout << resp.macs_size() << " entries\n";
    return 0;
  }

 private:
  std::string server_;
  bool json_;
  std::unique_ptr<pb::Switchyard::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("SWITCHYARD_SERVER");
  std::string server = env && *env ? env : "127.0.0.1:50051";
  bool json = false, dry_run = false, v6 = false;
  pb::LookupRouteRequest lookup;
  pb::ListRemoteMacsRequest remote_macs;
  std::vector<std::string> words;
  auto number = [&](const char* v, uint32_t max, uint32_t* out) {
    char* end = nullptr;
    unsigned long n = std::strtoul(v, &end, 10);
    if (*v == '\0' || *end != '\0' || n > max) return false;
    *out = static_cast<uint32_t>(n);
    return true;
  };
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--server" && i + 1 < argc) {
      server = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "--dry-run") {
      dry_run = true;
    } else if (a == "--v6") {
      v6 = true;
    } else if (a == "--src" && i + 1 < argc) {
      lookup.set_source(argv[++i]);
    } else if ((a == "--proto" || a == "--sport" || a == "--dport") && i + 1 < argc) {
      uint32_t n;
      if (!number(argv[++i], a == "--proto" ? 255 : 65535, &n)) {
        std::cerr << "switchyardctl: " << a << ": not a number in range\n" << kUsage;
        return 64;
      }
      if (a == "--proto") lookup.set_protocol(n);
      else if (a == "--sport") lookup.set_src_port(n);
      else lookup.set_dst_port(n);
    } else if (a == "--vni" && i + 1 < argc) {
      uint32_t n;
      if (!number(argv[++i], 0xffffff, &n)) {
        std::cerr << "switchyardctl: --vni: not a VNI (0..16777215)\n" << kUsage;
        return 64;
      }
      remote_macs.set_vni(n);
    } else if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      words.push_back(a);
    }
  }
  Ctl ctl(server, json);
  auto is = [&](std::initializer_list<const char*> w) {
    if (words.size() < w.size()) return false;
    size_t i = 0;
    for (const char* s : w)
      if (words[i++] != s) return false;
    return true;
  };
  if (is({"config", "apply"}) && words.size() == 3) return ctl.config_apply(words[2], dry_run);
  if (is({"config", "get"}) && words.size() == 2) return ctl.config_get();
  if (is({"show", "ports"}) && words.size() == 2) return ctl.show_ports();
  if (is({"show", "stats"}) && words.size() == 2) return ctl.show_stats();
  if (is({"show", "bridge", "macs"}) && words.size() <= 4)
    return ctl.show_macs(words.size() == 4 ? words[3] : "");
  if (is({"show", "interfaces"}) && words.size() == 2) return ctl.show_interfaces();
  if (is({"show", "routes"}) && words.size() == 2) return ctl.show_routes(v6);
  if (is({"show", "route", "lookup"}) && words.size() == 4) {
    lookup.set_destination(words[3]);
    return ctl.route_lookup(lookup);
  }
  if ((is({"show", "neighbours"}) || is({"show", "neighbors"})) && words.size() == 2)
    return ctl.show_neighbours();
  if (is({"show", "vteps"}) && words.size() == 2) return ctl.show_vteps();
  if (is({"show", "vxlan", "macs"}) && words.size() <= 4) {
    if (words.size() == 4) remote_macs.set_vtep(words[3]);
    return ctl.show_vxlan_macs(remote_macs);
  }
  std::cerr << kUsage;
  return 64;
}
