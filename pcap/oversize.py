"""Frames bigger than their port's MTU + BRIDGE_SLACK, classified: offload super-frames (TSO/GSO/GRO,
BIG TCP), captures on a bridge device, datagrams reassembled from fragments seen on another port,
and the rest. Whole-column numpy; one pass per port."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from xennet.lint.model import LintModel

from .captures import BRIDGE_SLACK, CapturedPort, CaptureSet
from .fragments import is_fragment, keys
from .sightings import rows_in
from .traffic import packet_size

TCP = 6
BRIDGE_NAMES = re.compile(r"^(xenbr|br|virbr)")


def mtu_text(port: CapturedPort) -> str:
    """How messages state the limit, with where the MTU came from."""
    origin = {"assumed": "assumed, no --mtu and no host model entry"}.get(port.mtu.origin, port.mtu.origin)
    return f"MTU {port.mtu.value} ({origin}) + {BRIDGE_SLACK} bytes of VLAN slack = {port.limit}"


def is_bridge(port: CapturedPort, model: LintModel | None) -> bool:
    hosts = model.hosts if model is not None else []
    known = any(bridge.name == port.name for host in hosts for bridge in host.bridges())
    return known or bool(BRIDGE_NAMES.match(port.name))


@dataclass
class Oversize:
    """Row masks over `port.notable`: one class per oversize row."""

    port: CapturedPort
    size: np.ndarray
    offload: np.ndarray
    bridge: np.ndarray
    reassembled: np.ndarray
    other: np.ndarray


def classify(captures: CaptureSet, model: LintModel | None) -> list[Oversize]:
    """One Oversize per port that has an oversize row (computed once per run)."""
    return captures.derived("oversize", lambda: _classify(captures, model))


def _classify(captures: CaptureSet, model: LintModel | None) -> list[Oversize]:
    fragment_keys = [keys(p.notable[is_fragment(p.notable)]) for p in captures.ports]
    found = []
    for index, port in enumerate(captures.ports):
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
        bridge = rest & is_bridge(port, model)
        others = [k for i, k in enumerate(fragment_keys) if i != index and len(k)]
        elsewhere = np.concatenate(others) if others else np.zeros((0, 6), dtype=np.uint64)
        reassembled = rest & ~bridge & whole & rows_in(keys(table), elsewhere)
        found.append(Oversize(port, size, offload, bridge, reassembled, rest & ~bridge & ~reassembled))
    return found


def fragment_frames(
    captures: CaptureSet, datagram: np.ndarray, skip: CapturedPort
) -> list[tuple[CapturedPort, np.ndarray]]:
    """The ports other than `skip` holding fragments of `datagram` (a one-row table), with their rows."""
    found = []
    wanted = keys(datagram)
    for port in captures.ports:
        if port is skip:
            continue
        fragments = port.notable[is_fragment(port.notable)]
        match = fragments[rows_in(keys(fragments), wanted)]
        if len(match):
            found.append((port, match))
    return found
