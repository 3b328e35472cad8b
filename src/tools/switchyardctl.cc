// switchyardctl: the operator's CLI over the gRPC API.
//
//   switchyardctl [--server ADDR] [--json] config apply FILE [--dry-run]
//   switchyardctl [--server ADDR] [--json] config get
//   switchyardctl [--server ADDR] [--json] show ports | show stats | show bridge macs [BRIDGE]
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
        stub_(pb::Switchyard::NewStub(
            grpc::CreateChannel(server, grpc::InsecureChannelCredentials()))) {}

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
             "RX-PKTS", "TX-PKTS"});
    for (const auto& p : ports.ports()) {
      uint64_t rx = 0, tx = 0;
      for (const auto& s : stats.ports())
        if (s.name() == p.name()) rx = s.rx_packets(), tx = s.tx_packets();
      t.row({p.name(), num(p.port_id()), p.driver(), p.mac(), p.link_up() ? "up" : "down",
             p.speed_mbps() ? num(p.speed_mbps()) + "M" : "-", num(p.mtu()),
             p.promiscuous() ? "on" : "off", num(p.rx_queues()), num(p.tx_queues()),
             p.rss() ? "yes" : "no", num(rx), num(tx)});
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
             "IDLE-CYCLES", "CYCLES/PKT", "LEARN-REQS", "LEARN-LOST"});
    for (const auto& x : s.workers())
      w.row({num(x.worker()), num(x.lcore()), num(x.rx_packets()), num(x.tx_packets()),
             num(x.flood_copies()), num(x.bursts()), num(x.busy_cycles()), num(x.idle_cycles()),
             x.rx_packets() ? num(x.busy_cycles() / x.rx_packets()) : "-", num(x.learn_events()),
             num(x.learn_queue_full())});
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

 private:
  std::string server_;
  bool json_;
  std::unique_ptr<pb::Switchyard::Stub> stub_;
};

}  // namespace

int main(int argc, char** argv) {
  const char* env = std::getenv("SWITCHYARD_SERVER");
  std::string server = env && *env ? env : "127.0.0.1:50051";
  bool json = false, dry_run = false;
  std::vector<std::string> words;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--server" && i + 1 < argc) {
      server = argv[++i];
    } else if (a == "--json") {
      json = true;
    } else if (a == "--dry-run") {
      dry_run = true;
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
  std::cerr << kUsage;
  return 64;
}
