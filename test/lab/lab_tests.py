#!/usr/bin/python3
"""Lab tests: the real daemon in namespace sy-dut bridging real Linux hosts over
AF_XDP ports (and AF_PACKET in one test).

Each test is a function; the runner brings the lab up once, starts the daemon,
runs the tests in order, stops everything it started (by PID) and writes a
JUnit report. Hosts and the appliance live in namespaces this script creates
(scripts/lab.sh); no frame reaches the root namespace.
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test"))
from junit_report import write_junit  # noqa: E402
LAB = os.path.join(ROOT, "scripts", "lab.sh")
CONFIG = os.path.join(ROOT, "config", "lab.yaml")  # AF_XDP ports
CONFIG_AF_PACKET = os.path.join(ROOT, "config", "lab-af-packet.yaml")
CONFIG_ROUTER = os.path.join(ROOT, "config", "lab-router.yaml")
CONFIG_VXLAN = os.path.join(ROOT, "config", "lab-vxlan.yaml")
DUT = "sy-dut"
H = {1: "100.64.10.1", 2: "100.64.10.2", 3: "100.64.10.3"}
H6 = {1: "2001:db8:10::1", 2: "2001:db8:10::2", 3: "2001:db8:10::3"}


def sh(cmd, timeout=60, check=True, **kw):
    r = subprocess.run(cmd, shell=isinstance(cmd, str), capture_output=True, text=True,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"command failed ({r.returncode}): {cmd}\n{r.stdout}\n{r.stderr}")
    return r


def ns(host, cmd, **kw):
    return sh(["ip", "netns", "exec", host] + cmd, **kw)


class Lab:
    def __init__(self, build):
        self.build = os.path.join(ROOT, build)
        self.daemon = None
        self.log_path = os.path.join(self.build, "lab-switchyard.log")
        self.tmp = tempfile.mkdtemp(prefix="sy-lab-")

    def ctl(self, *args, check=True, timeout=30):
        return ns(DUT, [os.path.join(self.build, "switchyardctl")] + list(args),
                  check=check, timeout=timeout)

    def start(self, config=CONFIG):
        log = open(self.log_path, "w")
        self.daemon = subprocess.Popen(
            ["ip", "netns", "exec", DUT, os.path.join(self.build, "switchyard"), "--config", config],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.daemon.poll() is not None:
                raise AssertionError("switchyard exited at start:\n" + self.log())
            if self.ctl("show", "ports", check=False, timeout=10).returncode == 0:
                return
            time.sleep(0.3)
        raise AssertionError("switchyard did not answer on gRPC within 60 s:\n" + self.log())

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.daemon is None:
            return None
        if self.daemon.poll() is None:
            os.kill(self.daemon.pid, sig)
            try:
                self.daemon.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.daemon.pid, signal.SIGKILL)
                self.daemon.wait(10)
        rc = self.daemon.returncode
        self.daemon = None
        return rc

    def log(self):
        try:
            return open(self.log_path).read()[-4000:]
        except OSError:
            return ""


def write(lab, name, text):
    path = os.path.join(lab.tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def lab_config(**overrides):
    text = open(CONFIG).read()
    for k, v in overrides.items():
        text = re.sub(rf"(\n\s*{k}:)[^\n]*", rf"\g<1> {v}", text, count=1)
    return text

# --- tests ---------------------------------------------------------------------------


def test_ping_through_bridge(lab):
    for dst in (2, 3):
        r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", H[dst]], check=False)
        assert r.returncode == 0, f"h1 → h{dst} ping failed:\n{r.stdout}{r.stderr}"
    r = ns("sy-h2", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", H6[3]], check=False)
    assert r.returncode == 0, f"IPv6 ping h2 → h3 failed:\n{r.stdout}{r.stderr}"


def transfer_4mib(lab, server_host, server_addr, client_host, name):
    """A 4 MiB file over HTTP from server_host to client_host, checked byte for byte."""
    data = os.path.join(lab.tmp, "blob")
    if not os.path.exists(data):
        with open(data, "wb") as f:
            f.write(os.urandom(4 * 1024 * 1024))
    srv = subprocess.Popen(["ip", "netns", "exec", server_host, "/usr/bin/python3", "-m",
                            "http.server", "--bind", server_addr, "8080", "--directory", lab.tmp],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        out = os.path.join(lab.tmp, name)
        for _ in range(50):
            r = ns(client_host, ["curl", "-sf", "--max-time", "30", "-o", out,
                                 f"http://{server_addr}:8080/blob"], check=False, timeout=40)
            if r.returncode == 0:
                break
            time.sleep(0.2)
        assert r.returncode == 0, f"curl {client_host} -> {server_addr} failed: {r.stderr}"
        assert open(out, "rb").read() == open(data, "rb").read(), "transferred file differs"
    finally:
        os.kill(srv.pid, signal.SIGTERM)
        srv.wait(10)


def test_tcp_transfer_through_bridge(lab):
    transfer_4mib(lab, "sy-h2", H[2], "sy-h1", "fetched")


def test_macs_learned_and_shown(lab):
    ns("sy-h1", ["ping", "-c", "1", "-W", "2", H[3]], check=False)
    r = lab.ctl("show", "bridge", "macs", "lab")
    out = r.stdout
    for host in ("sy-h1", "sy-h3"):
        mac = ns(host, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()
        assert mac in out, f"{host} MAC {mac} not in MAC table:\n{out}"
    r = lab.ctl("--json", "show", "bridge", "macs")
    assert '"bridge": "lab"' in r.stdout or '"bridge":"lab"' in r.stdout, r.stdout
    r = lab.ctl("show", "bridge", "macs", "nosuch", check=False)
    assert r.returncode != 0 and "nosuch" in (r.stderr + r.stdout), r.stderr


def test_config_apply_during_ping_loses_nothing(lab):
    ping = subprocess.Popen(["ip", "netns", "exec", "sy-h1", "ping", "-c", "100", "-i", "0.05",
                             "-W", "1", H[2]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    gens = []
    for i in range(10):
        path = write(lab, f"apply{i}.yaml", lab_config(ageing_seconds=300 + i))
        r = lab.ctl("config", "apply", path)
        gens.append(r.stdout)
        time.sleep(0.3)
    out, _ = ping.communicate(timeout=60)
    assert ping.returncode == 0, out
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m and m.group(1) == m.group(2) == "100", f"ping lost packets:\n{out}"
    r = lab.ctl("config", "get")
    assert "ageing_seconds: 309" in r.stdout, r.stdout


def test_bad_config_rejected_old_one_still_forwards(lab):
    before = lab.ctl("--json", "config", "get").stdout
    bad = lab_config().replace("- {port: p3}", "- {port: p9}")
    path = write(lab, "bad.yaml", bad)
    r = lab.ctl("config", "apply", path, check=False)
    assert r.returncode == 1, r
    assert "bridges[0].members[2].port" in r.stderr and "p9" in r.stderr, r.stderr
    assert lab.ctl("--json", "config", "get").stdout == before
    r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", H[3]], check=False)
    assert r.returncode == 0, r.stdout


def test_dry_run_reports_diff(lab):
    path = write(lab, "dry.yaml", lab_config(ageing_seconds=42))
    before = lab.ctl("--json", "config", "get").stdout
    r = lab.ctl("config", "apply", path, "--dry-run")
    assert "ageing_seconds" in r.stdout, r.stdout
    assert lab.ctl("--json", "config", "get").stdout == before


def test_metrics_pass_promtool(lab):
    ns("sy-h1", ["ping", "-c", "2", "-i", "0.2", H[2]], check=False)
    r = ns(DUT, ["curl", "-sf", "--max-time", "10", "http://127.0.0.1:9469/metrics"])
    text = r.stdout
    for name in ("switchyard_port_rx_packets_total", "switchyard_drops_total",
                 "switchyard_worker_busy_cycles_total", "switchyard_bridge_macs",
                 "switchyard_config_generation"):
        assert name in text, f"{name} missing from scrape"
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, f"promtool: {p.stdout}{p.stderr}"
    m = re.search(r'switchyard_port_rx_packets_total\{port="p1"\} (\d+)', text)
    assert m and int(m.group(1)) > 0, "p1 received nothing according to metrics"


def test_show_commands(lab):
    r = lab.ctl("show", "ports")
    for p in ("p1", "p2", "p3"):
        assert p in r.stdout, r.stdout
    r = lab.ctl("show", "stats")
    assert "p1" in r.stdout and "LEARN-REQS" in r.stdout, r.stdout
    r = lab.ctl("--json", "show", "stats")
    assert '"ports"' in r.stdout, r.stdout


def test_second_instance_same_prefix_refused(lab):
    r = ns(DUT, [os.path.join(lab.build, "switchyard"), "--config", CONFIG], check=False,
           timeout=60)
    assert r.returncode == 1, r
    assert "another switchyard is running" in r.stderr, r.stderr
    r = ns("sy-h1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", H[2]], check=False)
    assert r.returncode == 0, "first instance stopped forwarding"


def test_check_config(lab):
    r = sh([os.path.join(lab.build, "switchyard"), "--check-config", CONFIG], check=False)
    assert r.returncode == 0, r.stderr
    bad = write(lab, "bad2.yaml", "ports:\n  - {name: p1}\n  - {name: p1, device: x, mtu: 5}\n")
    r = sh([os.path.join(lab.build, "switchyard"), "--check-config", bad], check=False)
    assert r.returncode == 1
    for needle in ("ports[0].device: required", "ports[1].name", "ports[1].mtu"):
        assert needle in r.stderr, r.stderr


def test_bridge_hosts_reach_the_router_interface_on_the_bridge(lab):
    """Integrated routing and bridging: a router interface on the lab bridge with
    two subnets; h1 reaches h3's second-subnet address only through the router."""
    irb = lab_config() + """interfaces:
  - {name: irb, bridge: lab, addresses: ["100.64.10.254/24", "100.64.20.254/24", "2001:db8:10::fe/64"]}
"""
    path = write(lab, "irb.yaml", irb)
    r = lab.ctl("config", "apply", path)
    assert "applied" in r.stdout, r.stdout + r.stderr
    ns("sy-h3", ["ip", "addr", "add", "100.64.20.3/24", "dev", "eth0"])
    ns("sy-h1", ["ip", "route", "replace", "100.64.20.0/24", "via", "100.64.10.254"])
    try:
        r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.10.254"], check=False)
        assert r.returncode == 0, f"router interface on the bridge not answering:\n{r.stdout}"
        r = ns("sy-h2", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", "2001:db8:10::fe"], check=False)
        assert r.returncode == 0, f"IPv6 on the bridge interface:\n{r.stdout}"
        r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "100.64.20.3"], check=False)
        assert r.returncode == 0, f"routed through the bridge interface:\n{r.stdout}\n{lab.log()}"
        r = ns("sy-h1", ["traceroute", "-n", "-q", "1", "-w", "2", "-m", "3", "100.64.20.3"],
               check=False, timeout=60)
        assert "100.64.10.254" in r.stdout, r.stdout
    finally:
        ns("sy-h1", ["ip", "route", "del", "100.64.20.0/24"], check=False)
        ns("sy-h3", ["ip", "addr", "del", "100.64.20.3/24", "dev", "eth0"], check=False)
        lab.ctl("config", "apply", CONFIG, check=False)
    # The bridge still bridges.
    r = ns("sy-h1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", H[3]], check=False)
    assert r.returncode == 0, r.stdout


def test_af_packet_ports_forward_too(lab):
    assert lab.stop() == 0, lab.log()
    try:
        lab.start(CONFIG_AF_PACKET)
        r = lab.ctl("show", "ports")
        assert "net_af_packet" in r.stdout, r.stdout
        r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", H[3]], check=False)
        assert r.returncode == 0, r.stdout
    finally:
        lab.stop()
        lab.start()
    assert "net_af_xdp" in lab.ctl("show", "ports").stdout


def test_sigterm_stops_cleanly(lab):
    rc = lab.stop(signal.SIGTERM)
    assert rc == 0, f"exit code {rc}:\n{lab.log()}"
    assert "stopped cleanly" in lab.log()
    left = [f for f in os.listdir("/dev/hugepages") if f.startswith("sy-lab")] \
        if os.path.isdir("/dev/hugepages") else []
    assert not left, f"hugepage files left: {left}"
    assert not os.path.exists("/var/run/dpdk/sy-lab"), "DPDK runtime dir left behind"
    # And it starts again on the same prefix.
    lab.start()
    r = ns("sy-h1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", H[2]], check=False)
    assert r.returncode == 0, r.stdout


# --- the lab as a router (config/lab-router.yaml); these run last -------------------
R = {1: "100.64.1.2", 2: "100.64.2.2", 3: "100.64.3.2"}
R6 = {1: "2001:db8:a1::2", 2: "2001:db8:a2::2", 3: "2001:db8:a3::2"}
ANYCAST, ANYCAST6 = "100.64.99.1", "2001:db8:99::1"

UDP_SINK = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], 9999)); s.settimeout(0.5)
seen = {}
end = time.time() + float(sys.argv[2])
while time.time() < end:
    try:
        data, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    seen[addr[1]] = seen.get(addr[1], 0) + 1
print(" ".join(f"{k}:{v}" for k, v in sorted(seen.items())))
"""

UDP_FLOWS = r"""
import socket, sys, time
dst, flows, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fam = socket.AF_INET6 if ':' in dst else socket.AF_INET
socks = []
for i in range(flows):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.bind(("", 20000 + i)); socks.append(s)
for _ in range(per):
    for s in socks:
        s.sendto(b"x" * 64, (dst, 9999)); time.sleep(0.002)
"""


def router_setup(lab):
    """Stops the bridge, re-addresses the hosts onto three subnets, starts the router."""
    assert lab.stop() == 0, lab.log()
    for i in (1, 2, 3):
        h = f"sy-h{i}"
        ns(h, ["ip", "addr", "flush", "dev", "eth0"])
        ns(h, ["ip", "addr", "add", f"100.64.{i}.2/24", "dev", "eth0"])
        ns(h, ["ip", "addr", "add", f"2001:db8:a{i}::2/64", "dev", "eth0", "nodad"])
        ns(h, ["ip", "route", "replace", "default", "via", f"100.64.{i}.1"])
        ns(h, ["ip", "-6", "route", "replace", "default", "via", f"2001:db8:a{i}::1"])
    for i in (2, 3):
        ns(f"sy-h{i}", ["ip", "addr", "add", f"{ANYCAST}/32", "dev", "lo"])
        ns(f"sy-h{i}", ["ip", "addr", "add", f"{ANYCAST6}/128", "dev", "lo"])
    lab.start(CONFIG_ROUTER)


def test_router_ping_v4_v6(lab):
    router_setup(lab)
    for dst in (2, 3):
        r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", R[dst]], check=False)
        assert r.returncode == 0, f"h1 → h{dst} routed ping failed:\n{r.stdout}{r.stderr}\n{lab.log()}"
        r = ns("sy-h1", ["ping", "-6", "-c", "3", "-i", "0.2", "-W", "2", R6[dst]], check=False)
        assert r.returncode == 0, f"h1 → h{dst} routed IPv6 ping failed:\n{r.stdout}{r.stderr}"
    # The appliance answers for its own addresses.
    r = ns("sy-h2", ["ping", "-c", "2", "-i", "0.2", "-W", "2", "100.64.1.1"], check=False)
    assert r.returncode == 0, r.stdout
    r = ns("sy-h3", ["ping", "-6", "-c", "2", "-i", "0.2", "-W", "2", "2001:db8:a3::1"], check=False)
    assert r.returncode == 0, r.stdout


def test_router_traceroute_shows_the_appliance(lab):
    r = ns("sy-h1", ["traceroute", "-n", "-q", "1", "-w", "2", "-m", "4", R[3]], check=False,
           timeout=60)
    lines = r.stdout.strip().splitlines()
    assert len(lines) >= 3, r.stdout + r.stderr
    assert "100.64.1.1" in lines[1], f"first hop is not the appliance:\n{r.stdout}"
    assert R[3] in lines[2], f"second hop is not the destination:\n{r.stdout}"
    # A reject route answers administratively prohibited ("!X").
    r = ns("sy-h1", ["traceroute", "-n", "-q", "1", "-w", "2", "-m", "3", "100.64.66.5"],
           check=False, timeout=60)
    assert "!X" in r.stdout, r.stdout


def test_router_tcp_transfer(lab):
    transfer_4mib(lab, "sy-h3", R[3], "sy-h1", "fetched-routed")


def run_ecmp(lab, dst, bind):
    sinks = {}
    for i in (2, 3):
        sinks[i] = subprocess.Popen(["ip", "netns", "exec", f"sy-h{i}", "/usr/bin/python3", "-c",
                                     UDP_SINK, bind, "12"], stdout=subprocess.PIPE, text=True,
                                    start_new_session=True)
    time.sleep(1.0)
    ns("sy-h1", ["/usr/bin/python3", "-c", UDP_FLOWS, dst, "64", "5"], timeout=60)
    got = {}
    for i, p in sinks.items():
        out, _ = p.communicate(timeout=30)
        got[i] = dict((int(k), int(v)) for k, v in (x.split(":") for x in out.split()))
    return got


def test_router_ecmp_spreads_flows_each_on_one_path(lab):
    for dst in (R[2], R[3], R6[2], R6[3]):  # resolve both next hops first
        ns("sy-h1", ["ping", "-c", "1", "-W", "2", dst], check=False)
    for dst, bind in ((ANYCAST, "0.0.0.0"), (ANYCAST6, "::")):
        got = run_ecmp(lab, dst, bind)
        flows2, flows3 = set(got[2]), set(got[3])
        assert not (flows2 & flows3), f"flows split across paths: {sorted(flows2 & flows3)}"
        assert len(flows2 | flows3) == 64, f"{dst}: flows lost: got {len(flows2 | flows3)} of 64"
        assert all(n == 5 for n in list(got[2].values()) + list(got[3].values())), got
        assert len(flows2) >= 12 and len(flows3) >= 12, \
            f"{dst}: uneven spread {len(flows2)}/{len(flows3)}"
    r = lab.ctl("show", "route", "lookup", ANYCAST, "--src", R[1], "--proto", "17",
                "--sport", "20000", "--dport", "9999")
    assert "next hop: 100.64." in r.stdout and "ECMP over 2" in r.stdout, r.stdout


def test_router_show_routes_neighbours_metrics(lab):
    r = lab.ctl("show", "routes")
    for needle in ("100.64.99.0/24", "512 buckets", "100.64.1.0/24", "connected", "reject"):
        assert needle in r.stdout, r.stdout
    r = lab.ctl("show", "routes", "--v6")
    assert "2001:db8:99::/64" in r.stdout, r.stdout
    r = lab.ctl("show", "neighbours")
    assert R[2] in r.stdout and "reachable" in r.stdout, r.stdout
    r = lab.ctl("show", "interfaces")
    assert "100.64.1.1/24" in r.stdout and "fe80::" in r.stdout, r.stdout
    text = ns(DUT, ["curl", "-sf", "--max-time", "10", "http://127.0.0.1:9469/metrics"]).stdout
    for name in ("switchyard_fib_routes", "switchyard_icmp_sent_total", "switchyard_neighbours"):
        assert name in text, f"{name} missing from scrape"
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, f"promtool: {p.stdout}{p.stderr}"


def test_router_secondary_address_added_live(lab):
    text = open(CONFIG_ROUTER).read().replace('"100.64.1.1/24",', '"100.64.1.1/24", "100.64.11.1/24",')
    path = write(lab, "router-secondary.yaml", text)
    ns("sy-h1", ["ip", "addr", "add", "100.64.11.2/24", "dev", "eth0"])
    r = lab.ctl("config", "apply", path)
    assert "applied" in r.stdout, r.stdout + r.stderr
    r = ns("sy-h1", ["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", "100.64.11.2", "100.64.11.1"],
           check=False)
    assert r.returncode == 0, f"secondary address not answering:\n{r.stdout}"
    # Traffic from the new subnet is routed too.
    r = ns("sy-h1", ["ping", "-c", "2", "-i", "0.2", "-W", "2", "-I", "100.64.11.2", R[2]], check=False)
    assert r.returncode == 0, r.stdout


def test_router_exception_path_tcp_to_host_listener(lab):
    r = ns(DUT, ["ip", "-br", "addr", "show", "dev", "sy-net1"], check=False)
    assert "100.64.1.1/24" in r.stdout and "2001:db8:a1::1/64" in r.stdout, r.stdout + r.stderr
    with open(os.path.join(lab.tmp, "hello"), "w") as f:
        f.write("hello from the appliance's kernel\n")
    srv = subprocess.Popen(["ip", "netns", "exec", DUT, "/usr/bin/python3", "-m", "http.server",
                            "--bind", "::", "8081", "--directory", lab.tmp],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        for url in ("http://100.64.1.1:8081/hello", "http://[2001:db8:a1::1]:8081/hello"):
            for _ in range(50):
                r = ns("sy-h1", ["curl", "-sf", "--max-time", "5", url], check=False, timeout=10)
                if r.returncode == 0:
                    break
                time.sleep(0.2)
            assert r.returncode == 0 and "hello from" in r.stdout, f"{url}: {r.stderr}\n{lab.log()}"
        # An address on another interface is reached through the data plane too.
        r = ns("sy-h2", ["curl", "-sf", "--max-time", "5", "http://100.64.1.1:8081/hello"],
               check=False, timeout=10)
        assert r.returncode == 0, r.stderr
    finally:
        os.kill(srv.pid, signal.SIGTERM)
        srv.wait(10)
    text = ns(DUT, ["curl", "-sf", "--max-time", "10", "http://127.0.0.1:9469/metrics"]).stdout
    m = re.search(r"switchyard_exception_from_kernel_total (\d+)", text)
    assert m and int(m.group(1)) > 0, "nothing came back from the kernel according to metrics"


# --- the lab as a VXLAN hub (config/lab-vxlan.yaml); these run after the router ----
OV = {1: "198.51.100.11", 12: "198.51.100.12", 13: "198.51.100.13"}
OV6 = {22: "203.0.113.22", 23: "203.0.113.23"}  # VNI 200, over the IPv6 underlay


def vxlan_setup(lab):
    """Turns sy-h2 and sy-h3 into Linux VTEPs bridging new hosts sy-h12 and sy-h13,
    puts sy-h1 on the appliance's bridge domain, starts the appliance as a VTEP."""
    assert lab.stop() == 0, lab.log()
    ns("sy-h1", ["ip", "addr", "flush", "dev", "eth0"])
    ns("sy-h1", ["ip", "addr", "add", f"{OV[1]}/24", "dev", "eth0"])
    ns("sy-h1", ["ip", "link", "set", "eth0", "mtu", "1450"])  # the tunnel's inner MTU
    ns("sy-h1", ["ip", "route", "replace", "default", "via", "198.51.100.1"])
    for vtep, host in ((2, 12), (3, 13)):
        v, h = f"sy-h{vtep}", f"sy-h{host}"
        ns(v, ["ip", "addr", "flush", "dev", "eth0"])
        ns(v, ["ip", "addr", "add", f"100.64.{vtep}.2/24", "dev", "eth0"])
        ns(v, ["ip", "addr", "add", f"2001:db8:a{vtep}::2/64", "dev", "eth0", "nodad"])
        ns(v, ["ip", "route", "replace", "default", "via", f"100.64.{vtep}.1"])
        ns(v, ["ip", "-6", "route", "replace", "default", "via", f"2001:db8:a{vtep}::1"])
        # VNI 100 over IPv4 to host sy-h1N; VNI 200 over IPv6 to host sy-h2N.
        for vni, local, remote, h, addr, mtu, br in (
                (100, f"100.64.{vtep}.2", "100.64.2.1", f"sy-h{host}", OV[host], "1450", "br0"),
                (200, f"2001:db8:a{vtep}::2", "2001:db8:a2::1", f"sy-h{host + 10}",
                 OV6[host + 10], "1430", "br6")):
            eth = f"eth{vni // 100}"
            sh(["ip", "netns", "del", h], check=False)
            sh(["ip", "netns", "add", h])
            ns(h, ["ip", "link", "set", "lo", "up"])
            sh(["ip", "link", "add", eth, "netns", v, "type", "veth", "peer", "name", "eth0",
                "netns", h])
            ns(v, ["ip", "link", "add", f"vxlan{vni}", "type", "vxlan", "id", str(vni),
                   "dstport", "4789", "local", local, "remote", remote, "dev", "eth0"])
            ns(v, ["ip", "link", "add", br, "type", "bridge"])
            for dev in (f"vxlan{vni}", eth):
                ns(v, ["ip", "link", "set", dev, "master", br])
                ns(v, ["ip", "link", "set", dev, "up"])
            ns(v, ["ip", "link", "set", br, "up"])
            ns(h, ["ip", "addr", "add", f"{addr}/24", "dev", "eth0"])
            ns(h, ["ip", "link", "set", "eth0", "mtu", mtu, "up"])
            if vni == 100:
                ns(h, ["ip", "route", "replace", "default", "via", "198.51.100.1"])
    lab.start(CONFIG_VXLAN)


def mac_of(host):
    out = ns(host, ["cat", "/sys/class/net/eth0/address"]).stdout.strip()
    assert re.fullmatch(r"[0-9a-f:]{17}", out), out
    return out


def vxlan_rx(vtep_host):
    import json
    link = json.loads(ns(vtep_host, ["ip", "-s", "-j", "link", "show", "vxlan100"]).stdout)[0]
    return link["stats64"]["rx"]["packets"]


def test_vxlan_ping_among_local_and_tunnelled_hosts(lab):
    vxlan_setup(lab)
    pairs = (("sy-h1", 12), ("sy-h1", 13), ("sy-h12", 13), ("sy-h13", 12), ("sy-h12", 1))
    for src, dst in pairs:
        r = ns(src, ["ping", "-c", "3", "-i", "0.2", "-W", "2", OV[dst]], check=False)
        assert r.returncode == 0, f"{src} → {OV[dst]} failed:\n{r.stdout}{r.stderr}\n{lab.log()}"
    r = ns("sy-h13", ["ping", "-c", "2", "-i", "0.2", "-W", "2", "198.51.100.1"], check=False)
    assert r.returncode == 0, f"the bridge interface does not answer over the tunnel:\n{r.stdout}"


def test_vxlan_ipv6_underlay_between_two_linux_vteps(lab):
    # Both hosts sit behind Linux VTEPs that only know the appliance (IPv6 VTEP
    # 2001:db8:a2::1; sy-h3 reaches it through the router): it relays between them.
    r = ns("sy-h22", ["ping", "-c", "3", "-i", "0.2", "-W", "2", OV6[23]], check=False)
    assert r.returncode == 0, f"VNI 200 over IPv6 failed:\n{r.stdout}{r.stderr}\n{lab.log()}"
    transfer_4mib(lab, "sy-h23", OV6[23], "sy-h22", "over the IPv6 underlay")
    r = lab.ctl("show", "vxlan", "macs", "vtep6")
    for host, remote in (("sy-h22", "2001:db8:a2::2"), ("sy-h23", "2001:db8:a3::2")):
        line = [x for x in r.stdout.splitlines() if mac_of(host) in x]
        assert line and remote in line[0] and " 200 " in line[0], r.stdout
    r = lab.ctl("show", "vteps")
    assert "vtep6: 2001:db8:a2::1 udp 4789 on net2, inner MTU 1430" in r.stdout, r.stdout


def test_vxlan_tcp_through_the_tunnels(lab):
    transfer_4mib(lab, "sy-h12", OV[12], "sy-h13", "tunnel to tunnel")
    transfer_4mib(lab, "sy-h13", OV[13], "sy-h1", "tunnel to local host")


def test_vxlan_remote_macs_learned_and_no_flooding_once_known(lab):
    r = lab.ctl("show", "vxlan", "macs")
    for host, remote in (("sy-h12", "100.64.2.2"), ("sy-h13", "100.64.3.2")):
        line = [x for x in r.stdout.splitlines() if mac_of(host) in x]
        assert line and remote in line[0] and "vtep0" in line[0] and "dynamic" in line[0], r.stdout
    assert mac_of("sy-h1") not in r.stdout, "a local host's MAC shows up behind a tunnel"
    # Traffic to sy-h12 goes to sy-h2's VTEP only.
    ns("sy-h1", ["ping", "-c", "1", "-W", "2", OV[12]])
    before2, before3 = vxlan_rx("sy-h2"), vxlan_rx("sy-h3")
    r = ns("sy-h1", ["ping", "-c", "30", "-i", "0.02", "-W", "2", OV[12]], check=False)
    assert r.returncode == 0, r.stdout
    got2, got3 = vxlan_rx("sy-h2") - before2, vxlan_rx("sy-h3") - before3
    assert got2 >= 30, f"sy-h2's VTEP got {got2} packets for 30 echo requests"
    assert got3 <= 2, f"sy-h3's VTEP got {got3} packets of traffic meant for a host behind sy-h2"


def test_vxlan_host_routed_to_another_subnet(lab):
    # 100.64.3.2 / 100.64.2.2 are the underlay hosts themselves, on the router's other
    # subnets: reached through the bridge interface and the FIB, answered back into the tunnel.
    for src, dst in (("sy-h12", "100.64.3.2"), ("sy-h13", "100.64.2.2"), ("sy-h1", "100.64.3.2")):
        r = ns(src, ["ping", "-c", "3", "-i", "0.2", "-W", "2", dst], check=False)
        assert r.returncode == 0, f"{src} → {dst} routed ping failed:\n{r.stdout}{r.stderr}"
    r = ns("sy-h12", ["traceroute", "-n", "-q", "1", "-w", "2", "-m", "3", "100.64.3.2"],
           check=False, timeout=60)
    assert "198.51.100.1" in r.stdout, f"the appliance is not the first hop:\n{r.stdout}"


def test_vxlan_show_vteps_and_metrics(lab):
    r = lab.ctl("show", "vteps")
    assert "vtep0: 100.64.2.1 udp 4789 on net2, inner MTU 1450" in r.stdout, r.stdout
    assert "100.64.2.2,100.64.3.2" in r.stdout, r.stdout
    r = lab.ctl("show", "ports")
    assert "single-queue" in r.stdout, r.stdout
    text = ns(DUT, ["curl", "-sf", "--max-time", "10", "http://127.0.0.1:9469/metrics"]).stdout
    m = re.search(r'switchyard_vxlan_rx_packets_total\{[^}]*vni="100"[^}]*\} (\d+)', text)
    assert m and int(m.group(1)) > 30, "per-VNI counters missing or idle"
    p = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=30)
    assert p.returncode == 0, f"promtool: {p.stdout}{p.stderr}"
    # Nothing was dropped for a VXLAN reason.
    r = lab.ctl("--json", "show", "stats")
    import json
    drops = {d["reason"]: int(d["packets"]) for d in json.loads(r.stdout)["drops"]}
    bad = {k: v for k, v in drops.items() if k.startswith("vxlan_") and v}
    assert not bad, f"VXLAN drops in the lab: {bad}"


TESTS = [test_check_config, test_ping_through_bridge, test_tcp_transfer_through_bridge,
         test_macs_learned_and_shown, test_config_apply_during_ping_loses_nothing,
         test_bad_config_rejected_old_one_still_forwards, test_dry_run_reports_diff,
         test_metrics_pass_promtool, test_show_commands, test_second_instance_same_prefix_refused,
         test_bridge_hosts_reach_the_router_interface_on_the_bridge,
         test_af_packet_ports_forward_too, test_sigterm_stops_cleanly,
         test_router_ping_v4_v6, test_router_traceroute_shows_the_appliance,
         test_router_tcp_transfer, test_router_ecmp_spreads_flows_each_on_one_path,
         test_router_show_routes_neighbours_metrics, test_router_exception_path_tcp_to_host_listener,
         test_router_secondary_address_added_live,
         test_vxlan_ping_among_local_and_tunnelled_hosts, test_vxlan_tcp_through_the_tunnels,
         test_vxlan_ipv6_underlay_between_two_linux_vteps,
         test_vxlan_remote_macs_learned_and_no_flooding_once_known,
         test_vxlan_host_routed_to_another_subnet, test_vxlan_show_vteps_and_metrics]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--junit", default=None)
    ap.add_argument("-k", default=None, help="run tests whose name contains this")
    args = ap.parse_args()
    results = []
    lab = Lab(args.build)
    setup_error = None
    try:
        sh(["bash", LAB, "up"], timeout=120)
        lab.start()
    except Exception as e:  # noqa: BLE001 - reported as a failure of every test
        setup_error = f"lab setup failed: {e}\n{lab.log()}"
    for t in TESTS:
        if args.k and args.k not in t.__name__:
            continue
        start = time.time()
        if setup_error:
            results.append((t.__name__, setup_error, 0.0))
            print(f"FAIL {t.__name__}: lab setup failed")
            continue
        try:
            if lab.daemon is None or lab.daemon.poll() is not None:
                raise AssertionError("switchyard is not running:\n" + lab.log())
            t(lab)
            results.append((t.__name__, None, time.time() - start))
            print(f"ok   {t.__name__} ({time.time() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001
            msg = f"{e}\n{traceback.format_exc()}"
            results.append((t.__name__, msg, time.time() - start))
            print(f"FAIL {t.__name__}: {msg}")
    if setup_error:
        print(setup_error)
    lab.stop()
    sh(["bash", LAB, "down"], timeout=120, check=False)

    if args.junit:
        write_junit(args.junit, "lab", results)
    failed = sum(1 for _, e, _ in results if e)
    print(f"lab: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
