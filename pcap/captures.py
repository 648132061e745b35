"""The captures of one run, as rules see them: one packet table per port, the port's MTU and where
that MTU came from, what each file said was wrong with it.

Built by xennet.pcap.load (files -> ports) and attached to the LintModel (`model.captures`), so that
capture rules (P) and correlation rules (C) see the configs and host model of the same run.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from xennet.findings import Location

from .table import CaptureProblem, CaptureStats

DEFAULT_MTU = 1500
# Linux bridges and veths accept an IP packet of MTU + 4 bytes (room for a VLAN tag): this is why
# "ping -s 1476 works, -s 1477 fails" on a 1500 MTU path through a bridge.
BRIDGE_SLACK = 4


@dataclass(frozen=True)
class PortMtu:
    value: int
    origin: str  # "--mtu", "host model", "assumed"
    location: Location | None = None  # where the host model read it


@dataclass
class CapturedPort:
    """One capture point: a vif/tap/bridge port, its packets (all chunks concatenated) and MTU."""

    name: str
    path: str  # the capture file
    table: np.ndarray
    mtu: PortMtu
    link_type: int
    problem: CaptureProblem | None = None
    stats: CaptureStats = field(default_factory=CaptureStats)

    @property
    def location(self) -> Location:
        return Location(self.path)


@dataclass
class CaptureSet:
    ports: list[CapturedPort] = field(default_factory=list)
    engine: str = "native"

    def port(self, name: str) -> CapturedPort | None:
        return next((p for p in self.ports if p.name == name), None)
