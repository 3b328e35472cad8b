#!/usr/bin/env bash
# The lab: network namespaces as hosts, each joined by a veth pair to the
# appliance's namespace. Nothing lives in the root namespace, so no frame of
# the lab ever reaches the host's own kernel or uplink.
#
#   lab.sh up       create sy-dut and hosts sy-h1..sy-hN (N = SY_LAB_HOSTS, default 3)
#   lab.sh down     remove everything lab.sh created
#   lab.sh status   show namespaces and links
#   lab.sh exec HOST CMD...
#
# Host hN: eth0 with 100.64.10.N/24 and 2001:db8:10::N/64; its peer is pN in sy-dut
# (no address, IPv6 off, promiscuous) for DPDK to open with AF_PACKET or AF_XDP.
set -euo pipefail
DUT=sy-dut
N=${SY_LAB_HOSTS:-3}

offloads_off() {  # ns ifname
  # DPDK's AF_PACKET/AF_XDP forward frames as they are: partial checksums from
  # veth offloads would arrive at the peer unfinished.
  ip netns exec "$1" ethtool -K "$2" tx off rx off tso off gso off gro off >/dev/null 2>&1 || true
}

down() {
  for ns in $(ip netns list | awk '{print $1}'); do
    case "$ns" in
      $DUT|sy-h[0-9]*) ip netns del "$ns" 2>/dev/null || true ;;
    esac
  done
}

up() {
  down
  ip netns add $DUT
  ip -n $DUT link set lo up
  for i in $(seq 1 "$N"); do
    h=sy-h$i
    ip netns add $h
    ip -n $h link set lo up
    ip link add eth0 netns $h type veth peer name p$i netns $DUT
    ip netns exec $DUT sysctl -qw net.ipv6.conf.p$i.disable_ipv6=1
    ip -n $DUT link set p$i promisc on up
    ip -n $h addr add 100.64.10.$i/24 dev eth0
    ip -n $h addr add 2001:db8:10::$i/64 dev eth0 nodad
    ip -n $h link set eth0 up
    offloads_off $h eth0
    offloads_off $DUT p$i
  done
  echo "lab: $DUT with hosts sy-h1..sy-h$N (100.64.10.0/24, 2001:db8:10::/64)"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) ip netns list; for ns in $(ip netns list | awk '{print $1}'); do
            case "$ns" in $DUT|sy-h*) echo "== $ns"; ip -n "$ns" -br addr ;; esac; done ;;
  exec) shift; h=$1; shift; exec ip netns exec "$h" "$@" ;;
  *) echo "usage: lab.sh up|down|status|exec HOST CMD..." >&2; exit 64 ;;
esac
