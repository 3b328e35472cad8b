#include <arpa/inet.h>
#include <catch2/catch.hpp>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "control/metrics.h"

using namespace sy;

namespace {

pb::Stats sample() {
  pb::Stats s;
  for (const char* name : {"p1", "p2"}) {
    pb::PortStats* p = s.add_ports();
    p->set_name(name);
    p->set_rx_packets(10);
    p->set_rx_bytes(640);
    (*p->mutable_xstats())["rx_good_packets"] = 10;
    (*p->mutable_xstats())["tx_good_packets"] = 9;
  }
  for (int i = 0; i < 2; i++) {
    pb::WorkerStats* w = s.add_workers();
    w->set_worker(i);
    w->set_lcore(i + 1);
    w->set_busy_cycles(1000);
    w->set_learn_queue_full(4);
    w->set_l2_flow_hits(5);
  }
  for (const char* r : {"runt", "same_port"}) {
    pb::DropCounter* d = s.add_drops();
    d->set_reason(r);
    d->set_packets(3);
  }
  pb::BridgeStats* b = s.add_bridges();
  b->set_name("br0");
  b->set_macs(2);
  b->set_mac_limit(8192);
  s.set_generation(7);
  s.set_last_apply_unix_ms(1700000000123);
  s.set_last_apply_ok(true);
  return s;
}

std::string http_get(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    return "";
  }
  std::string req = "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
  REQUIRE(write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
  close(fd);
  return out;
}

}  // namespace

TEST_CASE("stats become Prometheus text that promtool accepts") {
  std::string text = prometheus::TextSerializer().Serialize(stats_to_metric_families(sample()));
  CHECK(text.find("switchyard_port_rx_packets_total{port=\"p1\"} 10") != std::string::npos);
  CHECK(text.find("switchyard_port_xstats_total{port=\"p2\",name=\"tx_good_packets\"} 9") !=
        std::string::npos);
  CHECK(text.find("switchyard_drops_total{reason=\"same_port\"} 3") != std::string::npos);
  CHECK(text.find("switchyard_worker_busy_cycles_total{worker=\"1\",lcore=\"2\"} 1000") !=
        std::string::npos);
  CHECK(text.find("switchyard_bridge_macs{bridge=\"br0\"} 2") != std::string::npos);
  CHECK(text.find("switchyard_worker_l2_flow_cache_hits_total{worker=\"1\",lcore=\"2\"} 5") !=
        std::string::npos);
  CHECK(text.find("switchyard_worker_learn_queue_full_total{worker=\"0\",lcore=\"1\"} 4") !=
        std::string::npos);
  CHECK(text.find("switchyard_config_generation 7") != std::string::npos);
  CHECK(text.find("# HELP switchyard_config_last_apply_success") != std::string::npos);
  char path[] = "/tmp/sy-metrics-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  close(fd);
  int rc = std::system(("promtool check metrics < " + std::string(path) + " >/dev/null 2>&1").c_str());
  std::remove(path);
  REQUIRE(WIFEXITED(rc));
  REQUIRE(WEXITSTATUS(rc) == 0);
}

TEST_CASE("the metrics server answers scrapes and refuses a taken address") {
  std::string error;
  std::unique_ptr<MetricsServer> server;
  int port = 0;
  for (int p = 19400; p < 19500 && !server; p++) {
    server = MetricsServer::start("127.0.0.1:" + std::to_string(p), sample, &error);
    if (server) port = p;
  }
  REQUIRE(server);
  std::string body = http_get(port);
  REQUIRE(body.find("switchyard_config_generation 7") != std::string::npos);
  std::string error2;
  auto second = MetricsServer::start("127.0.0.1:" + std::to_string(port), sample, &error2);
  REQUIRE_FALSE(second);
  REQUIRE_FALSE(error2.empty());
}
