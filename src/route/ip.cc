#include "route/ip.h"

#include <arpa/inet.h>

namespace sy {

IpAddr mask_addr(const IpAddr& a, unsigned len) {
  IpAddr m = a;
  for (unsigned i = 0; i < 16; i++) {
    unsigned lo = i * 8;
    if (len >= lo + 8) continue;
    m.b[i] = len <= lo ? 0 : static_cast<uint8_t>(m.b[i] & (0xff << (8 - (len - lo))));
  }
  return m;
}

bool parse_ip(const std::string& text, IpAddr* out) {
  IpAddr a;
  if (text.find(':') != std::string::npos) {
    a.v6 = true;
    if (inet_pton(AF_INET6, text.c_str(), a.b.data()) != 1) return false;
  } else if (inet_pton(AF_INET, text.c_str(), a.b.data()) != 1) {
    return false;
  }
  *out = a;
  return true;
}

bool parse_prefix(const std::string& text, IpPrefix* out, bool strict, std::string* error) {
  size_t slash = text.find('/');
  IpPrefix p;
  if (!parse_ip(text.substr(0, slash), &p.addr)) {
    *error = "\"" + text + "\" is not an IPv4 or IPv6 address";
    return false;
  }
  p.len = static_cast<uint8_t>(p.addr.bits());
  if (slash != std::string::npos) {
    std::string len = text.substr(slash + 1);
    if (len.empty() || len.size() > 3 || len.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(len) > p.addr.bits()) {
      *error = "\"" + text + "\": prefix length must be 0.." + std::to_string(p.addr.bits());
      return false;
    }
    p.len = static_cast<uint8_t>(std::stoul(len));
  }
  if (strict && !(mask_addr(p.addr, p.len) == p.addr)) {
    *error = "\"" + text + "\" has host bits set (did you mean " +
             format_prefix({mask_addr(p.addr, p.len), p.len}) + "?)";
    return false;
  }
  *out = p;
  return true;
}

std::string format_ip(const IpAddr& a) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.b.data(), buf, sizeof(buf));
  return buf;
}

std::string format_prefix(const IpPrefix& p) {
  return format_ip(p.addr) + "/" + std::to_string(p.len);
}

}  // namespace sy
