#include "route/exception_path.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <rte_ether.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sy {

namespace {

std::string errno_text() { return std::strerror(errno); }

bool netlink_addr(int nl, bool add, int ifindex, const IpPrefix& p, std::string* error) {
  struct {
    nlmsghdr nh;
    ifaddrmsg ifa;
    char attrs[64];
  } req{};
  req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(ifaddrmsg));
  req.nh.nlmsg_type = add ? RTM_NEWADDR : RTM_DELADDR;
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE | NLM_F_REPLACE : 0);
  req.ifa.ifa_family = p.addr.v6 ? AF_INET6 : AF_INET;
  req.ifa.ifa_prefixlen = p.len;
  req.ifa.ifa_flags = p.addr.v6 ? IFA_F_NODAD : 0;
  req.ifa.ifa_index = static_cast<unsigned>(ifindex);
  size_t alen = p.addr.v6 ? 16 : 4;
  for (unsigned short type : {IFA_LOCAL, IFA_ADDRESS}) {
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(&req) + NLMSG_ALIGN(req.nh.nlmsg_len));
    rta->rta_type = type;
    rta->rta_len = static_cast<unsigned short>(RTA_LENGTH(alen));
    std::memcpy(RTA_DATA(rta), p.addr.b.data(), alen);
    req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
  }
  if (send(nl, &req, req.nh.nlmsg_len, 0) < 0) {
    *error = "netlink send: " + errno_text();
    return false;
  }
  char buf[1024];
  ssize_t n = recv(nl, buf, sizeof(buf), 0);
  if (n < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr)))) {
    *error = "netlink: no answer";
    return false;
  }
  auto* nh = reinterpret_cast<nlmsghdr*>(buf);
  if (nh->nlmsg_type == NLMSG_ERROR) {
    int err = -static_cast<nlmsgerr*>(NLMSG_DATA(nh))->error;
    // Deleting an address the kernel already dropped is not an error.
    if (err != 0 && !(!add && err == EADDRNOTAVAIL)) {
      *error = std::string(add ? "add " : "delete ") + format_prefix(p) + ": " + std::strerror(err);
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ExceptionPath::device_name(const std::string& iface) {
  return ("sy-" + iface).substr(0, IFNAMSIZ - 1);
}

ExceptionPath::ExceptionPath(rte_ring* punt, rte_ring* local_out)
    : punt_(punt), local_out_(local_out) {}

ExceptionPath::~ExceptionPath() {
  stop();
  std::lock_guard lock(mu_);
  for (auto& [id, t] : tuns_) close_tun(t);
  tuns_.clear();
  PuntItem it;
  while (rte_ring_dequeue_elem(punt_, &it, sizeof(it)) == 0) rte_pktmbuf_free(it.m);
  if (netlink_ >= 0) close(netlink_);
}

void ExceptionPath::set_pool(rte_mempool* pool) {
  std::lock_guard lock(mu_);
  pool_ = pool;
}

bool ExceptionPath::open_tun(Tun& t, std::string* error) {
  std::string name = device_name(t.spec.name);
  t.fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t.fd < 0) {
    *error = "cannot open /dev/net/tun: " + errno_text();
    return false;
  }
  ifreq ifr{};
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (ioctl(t.fd, TUNSETIFF, &ifr) < 0) {
    *error = "cannot create TUN " + name + ": " + errno_text();
    close_tun(t);
    return false;
  }
  t.ifindex = static_cast<int>(if_nametoindex(name.c_str()));
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::strncpy(req.ifr_name, name.c_str(), IFNAMSIZ - 1);
  req.ifr_mtu = t.spec.mtu;
  bool ok = s >= 0 && ioctl(s, SIOCSIFMTU, &req) == 0;
  if (ok && ioctl(s, SIOCGIFFLAGS, &req) == 0) {
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    ok = ioctl(s, SIOCSIFFLAGS, &req) == 0;
  }
  if (s >= 0) close(s);
  if (!ok) {
    *error = "cannot bring " + name + " up: " + errno_text();
    close_tun(t);
    return false;
  }
  return true;
}

void ExceptionPath::close_tun(Tun& t) {
  if (t.fd >= 0) close(t.fd);  // a non-persistent TUN disappears with its last fd
  t.fd = -1;
}

bool ExceptionPath::set_addresses(Tun& t, const std::vector<IpPrefix>& add,
                                  const std::vector<IpPrefix>& del, std::string* error) {
  if (netlink_ < 0) {
    netlink_ = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (netlink_ < 0) {
      *error = "netlink: " + errno_text();
      return false;
    }
    timeval tv{1, 0};
    setsockopt(netlink_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  for (const IpPrefix& p : del)
    if (!netlink_addr(netlink_, false, t.ifindex, p, error)) return false;
  for (const IpPrefix& p : add)
    if (!netlink_addr(netlink_, true, t.ifindex, p, error)) return false;
  return true;
}

std::vector<std::string> ExceptionPath::reconcile(const std::vector<ExceptionIface>& ifaces) {
  std::lock_guard lock(mu_);
  std::vector<std::string> errors;
  std::map<uint32_t, const ExceptionIface*> want;
  for (const auto& i : ifaces) want[i.stable_id] = &i;
  for (auto it = tuns_.begin(); it != tuns_.end();) {
    auto w = want.find(it->first);
    // A renamed interface or a changed MTU gets a fresh device.
    if (w == want.end() || w->second->name != it->second.spec.name ||
        w->second->mtu != it->second.spec.mtu) {
      close_tun(it->second);
      it = tuns_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& spec : ifaces) {
    std::string err;
    auto it = tuns_.find(spec.stable_id);
    std::vector<IpPrefix> add, del;
    if (it == tuns_.end()) {
      Tun t;
      t.spec = spec;
      if (!open_tun(t, &err)) {
        errors.push_back(spec.name + ": " + err);
        continue;
      }
      it = tuns_.emplace(spec.stable_id, t).first;
      add = spec.addresses;
    } else {
      auto has = [](const std::vector<IpPrefix>& l, const IpPrefix& p) {
        for (const auto& x : l)
          if (x == p) return true;
        return false;
      };
      for (const auto& p : spec.addresses)
        if (!has(it->second.spec.addresses, p)) add.push_back(p);
      for (const auto& p : it->second.spec.addresses)
        if (!has(spec.addresses, p)) del.push_back(p);
      it->second.spec = spec;
    }
    if (!set_addresses(it->second, add, del, &err))
      errors.push_back(device_name(spec.name) + ": " + err);
  }
  counters_.interfaces = tuns_.size();
  return errors;
}

uint32_t ExceptionPath::poll(int timeout_ms) {
  std::lock_guard lock(mu_);
  uint32_t moved = 0;
  PuntItem items[64];
  unsigned n = rte_ring_dequeue_burst_elem(punt_, items, sizeof(PuntItem), 64, nullptr);
  for (unsigned i = 0; i < n; i++) {
    auto t = tuns_.find(items[i].iface);
    rte_mbuf* m = items[i].m;
    if (t != tuns_.end() && m->nb_segs == 1 &&
        write(t->second.fd, rte_pktmbuf_mtod(m, void*), m->data_len) == m->data_len) {
      counters_.to_kernel++;
    } else {
      counters_.dropped++;
    }
    rte_pktmbuf_free(m);
    moved++;
  }
  std::vector<pollfd> fds;
  for (auto& [id, t] : tuns_) fds.push_back(pollfd{t.fd, POLLIN, 0});
  if (fds.empty() || ::poll(fds.data(), fds.size(), n > 0 ? 0 : timeout_ms) <= 0) return moved;
  for (const pollfd& p : fds) {
    if (!(p.revents & POLLIN)) continue;
    for (int k = 0; k < 64; k++) {
      uint8_t buf[9216];
      ssize_t len = read(p.fd, buf, sizeof(buf));
      if (len <= 0) break;
      rte_mbuf* m = pool_ ? rte_pktmbuf_alloc(pool_) : nullptr;
      char* d = m ? rte_pktmbuf_append(m, static_cast<uint16_t>(RTE_ETHER_HDR_LEN + len)) : nullptr;
      if (d == nullptr) {
        if (m) rte_pktmbuf_free(m);
        counters_.dropped++;
        continue;
      }
      auto* eth = reinterpret_cast<rte_ether_hdr*>(d);
      std::memset(eth, 0, sizeof(*eth));
      eth->ether_type = rte_cpu_to_be_16((buf[0] >> 4) == 6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
      std::memcpy(d + RTE_ETHER_HDR_LEN, buf, static_cast<size_t>(len));
      if (rte_ring_enqueue(local_out_, m) != 0) {
        rte_pktmbuf_free(m);
        counters_.dropped++;
        continue;
      }
      counters_.from_kernel++;
      moved++;
    }
  }
  return moved;
}

ExceptionCounters ExceptionPath::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

void ExceptionPath::start() {
  if (thread_.joinable()) return;
  stop_.store(false);
  thread_ = std::thread([this] {
    while (!stop_.load()) poll(1);
  });
}

void ExceptionPath::stop() {
  stop_.store(true);
  if (thread_.joinable()) thread_.join();
}

}  // namespace sy
