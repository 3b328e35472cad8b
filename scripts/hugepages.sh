#!/usr/bin/env bash
# Reserves 512 × 2 MiB hugepages and mounts hugetlbfs on /dev/hugepages.
# Never fails: without hugepages switchyard runs with --no-huge (and says so).
#   hugepages.sh              reserve and mount
#   hugepages.sh clean PREFIX remove a DPDK process's leftover files
set -u
if [ "${1:-}" = "clean" ]; then
  p=${2:?prefix}
  rm -f /dev/hugepages/"$p"map_* /dev/hugepages/"$p"* 2>/dev/null
  rm -rf /var/run/dpdk/"$p" 2>/dev/null
  exit 0
fi
have=$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0)
if [ "$have" -lt 512 ]; then
  echo 512 >/proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
mkdir -p /dev/hugepages
if ! grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
  mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
if [ "${free:-0}" -gt 0 ] && grep -qs ' /dev/hugepages hugetlbfs ' /proc/mounts; then
  echo "hugepages: $free free"
else
  echo "hugepages: none available; DPDK will run with --no-huge"
fi
exit 0
