"""Capture engine benchmark: native reader vs tshark -T fields vs dpkt vs pyshark (JSON mode, and
the tshark engine xennet builds on pyshark's PDML mode).

Generates a seeded pcap (mixed Ethernet, ~20% VLAN-tagged, IPv4/IPv6, TCP/UDP/ICMP, ~5% IPv4
fragments, ~1 KB a packet on average) in a temporary folder, runs every engine in a child process of
its own (peak RSS from os.wait4, the child's resource usage) and writes BENCHMARKS.md. The native
engine runs NATIVE_RUNS times and the fastest run counts (the others are listed): on a shared
machine the slowest runs measure the neighbours.

    .venv/bin/python benchmarks/bench_capture.py [--packets N] [--output FILE]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SEED = 20240607
PYSHARK_SLICE = 20_000
NATIVE_RUNS = 5
PYSHARK_JSON_FIELDS = (("frame_info", "len"), ("ip", "src"), ("ip", "dst"), ("ip", "len"), ("ip", "id"))
BATCH = 10_000
PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1)
TSHARK_FIELDS = ["frame.number", "frame.len", "ip.src", "ip.dst", "ip.len", "ip.id", "ip.flags.mf",
                 "ip.frag_offset", "ip.proto", "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
                 "vlan.id"]
TARGETS = {"tshark_ratio": 10.0, "pyshark_ratio": 100.0, "packets_per_second": 500_000, "rss_mb": 300}
PROTO_TCP, PROTO_UDP, PROTO_ICMP, PROTO_ICMPV6 = 6, 17, 1, 58


def generate(path: Path, packets: int, seed: int = SEED) -> None:
    """Write a pcap of `packets` Ethernet frames; the same seed gives the same file."""
    rng = np.random.default_rng(seed)
    vlan = (rng.random(packets) < 0.20).tolist()
    vlan_id = rng.integers(1, 4095, packets).tolist()
    ipv6 = (rng.random(packets) < 0.25).tolist()
    fragment = (rng.random(packets) < 0.0667).tolist()  # of the IPv4 packets (75%): ~5% of all
    first_fragment = (rng.random(packets) < 0.5).tolist()
    proto = rng.choice([PROTO_TCP, PROTO_UDP, PROTO_ICMP], packets, p=[0.6, 0.3, 0.1]).tolist()
    small = rng.random(packets) < 0.35
    payload = np.where(small, rng.integers(0, 100, packets), rng.integers(1300, 1461, packets)).tolist()
    host_a, host_b = rng.integers(0, 256, packets).tolist(), rng.integers(0, 256, packets).tolist()
    ports_a, ports_b = rng.integers(1024, 65536, packets).tolist(), rng.integers(1, 1024, packets).tolist()
    ident = rng.integers(0, 65536, packets).tolist()
    noise = rng.integers(0, 256, 2048, dtype=np.uint8).tobytes()
    v4 = [bytes((10, 0, 0, i)) for i in range(256)]
    v6 = [bytes.fromhex("fd000000000000000000000000000000")[:15] + bytes((i,)) for i in range(256)]
    macs = [bytes((2, 0, 0, 0, 0, i)) for i in range(256)]
    with open(path, "wb") as out:
        out.write(PCAP_HEADER)
        batch: list[bytes] = []
        for i in range(packets):
            a, b = host_a[i], host_b[i]
            link = macs[b] + macs[a] + (struct.pack("!HHH", 0x8100, vlan_id[i], 0x86DD if ipv6[i] else 0x0800)
                                        if vlan[i] else (b"\x86\xdd" if ipv6[i] else b"\x08\x00"))
            body = noise[:payload[i]]
            carries_l4 = ipv6[i] or not fragment[i] or first_fragment[i]
            l4_proto = PROTO_ICMPV6 if ipv6[i] and proto[i] == PROTO_ICMP else proto[i]
            if carries_l4:
                body = _transport(l4_proto, ports_a[i], ports_b[i], ident[i], len(body)) + body
            if ipv6[i]:
                ip = struct.pack("!IHBB", 0x60000000, len(body), l4_proto, 64) + v6[a] + v6[b]
            else:
                flags = (0x2000 if first_fragment[i] else 0x0000 | (185 * (1 + i % 3))) if fragment[i] else 0x4000
                ip = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(body), ident[i], flags, 64, l4_proto, 0) + v4[a] + v4[b]
            frame = link + ip + body
            batch.append(struct.pack("<IIII", 1_700_000_000 + i // 1000, (i % 1000) * 1000, len(frame), len(frame)))
            batch.append(frame)
            if len(batch) >= 2 * BATCH:
                out.write(b"".join(batch))
                batch.clear()
        out.write(b"".join(batch))


def _transport(proto: int, sport: int, dport: int, ident: int, payload: int) -> bytes:
    if proto == PROTO_TCP:
        return struct.pack("!HHIIBBHHH", sport, dport, ident, 0, 0x50, 0x18, 65535, 0, 0)
    if proto == PROTO_UDP:
        return struct.pack("!HHHH", sport, dport, 8 + payload, 0)
    return struct.pack("!BBHHH", 128 if proto == PROTO_ICMPV6 else 8, 0, 0, ident, sport)


def head(source: Path, target: Path, packets: int) -> int:
    """Copy the first `packets` records of a classic pcap; returns how many were copied."""
    with open(source, "rb") as src, open(target, "wb") as out:
        out.write(src.read(len(PCAP_HEADER)))
        copied = 0
        while copied < packets:
            record = src.read(16)
            if len(record) < 16:
                break
            out.write(record + src.read(struct.unpack("<IIII", record)[2]))
            copied += 1
    return copied


# Child side: one engine per process, prints {"packets": n, "seconds": s, "children_rss_kb": k, "label": ...}.

def _run_native(path: str) -> tuple[int, str]:
    from xennet.lint.runner import lint_paths
    from xennet.registry import select_rules

    result = lint_paths([path], select_rules(["P"], []))
    packets = sum(port.summary.packets for port in result.model.captures.ports)
    return packets, "read + decode + all P rules (lint_paths)"


def _run_pyshark(path: str) -> tuple[int, str]:
    from xennet.pcap.tshark_engine import read_all_tshark

    packets = len(read_all_tshark(path)[0])
    return packets, f"xennet's tshark engine (pyshark, PDML) on the first {packets:,} packets, extrapolated"


def _run_pyshark_json(path: str) -> tuple[int, str]:
    import pyshark

    capture = pyshark.FileCapture(path, use_json=True, keep_packets=False,
                                  override_prefs={"ip.defragment": "FALSE", "ipv6.defragment": "FALSE"})
    packets = 0
    for packet in capture:
        for layer, name in PYSHARK_JSON_FIELDS:
            if hasattr(packet, layer):
                getattr(getattr(packet, layer), name, None)
        packets += 1
    capture.close()
    return packets, (f"pyshark FileCapture(use_json=True) reading frame length and IP src/dst/len/id on the first"
                     f" {packets:,} packets, extrapolated")


def _run_dpkt(path: str) -> tuple[int, str]:
    import dpkt

    rows = []
    with open(path, "rb") as handle:
        for number, (_, buf) in enumerate(dpkt.pcap.Reader(handle), 1):
            eth = dpkt.ethernet.Ethernet(buf)
            vlan = eth.vlan_tags[0].id if getattr(eth, "vlan_tags", None) else -1
            ip, src, dst, length, ident, mf, offset, proto, sport, dport = eth.data, b"", b"", 0, 0, 0, 0, 0, 0, 0
            if isinstance(ip, dpkt.ip.IP):
                src, dst, length, ident, mf, offset, proto = ip.src, ip.dst, ip.len, ip.id, ip.mf, ip.offset, ip.p
            elif isinstance(ip, dpkt.ip6.IP6):
                src, dst, length, proto = ip.src, ip.dst, ip.plen + 40, ip.nxt
            l4 = getattr(ip, "data", None)
            if isinstance(l4, (dpkt.tcp.TCP, dpkt.udp.UDP)):
                sport, dport = l4.sport, l4.dport
            rows.append((number, len(buf), src, dst, length, ident, mf, offset, proto, sport, dport, vlan))
    return len(rows), "dpkt.pcap.Reader + Ethernet/IP/IP6/TCP/UDP decode of the same fields into tuples"


ENGINES = {"native": _run_native, "pyshark json": _run_pyshark_json, "pyshark": _run_pyshark, "dpkt": _run_dpkt}


def child(engine: str, path: str) -> None:
    import resource

    start = time.perf_counter()
    packets, label = ENGINES[engine](path)
    seconds = time.perf_counter() - start
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"packets": packets, "seconds": seconds, "children_rss_kb": children,
                      "own_rss_kb": _peak_rss_kb(), "label": label}))


def _peak_rss_kb() -> int:
    """This process's own peak RSS (VmHWM). Not ru_maxrss: after a vfork (subprocess uses one) and
    exec, ru_maxrss starts from the parent's peak."""
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


# Parent side.

@dataclass
class Result:
    engine: str
    label: str
    packets: int  # packets actually read
    seconds: float
    file_bytes: int
    rss_mb: float
    extrapolated_to: int = 0  # full-file packet count when only a slice was read

    @property
    def packets_per_second(self) -> float:
        return self.packets / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.file_bytes / 1e6 / self.seconds


def _wait(command: list[str], stdout: int | object) -> tuple[str, float, float]:
    """Run `command`; (its stdout when piped, wall seconds, peak RSS in MB of the process itself)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE)
    output = process.stdout.read().decode() if process.stdout else ""
    stderr = process.stderr.read().decode() if process.stderr else ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}): {stderr.strip()}")
    return output, seconds, usage.ru_maxrss / 1024


def settle(path: Path) -> None:
    """Write the generated file out and read it once, so that every engine reads it from the page
    cache and none pays for the writeback of the generator's dirty pages."""
    os.sync()
    with open(path, "rb") as capture:
        while capture.read(1 << 24):
            pass


def run_python_engine(engine: str, path: Path) -> Result:
    output, _, _ = _wait([sys.executable, __file__, "--child", engine, str(path)], subprocess.PIPE)
    report = json.loads(output)
    rss = (report["own_rss_kb"] + report["children_rss_kb"]) / 1024  # + tshark under pyshark
    return Result(engine, report["label"], report["packets"], report["seconds"], path.stat().st_size, rss)


def run_native(path: Path) -> Result:
    """The fastest of NATIVE_RUNS runs, with the largest peak RSS of them."""
    runs = [run_python_engine("native", path) for _ in range(NATIVE_RUNS)]
    best = min(runs, key=lambda run: run.seconds)
    best.rss_mb = max(run.rss_mb for run in runs)
    best.label += f"; fastest of {NATIVE_RUNS} runs ({', '.join(f'{run.seconds:.2f}' for run in runs)} s)"
    return best


def run_tshark_fields(path: Path, scratch: Path) -> Result:
    command = ["tshark", "-r", str(path), "-n", "-o", "ip.defragment:FALSE", "-T", "fields"]
    command += [arg for field in TSHARK_FIELDS for arg in ("-e", field)]
    out_path = scratch / "fields.tsv"
    with open(out_path, "wb") as out:
        _, seconds, rss = _wait(command, out)
    with open(out_path, "rb") as lines:
        packets = sum(1 for _ in lines)
    label = "tshark -T fields, 14 fields, ip.defragment:FALSE, output to a file (wall time incl. startup)"
    return Result("tshark -T fields", label, packets, seconds, path.stat().st_size, rss)


def machine_info() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((line.split(":", 1)[1].strip() for line in info if line.startswith("model name")), cpu)
    except OSError:
        pass
    tshark = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    dpkt_spec = importlib.util.find_spec("dpkt")
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "tshark": tshark,
        "dpkt": _version("dpkt") if dpkt_spec else "not installed",
        "Date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _version(package: str) -> str:
    from importlib.metadata import version

    return version(package)


def render(results: list[Result], packets: int, file_bytes: int, info: dict[str, str], generate_seconds: float) -> str:
    by_name = {r.engine: r for r in results}
    native = by_name["native"]
    lines = [
        "# Capture engine benchmark",
        "",
        "Generated by `make bench` (`benchmarks/bench_capture.py`); do not edit by hand.",
        "",
        f"Input: {packets:,} packets, {file_bytes / 1e6:,.0f} MB classic pcap, seeded (seed {SEED}): Ethernet, "
        "~20% 802.1Q-tagged, 75% IPv4 / 25% IPv6, TCP 60% / UDP 30% / ICMP 10%, ~5% IPv4 fragments, "
        "35% small (< 100 B payload) and 65% large (1300-1460 B payload) frames; "
        f"generated in {generate_seconds:.1f} s.",
        "",
        "The file is synced and read once before the engines run (all of them read it from the page cache). "
        "Each engine runs in a child process of its own; peak RSS is that process's own peak (VmHWM for the "
        "Python engines, `ru_maxrss` from os.wait4 for tshark), plus its own children's (the tshark that "
        "pyshark drives). The native and pyshark times exclude "
        "Python start-up and imports; tshark's is the wall time of the whole command. The native reader "
        "memory-maps an 8 MB window of the file at a time, so its RSS includes little of the "
        "file's page cache; what it keeps per packet is 53 bytes (plus whole rows for fragments, ICMP, "
        "ARP and oversize packets).",
        "",
        "| Engine | What is timed | Packets read | Seconds | Packets/s | MB/s | Peak RSS (MB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        seconds = f"{r.seconds:,.2f}"
        if r.extrapolated_to:
            seconds += f" (≈ {r.extrapolated_to / r.packets_per_second:,.0f} s for {r.extrapolated_to:,}, extrapolated)"
        lines.append(f"| {r.engine} | {r.label} | {r.packets:,} | {seconds} | {r.packets_per_second:,.0f} | "
                     f"{r.mb_per_second:,.1f} | {r.rss_mb:,.0f} |")
    ratios = {
        "tshark_ratio": native.packets_per_second / by_name["tshark -T fields"].packets_per_second,
        "pyshark_ratio": native.packets_per_second / by_name["pyshark json"].packets_per_second,
    }
    checks = [
        ("native / tshark -T fields (packets/s)", f"{ratios['tshark_ratio']:,.1f}x",
         f">= {TARGETS['tshark_ratio']:.0f}x", ratios["tshark_ratio"] >= TARGETS["tshark_ratio"]),
        ("native / pyshark JSON mode (packets/s, pyshark extrapolated)", f"{ratios['pyshark_ratio']:,.0f}x",
         f">= {TARGETS['pyshark_ratio']:.0f}x", ratios["pyshark_ratio"] >= TARGETS["pyshark_ratio"]),
        ("native packets/s", f"{native.packets_per_second:,.0f}", f">= {TARGETS['packets_per_second']:,}",
         native.packets_per_second >= TARGETS["packets_per_second"]),
        ("native peak RSS", f"{native.rss_mb:,.0f} MB on {file_bytes / 1e9:.2f} GB",
         f"< {TARGETS['rss_mb']} MB on 1 GB",
         native.rss_mb < TARGETS["rss_mb"]),
    ]
    pdml_ratio = native.packets_per_second / by_name["pyshark"].packets_per_second
    checks.append(("native / xennet's tshark engine (pyshark PDML, extrapolated)", f"{pdml_ratio:,.0f}x", "-", None))
    if "dpkt" in by_name:
        dpkt_ratio = native.packets_per_second / by_name["dpkt"].packets_per_second
        checks.append(("native / dpkt (packets/s)", f"{dpkt_ratio:,.1f}x", "-", None))
    lines += ["", "| Ratio / target | Measured | Target | Met |", "|---|---:|---:|---|"]
    for name, measured, target, met in checks:
        lines.append(f"| {name} | {measured} | {target} | {'-' if met is None else 'yes' if met else 'NO'} |")
    lines += ["", "Machine:", ""]
    lines += [f"- {key}: {value}" for key, value in info.items()]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packets", type=int, default=1_000_000, help="packets in the generated capture")
    parser.add_argument("--output", default="BENCHMARKS.md", help="where to write the report")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=2, metavar=("PATH", "PACKETS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.generate:
        generate(Path(args.generate[0]), int(args.generate[1]))
        return
    if shutil.which("tshark") is None:
        parser.error("tshark is needed (apt-get install tshark)")
    with tempfile.TemporaryDirectory(prefix="xennet-bench-") as scratch_name:
        scratch = Path(scratch_name)
        capture, sample = scratch / "bench.pcap", scratch / "slice.pcap"
        start = time.perf_counter()
        # In a child: the generator's peak memory must not be the parent's, which every engine
        # started from it would inherit in its ru_maxrss (vfork + exec).
        subprocess.run([sys.executable, __file__, "--generate", str(capture), str(args.packets)], check=True)
        generate_seconds = time.perf_counter() - start
        size = capture.stat().st_size
        print(f"generated {args.packets:,} packets ({size / 1e6:,.0f} MB) in {generate_seconds:.1f} s", file=sys.stderr)
        head(capture, sample, PYSHARK_SLICE)
        settle(capture)
        results = [run_native(capture), run_tshark_fields(capture, scratch)]
        for engine in ("pyshark json", "pyshark"):
            sliced = run_python_engine(engine, sample)
            sliced.extrapolated_to = args.packets
            results.append(sliced)
        if importlib.util.find_spec("dpkt") is not None:
            results.append(run_python_engine("dpkt", capture))
        for result in results:
            print(f"{result.engine}: {result.packets:,} packets in {result.seconds:.2f} s, "
                  f"{result.packets_per_second:,.0f}/s, {result.rss_mb:,.0f} MB", file=sys.stderr)
        report = render(results, args.packets, capture.stat().st_size, machine_info(), generate_seconds)
    Path(args.output).write_text(report, encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
