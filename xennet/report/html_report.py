"""`--html FILE`: one self-contained HTML page for a support engineer: the counts, the root causes first
with the findings they explain, every other finding by severity, the dom0 topology, per-port
frame-size histograms, ping size charts and the inventory of files read.

Everything is inline (CSS, SVG; no script, no external URL), so the file opens anywhere offline.
Every string from the inputs is escaped: the template autoescapes, and the SVG built here in Python
escapes each label itself (markupsafe.escape) before it is marked safe.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from urllib.parse import quote

import numpy as np
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from xennet.discover import MEMBER_SEPARATOR
from xennet.findings import Finding, Location, Severity, flatten
from xennet.lint.runner import LintResult
from xennet.pcap.captures import CapturedPort
from xennet.pcap.icmp import echo_requests
from xennet.pcap.summary import SIZE_BINS

from .text import safe
from .topology import build_topology, mark_broken, render_svg

ROOT_CAUSE_FAMILY = "C"
ECHO_RULE = "P140"
ETHERNET_OVERHEAD = 18  # header and FCS: a frame of MTU + 18 bytes carries an MTU-sized IP packet
MAX_ECHO_CHARTS = 5
SEVERITIES = (Severity.ERROR, Severity.WARNING, Severity.INFO)


@dataclass(frozen=True)
class Link:
    """A location as the report shows it (`path:line:col`, the path relative to the report's base
    folder), a file:// link to it and its whole path (shown on hover)."""

    text: str
    href: str
    title: str


@dataclass
class FindingView:
    finding: Finding
    location: Link
    related: list[Link]
    explained: list[FindingView]
    nested: bool = False  # explained by a root cause: its fix is the root cause's


    @property
    def message(self) -> str:
        return safe(self.finding.message)

    @property
    def evidence(self) -> list[str]:
        return [safe(line) for line in self.finding.evidence]

    @property
    def fix(self) -> str:
        return "" if self.nested else safe(self.finding.fix)


def link(location: Location, base: str = "") -> Link:
    """`location` as a Link; its text drops the `base` folder that all the report's paths share."""
    href = "file://" + quote(os.path.abspath(_on_disk(location.path)))
    if location.line:
        href += f"#L{location.line}"
    shown = str(location)
    if base and location.path.startswith(base + "/"):
        shown = shown[len(base) + 1:]
    return Link(safe(shown), href, safe(str(location)))


def _on_disk(path: str) -> str:
    """The file on disk: an archive member (`bundle.tar.xz!/etc/xen/web01`) is in its archive."""
    return path.split(MEMBER_SEPARATOR, 1)[0]


def common_base(paths: list[str]) -> str:
    """The folder that holds every input (`fixtures/demo` for its archives and captures), or ""
    when they share none: sosreport members under it read `sosreport-dom0.tar.xz!/sos_commands/...`."""
    folders = [os.path.dirname(_on_disk(path)) for path in paths]
    if not folders or any(os.path.isabs(folder) != os.path.isabs(folders[0]) for folder in folders):
        return ""
    base = os.path.commonpath(folders) if all(folders) else ""
    return "" if base in ("", os.sep, os.curdir) else base


def _view(finding: Finding, base: str = "", under: Finding | None = None) -> FindingView:
    """The finding and, nested, the findings it explains (a root cause's `explains`), these without
    the related locations the root cause already lists and without their own fix (as in text)."""
    shown = {under.location, *under.related} if under is not None else set()
    related = [link(loc, base) for loc in finding.related if loc not in shown]
    explained = [_view(inner, base, finding) for inner in finding.explains]
    return FindingView(finding, link(finding.location, base), related, explained, nested=under is not None)


def _is_root_cause(finding: Finding) -> bool:
    return finding.rule_id.startswith(ROOT_CAUSE_FAMILY) or bool(finding.explains)


def split_findings(findings: list[Finding], base: str = "") -> tuple[list[FindingView], list[FindingView]]:
    """Root causes (rule family C, else the errors when no C rule fired), each with the findings it
    explains nested under it, and every finding left."""
    causes = [f for f in findings if _is_root_cause(f)] or [f for f in findings if f.severity is Severity.ERROR]
    return [_view(f, base) for f in causes], [_view(f, base) for f in findings if f not in causes]


def _by_severity(views: list[FindingView]) -> list[tuple[str, list[FindingView]]]:
    return [(s.value, [v for v in views if v.finding.severity is s]) for s in SEVERITIES
            if any(v.finding.severity is s for v in views)]


def _topology_svg(result: LintResult) -> Markup | None:
    topology = build_topology(result.model)
    if topology is None:
        return None
    mark_broken(topology, result.findings)
    return render_svg(topology)


@dataclass(frozen=True)
class PortView:
    name: str
    file: Link
    mtu: str
    packets: int
    largest_ip: int
    fragments: int
    histogram: Markup


def _port_view(port: CapturedPort, base: str) -> PortView:
    mtu = f"{port.mtu.value} ({port.mtu.origin})"
    return PortView(safe(port.name), link(port.location, base), mtu, port.summary.packets, port.summary.largest_ip,
                    port.summary.fragments, histogram_svg(port.summary.frame_sizes, port.mtu.value))


def histogram_svg(counts: np.ndarray, mtu: int) -> Markup:
    """Bars per SIZE_BINS bin (equal widths, counts on top) and a red line at the frame size that carries
    an MTU-sized packet, placed proportionally inside its bin."""
    bar, gap, height, base = 64, 6, 140, 170
    peak = max(int(counts.max()), 1)
    parts = [f'<svg class="histogram" width="{len(SIZE_BINS) * (bar + gap) + 20}"'
             f' height="{base + 40}" role="img" aria-label="frame sizes">']
    labels = [f"{low}-{high - 1}" for low, high in pairwise(SIZE_BINS)] + [f"{SIZE_BINS[-1]}+"]
    for index, (count, label) in enumerate(zip(counts.tolist(), labels, strict=True)):
        x, tall = 10 + index * (bar + gap), height * int(count) / peak
        parts.append(f'<rect class="bar" x="{x}" y="{base - tall:.1f}" width="{bar}" height="{tall:.1f}"/>'
                     f'<text class="count" x="{x + bar / 2}" y="{base - tall - 4:.1f}">{int(count)}</text>'
                     f'<text class="bin" x="{x + bar / 2}" y="{base + 16}">{label}</text>')
    line_x = 10 + _bin_position(mtu + ETHERNET_OVERHEAD) * (bar + gap)
    parts.append(f'<line class="mtu" x1="{line_x:.1f}" y1="14" x2="{line_x:.1f}" y2="{base}"/>'
                 f'<text class="mtu-label" x="{line_x + 4:.1f}" y="24">MTU {int(mtu)}</text>')
    parts.append(f'<text class="axis" x="10" y="{base + 34}">frame size (bytes)</text></svg>')
    return Markup("".join(parts))


def _bin_position(size: int) -> float:
    """Where `size` falls on the histogram's x axis, in bars (bin index plus the fraction inside it)."""
    for index, (low, high) in enumerate(pairwise(SIZE_BINS)):
        if low <= size < high:
            return index + (size - low) / (high - low)
    return len(SIZE_BINS) - 1


@dataclass(frozen=True)
class EchoChart:
    title: str
    svg: Markup


def echo_charts(result: LintResult) -> list[EchoChart]:
    """For a P140 finding (also one a root cause explains): each flow's echo requests by IP length,
    answered (green) or not (red)."""
    captures = result.model.captures
    if captures is None or not any(f.rule_id == ECHO_RULE for f in flatten(result.findings)):
        return []
    requests = echo_requests(captures)
    charts = []
    for flow_id in requests.flows_with_unanswered()[:MAX_ECHO_CHARTS].tolist():
        flow = requests.echo_flow(flow_id)
        sizes = flow.requests.size.astype(np.int64)
        title = safe(f"{flow.requester} -> {flow.target}")
        charts.append(EchoChart(title, size_chart_svg(sizes[flow.answered], sizes[flow.unanswered])))
    return charts


def size_chart_svg(answered: np.ndarray, unanswered: np.ndarray) -> Markup:
    """One mark per request on an IP-length axis: answered above the axis, unanswered below it."""
    width, left, right = 760, 20, 20
    sizes = np.concatenate([answered, unanswered])
    low, high = int(sizes.min()), int(sizes.max())
    span = max(high - low, 1)
    margin = span * 0.1  # keeps the extreme marks and the threshold label off the frame

    def x(size: float) -> float:
        return left + (size - low + margin) / (span + 2 * margin) * (width - left - right)

    parts = [f'<svg class="sizes" width="{width}" height="110" role="img"'
             ' aria-label="answered and unanswered echo sizes">',
             f'<line class="axis-line" x1="{left}" y1="55" x2="{width - right}" y2="55"/>']
    parts += [f'<line class="answered" x1="{x(s):.1f}" y1="25" x2="{x(s):.1f}" y2="53"/>' for s in answered.tolist()]
    parts += [f'<line class="unanswered" x1="{x(s):.1f}" y1="57" x2="{x(s):.1f}" y2="85"/>'
              for s in unanswered.tolist()]
    parts.append(f'<text class="legend" x="{left}" y="16">answered ({len(answered)})</text>'
                 f'<text class="legend" x="{left}" y="100">unanswered ({len(unanswered)})</text>'
                 f'<text class="axis" x="{width - right}" y="16" text-anchor="end">IP length {low} to {high}</text>')
    if len(answered) and len(unanswered) and answered.max() < unanswered.min():
        edge = (int(answered.max()) + int(unanswered.min())) / 2
        parts.append(f'<line class="threshold" x1="{x(edge):.1f}" y1="20" x2="{x(edge):.1f}" y2="90"/>'
                     f'<text class="mtu-label" x="{x(edge) - 4:.1f}" y="100" text-anchor="end">replies stop above'
                     f" {int(answered.max())}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _environment() -> Environment:
    return Environment(loader=PackageLoader("xennet.report", "templates"),
                       autoescape=select_autoescape(["html", "j2"], default=True), undefined=StrictUndefined)


def render_html(result: LintResult) -> str:
    """The whole report as one HTML document."""
    model = result.model
    base = common_base([*model.analyzed, *(path for path, _ in model.skipped)])
    roots, rest = split_findings(result.findings, base)
    captures = model.captures.ports if model.captures is not None else []
    counts = Counter(f.severity.value for f in flatten(result.findings))
    return _environment().get_template("report.html.j2").render(
        counts=[(s.value, counts[s.value]) for s in SEVERITIES],
        total=sum(counts.values()),
        roots=roots,
        groups=_by_severity(rest),
        topology=_topology_svg(result),
        ports=[_port_view(port, base) for port in captures],
        echo_charts=echo_charts(result),
        base=safe(base),
        analyzed=[link(Location(path), base) for path in model.analyzed],
        skipped=[(link(Location(path), base), safe(reason)) for path, reason in model.skipped],
        correlated=any(_is_root_cause(f) for f in result.findings),
    )
