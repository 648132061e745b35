"""Packets the capture itself dropped (pcapng interface statistics, isb_ifdrop)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import ipv4_frame, latin1, pcapng_bytes

ID = "P131"
SLUG = "capture-drops"
SEVERITY = Severity.WARNING
SUMMARY = "The capture dropped packets (pcapng interface statistics): missing packets may never have been recorded."
RATIONALE = """\
When tcpdump cannot keep up, the kernel drops packets before they reach the capture and counts them
in the interface statistics. Such packets did go over the network: a packet missing from this
capture is not proof that the network lost it."""
FIX = "Capture with a larger buffer (tcpdump -B), a filter, or a snap length (-s 128) and compare again."
BAD = {"vif1.0.pcapng": latin1(pcapng_bytes([ipv4_frame(100)], "vif1.0", drops=3))}
GOOD = {"vif1.0.pcapng": latin1(pcapng_bytes([ipv4_frame(100)], "vif1.0", drops=0))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for port in model.captures.ports:
        drops = sum(port.stats.capture_drops.values())
        if drops:
            yield Problem(
                f"{port.name}: the capture itself dropped {drops} packet(s) (interface statistics);"
                " this is the capturing host, not the network",
                port.location,
                evidence=(f"isb_ifdrop {drops} in {port.path}", f"{port.summary.packets} packet(s) captured"),
            )
