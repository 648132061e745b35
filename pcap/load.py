"""Capture files -> CaptureSet: which port each packet was captured on and that port's MTU.

A port is named by the pcapng interface's if_name, else by the file name (`vif3.0.pcap` and
`vif3.0-20260102T030405.pcap` are both vif3.0), unless `--port NAME=FILE` names it. pcapng has no
MTU option, so the MTU comes from `--mtu NAME=N`, else from the dom0 interface of that name in the
host model, else DEFAULT_MTU, marked as assumed so findings can say so.
"""

from __future__ import annotations

import os
import re

import numpy as np

from xennet.lint.model import LintModel

from .captures import DEFAULT_MTU, CapturedPort, CaptureSet, PortMtu
from .reader import PCAP_MAGICS, PCAPNG_SHB, read_all
from .table import CaptureProblem, CaptureStats, empty

CAPTURE_SUFFIXES = (".pcapng", ".pcap", ".cap")
# A timestamp appended to the port name by capture scripts: vif3.0-20260102T030405, vif3.0-2026-01-02_03-04.
TIMESTAMP_SUFFIX = re.compile(r"-(?:19|20)\d\d[-_T:.\d]*$")


def is_capture(path: str) -> bool:
    """The file starts with one of the four pcap magics or a pcapng section header. Only regular
    files are opened: opening a FIFO would block."""
    if not os.path.isfile(path):
        return False
    try:
        with open(path, "rb") as handle:
            magic = handle.read(4)
    except OSError:
        return False
    return magic in PCAP_MAGICS or magic == PCAPNG_SHB


def port_name_from_file(path: str) -> str:
    name = os.path.basename(path)
    for suffix in CAPTURE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return TIMESTAMP_SUFFIX.sub("", name) or name


def load_captures(
    paths: list[str],
    ports: dict[str, str] | None = None,
    mtus: dict[str, int] | None = None,
    model: LintModel | None = None,
) -> CaptureSet:
    """Read every capture in `paths` and in `ports` (NAME -> FILE; the file's port is NAME).

    Each pcapng interface is a port of its own. A file that cannot be opened or is broken still
    gives a port, carrying the CaptureProblem."""
    names = {os.path.realpath(file): name for name, file in (ports or {}).items()}
    files = list(dict.fromkeys([*paths, *(ports or {}).values()]))
    captures = CaptureSet()
    for path in files:
        for port in _file_ports(path, names.get(os.path.realpath(path))):
            port.mtu = _mtu(port.name, mtus or {}, model)
            captures.ports.append(port)
    return captures


def _file_ports(path: str, forced_name: str | None) -> list[CapturedPort]:
    assumed = PortMtu(DEFAULT_MTU, "assumed")
    try:
        table, interfaces, problem, stats = read_all(path)
    except OSError as error:
        problem = CaptureProblem(f"cannot read capture: {error.strerror}", 0, 1)
        return [CapturedPort(forced_name or port_name_from_file(path), path, empty(0), assumed, 0, problem)]
    if not interfaces:  # broken before the first interface: the problem still needs a port
        name = forced_name or port_name_from_file(path)
        return [CapturedPort(name, path, table, assumed, 0, problem, stats)]
    result = []
    for index, interface in enumerate(interfaces):
        # the reader names a pcap file's only port after the file: strip it like a nameless interface
        named = interface.name and interface.name != os.path.basename(path)
        name = interface.name if named else port_name_from_file(path)
        if forced_name:
            name = forced_name if len(interfaces) == 1 else f"{forced_name}#{index}"
        own_stats = CaptureStats(
            capture_drops={index: stats.capture_drops[index]} if index in stats.capture_drops else {},
            skipped_blocks=stats.skipped_blocks if index == 0 else 0,
        )
        rows = table[table["port"] == index]
        result.append(CapturedPort(name, path, np.ascontiguousarray(rows), assumed, interface.link_type,
                                   problem if index == 0 else None, own_stats))
    return result


def _mtu(name: str, mtus: dict[str, int], model: LintModel | None) -> PortMtu:
    if name in mtus:
        return PortMtu(mtus[name], "--mtu")
    dom0 = model.dom0 if model is not None else None
    interface = dom0.interfaces.get(name) if dom0 is not None else None
    fact = interface.fact("mtu") if interface is not None else None
    if fact is not None and isinstance(fact.value, int):
        return PortMtu(fact.value, "host model", fact.location)
    return PortMtu(DEFAULT_MTU, "assumed")
