"""`xennet pcap`'s per-port statistics: a text table after the findings, or a "ports" key added to the
lint JSON document (docs/json-output.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from xennet.pcap.captures import CapturedPort
from xennet.pcap.stats import port_stats

from .text import safe

COLUMNS = ("port", "role", "file", "packets", "bytes", "largest IP", "fragments", "MTU")
CROSS_PORT_RULES = "P102, P111, P112, P120, P160"


def port_row(port: CapturedPort) -> dict[str, Any]:
    """One port as JSON: the statistics of pcap.stats (name, MTU and its origin included), its role,
    whether the rules comparing ports took it, and its file."""
    return {"port": port.name, "role": port.role.kind, "compared": port.role.compared, "file": port.path,
            **port_stats(port)}


def render_json(lint_document: str, ports: Sequence[CapturedPort]) -> str:
    """The lint JSON document with a "ports" list next to its keys."""
    document = json.loads(lint_document)
    document["ports"] = [port_row(port) for port in ports]
    return json.dumps(document, indent=2, ensure_ascii=False)


def render_text(ports: Sequence[CapturedPort]) -> str:
    """A table, one line per port, numbers right-aligned; "No capture ports." when there is none."""
    if not ports:
        return "No capture ports."
    rows = [COLUMNS]
    for port in ports:
        stats = port_row(port)
        rows.append((
            safe(stats["port"]), stats["role"], safe(stats["file"]), f"{stats['packets']:,}", f"{stats['bytes']:,}",
            f"{stats['largest_ip_length']:,}", f"{stats['fragments']:,}", f"{stats['mtu']} ({stats['mtu_origin']})",
        ))
    widths = [max(len(row[column]) for row in rows) for column in range(len(COLUMNS))]
    numeric = {3, 4, 5, 6}
    lines = ["  ".join(cell.rjust(width) if column in numeric else cell.ljust(width)
                       for column, (cell, width) in enumerate(zip(row, widths, strict=True))).rstrip()
             for row in rows]
    return "\n".join([*lines, *_left_out(ports)])


def _left_out(ports: Sequence[CapturedPort]) -> list[str]:
    """A line naming the ports the rules comparing ports left out, when there were others to compare."""
    left_out = [port for port in ports if not port.role.compared]
    if not left_out or len(ports) < 2:
        return []
    names = ", ".join(f"{safe(port.name)} ({port.role.kind}: {port.role.why})" for port in left_out)
    return [f"not compared with the other ports ({CROSS_PORT_RULES}): {names}"]
