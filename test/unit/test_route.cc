// FIB and ECMP selection against brute-force reference models.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

#include "eal_once.h"
#include "route/ecmp.h"
#include "route/route_build.h"

using namespace sy;

namespace {

IpAddr random_addr(std::mt19937& rng, bool v6) {
  IpAddr a;
  a.v6 = v6;
  // Few distinct top bits, so random prefixes nest and overlap often.
  for (unsigned i = 0; i < (v6 ? 16u : 4u); i++) a.b[i] = static_cast<uint8_t>(rng());
  a.b[0] = static_cast<uint8_t>(v6 ? 0x20 : 10);
  a.b[1] = static_cast<uint8_t>(rng() % 4);
  return a;
}

IpPrefix random_prefix(std::mt19937& rng, bool v6, unsigned min_len) {
  unsigned bits = v6 ? 128 : 32;
  unsigned len = min_len + rng() % (bits - min_len + 1);
  IpAddr a = random_addr(rng, v6);
  return IpPrefix{mask_addr(a, len), static_cast<uint8_t>(len)};
}

// The definition: among routes whose destination and source both match, the
// longest destination wins, then the longest source.
uint32_t brute_force(const std::vector<Route>& rs, const IpAddr& dst, const IpAddr& src) {
  uint32_t best = kNoRoute;
  for (uint32_t i = 0; i < rs.size(); i++) {
    const Route& r = rs[i];
    if (!prefix_contains(r.dst, dst)) continue;
    if (r.src.len != 0 && !prefix_contains(r.src, src)) continue;
    if (best == kNoRoute || r.dst.len > rs[best].dst.len ||
        (r.dst.len == rs[best].dst.len && r.src.len > rs[best].src.len))
      best = i;
  }
  return best;
}

void check_family(bool v6, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<Route> routes;
  std::set<std::pair<IpPrefix, IpPrefix>> seen;
  const RouteType types[] = {RouteType::kNormal, RouteType::kBlackhole, RouteType::kReject,
                             RouteType::kLocal};
  while (routes.size() < 3000) {
    Route r;
    r.dst = random_prefix(rng, v6, v6 ? 8 : 4);
    if (rng() % 4 == 0) r.src = random_prefix(rng, v6, 1);  // a third carry a source prefix
    else r.src = IpPrefix{IpAddr{v6, {}}, 0};
    if (rng() % 50 == 0) r.dst = IpPrefix{IpAddr{v6, {}}, 0};  // defaults, with and without source
    r.type = types[rng() % 4];
    r.group = static_cast<uint32_t>(routes.size());
    if (!seen.insert({r.dst, r.src}).second) continue;
    routes.push_back(r);
  }
  FamilyRoutes fr;
  std::string err;
  bool built = build_family_routes(v6, routes, &fr, &err);
  INFO(err);
  REQUIRE(built);
  REQUIRE(fr.fib->prefixes() > 0);
  unsigned packed_hits = 0, unpacked_hits = 0;
  for (int i = 0; i < 20000; i++) {
    // Half the probes start inside a random route, so deep matches are tested.
    IpAddr dst = random_addr(rng, v6);
    if (i % 2 == 0) {
      const Route& r = routes[rng() % routes.size()];
      IpAddr noise = random_addr(rng, v6);
      for (unsigned b = 0; b < 16; b++) {
        unsigned lo = b * 8;
        uint8_t keep = r.dst.len >= lo + 8 ? 0xff
                       : r.dst.len <= lo   ? 0
                                           : static_cast<uint8_t>(0xff << (8 - (r.dst.len - lo)));
        dst.b[b] = static_cast<uint8_t>((r.dst.addr.b[b] & keep) | (noise.b[b] & ~keep));
      }
    }
    IpAddr src = random_addr(rng, v6);
    if (i % 3 == 0) {
      const Route& r = routes[rng() % routes.size()];
      if (r.src.len > 0) src = r.src.addr;
    }
    uint32_t want = brute_force(routes, dst, src);
    uint32_t got = fr.lookup(dst, src);
    INFO("dst " << format_ip(dst) << " src " << format_ip(src));
    REQUIRE(got == want);
    if (got != kNoRoute) REQUIRE(fr.routes[got].type == routes[want].type);
    // The fast path's shortcut names the group every source would reach.
    uint64_t v = fr.fib->lookup(dst);
    uint32_t ci = fr.layout.chain(v);
    REQUIRE(ci < fr.chains.size());
    if (fr.chains[ci].fast_group != kNoFastGroup) {
      REQUIRE(got != kNoRoute);
      REQUIRE(fr.routes[got].type == RouteType::kNormal);
      REQUIRE(fr.routes[got].group == fr.chains[ci].fast_group);
      REQUIRE(fr.lookup(dst, random_addr(rng, v6)) == got);
    }
    // ... and the FIB value carries it unless its index is too wide to pack.
    uint32_t packed = fr.layout.fast_group(v);
    if (packed != kNoFastGroup) {
      REQUIRE(packed == fr.chains[ci].fast_group);
      packed_hits++;
    } else if (fr.chains[ci].fast_group != kNoFastGroup) {
      REQUIRE(uint64_t{fr.chains[ci].fast_group} + 1 >=
              (uint64_t{1} << (Fib::value_bits(v6) - fr.layout.chain_bits)));
      unpacked_hits++;
    }
  }
  CHECK(packed_hits > 0);
  // 3000 chains leave IPv6's 21-bit values 9 bits: groups from 511 up are walked.
  if (v6) CHECK(unpacked_hits > 0);
  else CHECK(unpacked_hits == 0);
}

}  // namespace

TEST_CASE("FIB: IPv4 lookups with source prefixes equal the brute-force model", "[route]") {
  test::unit_eal();
  check_family(false, 1);
  check_family(false, 2);
}

TEST_CASE("FIB: IPv6 lookups with source prefixes equal the brute-force model", "[route]") {
  test::unit_eal();
  check_family(true, 3);
}

TEST_CASE("FIB: no route, and the default route", "[route]") {
  test::unit_eal();
  std::vector<Route> routes(1);
  std::string err;
  parse_prefix("10.1.0.0/16", &routes[0].dst, true, &err);
  FamilyRoutes fr;
  REQUIRE(build_family_routes(false, routes, &fr, &err));
  IpAddr a, any;
  parse_ip("10.2.0.1", &a);
  CHECK(fr.lookup(a, any) == kNoRoute);
  parse_ip("10.1.200.1", &a);
  CHECK(fr.lookup(a, any) == 0);
  Route def;
  parse_prefix("0.0.0.0/0", &def.dst, true, &err);
  routes.push_back(def);
  REQUIRE(build_family_routes(false, routes, &fr, &err));
  parse_ip("10.2.0.1", &a);
  CHECK(fr.lookup(a, any) == 1);
}

TEST_CASE("prefix parsing names the mistake", "[route]") {
  IpPrefix p;
  std::string err;
  CHECK_FALSE(parse_prefix("10.0.0.1/24", &p, true, &err));
  CHECK(err.find("did you mean 10.0.0.0/24") != std::string::npos);
  CHECK(parse_prefix("10.0.0.1/24", &p, false, &err));
  CHECK(format_prefix(p) == "10.0.0.1/24");
  CHECK_FALSE(parse_prefix("10.0.0.0/33", &p, true, &err));
  CHECK_FALSE(parse_prefix("2001:db8::/129", &p, true, &err));
  CHECK_FALSE(parse_prefix("nonsense", &p, true, &err));
  CHECK(parse_prefix("2001:db8::/32", &p, true, &err));
  CHECK(p.addr.v6);
}

namespace {

std::vector<uint32_t> shares(const std::vector<uint16_t>& table, size_t members) {
  std::vector<uint32_t> n(members, 0);
  for (uint16_t m : table) n.at(m)++;
  return n;
}

}  // namespace

TEST_CASE("ECMP: weighted members own proportional shares", "[ecmp]") {
  auto t = ecmp_assign({1, 1, 2}, {}, kEcmpBuckets);
  auto n = shares(t, 3);
  CHECK(n[0] == 256);
  CHECK(n[1] == 256);
  CHECK(n[2] == 512);
  auto t64 = ecmp_assign(std::vector<uint32_t>(64, 1), {}, kEcmpBuckets);
  for (uint32_t c : shares(t64, 64)) CHECK(c == 16);
  auto odd = ecmp_targets({1, 1, 1}, kEcmpBuckets);
  CHECK(odd[0] + odd[1] + odd[2] == kEcmpBuckets);
}

TEST_CASE("ECMP: removing a member moves only its flows", "[ecmp]") {
  std::vector<uint16_t> before = ecmp_assign({1, 1, 1, 1, 1}, {}, kEcmpBuckets);
  // Member 2 goes away: old index i maps to new index i (i<2) or i-1 (i>2).
  std::vector<int32_t> prev(kEcmpBuckets);
  for (uint32_t b = 0; b < kEcmpBuckets; b++)
    prev[b] = before[b] == 2 ? -1 : (before[b] < 2 ? before[b] : before[b] - 1);
  std::vector<uint16_t> after = ecmp_assign({1, 1, 1, 1}, prev, kEcmpBuckets);
  uint32_t moved = 0;
  for (uint32_t b = 0; b < kEcmpBuckets; b++) {
    if (before[b] == 2) continue;
    if (after[b] != prev[b]) moved++;
  }
  CHECK(moved == 0);
  for (uint32_t c : shares(after, 4)) CHECK(c == 256);
}

TEST_CASE("ECMP: adding a member moves at most its fair share", "[ecmp]") {
  std::vector<uint16_t> before = ecmp_assign({1, 1, 1}, {}, kEcmpBuckets);
  std::vector<int32_t> prev(before.begin(), before.end());
  std::vector<uint16_t> after = ecmp_assign({1, 1, 1, 1}, prev, kEcmpBuckets);
  uint32_t moved = 0;
  for (uint32_t b = 0; b < kEcmpBuckets; b++)
    if (after[b] != before[b]) {
      moved++;
      CHECK(after[b] == 3);  // only towards the new member
    }
  CHECK(moved == kEcmpBuckets / 4);
  // Flow-level: of 100k random flows, only those landing in moved buckets move.
  std::mt19937 rng(7);
  EcmpHashConfig cfg;
  uint32_t flow_moves = 0;
  for (int i = 0; i < 100000; i++) {
    uint32_t s = rng(), d = rng();
    FlowFields f{reinterpret_cast<uint8_t*>(&s), reinterpret_cast<uint8_t*>(&d), 4, 6,
                 static_cast<uint16_t>(rng()), 443, 0, false};
    uint32_t h = ecmp_hash(f, cfg) & (kEcmpBuckets - 1);
    if (before[h] != after[h]) flow_moves++;
  }
  CHECK(flow_moves > 20000);
  CHECK(flow_moves < 30000);
}

TEST_CASE("ECMP: hash is stable, spreads, and can be symmetric", "[ecmp]") {
  std::mt19937 rng(11);
  EcmpHashConfig plain, sym;
  sym.symmetric = true;
  std::vector<uint32_t> hits(8, 0);
  for (int i = 0; i < 80000; i++) {
    uint32_t s = rng(), d = rng();
    uint16_t sp = static_cast<uint16_t>(rng()), dp = static_cast<uint16_t>(rng());
    FlowFields fwd{reinterpret_cast<uint8_t*>(&s), reinterpret_cast<uint8_t*>(&d), 4, 17, sp, dp, 0, false};
    FlowFields rev{reinterpret_cast<uint8_t*>(&d), reinterpret_cast<uint8_t*>(&s), 4, 17, dp, sp, 0, false};
    REQUIRE(ecmp_hash(fwd, plain) == ecmp_hash(fwd, plain));
    REQUIRE(ecmp_hash(fwd, sym) == ecmp_hash(rev, sym));
    hits[ecmp_hash(fwd, plain) & 7]++;
  }
  for (uint32_t h : hits) CHECK((h > 9000 && h < 11000));
  // Fragments ignore ports; the configured field set is honoured.
  uint32_t s = 1, d = 2;
  FlowFields a{reinterpret_cast<uint8_t*>(&s), reinterpret_cast<uint8_t*>(&d), 4, 17, 10, 20, 0, true};
  FlowFields b = a;
  b.sport = 99;
  CHECK(ecmp_hash(a, plain) == ecmp_hash(b, plain));
  EcmpHashConfig addr_only{kHashSrcAddr | kHashDstAddr, false};
  a.fragment = b.fragment = false;
  CHECK(ecmp_hash(a, addr_only) == ecmp_hash(b, addr_only));
  CHECK(ecmp_hash(a, plain) != ecmp_hash(b, plain));
}

#include "route/checksum.h"

TEST_CASE("IPv4 header checksum check agrees with RFC 1071 on random headers", "[route]") {
  std::mt19937 rng(5);
  for (int i = 0; i < 20000; i++) {
    uint8_t h[60];
    unsigned ihl = 20 + 4 * (rng() % 11);
    for (unsigned k = 0; k < ihl; k++) h[k] = static_cast<uint8_t>(rng());
    h[10] = h[11] = 0;
    uint32_t sum = 0;
    for (unsigned k = 0; k < ihl; k += 2) sum += (h[k] << 8) | h[k + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    uint16_t c = static_cast<uint16_t>(~sum);
    h[10] = static_cast<uint8_t>(c >> 8);
    h[11] = static_cast<uint8_t>(c);
    REQUIRE(ipv4_header_checksum_ok(h, ihl));
    if (ihl == 20) REQUIRE(ipv4_header20_checksum_ok(h));
    h[rng() % ihl] ^= static_cast<uint8_t>(1 + rng() % 255);
    REQUIRE_FALSE(ipv4_header_checksum_ok(h, ihl));
    if (ihl == 20) REQUIRE_FALSE(ipv4_header20_checksum_ok(h));
  }
}

TEST_CASE("The 20-byte checksum check agrees with folding on carries and edge sums", "[route]") {
  // The folding reference: a 16-bit one's-complement sum that must be 0xffff.
  auto folded_ok = [](const uint8_t* h) {
    uint32_t sum = 0;
    for (unsigned k = 0; k < 20; k += 2) sum += (h[k] << 8) | h[k + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
  };
  std::mt19937 rng(23);
  uint8_t h[20];
  // Bytes drawn mostly from 0x00 and 0xff, so that the 64-bit additions carry
  // out and the sums land on multiples of 65535 and next to them.
  for (int i = 0; i < 200000; i++) {
    for (auto& b : h) {
      uint32_t r = rng() % 8;
      b = r < 3 ? 0xff : r < 5 ? 0x00 : static_cast<uint8_t>(rng());
    }
    if (i % 2) {  // half of them with a correct checksum
      h[10] = h[11] = 0;
      uint32_t sum = 0;
      for (unsigned k = 0; k < 20; k += 2) sum += (h[k] << 8) | h[k + 1];
      while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
      h[10] = static_cast<uint8_t>(~sum >> 8);
      h[11] = static_cast<uint8_t>(~sum);
    }
    REQUIRE(ipv4_header20_checksum_ok(h) == folded_ok(h));
  }
  std::memset(h, 0, sizeof(h));
  CHECK_FALSE(ipv4_header20_checksum_ok(h));  // sums to 0, not 0xffff
  std::memset(h, 0xff, sizeof(h));
  CHECK(ipv4_header20_checksum_ok(h));  // ten 0xffff words fold to 0xffff
  h[0] = 0xfe;
  CHECK_FALSE(ipv4_header20_checksum_ok(h));
}

TEST_CASE("TTL decrement's incremental checksum equals a full recomputation", "[route]") {
  std::mt19937 rng(11);
  auto full = [](const uint8_t* h) {
    uint32_t sum = 0;
    for (unsigned k = 0; k < 20; k += 2)
      if (k != 10) sum += (h[k] << 8) | h[k + 1];
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
  };
  for (int i = 0; i < 200000; i++) {
    alignas(4) uint8_t h[20];
    for (auto& b : h) b = static_cast<uint8_t>(rng());
    h[0] = 0x45;
    if (h[8] == 0) h[8] = 1;
    uint16_t c = full(h);
    h[10] = static_cast<uint8_t>(c >> 8);
    h[11] = static_cast<uint8_t>(c);
    auto* ip = reinterpret_cast<rte_ipv4_hdr*>(h);
    uint8_t ttl = ip->time_to_live;
    ipv4_decrement_ttl(ip);
    REQUIRE(ip->time_to_live == ttl - 1);
    uint16_t want = full(h);
    REQUIRE(((h[10] << 8) | h[11]) == want);
  }
  // Checksums where the increment carries or lands on 0xffff (which a full
  // computation never gives): source address bytes chosen to make them.
  for (uint16_t c : {0x0000, 0x00ff, 0x0100, 0xfeff, 0xff00, 0xfeff, 0xfffe, 0x7fff}) {
    for (int i = 0; i < 1000; i++) {
      alignas(4) uint8_t h[20];
      for (auto& b : h) b = static_cast<uint8_t>(rng());
      h[0] = 0x45;
      if (h[8] == 0) h[8] = 1;
      h[12] = h[13] = 0;
      uint32_t others = static_cast<uint16_t>(~full(h));  // the folded sum without word 12
      uint32_t w = static_cast<uint16_t>(~c) + static_cast<uint16_t>(~others);
      w = (w & 0xffff) + (w >> 16);
      h[12] = static_cast<uint8_t>(w >> 8);
      h[13] = static_cast<uint8_t>(w);
      REQUIRE(full(h) == c);
      h[10] = static_cast<uint8_t>(c >> 8);
      h[11] = static_cast<uint8_t>(c);
      ipv4_decrement_ttl(reinterpret_cast<rte_ipv4_hdr*>(h));
      REQUIRE(((h[10] << 8) | h[11]) == full(h));
    }
  }
}

#include "route/fib6_cache.h"

TEST_CASE("IPv6 FIB cache answers what the FIB answers, and forgets a replaced snapshot",
          "[route]") {
  test::unit_eal();
  std::mt19937 rng(17);
  // Two route sets over the same destinations, with different chains.
  auto build = [&](unsigned seed, FamilyRoutes* fr) {
    std::mt19937 r(seed);
    std::vector<Route> routes;
    std::set<IpPrefix> seen;
    while (routes.size() < 2000) {
      Route rt;
      rt.dst = random_prefix(r, true, 16);
      rt.src = IpPrefix{IpAddr{true, {}}, 0};
      rt.group = static_cast<uint32_t>(routes.size());
      if (seen.insert(rt.dst).second) routes.push_back(rt);
    }
    std::string err;
    REQUIRE(build_family_routes(true, routes, fr, &err));
  };
  FamilyRoutes a, b;
  build(1, &a);
  build(2, &b);
  // More destinations than the cache holds, each asked for several times.
  std::vector<std::array<uint8_t, 16>> dsts(3 * 2 * Fib6Cache::kSets);
  for (auto& d : dsts) {
    IpAddr x = random_addr(rng, true);
    std::memcpy(d.data(), x.b.data(), 16);
  }
  auto check = [&](Fib6Cache& c, const Fib& fib, unsigned rounds) {
    unsigned differ = 0;
    for (unsigned round = 0; round < rounds; round++) {
      uint8_t burst[64][16];
      uint64_t got[64];
      for (unsigned k = 0; k < 64; k++) {
        // Half from a small hot set (hits), half from all of them (evictions).
        size_t i = k % 2 == 0 ? rng() % 512 : rng() % dsts.size();
        std::memcpy(burst[k], dsts[i].data(), 16);
      }
      c.lookup(fib, burst, got, 64);
      for (unsigned k = 0; k < 64; k++) {
        IpAddr x = IpAddr::from_v6(burst[k]);
        uint64_t want = fib.lookup(x);
        if (got[k] != want) differ++;
      }
    }
    return differ;
  };
  Fib6Cache cache;
  cache.refresh(10);
  CHECK(check(cache, *a.fib, 2000) == 0);
  // A new snapshot: nothing cached from the old one may answer.
  cache.refresh(11);
  CHECK(check(cache, *b.fib, 2000) == 0);
  cache.refresh(11);
  CHECK(check(cache, *b.fib, 200) == 0);
  // The two FIBs do disagree on the hot destinations, so a stale hit would show.
  unsigned disagree = 0;
  for (size_t i = 0; i < 512; i++) {
    IpAddr x = IpAddr::from_v6(dsts[i].data());
    disagree += a.fib->lookup(x) != b.fib->lookup(x);
  }
  CHECK(disagree > 100);
}
