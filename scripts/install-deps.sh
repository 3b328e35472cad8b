#!/usr/bin/env bash
# Installs the Debian packages Switchyard needs to build, test and run its lab.
# Idempotent: asks apt only for what is missing, runs `apt-get update` at most once.
set -euo pipefail

PACKAGES=(
  # build
  build-essential meson ninja-build pkgconf
  # dataplane
  dpdk libdpdk-dev dpdk-dev libbpf-dev libxdp-dev libpcap-dev libnuma-dev libelf-dev
  # control plane
  libyaml-cpp-dev libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  prometheus-cpp-dev libcurl4-openssl-dev zlib1g-dev
  # tests
  catch2 python3-scapy python3-grpcio python3-protobuf prometheus
  iproute2 iputils-ping nftables curl socat tcpdump ethtool traceroute
  # benchmarks: dpdk-testpmd (in dpdk-dev) for the baseline, callgrind for instruction counts
  valgrind
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
