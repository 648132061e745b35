"""The dom0's network as a picture for the HTML report: physical NICs, VLAN devices, bridges, vif/tap
ports and the guests behind them, each box with its name and MTU, laid out in columns left to right
and drawn as inline SVG (no script, no external resources).

What is highlighted as broken (CSS class "broken", red) follows one simple rule: a box is broken when
a warning or error finding (a root cause or one it explains) has it as its `subject` or names it in
its message (as a whole interface or domain name, so `eth0` does not match `eth0.3`); an edge is
broken when both of its ends are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from xennet.findings import Finding, Severity, flatten
from xennet.lint.host import Host, Interface
from xennet.lint.hostquery import dom0_vifs
from xennet.lint.model import LintModel

NIC, VLAN, BRIDGE, PORT, GUEST = range(5)  # the columns, left to right
COLUMN_TITLES = ("NICs", "VLAN devices", "bridges", "vif / tap ports", "guests")
BOX_WIDTH, LINE_HEIGHT, BOX_PADDING = 170, 16, 8
COLUMN_GAP, ROW_GAP, TOP = 50, 14, 36
GUEST_KINDS = ("vif", "tap")
HIDDEN_KINDS = ("loopback",)


@dataclass
class Box:
    """One device or guest: its name, the lines under it, and where the layout put it."""

    key: str
    title: str
    column: int
    lines: list[str] = field(default_factory=list)
    dashed: bool = False  # known from a config only, not seen running
    broken: bool = False
    x: float = 0
    y: float = 0

    @property
    def height(self) -> float:
        return BOX_PADDING * 2 + LINE_HEIGHT * (1 + len(self.lines))


@dataclass(frozen=True)
class Edge:
    left: str
    right: str
    dashed: bool = False


@dataclass
class Topology:
    boxes: dict[str, Box] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)

    def add(self, box: Box) -> Box:
        return self.boxes.setdefault(box.key, box)

    def connect(self, left: str, right: str, dashed: bool = False) -> None:
        edge = Edge(left, right, dashed)
        if left in self.boxes and right in self.boxes and edge not in self.edges:
            self.edges.append(edge)


def build_topology(model: LintModel) -> Topology | None:
    """The dom0's devices and guests, or None when the inputs hold no dom0 network facts nor domains."""
    host = model.dom0
    if host is None or not (host.interfaces or host.domains):
        return None
    topology = Topology()
    _add_devices(topology, host)
    _add_bridges(topology, host)
    _add_guests(topology, model)
    _layout(topology)
    return topology


def _mtu_line(interface: Interface) -> list[str]:
    mtu = interface.value("mtu")
    return [f"MTU {mtu}"] if mtu is not None else ["MTU unknown"]


def _column_of(interface: Interface, bridges: set[str]) -> int | None:
    kind = interface.kind
    if interface.name in bridges:
        return BRIDGE
    if kind in HIDDEN_KINDS:
        return None
    if kind in GUEST_KINDS or interface.name.startswith(("vif", "tap")):
        return PORT
    return VLAN if kind == "vlan" else NIC


def _add_devices(topology: Topology, host: Host) -> None:
    bridges = {bridge.name for bridge in host.bridges()}
    for name, interface in sorted(host.interfaces.items()):
        column = _column_of(interface, bridges)
        if column is None:
            continue
        lines = _mtu_line(interface)
        vlan_id = interface.value("vlan_id")
        if vlan_id is not None:
            lines.append(f"VLAN {vlan_id}")
        topology.add(Box(name, name, column, lines, dashed=not interface.seen_running))
    for name, interface in host.interfaces.items():
        parent = interface.value("parent")
        if parent and name in topology.boxes:
            topology.add(Box(parent, parent, NIC, ["not described"], dashed=True))
            topology.connect(parent, name)


def _add_bridges(topology: Topology, host: Host) -> None:
    for bridge in host.bridges():
        for port in sorted(host.ports(bridge.name)):
            if port not in topology.boxes:
                topology.add(Box(port, port, PORT, ["not described"], dashed=True))
            if topology.boxes[port].column == PORT:
                topology.connect(bridge.name, port)
            else:
                topology.connect(port, bridge.name)


def _add_guests(topology: Topology, model: LintModel) -> None:
    """A box per configured domain, joined to its vif device, else (dashed) to the bridge its config
    names; a guest tree joined to the domain adds its interfaces and their MTUs."""
    guest_trees = {link.domain.label: link.guest for link in model.guest_links}
    for domvif in dom0_vifs(model):
        domain = domvif.domain.label
        key = f"guest:{domain}"
        lines = [f"{domvif.domain.guest_type} guest"]
        tree = guest_trees.get(domain)
        if tree is not None:
            lines += [f"{name}: {_mtu_line(i)[0]}" for name, i in sorted(tree.interfaces.items())
                      if i.kind not in HIDDEN_KINDS]
        topology.add(Box(key, domain, GUEST, lines))
        if domvif.device is not None:
            topology.connect(domvif.device.name, key)
            continue
        bridge = (domvif.vif.value("bridge") or "").strip() or None
        if bridge is not None:
            topology.add(Box(bridge, bridge, BRIDGE, ["configured only"], dashed=True))
            topology.connect(bridge, key, dashed=True)


def _layout(topology: Topology) -> None:
    """Ports and guests stacked top down in bridge order; every other box as close as it can get to
    the middle of what it connects to, pushed down so that no two boxes of a column overlap."""
    columns: dict[int, list[Box]] = {}
    for box in topology.boxes.values():
        columns.setdefault(box.column, []).append(box)
    neighbours = _neighbours(topology)
    _stack(_port_order(topology, columns.get(PORT, [])), {})
    for column in (GUEST, BRIDGE, VLAN, NIC):
        wanted = {box.key: _middle(topology, neighbours.get(box.key, ())) for box in columns.get(column, [])}
        _stack(sorted(columns.get(column, []), key=lambda b: (wanted[b.key] is None, wanted[b.key] or 0)), wanted)
    used = sorted(columns)
    for box in topology.boxes.values():
        box.x = used.index(box.column) * (BOX_WIDTH + COLUMN_GAP) + 10


def _neighbours(topology: Topology) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for edge in topology.edges:
        found.setdefault(edge.left, []).append(edge.right)
        found.setdefault(edge.right, []).append(edge.left)
    return found


def _port_order(topology: Topology, ports: list[Box]) -> list[Box]:
    """Ports grouped by their bridge (bridges in name order), then by name."""
    bridge_of = {e.right: e.left for e in topology.edges if e.right in topology.boxes
                 and topology.boxes[e.right].column == PORT}
    return sorted(ports, key=lambda box: (bridge_of.get(box.key, "~"), box.key))


def _middle(topology: Topology, keys: Iterable[str]) -> float | None:
    """The vertical middle of the already placed boxes among `keys`, as a top edge wish."""
    placed = [topology.boxes[key] for key in keys if topology.boxes[key].y]
    if not placed:
        return None
    return sum(box.y + box.height / 2 for box in placed) / len(placed)


def _stack(boxes: Sequence[Box], wanted: dict[str, float | None]) -> None:
    bottom = TOP
    for box in boxes:
        middle = wanted.get(box.key)
        top = middle - box.height / 2 if middle is not None else bottom
        box.y = max(top, bottom)
        bottom = box.y + box.height + ROW_GAP


def mark_broken(topology: Topology, findings: Iterable[Finding]) -> None:
    """Apply the module's rule: boxes a warning or error is about, or names in its message, are broken."""
    serious = [f for f in flatten(findings) if f.severity.rank >= Severity.WARNING.rank]
    subjects = {f.subject for f in serious}
    for box in topology.boxes.values():
        pattern = re.compile(rf"(?<![\w./-]){re.escape(box.title)}(?![\w-]|\.\w)")
        box.broken = box.title in subjects or any(pattern.search(f.message) for f in serious)


def is_broken(topology: Topology, edge: Edge) -> bool:
    return topology.boxes[edge.left].broken and topology.boxes[edge.right].broken


def render_svg(topology: Topology) -> Markup:
    """The picture as one <svg> element; every name in it is escaped."""
    column_x = {box.column: box.x for box in topology.boxes.values()}
    width = len(column_x) * (BOX_WIDTH + COLUMN_GAP)
    height = max(box.y + box.height for box in topology.boxes.values()) + 10
    parts = [f'<svg class="topology" width="{width:.0f}" height="{height:.0f}"'
             f' viewBox="0 0 {width:.0f} {height:.0f}" role="img" aria-label="dom0 network topology">']
    parts += [f'<text class="column-title" x="{x:.0f}" y="18">{COLUMN_TITLES[column]}</text>'
              for column, x in sorted(column_x.items())]
    parts += [_edge_svg(topology, edge) for edge in topology.edges]
    parts += [_box_svg(box) for box in topology.boxes.values()]
    parts.append("</svg>")
    return Markup("\n".join(parts))


def _edge_svg(topology: Topology, edge: Edge) -> str:
    left, right = topology.boxes[edge.left], topology.boxes[edge.right]
    classes = " ".join(["edge", *(["broken"] if is_broken(topology, edge) else []),
                        *(["dashed"] if edge.dashed else [])])
    return (f'<line class="{classes}" x1="{left.x + BOX_WIDTH:.0f}" y1="{left.y + left.height / 2:.0f}"'
            f' x2="{right.x:.0f}" y2="{right.y + right.height / 2:.0f}"/>')


def _box_svg(box: Box) -> str:
    classes = " ".join(["box", f"column-{box.column}", *(["broken"] if box.broken else []),
                        *(["dashed"] if box.dashed else [])])
    texts = [f'<text class="box-title" x="{box.x + BOX_PADDING:.0f}" y="{box.y + BOX_PADDING + 12:.0f}">'
             f"{escape(_clip(box.title))}</text>"]
    texts += [f'<text class="box-line" x="{box.x + BOX_PADDING:.0f}"'
              f' y="{box.y + BOX_PADDING + 12 + LINE_HEIGHT * (n + 1):.0f}">{escape(_clip(line))}</text>'
              for n, line in enumerate(box.lines)]
    return (f'<g class="{classes}"><title>{escape(box.title)}</title>'
            f'<rect x="{box.x:.0f}" y="{box.y:.0f}" width="{BOX_WIDTH}" height="{box.height:.0f}" rx="6"/>'
            + "".join(texts) + "</g>")


def _clip(text: str, limit: int = 22) -> str:
    """Keep a label inside its box (the full name is in the box's tooltip)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
