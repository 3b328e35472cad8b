#!/usr/bin/python3
"""Tests of switchyard-bench itself: short runs of every profile this build has,
the user-config/pcap mode, the testpmd baseline and the deterministic count
mode. They check that packets flow, that counters add up (rx + flood copies =
tx + drops by reason) and that the JSON parses. No timing is asserted: these
machines are shared and noisy; rates are written down by scripts/bench.sh.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test"))
from junit_report import write_junit  # noqa: E402
SHORT = ["--warmup", "1", "--windows", "2", "--interval", "1"]


class Bench:
    def __init__(self, build):
        self.bin = os.path.join(ROOT, build, "switchyard-bench")
        self.tmp = tempfile.mkdtemp(prefix="sy-bench-test-")

    def run(self, *args, expect_rc=0, timeout=180):
        r = subprocess.run([self.bin] + list(args), capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        if expect_rc is not None and r.returncode != expect_rc:
            raise AssertionError(f"switchyard-bench {' '.join(args)} exited {r.returncode}, "
                                 f"expected {expect_rc}\nstdout:\n{r.stdout[-3000:]}\n"
                                 f"stderr:\n{r.stderr[-3000:]}")
        return r

    def json(self, *args, **kw):
        r = self.run(*args, "--json", **kw)
        try:
            return json.loads(r.stdout), r
        except json.JSONDecodeError as e:
            raise AssertionError(f"--json output does not parse: {e}\n{r.stdout[:2000]}")


def check_balanced(doc):
    c = doc["counters"]
    drops = sum(c["drops"].values())
    assert c["dropped"] == drops, c
    assert c["rx"] + c["flood_copies"] + c["router_made"] == \
        c["tx"] + c["dropped"] + c["router_handed"], f"counters do not add up: {c}"
    assert c["balanced"] is True, c


def check_windows(doc, n, ports=("in", "out")):
    assert len(doc["windows"]) == n, doc["windows"]
    for w in doc["windows"]:
        assert w["tx_mpps"] > 0, w
        assert w["cycles_per_packet"] > 0, w
        names = [p["name"] for p in w["ports"]]
        assert names == list(ports), names


def test_l2_profile_64b(b):
    doc, r = b.json("--profile", "l2", "--flows", "1000", *SHORT)
    check_windows(doc, 2)
    check_balanced(doc)
    assert doc["profile"] == "l2" and doc["frame_size"] == "64" and doc["flows"] == 1000
    assert doc["mpps"] > 0 and doc["cycles_per_packet"] > 0
    assert doc["counters"]["macs"] == 2000, doc["counters"]
    assert doc["counters"]["drops"] == {}, doc["counters"]
    # Every port's frames counted on the wire: 64 B → 512 bits per packet.
    w = doc["windows"][0]
    inp = w["ports"][0]
    assert abs(inp["rx_bps"] / inp["rx_pps"] - 512) < 1, inp
    assert "warm-up" in r.stderr and "summary" in r.stderr, r.stderr


def test_l2_profile_imix(b):
    doc, _ = b.json("--profile", "l2", "--flows", "500", "--frame-size", "imix", *SHORT)
    check_windows(doc, 2)
    check_balanced(doc)
    inp = doc["windows"][0]["ports"][0]
    # Simple IMIX 7:4:1 of 64/594/1518 B averages 361.83 B on the wire.
    assert abs(inp["rx_bps"] / inp["rx_pps"] / 8 - 361.83) < 1, inp


def test_l2_profile_two_workers(b):
    doc, _ = b.json("--profile", "l2", "--flows", "1000", "--workers", "2", *SHORT)
    check_balanced(doc)
    assert len(doc["windows"][0]["workers"]) == 2
    for w in doc["windows"][0]["workers"]:
        assert w["rx_pps"] > 0, w  # each worker replays its own share


def test_human_output_is_testpmd_style(b):
    r = b.run("--profile", "l2", "--flows", "100", *SHORT)
    out = r.stdout
    for needle in ["Rx-pps:", "Tx-pps:", "Rx-bps:", "cycles/packet", "drops: none",
                   "summary (median of 2 windows)", "offloads:", "rte_flow:"]:
        assert needle in out, f"missing {needle!r} in:\n{out}"


def test_count_mode_is_exact(b):
    doc, r = b.json("--profile", "l2", "--flows", "256", "--count", "3200")
    assert doc["measured_packets"] == 3200, doc
    assert "measured_packets=3200" in r.stderr
    check_balanced(doc)
    assert doc["counters"]["macs"] == 512, doc["counters"]


def test_baseline_testpmd_ratio(b):
    doc, r = b.json("--profile", "l2", "--flows", "1000", "--baseline", *SHORT)
    base = doc["baseline"]
    # testpmd ran before and after the bench, two windows each, pooled.
    assert base["mpps"] > 0 and len(base["windows_mpps"]) == 4, base
    assert base["before_mpps"] > 0 and base["after_mpps"] > 0, base
    wins = sorted(base["windows_mpps"])
    assert abs(base["mpps"] - (wins[1] + wins[2]) / 2) < 0.002, base
    assert "--forward-mode=io" in base["command"] and "--no-pci" in base["command"], base
    assert doc["ratio_to_testpmd_io"] > 0, doc
    assert abs(doc["ratio_to_testpmd_io"] - doc["mpps"] / base["mpps"]) < 0.01, doc
    check_balanced(doc)
    # Neither testpmd nor the bench left its runtime directory behind. (Only this
    # run's: another process killed on this machine may have left its own.)
    m = re.search(r"--file-prefix[= ](\S+)-testpmd", base["command"])
    assert m, base["command"]
    for prefix in (m.group(1), m.group(1) + "-testpmd"):
        assert not os.path.exists(os.path.join("/var/run/dpdk", prefix)), prefix


def test_update_json_merges_profiles(b):
    path = os.path.join(b.tmp, "benchmarks.json")
    with open(path, "w") as f:
        json.dump({"profiles": {"l2": {"instructions_per_packet": 123.0}, "other": {"x": 1}}}, f)
    b.run("--profile", "l2", "--flows", "100", "--update-json", path, *SHORT)
    doc = json.load(open(path))
    l2 = doc["profiles"]["l2"]
    assert l2["instructions_per_packet"] == 123.0, l2  # kept
    assert l2["mpps"] > 0 and l2["cycles_per_packet"] > 0 and l2["budget_ratio"] == 0.6, l2
    assert l2["commit"] and l2["measured_at"].endswith("Z"), l2
    assert doc["profiles"]["other"] == {"x": 1}


def test_user_config_with_pcap(b):
    sys.path.insert(0, "/usr/lib/python3/dist-packages")
    from scapy.all import Ether, IP, UDP, wrpcap  # noqa: E402
    pcap = os.path.join(b.tmp, "user.pcap")
    frames = [Ether(src=f"02:aa:00:00:00:{i:02x}", dst="02:bb:00:00:00:01") /
              IP(src="198.18.0.1", dst="198.19.0.1") / UDP(sport=1000 + i, dport=53) / (b"x" * 20)
              for i in range(64)]
    wrpcap(pcap, frames)
    cfg = os.path.join(b.tmp, "user.yaml")
    with open(cfg, "w") as f:
        f.write("""
ports:
  - {name: uplink, device: "net_af_packet0,iface=doesnotexist"}
  - {name: host, device: "net_af_packet1,iface=doesnotexist"}
bridges:
  - name: br
    members: [{port: uplink}, {port: host}]
    static_macs: [{mac: "02:bb:00:00:00:01", port: host}]
""")
    doc, _ = b.json("--config", cfg, "--pcap", pcap, "--pcap-port", "uplink", *SHORT)
    assert doc["profile"] == "user", doc
    check_balanced(doc)
    assert doc["counters"]["drops"] == {}, doc["counters"]
    ports = {p["name"]: p for p in doc["windows"][0]["ports"]}
    assert ports["uplink"]["rx_pps"] > 0 and ports["host"]["tx_pps"] > 0, ports
    drivers = {o["port"]: o["driver"] for o in doc["offloads"]}
    assert drivers == {"uplink": "net_pcap", "host": "net_null"}, drivers


def test_offload_report_in_json(b):
    doc, _ = b.json("--profile", "l2", "--flows", "100", "--warmup", "0", "--windows", "1")
    reps = {o["port"]: o for o in doc["offloads"]}
    assert set(reps) == {"in", "out"}
    for o in reps.values():
        for k in ["rss_offered", "rx_offloads_offered", "tx_offloads_offered", "rte_flow_queue",
                  "rte_flow_rss", "rss_used", "used", "software"]:
            assert k in o, (k, o)
        # No vdev here has rte_flow: the probe must say so, not crash.
        assert o["rte_flow_queue"].startswith("no:"), o
    assert "ipv4-udp" in reps["out"]["rss_offered"], reps["out"]


def test_bad_input_is_refused_clearly(b):
    r = b.run("--profile", "nosuch", expect_rc=1)
    assert "unknown profile" in r.stderr, r.stderr
    assert "vxlan" in r.stderr, r.stderr  # listed among the available profiles
    r = b.run("--profile", "l3v4", "--routes", "5000000", expect_rc=64)
    assert "--routes" in r.stderr, r.stderr
    r = b.run("--pcap", "/nonexistent.pcap", expect_rc=64)
    assert "--pcap needs --config" in r.stderr, r.stderr
    r = b.run("--frame-size", "63", expect_rc=64)
    assert "frame-size" in r.stderr, r.stderr
    r = b.run("--flows", "100000", expect_rc=1)
    assert "--flows" in r.stderr, r.stderr
    bad = os.path.join(b.tmp, "bad.pcap")
    with open(bad, "wb") as f:
        f.write(b"not a pcap file at all, but long enough for a header")
    cfg = os.path.join(b.tmp, "one.yaml")
    with open(cfg, "w") as f:
        f.write('ports:\n  - {name: a, device: "net_null9"}\n')
    r = b.run("--config", cfg, "--pcap", bad, expect_rc=1)
    assert "not a classic pcap" in r.stderr, r.stderr


def test_l3v4_profile_routes_while_swapping(b):
    doc, r = b.json("--profile", "l3v4", "--routes", "20000", "--flows", "2000", "--swaps", "2",
                    "--no-huge", *SHORT)
    check_balanced(doc)
    check_windows(doc, 2)
    c = doc["counters"]
    # Both configs route every flow: nothing may be dropped across the swaps.
    assert c["dropped"] == 0, c
    assert c["router_handed"] == 0, c  # static neighbours: nothing waits for resolution
    rt = doc["routing"]
    assert rt["routes"] == 20000 and rt["fib_prefixes"] >= 20000, rt
    assert len(rt["swap_apply_ms"]) == 2 and all(ms > 0 for ms in rt["swap_apply_ms"]), rt
    assert rt["yaml_load_s"] > 0 and rt["fib_mib"] > 0, rt
    assert "swap 2: applied 20000 routes" in r.stderr, r.stderr[-2000:]


def test_l3v6_profile_imix_ecmp(b):
    doc, _ = b.json("--profile", "l3v6", "--routes", "5000", "--ecmp", "4", "--frame-size", "imix",
                    "--no-huge", *SHORT)
    check_balanced(doc)
    check_windows(doc, 2)
    assert doc["counters"]["dropped"] == 0, doc["counters"]
    assert "l3v6 router" in doc["description"], doc["description"]


def test_l3v4_count_mode_is_exact(b):
    doc, r = b.json("--profile", "l3v4", "--routes", "1000", "--ecmp", "2", "--flows", "256",
                    "--no-huge", "--count", "3200")
    assert doc["measured_packets"] == 3200, doc
    check_balanced(doc)
    assert doc["counters"]["dropped"] == 0, doc["counters"]


def test_vxlan_profile_decap_bridge_route(b):
    doc, r = b.json("--profile", "vxlan", "--flows", "2000", "--no-huge", *SHORT)
    check_windows(doc, 2, ports=("in", "out"))
    check_balanced(doc)
    assert doc["profile"] == "vxlan" and doc["flows"] == 2000, doc
    assert "vxlan decap -> bridge -> route" in doc["description"], doc["description"]
    c = doc["counters"]
    # Every frame is for the bridge interface: decapsulated, routed, sent; none
    # flooded, dropped or waiting for a neighbour. The one drop is the bridge
    # interface's start-up announcement: the bridge has no port and no flood list.
    assert c["drops"] == {"no_flood_target": 1}, c
    assert c["flood_copies"] == 0, c
    assert c["router_handed"] == 0, c
    assert c["macs"] == 64, c  # the hosts, learned behind their remote VTEPs
    assert doc["routing"]["routes"] == 1000, doc["routing"]  # the profile's default
    w = doc["windows"][0]
    ports = {p["name"]: p for p in w["ports"]}
    # --frame-size is the inner frame: 64 B leave, 114 B (outer headers) arrive.
    assert abs(ports["in"]["rx_bps"] / ports["in"]["rx_pps"] - 114 * 8) < 1, ports["in"]
    assert abs(ports["out"]["tx_bps"] / ports["out"]["tx_pps"] - 64 * 8) < 1, ports["out"]
    assert w["drops"] == {}, w


def test_vxlan_count_mode_is_exact(b):
    doc, _ = b.json("--profile", "vxlan", "--flows", "256", "--frame-size", "imix", "--no-huge",
                    "--count", "3200")
    assert doc["measured_packets"] == 3200, doc
    check_balanced(doc)
    assert doc["counters"]["drops"] == {"no_flood_target": 1}, doc["counters"]  # the announcement
    assert doc["counters"]["flood_copies"] == 0, doc["counters"]


TESTS = [
    test_l2_profile_64b,
    test_l2_profile_imix,
    test_l2_profile_two_workers,
    test_human_output_is_testpmd_style,
    test_count_mode_is_exact,
    test_baseline_testpmd_ratio,
    test_update_json_merges_profiles,
    test_user_config_with_pcap,
    test_offload_report_in_json,
    test_bad_input_is_refused_clearly,
    test_l3v4_profile_routes_while_swapping,
    test_l3v6_profile_imix_ecmp,
    test_l3v4_count_mode_is_exact,
    test_vxlan_profile_decap_bridge_route,
    test_vxlan_count_mode_is_exact,
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--junit", default=None)
    ap.add_argument("-k", default=None, help="run tests whose name contains this")
    args = ap.parse_args()
    b = Bench(args.build)
    results = []
    for t in TESTS:
        if args.k and args.k not in t.__name__:
            continue
        start = time.time()
        try:
            t(b)
            results.append((t.__name__, None, time.time() - start))
            print(f"ok   {t.__name__} ({time.time() - start:.1f} s)")
        except Exception as e:  # noqa: BLE001
            msg = f"{e}\n{traceback.format_exc()}"
            results.append((t.__name__, msg, time.time() - start))
            print(f"FAIL {t.__name__}: {msg}")
    if args.junit:
        write_junit(args.junit, "bench", results)
    failed = sum(1 for _, e, _ in results if e)
    print(f"bench: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
