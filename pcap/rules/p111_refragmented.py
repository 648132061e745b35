"""The same datagram fragmented on two ports with different fragment sizes: something between the
ports reassembled it and cut it again."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import fragments, latin1, pcap_bytes
from ..evidence import MAX_EXAMPLES, size_range
from ..fragments import describe_key
from ..refragment import Refragmented, Trains, refragmented

ID = "P111"
SLUG = "refragmented"
SEVERITY = Severity.WARNING
SUMMARY = "A datagram fragmented on one port arrives on another with different fragment sizes."
RATIONALE = """\
A bridge forwards fragments as they are. When the same datagram shows up on two ports of one dom0
cut into fragments of different sizes, dom0 reassembled it and fragmented it again: netfilter's
defragmentation (conntrack on a bridge with bridge-nf-call-iptables=1, or routing through dom0).
It works as long as every fragment fits the next MTU, costs CPU, and breaks on kernels that do not
refragment bridged traffic; it also shows a smaller MTU somewhere on the path."""
FIX = ("Keep dom0 out of bridged traffic (sysctl net.bridge.bridge-nf-call-iptables=0, no conntrack on the"
       " bridge), and make the MTUs of the vifs, the bridge and the guests agree.")
BAD = {
    "vif1.0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=7))),
    "vif2.0.pcap": latin1(pcap_bytes(fragments(3000, 1000, ip_id=7), start=1_700_000_000.0005)),
}
GOOD = {
    "vif1.0.pcap": BAD["vif1.0.pcap"],
    "vif2.0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=7), start=1_700_000_000.0005)),
}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for found in refragmented(model.captures):
        first, then = found.first, found.then
        before = size_range(first.step[found.first_index], "- to ")
        after = size_range(then.step[found.then_index], "- to ")
        yield Problem(
            f"{first.port.name} -> {then.port.name}: {len(found.first_index)} datagram(s) fragmented into"
            f" {before}-byte fragments on {first.port.name} arrive as {after}-byte fragments on {then.port.name}:"
            " something between the ports (dom0 conntrack defragmenting and refragmenting) rebuilt them",
            then.port.location,
            related=(first.port.location,),
            evidence=_evidence(found),
        )


def _evidence(found: Refragmented) -> tuple[str, ...]:
    pairs = zip(found.first_index[:MAX_EXAMPLES].tolist(), found.then_index[:MAX_EXAMPLES].tolist(), strict=False)
    return tuple(f"{describe_key(found.first.port.notable[found.first.first_row[i]])}: {_train(found.first, i)},"
                 f" {_train(found.then, j)}" for i, j in pairs)


def _train(trains: Trains, index: int) -> str:
    return (f"{int(trains.fragments[index])} fragment(s) of up to {int(trains.step[index])} bytes on"
            f" {trains.port.name} from frame {int(trains.port.notable[trains.first_row[index]]['frame'])}")
