"""A Xen dom0 and its guests, built in network namespaces for end-to-end tests (issue 6).

`Lab` creates, with a name unique to this process, a `dom0` namespace holding bridge `xenbr0` and,
per guest (`dom1`, `dom2`), a veth pair whose dom0 end is named like Xen's backend (`vif1.0`) and is
a port of `xenbr0`, and whose other end is `eth0` in the guest's namespace. Addresses come from
198.18.0.0/15 (RFC 2544 benchmarking) and exist only inside those namespaces; there is no default
route, and IPv6 is off so that only the tests' traffic is captured. Leaving the context removes every
namespace (and with them their devices and iptables rules) and stops every process the lab started.

Facts of this kernel (6.x) the scenarios rely on: the bridge drops frames above the egress port's
MTU + 14 + 4 bytes and no interface counter records that; `net.bridge.*` sysctls are per network
namespace (a new one starts with bridge-nf-call-iptables = 1, so the lab always sets it); conntrack
reassembles bridged fragments only when something in dom0 uses it (the lab's iptables rule); there
is no 802.1Q support, so a guest's VLAN interface is a TAP device plus a tagging process
(helpers.py `vlan-shim`).

The support bundles of dom0 and the guests are written by `xennet collect` (tests/lab/bundle.py).
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

BRIDGE = "xenbr0"
HELPERS = Path(__file__).resolve().parent / "helpers.py"
REQUIRED_COMMANDS = ("ip", "tcpdump", "ping", "iptables", "ethtool", "bridge", "sysctl")
VIF_MAC = "fe:ff:ff:ff:ff:ff"  # what Xen's hotplug scripts give every vif
TCP_PORT = 5001
STARTUP_TIMEOUT = 10.0
_serial = itertools.count(1)


def missing_requirements() -> str | None:
    """Why the lab cannot run here (not root, a command missing), or None."""
    if os.geteuid() != 0:
        return "the namespace lab needs root (network namespaces, bridges, tcpdump)"
    missing = [command for command in REQUIRED_COMMANDS if shutil.which(command) is None]
    if missing:
        return f"the namespace lab needs {', '.join(missing)} (scripts/system-deps.sh installs them)"
    return None


def run(*command: str, namespace: str | None = None, check: bool = True) -> str:
    """Run a command, inside `namespace` when given, and return its stdout."""
    argv = ["ip", "netns", "exec", namespace, *command] if namespace else list(command)
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


@dataclass(frozen=True)
class Guest:
    name: str  # also its domain name and its namespace's role: dom1
    domid: int

    @property
    def vif(self) -> str:
        return f"vif{self.domid}.0"

    @property
    def mac(self) -> str:
        return f"00:16:3e:00:{self.domid:02x}:01"

    @property
    def address(self) -> str:
        return f"198.18.0.{self.domid}"

    def vlan_address(self, vid: int) -> str:
        return f"198.19.{vid}.{self.domid}"


@dataclass(frozen=True)
class CapturePoint:
    """An interface the lab captures on: `port` names the capture file (vif1.0.pcap is port vif1.0);
    a guest's eth0 is port `dom1-eth0`, as two guests' eth0 would otherwise share a name."""

    port: str
    role: str  # dom0, dom1, ...
    device: str


@dataclass
class Lab:
    """One dom0 and its guests in namespaces; use as a context manager.

    `port_mtus` sets dom0 devices' MTUs (vif1.0, vif2.0, xenbr0; the bridge otherwise takes the smallest
    of its ports'), `guest_mtus` guests' eth0 MTUs (1500 by default). `bridge_nf` sets
    net.bridge.bridge-nf-call-iptables and -filter-vlan-tagged in dom0, `bridge_option` xenbr0's own
    nf_call_iptables, `conntrack` adds a conntrack rule to dom0's FORWARD chain, `offloads` leaves
    TSO/GSO/GRO on (off otherwise), `vlan` gives each guest a VLAN interface eth0.VID."""

    workdir: Path
    port_mtus: dict[str, int] = field(default_factory=dict)
    guest_mtus: dict[str, int] = field(default_factory=dict)
    bridge_nf: bool = False
    bridge_option: bool = False
    conntrack: bool = False
    offloads: bool = False
    vlan: int | None = None
    guests: tuple[Guest, ...] = (Guest("dom1", 1), Guest("dom2", 2))
    prefix: str = field(default_factory=lambda: f"xn{os.getpid()}-{next(_serial)}")
    _processes: list[subprocess.Popen[str]] = field(default_factory=list, repr=False)
    _namespaces: list[str] = field(default_factory=list, repr=False)

    # --- names --------------------------------------------------------------------------------

    def namespace(self, role: str) -> str:
        return f"{self.prefix}-{role}"

    @property
    def dom0(self) -> str:
        return self.namespace("dom0")

    def guest(self, name: str) -> Guest:
        return next(guest for guest in self.guests if guest.name == name)

    def guest_mtu(self, guest: Guest) -> int:
        return self.guest_mtus.get(guest.name, 1500)

    def capture_points(self) -> list[CapturePoint]:
        """vif1.0, vif2.0, xenbr0 in dom0 and each guest's eth0."""
        dom0 = [CapturePoint(guest.vif, "dom0", guest.vif) for guest in self.guests]
        guests = [CapturePoint(f"{guest.name}-eth0", guest.name, "eth0") for guest in self.guests]
        return [*dom0, CapturePoint(BRIDGE, "dom0", BRIDGE), *guests]

    # --- building and removing ----------------------------------------------------------------

    def __enter__(self) -> Lab:
        try:
            self._build()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every process the lab started, then delete its namespaces (and so their devices)."""
        for process in self._processes:
            _stop(process)
        self._processes.clear()
        for namespace in reversed(self._namespaces):
            run("ip", "netns", "del", namespace, check=False)
        self._namespaces.clear()

    def _add_namespace(self, role: str) -> str:
        name = self.namespace(role)
        run("ip", "netns", "add", name)
        self._namespaces.append(name)
        # Before any device exists, so that none gets IPv6 (router solicitations, MLD) into the captures.
        run("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1",
            namespace=name)
        run("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def _build(self) -> None:
        dom0 = self._add_namespace("dom0")
        option = ["nf_call_iptables", "1"] if self.bridge_option else []
        run("ip", "-n", dom0, "link", "add", BRIDGE, "type", "bridge", "stp_state", "0", *option)
        nf = str(int(self.bridge_nf))
        sysctls = (f"net.bridge.bridge-nf-call-iptables={nf}", f"net.bridge.bridge-nf-filter-vlan-tagged={nf}")
        run("sysctl", "-qw", *sysctls, namespace=dom0)
        if self.conntrack:
            run("iptables", "-A", "FORWARD", "-m", "conntrack", "--ctstate", "NEW,ESTABLISHED,RELATED", "-j", "ACCEPT",
                namespace=dom0)
        for guest in self.guests:
            self._add_guest(guest)
        if BRIDGE in self.port_mtus:
            run("ip", "-n", dom0, "link", "set", BRIDGE, "mtu", str(self.port_mtus[BRIDGE]))
        run("ip", "-n", dom0, "link", "set", BRIDGE, "up")
        self._set_offloads(dom0, BRIDGE)
        if self.vlan is not None:
            for guest in self.guests:
                self._add_vlan_shim(guest, self.vlan)

    def _add_guest(self, guest: Guest) -> None:
        namespace = self._add_namespace(guest.name)
        run("ip", "-n", self.dom0, "link", "add", guest.vif, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        mtu = str(self.port_mtus.get(guest.vif, 1500))
        run("ip", "-n", self.dom0, "link", "set", guest.vif, "address", VIF_MAC, "mtu", mtu, "master", BRIDGE, "up")
        run("ip", "-n", namespace, "link", "set", "eth0", "address", guest.mac, "mtu", str(self.guest_mtu(guest)), "up")
        run("ip", "-n", namespace, "addr", "add", f"{guest.address}/24", "dev", "eth0")
        self._set_offloads(self.dom0, guest.vif)
        self._set_offloads(namespace, "eth0")

    def _set_offloads(self, namespace: str, device: str) -> None:
        state = "on" if self.offloads else "off"
        # The bridge cannot turn on what its ports lack: ethtool then says so and exits 1.
        run("ethtool", "-K", device, "tso", state, "gso", state, "gro", state, namespace=namespace,
            check=device != BRIDGE)

    def _add_vlan_shim(self, guest: Guest, vid: int) -> None:
        namespace = self.namespace(guest.name)
        device = f"eth0.{vid}"
        self.start(guest.name, sys.executable, str(HELPERS), "vlan-shim", "eth0", device, str(vid))
        run("ip", "-n", namespace, "link", "set", device, "address", guest.mac, "mtu", str(self.guest_mtu(guest)), "up")
        run("ip", "-n", namespace, "addr", "add", f"{guest.vlan_address(vid)}/24", "dev", device)

    def start(self, role: str, *command: str, ready: str = "ready", stream: str = "stdout") -> subprocess.Popen[str]:
        """Start a process in `role`'s namespace and wait until it prints a line containing `ready` on
        `stream`; the lab stops it when it closes, if it has not ended by then."""
        process = subprocess.Popen(
            ["ip", "netns", "exec", self.namespace(role), *command],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
        )
        self._processes.append(process)
        _wait_for_line(process, ready, stream)
        return process

    # --- traffic and captures -----------------------------------------------------------------

    @contextmanager
    def capture(self, folder: Path, points: Sequence[CapturePoint] | None = None) -> Iterator[dict[str, Path]]:
        """Capture on every point at once (`tcpdump -U --immediate-mode -w folder/PORT.pcap`), yielding
        {port: file} once every tcpdump is listening; leaving stops them with SIGINT so that the files
        are complete. Without immediate mode, the packets still in TPACKET_V3's current block are lost
        when tcpdump stops."""
        folder.mkdir(parents=True, exist_ok=True)
        files: dict[str, Path] = {}
        started: list[subprocess.Popen[str]] = []
        try:
            for point in points if points is not None else self.capture_points():
                files[point.port] = folder / f"{point.port}.pcap"
                tcpdump = ("tcpdump", "-U", "--immediate-mode", "-n", "-Z", "root", "-i", point.device)
                started.append(self.start(
                    point.role, *tcpdump, "-w", str(files[point.port]), ready="listening on", stream="stderr"
                ))
            yield files
        finally:
            time.sleep(0.2)  # the last replies of the traffic are still on their way
            for process in started:
                _stop(process)

    def ping(self, source: str, destination: str, sizes: Sequence[int], count: int = 3,
             df: bool = False) -> dict[int, int]:
        """Ping from guest `source` to the address `destination` with each payload size (`ping -s`),
        `count` times each, with DF set (`-M do`) or not (`-M dont`, the sender fragments).
        Returns {size: replies received}."""
        replies: dict[int, int] = {}
        for size in sizes:
            output = run("ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-W", "1", "-s", str(size),
                         "-M", "do" if df else "dont", destination, namespace=self.namespace(source), check=False)
            replies[size] = _received(output)
        return replies

    def tcp_transfer(self, source: str, destination: str, size: int) -> int:
        """Send `size` bytes over TCP from guest `source` to guest `destination`; returns what arrived."""
        address = self.guest(destination).address
        server = self.start(destination, sys.executable, str(HELPERS), "tcp-server", address, str(TCP_PORT))
        client = self.start(source, sys.executable, str(HELPERS), "tcp-client", address, str(TCP_PORT), str(size))
        client.wait(timeout=30)
        received, _ = server.communicate(timeout=30)
        return int(received.split()[-1])

    def counters(self, role: str, device: str) -> dict[str, int]:
        """The device's statistics from sysfs in its namespace (tx_dropped, rx_packets, ...)."""
        script = f"cd /sys/class/net/{device}/statistics && grep -H . *"
        output = run("sh", "-c", script, namespace=self.namespace(role))
        return {name: int(value) for name, value in (line.split(":") for line in output.split())}


def _received(ping_output: str) -> int:
    """Replies in ping's summary line: "3 packets transmitted, 2 received, ..."."""
    for line in ping_output.splitlines():
        if "packets transmitted" in line:
            return int(line.split(",")[1].split()[0])
    return 0


def _wait_for_line(process: subprocess.Popen[str], wanted: str, stream: str) -> None:
    """Read `stream` of `process` until a line contains `wanted`; raise if it ends or takes too long."""
    pipe = process.stdout if stream == "stdout" else process.stderr
    assert pipe is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT
    seen = []
    os.set_blocking(pipe.fileno(), True)
    while time.monotonic() < deadline:
        line = pipe.readline()
        if wanted in line:
            return
        if not line and process.poll() is not None:
            break
        seen.append(line)
    _stop(process)
    raise RuntimeError(f"{' '.join(map(str, process.args))} did not say {wanted!r}: {''.join(seen).strip()}")


def _stop(process: subprocess.Popen[str]) -> None:
    """SIGINT (tcpdump then flushes its file), then SIGKILL if it does not end; its whole session,
    as `ip netns exec` runs the command as a child."""
    if process.poll() is None:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    for pipe in (process.stdout, process.stderr):
        if pipe is not None:
            pipe.close()

