"""Ports of one bridge with different MTUs.

Linux runs a bridge at the smallest MTU of its ports (unless the bridge's MTU was set explicitly),
and a frame larger than a port's MTU is dropped where the bridge sends it out of that port. The
classic case: the bridge and the NIC were moved to 9000 and a vif kept its 1500 (or the reverse,
a vif created with the old MTU after the change). Each port's MTU is what the running outputs say,
else what its configuration says; ports whose MTU no source states are left out.

One finding per bridge, naming every port and its MTU, at the first port whose MTU differs from the
one most ports have (ties go to the MTU configured for the bridge, then to the larger: the port left
behind when an MTU was raised is the classic culprit), with every other port related. Runs on every host tree.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostquery import short
from ..netchecks import Stated, host_label, is_config, stated

ID = "N132"
SLUG = "mtu-bridge-ports-differ"
SEVERITY = Severity.WARNING
SUMMARY = "The ports of one bridge have different MTUs."
RATIONALE = """\
Frames that fit one port do not fit another: large packets between the guests or between a guest
and the network are dropped silently at the port with the smaller MTU, while small packets pass.
It shows as connections that open and then hang."""
FIX = "Give every port of the bridge the same MTU (ifcfg MTU= of the NIC, mtu= of the vif, or ip link set mtu)."
BAD = {
    "ip_address": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq master xenbr0 state UP qlen 1000\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "3: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "4: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq master xenbr0 state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
    "5: vif2.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master xenbr0 state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
}
GOOD = {"ip_address": BAD["ip_address"].replace("mtu 9000", "mtu 1500")}
REFERENCES = ("Linux net/bridge/br_if.c: br_mtu_auto_adjust (the bridge takes the smallest port MTU)",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for bridge in host.bridges():
            problem = _differing_ports(host, bridge)
            if problem is not None:
                yield problem


def _differing_ports(host: Host, bridge: Interface) -> Problem | None:
    ports = [
        found
        for name in sorted(host.ports(bridge.name))
        if name in host.interfaces and (found := stated(host.interfaces[name], "mtu")) is not None
    ]
    if len({port.value for port in ports}) < 2:
        return None
    usual = _usual_mtu(ports, stated(bridge, "mtu", configured=True))
    odd = next(port for port in ports if port.value != usual)
    listed = ", ".join(f"{port.interface} {port.value}" for port in ports)
    smallest = min(port.value for port in ports)
    return Problem(
        f"the ports of bridge {bridge.name} of {host_label(host)} have different MTUs ({listed}):"
        f" {odd.interface} has {odd.value} ({short(odd.location)}) instead of {usual}; the bridge works"
        f" at {smallest} and frames too large for a port are dropped silently there",
        odd.location,
        related=tuple(port.location for port in ports if port is not odd),
        subject=bridge.name,
    )


def _usual_mtu(ports: list[Stated], own: Stated | None) -> int:
    """The MTU most ports have; ties go to the MTU configured for the bridge (its running MTU is the
    smallest port's and says nothing), then to the larger one: a raised MTU is the deliberate one."""
    counts = Counter(port.value for port in ports)
    top = max(counts.values())
    tied = [mtu for mtu, count in counts.items() if count == top]
    if own is not None and is_config(own.source) and own.value in tied:
        return own.value
    return max(tied)
