"""ARP requests for an address that no reply on any captured port answered."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..arp import ARP_REPLY, ARP_REQUEST, UnansweredTarget, per_port, unanswered_targets
from ..craft import arp_frame, latin1, pcap_bytes
from ..evidence import MAX_GROUPS, frames, when

ID = "P150"
SLUG = "arp-unanswered"
SEVERITY = Severity.WARNING
SUMMARY = "ARP requests for an address got no reply on any captured port."
RATIONALE = """\
Nothing reaches an IPv4 neighbour whose MAC cannot be resolved. Unanswered ARP means the target is
down, has another address, sits on another VLAN or bridge, or its replies are dropped on the way
(ebtables/arptables anti-spoofing rules, a vif not attached to the bridge). Gratuitous ARP and
address probes expect no reply and are not counted; requests in the last second of the capture are
not judged, their reply may come after it ended."""
FIX = ("Check that the target is up with that address, on the same bridge and VLAN as the asker, and that no"
       " ebtables/arptables rule in dom0 drops its replies.")
_GUEST, _GATEWAY = "00:16:3e:00:00:01", "00:16:3e:00:00:fe"
_ASK = arp_frame(ARP_REQUEST, _GUEST, "198.18.0.1", "198.18.0.254")
_T = 1_700_000_000.0
BAD = {"vif1.0.pcap": latin1(pcap_bytes([_ASK, _ASK, _ASK], times=[_T, _T + 1, _T + 2]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes(
    [_ASK, arp_frame(ARP_REPLY, _GATEWAY, "198.18.0.254", "198.18.0.1", tha=_GUEST)], times=[_T, _T + 0.001]))}


def _message(found: UnansweredTarget, counts: dict[str, int]) -> str:
    times = found.requests.rows["time_ns"]
    seen = ", ".join(f"{name} ({count})" for name, count in counts.items())
    message = (f"{found.target}: {max(counts.values())} ARP request(s) from {', '.join(found.askers())} got no"
               f" reply on any port, from {when(int(times[0]))} to {when(int(times[-1]))}; captured on {seen}")
    if found.not_judged:
        message += f"; {found.not_judged} more in the last second of the capture not judged"
    return message


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    ports = model.captures.ports
    targets = sorted(unanswered_targets(model.captures), key=lambda found: -len(found.requests))  # stable
    for found in targets[:MAX_GROUPS]:
        counts = per_port(found.requests)
        busiest = sorted(counts, key=lambda p: (-counts[p], p))
        evidence = tuple(f"{ports[p].name} frame(s) {frames(found.requests.rows[found.requests.port == p])}"
                         for p in busiest)
        yield Problem(_message(found, {ports[p].name: counts[p] for p in busiest}), ports[busiest[0]].location,
                      related=tuple(ports[p].location for p in busiest[1:]), evidence=evidence,
                      subject=ports[busiest[0]].name)
    if len(targets) > MAX_GROUPS:
        rest = targets[MAX_GROUPS:]
        yield Problem(f"{len(rest)} more IPv4 address(es) asked for by {sum(len(t.requests) for t in rest)} unanswered"
                      " ARP request(s), not listed one by one", ports[0].location)
