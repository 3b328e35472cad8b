// Config swaps under traffic: two real workers forward while the control plane
// publishes 1,000 new snapshots. No frame may be lost or duplicated.
#include <catch2/catch.hpp>

#include <rte_cycles.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "packet_harness.h"

using namespace sy;
using namespace sy::test;

namespace {

std::string swap_config(unsigned variant) {
  return R"(
ports:
  - {name: p1, device: x1}
  - {name: p2, device: x2}
bridges:
  - name: br0
    ageing_seconds: )" + std::to_string(100 + variant % 7) + R"(
    mac_limit: )" + std::to_string(1000 + variant) + R"(
    members: [{port: p1}, {port: p2}]
    static_macs: [{mac: "02:00:00:00:00:0b", port: p2}]
  - name: spare
    members: []
)";
}

uint32_t seq_of(rte_mbuf* m) {
  const uint8_t* p = rte_pktmbuf_mtod(m, const uint8_t*) + 14;
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

TEST_CASE("1000 config swaps while two workers forward: no frame lost or duplicated") {
  constexpr uint32_t kFrames = 60'000;
  constexpr unsigned kSwaps = 1000;
  Harness h(swap_config(0), /*workers=*/2, /*manual=*/false, /*queues=*/2, /*idle_sleep_us=*/50);

  std::atomic<bool> swapping{true};
  std::atomic<unsigned> swaps{0};
  std::atomic<unsigned> failed{0};
  std::thread control([&] {
    for (unsigned i = 1; i <= kSwaps; i++) {
      if (!h.apply_yaml(swap_config(i)).ok) failed++;
      swaps++;
    }
    swapping = false;
  });

  std::vector<uint8_t> seen(kFrames, 0);
  uint32_t sent = 0, received = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  // Source MACs are distinct per queue so each flow stays on one worker.
  Bytes q0 = frame("02:00:00:00:00:0b", "02:00:00:00:00:01", std::nullopt);
  Bytes q1 = frame("02:00:00:00:00:0b", "02:00:00:00:00:02", std::nullopt);
  while ((received < kFrames || swapping) && std::chrono::steady_clock::now() < deadline) {
    for (int k = 0; k < 32 && sent < kFrames; k++) {
      uint16_t q = sent % 2;
      Bytes f = q ? q1 : q0;
      f[14] = static_cast<uint8_t>(sent >> 24);
      f[15] = static_cast<uint8_t>(sent >> 16);
      f[16] = static_cast<uint8_t>(sent >> 8);
      f[17] = static_cast<uint8_t>(sent);
      rte_mbuf* m = h.make_mbuf(f);
      if (h.enqueue_burst("p1", q, &m, 1) != 1) {
        rte_pktmbuf_free(m);
        break;
      }
      sent++;
    }
    for (rte_mbuf* m : h.drain_tx("p2")) {
      uint32_t s = seq_of(m);
      if (s < kFrames) seen[s]++;
      received++;
      rte_pktmbuf_free(m);
    }
    for (rte_mbuf* m : h.drain_tx("p1")) rte_pktmbuf_free(m);  // nothing should come back
    std::this_thread::yield();
  }
  control.join();
  h.dp().stop_workers();
  for (rte_mbuf* m : h.drain_tx("p2")) {
    uint32_t s = seq_of(m);
    if (s < kFrames) seen[s]++;
    received++;
    rte_pktmbuf_free(m);
  }

  REQUIRE(swaps == kSwaps);
  REQUIRE(failed == 0);
  REQUIRE(h.cp().get_config().generation() == kSwaps + 1);
  REQUIRE(sent == kFrames);
  uint32_t missing = 0, duplicated = 0;
  for (uint8_t c : seen) {
    missing += c == 0;
    duplicated += c > 1;
  }
  CHECK(missing == 0);
  CHECK(duplicated == 0);
  REQUIRE(received == kFrames);
  REQUIRE(h.total_drops() == 0);
  // Both workers forwarded.
  REQUIRE(h.dp().worker(0).counters.rx_packets.get() > 0);
  REQUIRE(h.dp().worker(1).counters.rx_packets.get() > 0);
}
