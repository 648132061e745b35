"""ICMP "fragmentation needed" / ICMPv6 "packet too big" messages: a hop says the path MTU is smaller
than the packets sent over it."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import ICMP_FRAG_NEEDED, ICMP_UNREACH, UDP, icmp_frame, ipv4_frame, latin1, pcap_bytes
from ..evidence import MAX_EXAMPLES, packet_line
from ..icmp import TooBigGroup, too_big_groups
from ..oversize import mtu_text

ID = "P141"
SLUG = "frag-needed-seen"
SEVERITY = Severity.WARNING
SUMMARY = "A router or bridge host answered with ICMP fragmentation-needed / ICMPv6 packet-too-big."
RATIONALE = """\
A hop sends these when a packet is larger than its next link and may not be fragmented (DF set, or
IPv6): the sender thinks the path is wider than it is. Path MTU discovery then shrinks its packets,
which costs a retransmission per connection; when these messages are filtered on the way back, the
connection stalls instead. Either way an MTU on the path is smaller than the sender's."""
FIX = ("Make the MTUs along the path agree (guest interface, vif, bridge, uplink, tunnel), or lower the"
       " sender's MTU to the next-hop MTU the message announces.")
_SENDER, _ROUTER = "198.18.0.1", "198.18.0.254"
BAD = {"vif1.0.pcap": latin1(pcap_bytes([
    ipv4_frame(1400, src=_SENDER, dst="198.51.100.7", proto=UDP, df=True),
    icmp_frame(576, ICMP_UNREACH, ICMP_FRAG_NEEDED, mtu=1280, src=_ROUTER, dst=_SENDER),
]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(1400, src=_SENDER, dst="198.51.100.7", proto=UDP, df=True)]))}


def _message(group: TooBigGroup) -> str:
    kind = "ICMP fragmentation-needed" if group.rows["ip_version"][0] == 4 else "ICMPv6 packet-too-big"
    # RFC 1191: routers older than path MTU discovery leave the next-hop MTU field at 0
    mtu = f"a next-hop MTU of {group.mtu}" if group.mtu else "no next-hop MTU (a router older than RFC 1191)"
    return (f"{group.port.name}: {len(group.rows)} {kind} message(s) from {group.sender} to {group.destination}"
            f" announce {mtu}: the path from {group.destination} is narrower than the"
            f" packets it sends (this port: {mtu_text(group.port)})")


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for group in too_big_groups(model.captures):
        evidence = tuple(packet_line(group.port, row) for row in group.rows[:MAX_EXAMPLES])
        yield Problem(_message(group), group.port.location, evidence=evidence)
