"""Echo requests (ping) that no captured reply answered, per flow, with the size where replies stop."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from xennet.findings import Severity
from xennet.registry import Problem

from ..craft import ICMP_ECHO_REPLY, icmp_frame, latin1, pcap_bytes
from ..crossport import home_port
from ..evidence import MAX_EXAMPLES, MAX_GROUPS, size_range, when
from ..icmp import EchoFlow, echo_requests

ID = "P140"
SLUG = "echo-unanswered"
SEVERITY = Severity.ERROR
SUMMARY = "Echo requests (ping) got no reply on any captured port."
RATIONALE = """\
When small pings are answered and big ones are not, a hop on the way drops packets above its MTU:
the size where replies stop is that hop's limit (on a bridge, the MTU + 4). When no ping is
answered, the target is down, unreachable, or a firewall drops ICMP. Requests sent in the last
second of the capture are not judged: their reply may have come after it ended."""
FIX = ("Compare the size where replies stop with the MTUs of the guest, its vif and the bridge and make them"
       " agree; if none is answered, check that the target is up and that no firewall drops ICMP.")
_PINGS = [icmp_frame(size, seq=size, src="198.18.0.1", dst="198.18.0.2") for size in (1400, 1500, 1501, 1600)]
_PONGS = [icmp_frame(size, ICMP_ECHO_REPLY, seq=size, src="198.18.0.2", dst="198.18.0.1") for size in (1400, 1500)]
_T = 1_700_000_000.0
BAD = {"vif1.0.pcap": latin1(pcap_bytes([_PINGS[0], _PONGS[0], _PINGS[1], _PONGS[1], *_PINGS[2:]],
                                        times=[_T, _T + 0.001, _T + 1, _T + 1.001, _T + 2, _T + 3.5]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([_PINGS[0], _PONGS[0], _PINGS[1], _PONGS[1]],
                                         times=[_T, _T + 0.001, _T + 1, _T + 1.001]))}


def _threshold(answered: np.ndarray, unanswered: np.ndarray) -> str:
    """Where replies stop, from the IP lengths of answered and unanswered requests."""
    if not len(answered):
        return f"none answered, IP length {size_range(unanswered)}"
    if answered.max() < unanswered.min():
        return f"answered up to IP length {answered.max()}, none from {unanswered.min()} up"
    return f"answered IP length {size_range(answered)}, unanswered IP length {size_range(unanswered)}"


def _message(flow: EchoFlow, ports: list[str]) -> str:
    unanswered = flow.unanswered
    judged = int(flow.judged.sum())
    message = (f"{', '.join(ports)}: {flow.requester} -> {flow.target}:"
               f" {int(unanswered.sum())} of {judged} echo request(s) unanswered:"
               f" {_threshold(flow.requests.size[flow.answered], flow.requests.size[unanswered])}")
    if flow.not_judged:
        message += (f"; {flow.not_judged} more unanswered in the last second of the capture not judged"
                    " (their reply may come after its end)")
    return message


def _example(port: str, row: np.void, size: int) -> str:
    return (f"{port} frame {int(row['frame'])} at {when(int(row['time_ns']))}: echo request seq"
            f" {int(row['icmp_seq'])}, IP length {size}, no reply captured")


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    ports = model.captures.ports
    echo = echo_requests(model.captures)
    flows = echo.flows_with_unanswered()
    for flow_id in flows[:MAX_GROUPS].tolist():
        flow = echo.echo_flow(flow_id)
        unanswered = flow.requests.take(np.flatnonzero(flow.unanswered))
        seen = [ports[i] for i in dict.fromkeys(flow.requests.port.tolist())]  # where each request was first seen
        shown = unanswered.take(np.arange(min(len(unanswered), MAX_EXAMPLES)))
        evidence = tuple(_example(ports[p].name, row, int(size))
                         for row, p, size in zip(shown.rows, shown.port, shown.size, strict=True))
        target = home_port(model.captures, int(flow.requests.rows["eth_dst"][0]))
        yield Problem(_message(flow, [p.name for p in seen]), seen[0].location,
                      related=tuple(p.location for p in seen[1:]), evidence=evidence, subject=seen[0].name,
                      also_about=(target.name,) if target is not None and target is not seen[0] else ())
    if len(flows) > MAX_GROUPS:
        rest = flows[MAX_GROUPS:]
        yield Problem(f"{len(rest)} more echo flow(s) (requester, target) with"
                      f" {echo.unanswered_count(rest)} unanswered echo request(s) in all, not listed one by one",
                      ports[0].location)
