"""One interface with different MTUs in two sources: `MTU=9000` in ifcfg-eth0 while `ip link` shows
mtu 1500, or `ip link` and `ifconfig` captured at different times.

The most trusted source is the reference (the running outputs in the order ip link, ip addr,
bridge link, brctl, ifconfig; then ifcfg, then /etc/network/interfaces); each other source that
states another MTU gets one finding at its own line, with the reference related. A configuration
that differs from the running MTU was not applied (the interface was not restarted, the setting
failed) or the system was changed by hand since. Runs on every host tree; an interface needs two
sources that state its MTU.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostquery import short
from ..netchecks import host_label, is_config

ID = "N134"
SLUG = "mtu-sources-disagree"
SEVERITY = Severity.WARNING
SUMMARY = "Two sources give one interface different MTUs (the configured MTU is not the running one)."
RATIONALE = """\
Either the running MTU is not the one the configuration asks for, and the next restart changes it
(and perhaps breaks what works today), or the configuration was never applied and the host runs
with an MTU nobody chose. Both make MTU problems appear and vanish with reboots."""
FIX = "Apply the configured MTU (restart the interface) or correct the configuration to the MTU that is meant."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nMTU=9000\n",
    "ip_link": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP mode DEFAULT qlen 1000\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n",
}
GOOD = {"ifcfg-eth0": BAD["ifcfg-eth0"].replace("9000", "1500"), "ip_link": BAD["ip_link"]}
REFERENCES = ("ifcfg(5) / initscripts: MTU is applied by ifup (ip link set dev DEVICE mtu MTU)",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for _, interface in sorted(host.interfaces.items()):
            yield from _disagreements(host, interface)


def _disagreements(host: Host, interface: Interface) -> Iterator[Problem]:
    facts = interface.facts("mtu")
    if len(facts) < 2:
        return
    reference_source, reference = facts[0]
    seen: set[tuple[str, int]] = set()
    for source, fact in facts[1:]:
        if fact.value == reference.value or (source, fact.value) in seen:
            continue
        seen.add((source, fact.value))
        yield Problem(
            f"{interface.name} of {host_label(host)}: {short(fact.location)} gives MTU {fact.value}, but"
            f" {short(reference.location)} shows {reference.value}: {_meaning(source, reference_source)}",
            fact.location,
            related=(reference.location,),
        )


def _meaning(source: str, reference_source: str) -> str:
    if is_config(source) and not is_config(reference_source):
        return "the configured MTU is not the running one (not applied, or changed by hand since)"
    if is_config(source):
        return "two configuration files set different MTUs"
    return "the outputs were taken at different times, or the MTU changed in between"
