"""A capture file that could not be read to its end."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import ipv4_frame, latin1, pcap_bytes
from ..evidence import when

ID = "P130"
SLUG = "broken-capture"
SEVERITY = Severity.ERROR
SUMMARY = "A capture file is damaged: packets after the damage were not analyzed."
RATIONALE = """\
A capture cut short (tcpdump killed, disk full, a copy interrupted) or damaged reads fine up to the
damage and then stops. Conclusions about what is missing from it would be wrong, so the findings
say where reading stopped."""
FIX = "Capture again and stop tcpdump with Ctrl-C (or -c N) so it writes the whole file; copy it whole."
_FILE = pcap_bytes([ipv4_frame(100), ipv4_frame(100, ip_id=2)])
BAD = {"vif1.0.pcap": latin1(_FILE[:-10])}
GOOD = {"vif1.0.pcap": latin1(_FILE)}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for port in model.captures.ports:
        if port.problem is not None:
            read = port.problem.packet - 1
            last = f", the last at {when(port.summary.last_ns)}" if port.summary.packets else ""
            yield Problem(
                f"{port.name}: capture file damaged: {port.problem.message};"
                f" {read} packet(s) before it were read{last}",
                port.location,
                evidence=(f"byte offset {port.problem.offset}", f"packet {port.problem.packet}"),
            )
