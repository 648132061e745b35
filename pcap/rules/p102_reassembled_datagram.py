"""A whole datagram above the port's MTU whose fragments were captured on another port: something in
between (br_netfilter / conntrack defragmentation on dom0) reassembled it, and it cannot leave by a
port whose MTU it exceeds. Only ports of the bridge are compared (CaptureSet.compared): a bridge
device's capture shows reassembled datagrams by itself (rule P104)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import fragments, ipv4_frame, latin1, pcap_bytes
from ..evidence import MAX_EXAMPLES, frames, packet_line
from ..oversize import classify, fragment_frames, mtu_text

ID = "P102"
SLUG = "reassembled-datagram"
SEVERITY = Severity.ERROR
SUMMARY = "A datagram above the port's MTU was reassembled from fragments captured on another port."
RATIONALE = """\
Fragments that enter dom0 on one vif are put back together by netfilter's defragmentation
(br_netfilter with conntrack, or an iptables rule) and then leave as one datagram. If the outgoing
port's MTU is smaller the datagram is dropped, silently unless DF asks for an ICMP error: big UDP
(DNS, NFS, IKE, VXLAN) between guests fails while small packets work."""
FIX = ("Stop dom0 from defragmenting bridged traffic (sysctl net.bridge.bridge-nf-call-iptables=0, or no"
       " conntrack on the bridge), or make the MTUs along the path agree.")
_FRAGMENTS = fragments(3000, 1500, ip_id=7)
BAD = {
    "vif1.0.pcap": latin1(pcap_bytes(_FRAGMENTS)),
    "vif2.0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=7)])),
}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes(_FRAGMENTS)), "vif2.0.pcap": latin1(pcap_bytes(_FRAGMENTS))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in classify(model.captures):
        rows = np.flatnonzero(found.reassembled)
        if not len(rows):
            continue
        port = found.port
        others = [other for other in model.captures.compared if other is not port]
        evidence: list[str] = []
        sources: dict[str, object] = {}
        for i in rows[:MAX_EXAMPLES]:
            evidence.append(packet_line(port, port.notable[i], int(found.size[i])))
            for other, fragment_rows in fragment_frames(model.captures, port.notable[i:i + 1], others):
                sources.setdefault(other.name, other.location)
                evidence.append(f"  its fragments on {other.name}: frames {frames(fragment_rows)}")
        yield Problem(
            f"{port.name}: {len(rows)} datagram(s) of up to {int(found.size[rows].max())} bytes, above"
            f" {mtu_text(port)}, reassembled from fragments captured on {', '.join(sources)};"
            " dom0 defragmented them and they cannot leave by this port",
            port.location,
            related=tuple(sources.values()),  # type: ignore[arg-type]
            evidence=tuple(evidence),
            subject=port.name,
        )
