"""Fragments on one port of a datagram seen whole on another: dom0 fragmented it on the way."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import fragments, ipv4_frame, latin1, pcap_bytes
from ..evidence import MAX_EXAMPLES, size_range
from ..fragments import describe_key
from ..oversize import mtu_text
from ..refragment import FragmentedOnTheWay, fragmented_on_the_way

ID = "P112"
SLUG = "fragmented-on-the-way"
SEVERITY = Severity.WARNING
SUMMARY = "A datagram seen whole on one port arrives as fragments on another."
RATIONALE = """\
A bridge never fragments: a datagram too big for the outgoing port is dropped. When a datagram
captured whole on one port shows up fragmented on another, dom0 fragmented it, by forwarding it
through an IP hop (routed or NAT vifs) or by netfilter refragmenting bridged traffic. The sending
guest's MTU is larger than the receiving side's; with DF set (TCP, most UDP today) the same
datagram would have been dropped instead."""
FIX = ("Give the vifs, the bridge and the guests one MTU (the vif's `mtu=` in the domain config, the guest's"
       " interface MTU), so that nothing needs fragmenting between guests.")
_START = 1_700_000_000.0
BAD = {
    "vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(1500, ip_id=7)], start=_START)),
    "vif2.0.pcap": latin1(pcap_bytes(fragments(1500, 1000, ip_id=7), start=_START + 0.0005)),
}
GOOD = {
    "vif1.0.pcap": BAD["vif1.0.pcap"],
    "vif2.0.pcap": latin1(pcap_bytes([ipv4_frame(1500, ip_id=7)], start=_START + 0.0005)),
}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in fragmented_on_the_way(model.captures):
        trains, whole = found.fragmented, found.whole
        port = trains.port
        yield Problem(
            f"{port.name}: {len(found.index)} datagram(s) seen whole on {whole.name} (IP length"
            f" {size_range(whole.traffic['size'][found.whole_rows])}) arrive here as fragments of up to"
            f" {int(trains.largest[found.index].max())} bytes: dom0 fragmented them on the way (an IP hop or"
            f" netfilter refragmentation); {port.name}: {mtu_text(port)}",
            port.location,
            related=(whole.location,),
            evidence=_evidence(found),
        )


def _evidence(found: FragmentedOnTheWay) -> tuple[str, ...]:
    trains, whole = found.fragmented, found.whole
    lines = []
    for index, row in zip(found.index[:MAX_EXAMPLES].tolist(), found.whole_rows[:MAX_EXAMPLES].tolist(),
                          strict=True):
        first = trains.port.notable[trains.first_row[index]]
        lines.append(f"{describe_key(first)}: whole on {whole.name} frame {int(whole.traffic['frame'][row])}"
                     f" (IP length {int(whole.traffic['size'][row])}), {int(trains.fragments[index])} fragment(s)"
                     f" of up to {int(trains.largest[index])} bytes on {trains.port.name} from frame"
                     f" {int(first['frame'])}")
    return tuple(lines)
