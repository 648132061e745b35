"""Part of an input that xennet read but could not model: a truncated command output, a block of a
network-script wrapper with loops or variables, an output under a known name that is something
else, a line after `exit` that never runs. Nothing is guessed: the finding says what was left out,
and the rest of the file is used."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E005"
SLUG = "partly-understood"
SEVERITY = Severity.WARNING
SUMMARY = "Part of an input could not be modelled (truncated, unmodelled construct, unexpected content)."
RATIONALE = """\
A conclusion drawn from half a file can be wrong: a bridge whose port list was cut off looks like a
bridge without that port. Saying what was not understood keeps the other findings honest."""
FIX = "Provide the complete output, or check the construct named in the message by hand."
BAD = {
    "ip_address": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 15"
}
GOOD = {
    "ip_address": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
}
HANDLED_ELSEWHERE = ("syntax", "encoding")


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for problem in host.facts.problems:
            if problem.kind not in HANDLED_ELSEWHERE:
                message = f"{problem.kind}: {problem.message}"
                yield Problem(message + (f" ({problem.hint})" if problem.hint else ""), problem.location)
