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


def test_tcp_transfer_through_bridge(lab):
    data = os.path.join(lab.tmp, "blob")
    with open(data, "wb") as f:
        f.write(os.urandom(4 * 1024 * 1024))
    srv = subprocess.Popen(["ip", "netns", "exec", "sy-h2", "/usr/bin/python3", "-m", "http.server",
                            "--bind", H[2], "8080", "--directory", lab.tmp],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           start_new_session=True)
    try:
        out = os.path.join(lab.tmp, "fetched")
        for _ in range(50):
            r = ns("sy-h1", ["curl", "-sf", "--max-time", "30", "-o", out,
                             f"http://{H[2]}:8080/blob"], check=False, timeout=40)
            if r.returncode == 0:
                break
            time.sleep(0.2)
        assert r.returncode == 0, f"curl failed: {r.stderr}"
        assert open(out, "rb").read() == open(data, "rb").read(), "transferred file differs"
    finally:
        os.kill(srv.pid, signal.SIGTERM)
        srv.wait(10)


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


TESTS = [test_check_config, test_ping_through_bridge, test_tcp_transfer_through_bridge,
         test_macs_learned_and_shown, test_config_apply_during_ping_loses_nothing,
         test_bad_config_rejected_old_one_still_forwards, test_dry_run_reports_diff,
         test_metrics_pass_promtool, test_show_commands, test_second_instance_same_prefix_refused,
         test_af_packet_ports_forward_too, test_sigterm_stops_cleanly]


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
