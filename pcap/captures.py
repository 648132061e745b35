"""The captures of one run, as rules see them: per port its MTU and where that MTU came from, a
summary of all its packets, the rows detectors look at, a slim record of every packet for matching
packets across ports, and what the file said was wrong with it.

Memory is bounded by what is kept, not by the file: the loader streams each file in chunks and keeps
full packet-table rows only for `notable` packets (fragments, IP packets above the port's MTU or
without a length, ICMP/ICMPv6, ARP), plus TRAFFIC_DTYPE's 53 bytes per packet.

Built by xennet.pcap.load (files -> ports) and attached to the LintModel (`model.captures`), so that
capture rules (P) and correlation rules (C) see the configs and host model of the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from xennet.findings import Location

from .summary import PortSummary
from .table import CaptureProblem, CaptureStats

if TYPE_CHECKING:
    from xennet.lint.host import Host

T = TypeVar("T")
DEFAULT_MTU = 1500
# Linux bridges and veths accept an IP packet of MTU + 4 bytes (room for a VLAN tag): this is why
# "ping -s 1476 works, -s 1477 fails" on a 1500 MTU path through a bridge.
BRIDGE_SLACK = 4

# One row per captured packet, in capture order: enough to find the same packet on another port.
TRAFFIC_DTYPE = np.dtype([
    ("frame", np.uint64),  # the packet number in its file
    ("time_ns", np.int64),
    ("fingerprint", np.uint64),  # traffic.fingerprint: equal on every port the packet crosses
    ("datagram", np.uint64),  # traffic.datagram_key: equal for a datagram and its fragments; 0 without IP
    ("eth_src", np.uint64),  # 0 without an Ethernet header
    ("eth_dst", np.uint64),  # 0 without an Ethernet header
    ("size", np.uint32),  # traffic.packet_size: IP packet size, else frame length without VLAN tags
    ("fragment", np.bool_),  # an IP fragment (MF set or offset > 0)
])


@dataclass(frozen=True)
class PortMtu:
    value: int
    origin: str  # "--mtu", "host model", "assumed"
    location: Location | None = None  # where the host model read it


# Port roles (decided by portkind.port_role, which documents the rules).
BRIDGE_PORT = "bridge port"
BRIDGE_DEVICE = "bridge device"
GUEST_SIDE = "guest side"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class PortRole:
    """Where a capture was taken, and why xennet believes so.

    `host` and `interface` name the interface the capture shows: a dom0 interface for every role but
    GUEST_SIDE, the guest's own interface for GUEST_SIDE (its MTU is the port's). `compared`: whether
    the rules that compare ports (MAC learning, P102, P111, P112, P120, P160) take this port."""

    kind: str
    why: str
    compared: bool
    host: Host | None = None
    interface: str = ""


# The role of a port read without a model: compared with the other ports, as `xennet pcap a b` does.
UNKNOWN_ROLE = PortRole(UNKNOWN, "no host model, compared as a port", True)


@dataclass
class CapturedPort:
    """One capture point (a vif/tap/bridge port, a bridge device, a guest's interface): see the
    module docstring for what is kept; `role` (portkind.port_role) is decided once, by the loader."""

    name: str
    path: str  # the capture file
    mtu: PortMtu
    link_type: int
    notable: np.ndarray  # PACKET_DTYPE rows of notable packets (traffic.is_notable), in capture order
    traffic: np.ndarray  # TRAFFIC_DTYPE, one row per packet
    summary: PortSummary = field(default_factory=PortSummary)
    problem: CaptureProblem | None = None
    stats: CaptureStats = field(default_factory=CaptureStats)
    role: PortRole = UNKNOWN_ROLE

    @property
    def location(self) -> Location:
        return Location(self.path)

    @property
    def limit(self) -> int:
        """The largest IP packet the port passes: MTU + BRIDGE_SLACK."""
        return self.mtu.value + BRIDGE_SLACK


@dataclass
class CaptureSet:
    ports: list[CapturedPort] = field(default_factory=list)
    engine: str = "native"
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def compared(self) -> list[CapturedPort]:
        """The ports that rules comparing ports take (PortRole.compared), in capture-set order."""
        return [port for port in self.ports if port.role.compared]

    def port(self, name: str) -> CapturedPort | None:
        return next((p for p in self.ports if p.name == name), None)

    def derived(self, name: str, compute: Callable[[], T]) -> T:
        """Facts that several rules derive from the same captures (the oversize classes, the
        fragment trains), computed by the first rule that asks and kept for the others."""
        if name not in self._derived:
            self._derived[name] = compute()
        return self._derived[name]
