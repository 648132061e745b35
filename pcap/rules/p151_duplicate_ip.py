"""One IPv4 address claimed by two or more MACs in ARP (requests, replies, gratuitous ARP)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..arp import ARP_REPLY, ARP_REQUEST, Claim, ContestedAddress, contested_addresses
from ..craft import arp_frame, latin1, pcap_bytes
from ..evidence import frames

ID = "P151"
SLUG = "ip-claimed-by-two-macs"
SEVERITY = Severity.ERROR
SUMMARY = "One IPv4 address is claimed by two or more MACs in ARP."
RATIONALE = """\
Every ARP request and reply says "this address is at this MAC". When two MACs say it for the same
address, the neighbours' ARP caches flip between them and connections to that address break at
random: two guests got the same static address (a cloned guest, a copied ifcfg), or a DHCP pool
overlaps static addresses. (A failover pair moving a virtual address, VRRP or keepalived, also
does this on purpose; one change in a long capture is that, a back and forth is a conflict.)"""
FIX = "Give each guest its own address (ifcfg IPADDR, /etc/network/interfaces, DHCP reservations per vif MAC)."
_A, _B, _PEER = "00:16:3e:00:00:01", "00:16:3e:00:00:02", "00:16:3e:00:00:fe"
_ASK = arp_frame(ARP_REQUEST, _PEER, "198.18.0.254", "198.18.0.5")
BAD = {"xenbr0.pcap": latin1(pcap_bytes([
    _ASK,
    arp_frame(ARP_REPLY, _A, "198.18.0.5", "198.18.0.254", tha=_PEER),
    arp_frame(ARP_REPLY, _B, "198.18.0.5", "198.18.0.254", tha=_PEER),
]))}
GOOD = {"xenbr0.pcap": latin1(pcap_bytes([_ASK, arp_frame(ARP_REPLY, _A, "198.18.0.5", "198.18.0.254", tha=_PEER)]))}


def _claim_text(claim: Claim, names: list[str]) -> str:
    packets = claim.packets
    where = "; ".join(f"{names[p]} frame(s) {frames(packets.rows[packets.port == p])}"
                      for p in dict.fromkeys(packets.port.tolist()))
    return f"{claim.mac}: {where}"


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    ports = model.captures.ports
    names = [p.name for p in ports]
    for found in contested_addresses(model.captures):
        seen = list(dict.fromkeys(p for claim in found.claims for p in claim.packets.port.tolist()))
        yield Problem(_message(found, [names[p] for p in seen]), ports[seen[0]].location,
                      related=tuple(ports[p].location for p in seen[1:]),
                      evidence=tuple(_claim_text(claim, names) for claim in found.claims))


def _message(found: ContestedAddress, seen: list[str]) -> str:
    return (f"{', '.join(seen)}: {found.address} is claimed in ARP by {len(found.claims)} MACs:"
            f" {', '.join(claim.mac for claim in found.claims)}")
