"""Oversize packets captured on a bridge device. The bridge device is no hop between the bridge's
ports: its MTU limits only what dom0 itself sends and receives there, frames forwarded from port to
port are checked against the egress port's MTU. With br_netfilter and conntrack the device also sees
fragments after netfilter reassembled them, datagrams that never crossed a port whole.

The message says which of these the packets are: captured as fragments on another port (reassembled),
above the MTU of every port of the bridge per the host model (they cannot have crossed a port whole:
reassembled), or else just above the bridge device's own MTU."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from xennet.findings import Severity
from xennet.registry import Problem

from ..captures import BRIDGE_DEVICE, BRIDGE_SLACK, CapturedPort, CaptureSet
from ..craft import fragments, ipv4_frame, latin1, pcap_bytes
from ..evidence import examples
from ..oversize import Oversize, classify, fragmented_on, mtu_text

ID = "P104"
SLUG = "bridge-capture-oversize"
SEVERITY = Severity.WARNING
SUMMARY = "Oversize packets in a capture taken on a bridge device, which is not what goes on the wire."
RATIONALE = """\
tcpdump on xenbr0/br0/virbr0 is no capture of a hop. The bridge device's MTU limits only what dom0
itself sends and receives on it; a frame forwarded from one port to another is checked against the
ports' MTUs, so a packet above the bridge's MTU may well cross the bridge. And with br_netfilter and
conntrack, the bridge device sees fragments after netfilter reassembled them: a 3000-byte datagram in
such a capture may have crossed every port as 1500-byte fragments. Neither proves an MTU problem."""
FIX = "Capture on the vif or the physical port (tcpdump -i vifN.M) to see what goes on the wire."
BAD = {"xenbr0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=9)]))}
GOOD = {"xenbr0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=9)))}
REASSEMBLED = ("bridge netfilter (br_netfilter with conntrack) reassembled them: the bridge device shows the"
               " reassembled datagrams, not what crossed the ports")


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in classify(model.captures):
        count = int(found.bridge.sum())
        if count:
            port = found.port
            yield Problem(
                f"{port.name} is a bridge: {count} packet(s) up to {int(found.size[found.bridge].max())} bytes,"
                f" above {mtu_text(port)}; {'; '.join(_explanations(model.captures, found))}",
                port.location,
                evidence=examples(port, found.bridge, found.size),
            )


def _explanations(captures: CaptureSet, found: Oversize) -> list[str]:
    """What is true of the oversize packets, one clause per group (see the module docstring)."""
    port, count = found.port, int(found.bridge.sum())
    rows = port.notable
    candidates = [other for other in captures.ports if other is not port and other.role.kind != BRIDGE_DEVICE]
    seen = found.bridge & fragmented_on(captures, rows, candidates)
    largest = _largest_port_mtu(port)
    too_big = found.bridge & ~seen & (found.size > largest + BRIDGE_SLACK) if largest else np.zeros_like(seen)
    rest = found.bridge & ~seen & ~too_big
    clauses = []

    def lead(mask: np.ndarray, past: bool) -> str:
        """`they are`, `1 is`, `2 were`: the subject of a clause about the packets of `mask`."""
        number = int(mask.sum())
        plural = "were" if past else "are"
        if number == count:
            return f"they {plural}"
        return f"{number} {('was' if past else 'is') if number == 1 else plural}"

    if seen.any():
        names = [other.name for other in candidates if fragmented_on(captures, rows[seen], [other]).any()]
        clauses.append(f"{lead(seen, True)} captured as fragments on {', '.join(names)}: {REASSEMBLED}")
    if too_big.any():
        clauses.append(f"{lead(too_big, False)} above the MTU of every port of {port.name} (at most {largest}, host"
                       f" model): no port carried them whole, {REASSEMBLED}")
    if rest.any():
        clauses.append(f"{lead(rest, False)} above the bridge device's MTU only, which is not a hop's MTU: frames"
                       " forwarded between ports are compared with the ports' MTUs, not the bridge's")
    return clauses


def _largest_port_mtu(port: CapturedPort) -> int | None:
    """The largest MTU among the ports of the bridge `port` captured, when the host model gives every one."""
    host = port.role.host
    if host is None:
        return None
    interfaces = [host.interfaces.get(name) for name in host.ports(port.role.interface)]
    mtus = [interface.value("mtu") if interface is not None else None for interface in interfaces]
    return max(mtus) if mtus and all(isinstance(mtu, int) for mtu in mtus) else None
