"""Fragment trains (src, dst, IP id, protocol) on a port that cannot be reassembled: fragments are
missing, or the train is longer than an IP datagram can be."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import fragments, latin1, pcap_bytes
from ..evidence import MAX_EXAMPLES, frames
from ..fragments import describe_key, incomplete_trains

ID = "P110"
SLUG = "incomplete-fragments"
SEVERITY = Severity.WARNING
SUMMARY = "IP fragment trains on a port that never complete."
RATIONALE = """\
A datagram with one fragment lost is lost whole. When only the last, small fragment of each train
arrives, the big leading fragments were dropped on the way: the signature of a link whose MTU is
smaller than the sender's. (A train cut by the start or end of the capture also looks incomplete.)"""
FIX = "Find the hop with the smaller MTU (compare the vif, bridge and guest MTUs) and make them agree."
_TRAIN = fragments(3000, 1500, ip_id=11)
BAD = {"vif1.0.pcap": latin1(pcap_bytes(_TRAIN[-1:]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes(_TRAIN))}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for port in model.captures.ports:
        report = incomplete_trains(port.notable, MAX_EXAMPLES)
        if not report.incomplete:
            continue
        message = f"{port.name}: {report.incomplete} of {report.total} fragment train(s) cannot be reassembled"
        if report.only_last:
            message += (f"; in {report.only_last} only the last fragment(s) arrived, the signature of an MTU drop"
                        " of the big leading fragments")
        evidence = tuple(
            f"{describe_key(train.rows[0])}: frames {frames(train.rows)}; {train.describe()}"
            for train in report.examples
        )
        yield Problem(message, port.location, evidence=evidence, subject=port.name)
