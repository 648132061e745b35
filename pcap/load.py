"""Capture files -> CaptureSet: which port each packet was captured on and that port's MTU.

A port is named by the pcapng interface's if_name, else by the file name (`vif3.0.pcap` and
`vif3.0-20260102T030405.pcap` are both vif3.0), unless `--port NAME=FILE` names it. A Linux cooked
v2 interface (SLL2, what `tcpdump -i any` writes) is split by the interface index of each packet:
that port is the dom0 interface with this ifindex in the host model, else `<name>@if<N>` (`any@if7`).
Each port gets its role (portkind.port_role). pcapng has no MTU option, so the MTU comes from
`--mtu NAME=N`, else from the interface the role names in the host model (the dom0 interface of
that name; for a guest's own capture, the guest's interface), else DEFAULT_MTU, marked as assumed
so findings can say so.

Each file is streamed chunk by chunk into one PortBuilder per port (interface, and SLL2 ifindex),
which keeps what captures.CapturedPort describes and drops the rest of the chunk.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from xennet.lint.model import LintModel

from .captures import BRIDGE_SLACK, DEFAULT_MTU, TRAFFIC_DTYPE, CapturedPort, CaptureSet, PortMtu, PortRole
from .decode import LINKTYPE_LINUX_SLL2
from .fragments import is_fragment
from .reader import PCAP_MAGICS, PCAPNG_SHB, open_capture
from .summary import PortSummary
from .table import CaptureProblem, CaptureStats, Port, empty
from .traffic import is_notable, packet_size, traffic_rows

CAPTURE_SUFFIXES = (".pcapng", ".pcap", ".cap")
# A timestamp appended to the port name by capture scripts: vif3.0-20260102T030405, vif3.0-2026-01-02_03-04.
TIMESTAMP_SUFFIX = re.compile(r"-(?:19|20)\d\d[-_T:.\d]*$")
ENGINES = ("native", "tshark")
TSHARK_CHUNK = 65536

# What a file says besides its packets, complete once its chunks are exhausted.
FileFacts = tuple[list[Port], CaptureProblem | None, CaptureStats]
# A port of a file: (interface index, SLL2 interface index or NO_IFINDEX).
PortKey = tuple[int, int]
NO_IFINDEX = -1


def is_capture(path: str, data: bytes | None = None) -> bool:
    """The file (or `data`, a capture read from an archive) starts with one of the four pcap magics or
    a pcapng section header. Only regular files are opened: opening a FIFO would block."""
    if data is not None:
        return data[:4] in PCAP_MAGICS or data[:4] == PCAPNG_SHB
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


@dataclass
class CaptureOptions:
    """How captures are read: `ports` NAME -> FILE (the file's port is NAME), `mtus` port NAME -> MTU,
    the engine ("native" or "tshark"), and `progress`, called as reading goes on with the bytes read
    so far and the total bytes of all capture files."""

    ports: dict[str, str] = field(default_factory=dict)
    mtus: dict[str, int] = field(default_factory=dict)
    engine: str = "native"
    progress: Callable[[int, int], None] | None = None


def load_captures(paths: list[str], options: CaptureOptions | None = None,
                  model: LintModel | None = None, contents: Mapping[str, bytes] | None = None) -> CaptureSet:
    """Read every capture in `paths` and in `options.ports`. Each pcapng interface is a port of its
    own. A file that cannot be opened or is broken still gives a port, carrying the CaptureProblem.
    `contents` holds the bytes of the paths that were read from archives (`ARCHIVE!/vif3.0.pcap`);
    they are read by the native reader whatever the engine: tshark reads files only."""
    contents = contents or {}
    options = options or CaptureOptions()
    if options.engine not in ENGINES:
        raise ValueError(f"unknown capture engine {options.engine!r}")
    names = {os.path.realpath(file): name for name, file in options.ports.items()}
    files = list(dict.fromkeys([*paths, *options.ports.values()]))
    total = sum(_size(path, contents) for path in files)
    captures = CaptureSet(engine=options.engine)
    done = 0
    for path in files:
        naming = _Naming(path, names.get(os.path.realpath(path)), options.mtus, model)

        def report(position: int, before: int = done) -> None:
            if options.progress is not None:
                options.progress(before + position, total)

        captures.ports.extend(_read_file(path, naming, options.engine, report, contents.get(path)))
        done += _size(path, contents)
        if options.progress is not None:
            options.progress(done, total)
    return captures


def _size(path: str, contents: Mapping[str, bytes]) -> int:
    if path in contents:
        return len(contents[path])
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


class _Naming:
    """Names and MTUs of the ports of one file."""

    def __init__(self, path: str, forced: str | None, mtus: dict[str, int], model: LintModel | None) -> None:
        self.path = path
        self.forced = forced
        self.mtus = mtus
        self.model = model

    def name(self, interface: Port, index: int, count: int, ifindex: int = NO_IFINDEX) -> str:
        """The port of interface `index` of `count`, or of its packets with SLL2 interface index `ifindex`."""
        base = self._interface_name(interface, index, count)
        if ifindex == NO_IFINDEX:
            return base
        return self._dom0_by_ifindex.get(ifindex) or f"{base}@if{ifindex}"

    def _interface_name(self, interface: Port, index: int, count: int) -> str:
        if self.forced:
            return self.forced if count == 1 else f"{self.forced}#{index}"
        # the reader names a pcap file's only port after the file: strip it like a nameless interface
        named = interface.name and interface.name != os.path.basename(self.path)
        return interface.name if named else port_name_from_file(self.path)

    @cached_property
    def _dom0_by_ifindex(self) -> dict[int, str]:
        """ifindex -> dom0 interface name, from the ifindex option of the host model's records
        (`ip link`, `bridge link`); the first name in sorted order wins a duplicate index."""
        dom0 = self.model.dom0 if self.model is not None else None
        if dom0 is None:
            return {}
        names: dict[int, str] = {}
        for name, interface in sorted(dom0.interfaces.items()):
            fact = interface.option("ifindex")
            if fact is not None and fact.value.isdigit():
                names.setdefault(int(fact.value), name)
        return names

    def fallback(self) -> str:
        return self.forced or port_name_from_file(self.path)

    def role(self, name: str) -> PortRole:
        # portkind reads lint modules that import lint.runner, which imports this module
        from .portkind import port_role

        return port_role(self.model, name, self.path)

    def mtu(self, name: str, role: PortRole) -> PortMtu:
        """--mtu, else the MTU of the interface the capture shows (a guest's for its own capture)."""
        if name in self.mtus:
            return PortMtu(self.mtus[name], "--mtu")
        interface = role.host.interfaces.get(role.interface) if role.host is not None else None
        fact = interface.fact("mtu") if interface is not None else None
        if fact is not None and isinstance(fact.value, int):
            return PortMtu(fact.value, "host model", fact.location)
        return PortMtu(DEFAULT_MTU, "assumed")


class PortBuilder:
    """Streams the chunks of one port: the summary, the notable rows and the traffic rows."""

    def __init__(self, link_type: int, limit: int) -> None:
        self.link_type = link_type
        self.limit = limit
        self.summary = PortSummary()
        self.notable: list[np.ndarray] = []
        self.traffic: list[np.ndarray] = []

    def add(self, chunk: np.ndarray) -> None:
        size = packet_size(chunk, self.link_type)
        fragment = is_fragment(chunk)
        self.summary.add(chunk, size, fragment)
        self.notable.append(chunk[is_notable(chunk, size, fragment, self.limit)])
        self.traffic.append(traffic_rows(chunk, size, fragment))

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """The notable and traffic rows of all chunks; completes the summary's source MACs. Each
        list of chunks is dropped as soon as it is joined: memory peaks at one table held twice."""
        traffic = np.concatenate(self.traffic) if self.traffic else np.zeros(0, dtype=TRAFFIC_DTYPE)
        self.traffic = []
        notable = np.concatenate(self.notable) if self.notable else empty(0)
        self.notable = []
        self.summary.finish(traffic["eth_src"], traffic["frame"])
        return notable, traffic


def _read_file(path: str, naming: _Naming, engine: str, report: Callable[[int], None],
               data: bytes | None = None) -> list[CapturedPort]:
    """The ports of one file (or of `data`, its content); `report` is told the byte offset reached after
    each chunk."""
    assumed = PortMtu(DEFAULT_MTU, "assumed")
    try:
        chunks, finish, position = _open(path, engine, data)
    except OSError as error:
        problem = CaptureProblem(f"cannot read capture: {error.strerror}", 0, 1)
        return [_empty_port(naming, path, assumed, problem, CaptureStats())]
    builders: dict[PortKey, PortBuilder] = {}  # in order of first appearance
    interfaces: list[Port] = []
    for chunk in chunks:
        interfaces, _, _ = finish()
        for (index, ifindex), rows in _split_by_port(chunk, interfaces):
            if (index, ifindex) not in builders:
                name = naming.name(interfaces[index], index, len(interfaces), ifindex)
                limit = naming.mtu(name, naming.role(name)).value + BRIDGE_SLACK
                builders[index, ifindex] = PortBuilder(interfaces[index].link_type, limit)
            builders[index, ifindex].add(rows)
        report(position())
    interfaces, problem, stats = finish()
    if not interfaces:  # broken before the first interface: the problem still needs a port
        return [_empty_port(naming, path, assumed, problem, stats)]
    result: list[CapturedPort] = []
    for index, interface in enumerate(interfaces):
        # every interface is a port, even without packets; an SLL2 one is a port per ifindex seen
        ifindexes = [ifindex for (of, ifindex) in builders if of == index] or [NO_IFINDEX]
        for ifindex in ifindexes:
            name = naming.name(interface, index, len(interfaces), ifindex)
            builder = builders.get((index, ifindex)) or PortBuilder(interface.link_type, 0)
            notable, traffic = builder.tables()
            first_of_file = not result
            own_stats = _own_stats(stats, index, ifindex == ifindexes[0], first_of_file)
            role = naming.role(name)
            result.append(CapturedPort(name, path, naming.mtu(name, role), interface.link_type, notable, traffic,
                                       builder.summary, problem if first_of_file else None, own_stats, role))
    return result


def _own_stats(stats: CaptureStats, index: int, first_of_interface: bool, first_of_file: bool) -> CaptureStats:
    """What of the file's statistics a port carries: interface `index`'s capture drops on that
    interface's first port, the skipped blocks on the file's first port (each counted once)."""
    drops = stats.capture_drops.get(index) if first_of_interface else None
    return CaptureStats(capture_drops={} if drops is None else {index: drops},
                        skipped_blocks=stats.skipped_blocks if first_of_file else 0)


def _split_by_port(chunk: np.ndarray, interfaces: list[Port]) -> Iterator[tuple[PortKey, np.ndarray]]:
    """The rows of `chunk` per port: per interface, and for an SLL2 interface per ifindex in order of
    first appearance (a row whose SLL2 header was cut before its ifindex stays on the interface's port)."""
    indexes = np.unique(chunk["port"]).tolist()
    for index in indexes:
        rows = chunk if len(indexes) == 1 else chunk[chunk["port"] == index]
        if interfaces[index].link_type != LINKTYPE_LINUX_SLL2:
            yield (index, NO_IFINDEX), rows
            continue
        ifindexes, first = np.unique(rows["ifindex"], return_index=True)
        for ifindex in ifindexes[np.argsort(first)].tolist():
            yield (index, ifindex), rows if len(ifindexes) == 1 else rows[rows["ifindex"] == ifindex]


def _empty_port(naming: _Naming, path: str, mtu: PortMtu, problem: CaptureProblem | None,
                stats: CaptureStats) -> CapturedPort:
    name = naming.fallback()
    return CapturedPort(name, path, mtu, 0, empty(0), np.zeros(0, dtype=TRAFFIC_DTYPE), PortSummary(), problem,
                        stats, naming.role(name))


def _open(path: str, engine: str, data: bytes | None
          ) -> tuple[Iterator[np.ndarray], Callable[[], FileFacts], Callable[[], int]]:
    """The chunks of `path` (or `data`), a function giving (ports, problem, stats) as far as read, and
    one giving the byte offset reached in the file."""
    if engine == "tshark" and data is None:
        from .tshark_engine import read_all_tshark  # pyshark is only imported when asked for

        table, interfaces, problem, stats = read_all_tshark(path)
        chunks = (table[i:i + TSHARK_CHUNK] for i in range(0, len(table), TSHARK_CHUNK))
        return chunks, lambda: (interfaces, problem, stats), lambda: 0
    capture = open_capture(path, data=data)
    return capture.chunks, lambda: (capture.ports, capture.problem, capture.stats), lambda: capture.position
