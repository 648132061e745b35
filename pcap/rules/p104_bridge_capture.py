"""Oversize packets captured on a bridge device: with br_netfilter the bridge sees fragments after
netfilter reassembled them, so the capture shows datagrams that never exist on the wire."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import fragments, ipv4_frame, latin1, pcap_bytes
from ..evidence import examples
from ..oversize import classify, mtu_text

ID = "P104"
SLUG = "bridge-capture-oversize"
SEVERITY = Severity.WARNING
SUMMARY = "Oversize packets in a capture taken on a bridge device, which is not what goes on the wire."
RATIONALE = """\
tcpdump on xenbr0/br0/virbr0 sees packets as the bridge's netfilter hooks hand them over: with
br_netfilter and conntrack, fragments are already reassembled. A 3000-byte datagram in such a
capture may have crossed every port as 1500-byte fragments; it proves nothing about an MTU problem."""
FIX = "Capture on the vif or the physical port (tcpdump -i vifN.M) to see what goes on the wire."
BAD = {"xenbr0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=9)]))}
GOOD = {"xenbr0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=9)))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in classify(model.captures, model):
        count = int(found.bridge.sum())
        if count:
            port = found.port
            yield Problem(
                f"{port.name} is a bridge: {count} packet(s) up to {int(found.size[found.bridge].max())} bytes,"
                f" above {mtu_text(port)}; a bridge capture shows what br_netfilter reassembled,"
                " not what goes on the wire",
                port.location,
                evidence=examples(port, found.bridge, found.size),
            )
