"""A bridge whose MTU is above the MTU of one of its ports.

Linux sets a bridge's MTU to the smallest MTU of its ports, unless the MTU was set on the bridge
explicitly (recent kernels keep such an MTU; old ones, the 2.6 kernels of Xen dom0s among them,
refuse an MTU above the smallest port's with EINVAL). When the bridge's MTU is above a port's, the
host sends frames the port cannot carry and the bridge drops them at that port without an error or
an ICMP message (br_dev_queue_push_xmit: is_skb_forwardable). The configured view is checked first
(MTU= in ifcfg-xenbr0 while a port runs at 1500), then the running view. One finding per bridge, at
the bridge's MTU, naming every smaller port.

Silent for ports whose MTU no source states. Runs on every host tree (bridges inside guests too).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostquery import short
from ..netchecks import Stated, host_label, mtu_above

ID = "N131"
SLUG = "mtu-bridge-above-port"
SEVERITY = Severity.WARNING
SUMMARY = "A bridge's MTU is above the MTU of one of its ports."
RATIONALE = """\
Frames larger than a port's MTU are dropped silently when the bridge forwards them out of that port:
small packets pass and large ones vanish, so ping works while SSH, HTTPS or NFS transfers hang. A
bridge given a jumbo MTU while a vif or the NIC stayed at 1500 is the usual cause."""
FIX = "Give every port the bridge's MTU (the NIC's ifcfg MTU=, the vif's mtu=), or lower the bridge's MTU."
BAD = {
    "ip_address": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq master xenbr0 state UP qlen 1000\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "3: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP\n"
    "    link/ether 00:16:3e:00:00:01 brd ff:ff:ff:ff:ff:ff\n"
    "4: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master xenbr0 state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
}
GOOD = {"ip_address": BAD["ip_address"].replace("mtu 1500", "mtu 9000")}
REFERENCES = ("Linux net/bridge/br_if.c: br_mtu_auto_adjust", "Linux net/bridge/br_forward.c: is_skb_forwardable")


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for bridge in host.bridges():
            yield from _smaller_ports(host, bridge)


def _smaller_ports(host: Host, bridge: Interface) -> Iterator[Problem]:
    by_bridge_mtu: dict[Location, tuple[Stated, list[Stated]]] = {}
    for port in sorted(host.ports(bridge.name)):
        pair = mtu_above(bridge, host.interfaces[port]) if port in host.interfaces else None
        if pair is not None:
            by_bridge_mtu.setdefault(pair[0].location, (pair[0], []))[1].append(pair[1])
    for own, ports in by_bridge_mtu.values():
        smaller = ", ".join(f"{port.interface} {port.value} ({short(port.location)})" for port in ports)
        yield Problem(
            f"bridge {bridge.name} of {host_label(host)} has MTU {own.value} ({short(own.location)}), above the"
            f" MTU of its port{'s' if len(ports) > 1 else ''} {smaller}: frames larger than that are dropped"
            " silently where the bridge sends them out of the port",
            own.location,
            related=tuple(port.location for port in ports),
        )
