#include "route/route_build.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <unordered_map>

namespace sy {

namespace {

// A destination as a hash key: masked address and length, no allocation.
struct PrefixKey {
  std::array<uint8_t, 16> b;
  uint8_t len;
  bool operator==(const PrefixKey& o) const { return len == o.len && b == o.b; }
};

struct PrefixKeyHash {
  size_t operator()(const PrefixKey& k) const {
    uint64_t w[2];
    std::memcpy(w, k.b.data(), 16);
    uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] + 0x632be59bd9b4e019ull + (h_len(k.len)));
    return static_cast<size_t>(h ^ (h >> 29));
  }
  static uint64_t h_len(uint8_t len) { return uint64_t{len} * 0xff51afd7ed558ccdull; }
};

PrefixKey prefix_key(const IpAddr& a, unsigned len) {
  return PrefixKey{mask_addr(a, len).b, static_cast<uint8_t>(len)};
}

// Lays the fast groups into the FIB values (FibValueLayout), within the
// FIB's value width (Fib::value_bits); a small table whose packed values stay
// below 2^15 keeps DIR-24-8's 2-byte entries.
void pack_fast_groups(bool v6, FamilyRoutes* out, std::vector<FibEntry>* entries) {
  const unsigned width = Fib::value_bits(v6);
  unsigned chain_bits = static_cast<unsigned>(std::bit_width(out->chains.size() - 1));
  out->layout.chain_bits = static_cast<uint8_t>(chain_bits);
  if (chain_bits >= width) return;
  uint64_t room = uint64_t{1} << (width - chain_bits);  // group + 1 must stay below
  for (FibEntry& e : *entries) {
    uint32_t g = out->chains[e.value].fast_group;
    if (g != kNoFastGroup && uint64_t{g} + 1 < room)
      e.value |= static_cast<uint32_t>((uint64_t{g} + 1) << chain_bits);
  }
}

}  // namespace

bool build_family_routes(bool v6, std::vector<Route> routes, FamilyRoutes* out,
                         std::string* error) {
  out->routes = std::move(routes);
  out->chains.assign(1, RouteChain{});
  out->links.clear();
  out->layout = FibValueLayout{};
  out->fib.reset();
  const std::vector<Route>& rs = out->routes;
  if (rs.empty()) return true;

  // Group routes by destination; shorter destinations first, so a covering
  // destination's chain exists before the chains that fall back to it.
  std::vector<uint32_t> order(rs.size());
  for (uint32_t i = 0; i < order.size(); i++) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    const Route& x = rs[a];
    const Route& y = rs[b];
    if (x.dst.len != y.dst.len) return x.dst.len < y.dst.len;
    if (!(x.dst.addr == y.dst.addr)) return x.dst.addr < y.dst.addr;
    return x.src.len > y.src.len;  // within a destination: longest source first
  });
  std::unordered_map<PrefixKey, uint32_t, PrefixKeyHash> chain_of;  // destination → chain index
  chain_of.reserve(rs.size());
  std::vector<FibEntry> entries;
  for (size_t i = 0; i < order.size();) {
    const IpPrefix& dst = rs[order[i]].dst;
    RouteChain c;
    c.first = static_cast<uint32_t>(out->links.size());
    bool catch_all = false;
    size_t j = i;
    for (; j < order.size() && rs[order[j]].dst == dst; j++) {
      const Route& r = rs[order[j]];
      ChainLink l{order[j], r.src.len, r.src.addr.b};
      out->links.push_back(l);
      catch_all |= r.src.len == 0;
    }
    if (!catch_all) {
      // Fall back to the nearest covering destination's candidates.
      for (int len = static_cast<int>(dst.len) - 1; len >= 0; len--) {
        auto it = chain_of.find(prefix_key(dst.addr, static_cast<unsigned>(len)));
        if (it == chain_of.end()) continue;
        RouteChain parent = out->chains[it->second];
        for (uint32_t k = 0; k < parent.count; k++)
          out->links.push_back(out->links[parent.first + k]);
        break;
      }
    }
    c.count = static_cast<uint32_t>(out->links.size()) - c.first;
    const ChainLink& head = out->links[c.first];
    if (head.src_len == 0 && rs[head.route].type == RouteType::kNormal)
      c.fast_group = rs[head.route].group;
    uint32_t index = static_cast<uint32_t>(out->chains.size());
    out->chains.push_back(c);
    chain_of.emplace(prefix_key(dst.addr, dst.len), index);
    entries.push_back(FibEntry{dst, index});
    i = j;
  }
  pack_fast_groups(v6, out, &entries);
  std::unique_ptr<Fib> fib = Fib::build(v6, entries, error);
  if (!fib) return false;
  out->fib = std::move(fib);
  return true;
}

const char* route_type_name(RouteType t) {
  switch (t) {
    case RouteType::kNormal: return "normal";
    case RouteType::kBlackhole: return "blackhole";
    case RouteType::kReject: return "reject";
    case RouteType::kLocal: return "local";
  }
  return "?";
}

const char* route_origin_name(RouteOrigin o) {
  switch (o) {
    case RouteOrigin::kConnected: return "connected";
    case RouteOrigin::kStatic: return "static";
    case RouteOrigin::kLocal: return "local";
  }
  return "?";
}

}  // namespace sy
