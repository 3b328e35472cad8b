// The bridge's broadcast-domain numbering, the worker MAC cache against the
// shared MAC table it stands in front of, the worker's flow cache, the
// caches' CRC step, and the remote VTEPs that tunnel MACs point at.
#include <catch2/catch.hpp>
#include <rte_hash_crc.h>

#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "bridge/l2_flow_cache.h"
#include "bridge/mac_cache.h"
#include "vxlan/remote_vteps.h"
#include "eal_once.h"

using namespace sy;

namespace {

constexpr uint64_t kSec = 1'000'000'000ull;

// Bridge 0 (stable id 7): port 1 ACCESS 10, port 2 TRUNK [10, 20] native 30.
// Bridge 1 (stable id 8): port 3 ACCESS 10, with a router interface on 10;
// VLAN 40 carried only by a VXLAN binding. `next`: the next config, where
// port 1 is ACCESS 20 and port 2 sends 30 tagged too (no native VLAN).
BridgeTables make_tables(bool next) {
  BridgeTables bt;
  Bridge b0;
  b0.stable_id = 7;
  b0.members = {1, 2};
  bt.ports[1].bridge = 0;
  bt.ports[1].mode = L2Mode::kAccess;
  bt.ports[1].access_vlan = next ? 20 : 10;
  bt.ports[1].vlans.add(bt.ports[1].access_vlan);
  bt.ports[2].bridge = 0;
  bt.ports[2].mode = L2Mode::kTrunk;
  bt.ports[2].native_vlan = next ? 0 : 30;
  bt.ports[2].vlans.add(10);
  bt.ports[2].vlans.add(20);
  bt.ports[2].vlans.add(30);
  Bridge b1;
  b1.stable_id = 8;
  b1.members = {3};
  bt.ports[3].bridge = 1;
  bt.ports[3].mode = L2Mode::kAccess;
  bt.ports[3].access_vlan = 10;
  bt.ports[3].vlans.add(10);
  b1.router_ports.push_back(BridgeRouterPort{10, 0, {}});
  b1.tunnels.push_back(BridgeTunnel{40, 0});
  bt.bridges = {b0, b1};
  number_bridge_domains(bt);
  return bt;
}

struct Learned {
  MacKey key;
  uint16_t port;
  bool is_static;
};

// The flags a hit must carry for `l` under `bt` (without kMacTouched).
uint16_t expected_flags(const BridgeTables& bt, const Learned& l) {
  const Bridge& br = bt.bridges[l.key.bridge_id == 7 ? 0 : 1];
  const L2Domain& d = bt.domains[br.domain(l.key.vlan)];
  uint16_t f = l.is_static ? kMacStatic : 0;
  if (d.plain) f |= kMacPlain;
  const PortL2& p = bt.ports[l.port < kMaxPorts ? l.port : 0];
  if (l.port < kMaxPorts && p.bridge == d.bridge && p.carries(d.vlan)) {
    f |= kMacMember;
    if (p.egress_tagged(d.vlan)) f |= kMacTaggedOut;
  }
  return f;
}

uint64_t key_of(const BridgeTables& bt, const MacKey& k) {
  const Bridge& br = bt.bridges[k.bridge_id == 7 ? 0 : 1];
  uint8_t mac[8] = {};  // mac_cache_key_at reads 8 bytes
  std::memcpy(mac, k.mac, 6);
  return mac_cache_key_at(br.domain(k.vlan), mac);
}

constexpr uint16_t kFlagMask = (1u << kMacFlagBits) - 1 - kMacTouched;

}  // namespace

TEST_CASE("bridge domains: every carried VLAN of every bridge, plain unless routed or tunnelled",
          "[bridge]") {
  BridgeTables bt = make_tables(false);
  REQUIRE(bt.domains.size() == 5);  // 7/10, 7/20, 7/30, 8/10, 8/40
  const Bridge& b0 = bt.bridges[0];
  const Bridge& b1 = bt.bridges[1];
  for (uint16_t v : {10, 20, 30}) {
    REQUIRE(b0.domain(v) != kNoDomain);
    const L2Domain& d = bt.domains[b0.domain(v)];
    CHECK(d.bridge_stable_id == 7);
    CHECK(d.vlan == v);
    CHECK(d.plain);
  }
  CHECK(b0.domain(40) == kNoDomain);
  CHECK(b1.domain(20) == kNoDomain);
  CHECK_FALSE(bt.domains[b1.domain(10)].plain);  // a router interface
  CHECK_FALSE(bt.domains[b1.domain(40)].plain);  // a VXLAN binding
  CHECK(b0.domain(10) != b1.domain(10));
}

TEST_CASE("MAC cache answers what the MAC table answers, across evictions, moves, a new "
          "snapshot and ageing's clock",
          "[bridge]") {
  test::unit_eal();
  std::mt19937 rng(5);
  std::string err;
  auto table = MacTable::create("unit_macs", 131072, nullptr, &err);
  REQUIRE(table != nullptr);
  BridgeTables bt = make_tables(false);

  // More MACs than the cache holds, on members, non-members, tunnels; some static.
  const std::pair<uint32_t, uint16_t> domains[] = {{7, 10}, {7, 20}, {7, 30}, {8, 10}, {8, 40}};
  const uint16_t ports[] = {1, 2, 3, 9, tunnel_port(5)};
  std::vector<Learned> learned;
  std::map<int32_t, size_t> by_pos;
  uint64_t now = 100 * kSec;
  while (learned.size() < 90000) {
    Learned l{};
    auto [bridge, vlan] = domains[rng() % 5];
    l.key.bridge_id = bridge;
    l.key.vlan = vlan;
    for (auto& b : l.key.mac) b = static_cast<uint8_t>(rng());
    l.key.mac[0] &= 0xfe;  // unicast
    l.port = ports[rng() % 5];
    l.is_static = rng() % 8 == 0;
    int32_t pos = table->add(l.key, l.port, l.is_static, now);
    if (pos < 0 || by_pos.count(pos)) continue;
    by_pos[pos] = learned.size();
    learned.push_back(l);
  }

  MacCache cache;
  uint64_t serial = 1;
  cache.refresh(table->epoch(), serial, now);
  // Asks bursts of known (hot and cold), unknown and multicast MACs, in bulk
  // and one at a time; returns how many answers differ from the table's.
  auto check = [&](unsigned rounds) {
    unsigned differ = 0;
    for (unsigned r = 0; r < rounds; r++) {
      uint64_t keys[128];
      int32_t want_pos[128];
      const Learned* want[128];
      for (unsigned k = 0; k < 128; k++) {
        unsigned kind = rng() % 8;
        want[k] = nullptr;
        want_pos[k] = -1;
        if (kind < 6) {
          size_t i = kind < 3 ? rng() % 2000 : rng() % learned.size();
          want[k] = &learned[i];
          want_pos[k] = table->lookup(learned[i].key);
          keys[k] = key_of(bt, learned[i].key);
        } else {
          MacKey u{};
          u.bridge_id = 7;
          u.vlan = 20;
          for (auto& b : u.mac) b = static_cast<uint8_t>(rng());
          u.mac[0] = kind == 6 ? (u.mac[0] | 1) : 0xfe;  // multicast, or never learned
          keys[k] = key_of(bt, u);
        }
      }
      MacHit hits[128];
      uint32_t h[128];
      for (unsigned k = 0; k < 128; k++) h[k] = cache.prefetch(keys[k]);
      cache.lookup_prefetched(*table, bt, keys, h, 128, hits);
      for (unsigned k = 0; k < 128; k++) {
        MacHit one = cache.lookup(*table, bt, keys[k]);
        for (const MacHit& h : {hits[k], one}) {
          if (want[k] == nullptr) {
            differ += h.pos >= 0;
            continue;
          }
          differ += h.pos != want_pos[k] || h.port != want[k]->port ||
                    (h.flags & kFlagMask) != expected_flags(bt, *want[k]);
        }
      }
    }
    return differ;
  };
  CHECK(check(3000) == 0);
  // Moves every third of the first 2,000 learned MACs to another port.
  auto move_every_third = [&] {
    for (size_t i = 0; i < 2000; i += 3) {
      int32_t pos = table->lookup(learned[i].key);
      learned[i].port = learned[i].port == 1 ? 2 : 1;
      table->set_port(pos, learned[i].port);
    }
  };

  SECTION("a move is seen after the table's epoch moves") {
    move_every_third();
    cache.refresh(table->epoch(), serial, now);
    CHECK(check(2000) == 0);
  }
  SECTION("a new snapshot's membership and tagging are what hits say") {
    bt = make_tables(true);
    cache.refresh(table->epoch(), ++serial, now);
    CHECK(check(2000) == 0);
  }
  SECTION("the stamp's wrap clears the sets instead of waking stale entries") {
    // Entries filled under this stamp, then moved in the table; as many
    // forgets as the stamp has values would bring the same stamp back.
    move_every_third();
    uint64_t epoch = table->epoch();
    for (unsigned k = 0; k < (1u << (16 - kMacFlagBits)) - 1; k++)
      cache.refresh(epoch + 1 + k, serial, now);
    CHECK(check(2000) == 0);
  }
  SECTION("a source refreshes the table's time once per second of the cache") {
    const Learned& l = learned[0];
    int32_t pos = table->lookup(l.key);
    uint64_t key = key_of(bt, l.key);
    table->set_last_seen(pos, 0);
    MacHit h = cache.lookup(*table, bt, key);
    cache.touch_source(*table, key, h, now);
    CHECK(table->last_seen(pos) == now);
    // Touched: within the same second nothing is written again.
    table->set_last_seen(pos, 0);
    h = cache.lookup(*table, bt, key);
    CHECK((h.flags & kMacTouched) != 0);
    cache.touch_source(*table, key, h, now + kSec / 2);
    CHECK(table->last_seen(pos) == 0);
    // The next second: the cache forgot, and the first use touches again.
    now += 2 * kSec;
    cache.refresh(table->epoch(), serial, now);
    h = cache.lookup(*table, bt, key);
    CHECK((h.flags & kMacTouched) == 0);
    cache.touch_source(*table, key, h, now);
    CHECK(table->last_seen(pos) == now);
  }
}

TEST_CASE("flow cache: keys name both MACs and the domain, hits need the same ingress port, "
          "forget drops everything") {
  test::unit_eal();
  // A frame's first 12 bytes: destination, source.
  const uint8_t frame[14] = {0x02, 0x0b, 0x00, 0x00, 0x12, 0x34,
                             0x02, 0x0a, 0x00, 0x00, 0x56, 0x78, 0x08, 0x00};
  L2FlowKey k = l2_flow_key_at(9, frame);
  CHECK(l2_flow_dst_key(k) == mac_cache_key_at(9, frame));
  CHECK(l2_flow_src_key(k) == mac_cache_key_at(9, frame + 6));
  L2FlowKey other_domain = l2_flow_key_at(10, frame);
  CHECK(other_domain.hi != k.hi);

  auto cache = std::make_unique<L2FlowCache>();
  uint32_t h = L2FlowCache::hash(k);
  TxBuffer tx[4];
  L2FlowHit dst{};
  CHECK_FALSE(cache->lookup(h, k, cache->tag_of(1), &dst));
  cache->insert(h, k, 1, L2FlowHit{&tx[2], 2, kMacMember | kMacPlain | kMacTaggedOut});
  REQUIRE(cache->lookup(h, k, cache->tag_of(1), &dst));
  CHECK(dst.tx == &tx[2]);
  CHECK(dst.port == 2);
  CHECK(dst.flags == (kMacMember | kMacPlain | kMacTaggedOut));
  // Same conversation, another port: full path.
  CHECK_FALSE(cache->lookup(h, k, cache->tag_of(3), &dst));
  CHECK_FALSE(cache->lookup(L2FlowCache::hash(other_domain), other_domain, cache->tag_of(1), &dst));
  // From port 3 it replaces the entry rather than taking a second way.
  cache->insert(h, k, 3, L2FlowHit{&tx[2], 2, kMacMember | kMacPlain});
  CHECK(cache->lookup(h, k, cache->tag_of(3), &dst));
  CHECK_FALSE(cache->lookup(h, k, cache->tag_of(1), &dst));
  cache->forget();
  CHECK_FALSE(cache->lookup(h, k, cache->tag_of(3), &dst));
}

TEST_CASE("flow cache: conversations between sequentially numbered MACs spread over the sets") {
  test::unit_eal();
  // Virtual NICs are numbered alike on both sides: a linear hash of both
  // words cancels the numbers out and uses a quarter of the sets (or less).
  auto cache = std::make_unique<L2FlowCache>();
  constexpr uint32_t kFlows = 10000;
  std::vector<L2FlowKey> keys;
  for (uint32_t i = 0; i < kFlows; i++) {
    uint8_t f[14] = {0x02, 0x0b, 0, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                     static_cast<uint8_t>(i), 0x02, 0x0a, 0, static_cast<uint8_t>(i >> 16),
                     static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i), 0x08, 0x00};
    keys.push_back(l2_flow_key_at(1, f));
    // The port stands for the conversation here: which entry answered.
    cache->insert(L2FlowCache::hash(keys.back()), keys.back(), 1,
                  L2FlowHit{nullptr, static_cast<uint16_t>(i), kMacMember | kMacPlain});
  }
  uint32_t hits = 0;
  for (uint32_t i = 0; i < kFlows; i++) {
    L2FlowHit dst{};
    if (cache->lookup(L2FlowCache::hash(keys[i]), keys[i], cache->tag_of(1), &dst)) {
      CHECK(dst.port == static_cast<uint16_t>(i));
      hits++;
    }
  }
  // 10,000 conversations in 65,536 entries: with a hash as good as random,
  // about 1% lose their entry to a third conversation of their set.
  CHECK(hits > kFlows * 95 / 100);
}

TEST_CASE("the caches' CRC step gives rte_hash_crc_8byte's values") {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; i++) {
    uint64_t v = rng();
    uint32_t init = static_cast<uint32_t>(rng());
    REQUIRE(crc32c_u64(v, init) == rte_hash_crc_8byte(v, init));
  }
  CHECK(crc32c_u64(0, 0) == rte_hash_crc_8byte(0, 0));
  CHECK(crc32c_u64(~0ull, ~0u) == rte_hash_crc_8byte(~0ull, ~0u));
}

TEST_CASE("remote VTEPs: the one-word IPv4 match agrees with the full one") {
  // The bridge checks each frame from an IPv4 tunnel against the remote its
  // source MAC was learned behind with matches_v4; it must say what matches
  // says, and never match an IPv6 remote.
  RemoteVteps remotes(nullptr);
  IpAddr a4, b4, a6;
  const uint8_t x[4] = {100, 64, 0, 2}, y[4] = {100, 64, 0, 3};
  std::memcpy(a4.b.data(), x, 4);
  std::memcpy(b4.b.data(), y, 4);
  a6 = IpAddr::from_v6(std::array<uint8_t, 16>{100, 64, 0, 2}.data());  // same leading bytes
  int32_t ia = remotes.acquire(3, a4), ib = remotes.acquire(3, b4), i6 = remotes.acquire(3, a6);
  int32_t ja = remotes.acquire(4, a4);  // the same address behind another local VTEP
  REQUIRE(ia >= 0);
  REQUIRE(ib >= 0);
  REQUIRE(i6 >= 0);
  REQUIRE(ja >= 0);
  for (int32_t id : {ia, ib, i6, ja})
    for (uint32_t vtep : {3u, 4u})
      for (const IpAddr* addr : {&a4, &b4}) {
        auto u = static_cast<uint16_t>(id);
        CHECK(remotes.matches_v4(u, RemoteVteps::v4_key(vtep, *addr)) ==
              remotes.matches(u, vtep, *addr));
      }
  CHECK(remotes.matches_v4(static_cast<uint16_t>(ia), RemoteVteps::v4_key(3, a4)));
  CHECK_FALSE(remotes.matches_v4(static_cast<uint16_t>(i6), RemoteVteps::v4_key(3, a4)));
  CHECK_FALSE(remotes.matches_v4(static_cast<uint16_t>(ja), RemoteVteps::v4_key(3, a4)));
}
