"""TCP frames above the port's MTU that are segmentation offload super-frames (TSO/GSO/GRO, BIG TCP):
the capture sees the stack's segment before the NIC or the peer cuts it. Counted, never an error."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import TCP, ipv4_frame, latin1, pcap_bytes
from ..evidence import examples
from ..oversize import classify, mtu_text

ID = "P101"
SLUG = "offload-superframe"
SEVERITY = Severity.INFO
SUMMARY = "TCP frames above the MTU that are offload super-frames (TSO/GSO/GRO, BIG TCP), not oversize traffic."
RATIONALE = """\
With segmentation offload a capture on the sending host, or on a vif/tap fed by a guest with GSO,
shows TCP segments of tens of kilobytes (DF set, or an IPv4/IPv6 length field of 0 for BIG TCP).
They are cut to MTU-sized packets later and are not why a guest cannot talk; mistaking them for
oversize frames sends the diagnosis the wrong way."""
FIX = ("Nothing to fix. To see wire-sized packets, capture on the far side or turn offloads off"
       " (ethtool -K IF tso off gso off gro off).")
BAD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(9000, proto=TCP, df=True)]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(1500, proto=TCP, df=True)]))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in classify(model.captures):
        count = int(found.offload.sum())
        if count:
            port = found.port
            largest = int(found.size[found.offload].max())
            yield Problem(
                f"{port.name}: {count} TCP offload super-frame(s) up to {largest} bytes, above {mtu_text(port)};"
                " segmentation offload passes whole segments here, the wire carries MTU-sized packets",
                port.location,
                evidence=examples(port, found.offload, found.size),
            )

