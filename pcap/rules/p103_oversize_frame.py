"""IP packets above the port's MTU + 4 that are neither offload super-frames, nor reassembled
datagrams, nor seen on a bridge device: the port cannot carry them. A guest's own capture is judged
against the guest interface's MTU when the host model gives it (pcap.load)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import ipv4_frame, latin1, pcap_bytes
from ..evidence import examples
from ..oversize import classify, mtu_text

ID = "P103"
SLUG = "oversize-frame"
SEVERITY = Severity.ERROR
SUMMARY = "IP packets larger than the port's MTU (+4 bytes of VLAN slack) were captured on it."
RATIONALE = """\
A Linux bridge or veth drops a packet longer than the egress MTU + 4 without a word: the classic
symptom is that ping and ssh work but transfers stall. The frames captured here already exceed the
MTU the port is configured with, so the sender or an MTU mismatch along the path is at fault."""
FIX = "Make the MTU of the guest interface, the vif and the bridge agree (xl vif `mtu=`, ip link set dev IF mtu N)."
BAD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(1505)]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(1504)]))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in classify(model.captures):
        count = int(found.other.sum())
        if count:
            port = found.port
            yield Problem(
                f"{port.name}: {count} IP packet(s) up to {int(found.size[found.other].max())} bytes,"
                f" above {mtu_text(port)}",
                port.location,
                evidence=examples(port, found.other, found.size),
                subject=port.name,
            )
