"""Frames bigger than their port's MTU + BRIDGE_SLACK, classified: offload super-frames (TSO/GSO/GRO,
BIG TCP), captures on a bridge device, datagrams reassembled from fragments seen on another port,
and the rest. Whole-column numpy; one pass per port.

"Reassembled" compares only ports whose role is compared (CaptureSet.compared): a whole datagram on
a bridge port whose fragments crossed another bridge port. A guest's own capture is judged on its
own: its oversize packets are offload super-frames or plain oversize ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .captures import BRIDGE_DEVICE, BRIDGE_SLACK, CapturedPort, CaptureSet
from .fragments import is_fragment, keys
from .sightings import rows_in
from .traffic import packet_size

TCP = 6


def mtu_text(port: CapturedPort) -> str:
    """How messages state the limit, with where the MTU came from."""
    origin = {"assumed": "assumed, no --mtu and no host model entry"}.get(port.mtu.origin, port.mtu.origin)
    return f"MTU {port.mtu.value} ({origin}) + {BRIDGE_SLACK} bytes of VLAN slack = {port.limit}"


@dataclass
class Oversize:
    """Row masks over `port.notable`: one class per oversize row."""

    port: CapturedPort
    size: np.ndarray
    offload: np.ndarray
    bridge: np.ndarray
    reassembled: np.ndarray
    other: np.ndarray


def classify(captures: CaptureSet) -> list[Oversize]:
    """One Oversize per port that has an oversize row (computed once per run)."""
    return captures.derived("oversize", lambda: _classify(captures))


def _fragment_keys(captures: CaptureSet) -> list[np.ndarray]:
    """Per port (in capture-set order), the datagram keys of its fragments (computed once per run)."""
    return captures.derived("fragment keys", lambda: [keys(p.notable[is_fragment(p.notable)]) for p in captures.ports])


def fragmented_on(captures: CaptureSet, rows: np.ndarray, among: list[CapturedPort]) -> np.ndarray:
    """Per row of the table `rows`, whether a port of `among` holds fragments of its datagram."""
    chosen = [k for port, k in zip(captures.ports, _fragment_keys(captures), strict=True)
              if len(k) and any(port is other for other in among)]
    if not chosen or not len(rows):
        return np.zeros(len(rows), dtype=bool)
    return rows_in(keys(rows), np.concatenate(chosen))


def _classify(captures: CaptureSet) -> list[Oversize]:
    found = []
    for port in captures.ports:
        table = port.notable
        size = packet_size(table, port.link_type)
        over = (table["ip_version"] > 0) & (size > port.limit)
        if not over.any():
            continue
        whole = ~is_fragment(table)
        # TCP that may not be fragmented on the way (DF, IPv6) or has no length (BIG TCP) is a
        # segmentation offload super-frame: the NIC or the stack cuts it later.
        offload = over & whole & (table["proto"] == TCP) & (
            table["df"] | (table["ip_len"] == 0) | (table["ip_version"] == 6))
        rest = over & ~offload
        bridge = rest & (port.role.kind == BRIDGE_DEVICE)
        reassembled = np.zeros(len(table), dtype=bool)
        if port.role.compared:
            others = [other for other in captures.compared if other is not port]
            reassembled = rest & ~bridge & whole & fragmented_on(captures, table, others)
        found.append(Oversize(port, size, offload, bridge, reassembled, rest & ~bridge & ~reassembled))
    return found


def fragment_frames(
    captures: CaptureSet, datagram: np.ndarray, among: list[CapturedPort]
) -> list[tuple[CapturedPort, np.ndarray]]:
    """The ports of `among` holding fragments of `datagram` (a one-row table), with their rows."""
    found = []
    wanted = keys(datagram)
    for port in among:
        fragments = port.notable[is_fragment(port.notable)]
        match = fragments[rows_in(keys(fragments), wanted)]
        if len(match):
            found.append((port, match))
    return found
