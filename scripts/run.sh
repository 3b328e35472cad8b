#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, creates the lab
# (namespace hosts on veth pairs into the appliance's namespace), starts
# switchyard on config/lab.yaml and shows traffic flowing through it.
#
#   scripts/run.sh         start (or restart) the lab and the appliance
#   scripts/run.sh stop    stop the appliance and remove the lab
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state=$root/.lab
pidfile=$state/switchyard.pid
ctl() { ip netns exec sy-dut "$root/build/switchyardctl" "$@"; }

stop() {
  if [ -f "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -f "$pidfile"
  fi
  for f in "$state"/http.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
  bash scripts/lab.sh down
}

if [ "${1:-}" = "stop" ]; then
  stop
  echo "run.sh: appliance stopped, lab removed"
  exit 0
fi

bash scripts/install-deps.sh
bash scripts/hugepages.sh || true
bash scripts/build.sh release
mkdir -p "$state"
[ -f "$pidfile" ] && stop
bash scripts/lab.sh up

setsid ip netns exec sy-dut "$root/build/switchyard" --config config/lab.yaml \
  >"$state/switchyard.log" 2>&1 </dev/null &
echo $! >"$pidfile"
for _ in $(seq 1 100); do
  ctl show ports >/dev/null 2>&1 && break
  kill -0 "$(cat "$pidfile")" 2>/dev/null || { cat "$state/switchyard.log"; exit 1; }
  sleep 0.3
done
echo "--- switchyard is running (pid $(cat "$pidfile")), log: .lab/switchyard.log"
ctl show ports

echo "--- ping sy-h1 (100.64.10.1) → sy-h2 (100.64.10.2) through the appliance"
ip netns exec sy-h1 ping -c 4 -i 0.3 100.64.10.2
echo "--- ping6 sy-h1 → sy-h3 (2001:db8:10::3)"
ip netns exec sy-h1 ping -6 -c 3 -i 0.3 2001:db8:10::3

echo "--- HTTP fetch: sy-h1 → web server on sy-h2"
mkdir -p "$state/www" && echo "hello from sy-h2 through switchyard" >"$state/www/index.html"
setsid ip netns exec sy-h2 /usr/bin/python3 -m http.server --bind 100.64.10.2 8080 \
  --directory "$state/www" >/dev/null 2>&1 </dev/null &
echo $! >"$state/http.pid"
for _ in $(seq 1 30); do
  ip netns exec sy-h1 curl -sf --max-time 5 http://100.64.10.2:8080/ && break
  sleep 0.3
done

echo "--- what the appliance saw"
ctl show bridge macs
ctl show stats
cat <<MSG

Switchyard is running in namespace sy-dut on config/lab.yaml.
  ip netns exec sy-h1 ping 100.64.10.3                 more traffic
  ip netns exec sy-dut build/switchyardctl show stats  counters (also: show ports, show bridge macs)
  ip netns exec sy-dut curl -s 127.0.0.1:9469/metrics  Prometheus metrics
  scripts/run.sh stop                                  stop it and remove the lab
MSG
