"""network-bridge `netdev=` names a NIC the running host does not have.

xend runs network-bridge with the netdev= of xend-config.sxp's `(network-script ...)` or of an
admin's wrapper script. If the host has no such device (a typo, a NIC renamed by udev or
biosdevname: eth1 became em2 or p2p1), the script has nothing to put into the bridge: the bridge is
not made, or is made without an uplink, and the guests on it reach nothing beyond dom0.

A NIC counts as existing under its own name and under the name network-bridge gives it: Xen 3's
version renames ethN to pethN (and dom0's netloop device vethN to ethN), Xen 4's renames the NIC to
p${netdev} and gives the bridge the NIC's name.

It does not fire when the tree lists no running interfaces (ip, ifconfig, brctl, /proc/net/dev...):
a configuration file alone does not tell which NICs exist. Nor for calls in a wrapper that
xend-config.sxp does not run.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host
from ..hostquery import short
from ..model import LintModel
from ..netfilter import bridge_calls, has_running_interfaces, running_nics

ID = "N152"
SLUG = "network-bridge-netdev-missing"
SEVERITY = Severity.ERROR
SUMMARY = "network-bridge netdev= names a NIC that does not exist on the host."
RATIONALE = """\
network-bridge cannot bridge a NIC that is not there. The bridge the guests are attached to ends up
without an uplink (or is never made), and the guests lose the network while dom0 keeps its own."""
FIX = "Name an existing NIC in netdev= (see `ip link`); after a NIC rename, follow the new name."
_IP_ADDRESS = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: em1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
    "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
    "    inet 198.18.0.10/24 brd 198.18.0.255 scope global em1\n"
)
BAD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=eth0')\n(vif-script vif-bridge)\n",
    "ip_address": _IP_ADDRESS,
}
GOOD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=em1')\n(vif-script vif-bridge)\n",
    "ip_address": _IP_ADDRESS,
}
REFERENCES = ("xen tools/hotplug/Linux/network-bridge: renames ${netdev} to p${netdev}",)


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    if host is None or not has_running_interfaces(host):
        return
    for call in bridge_calls(host):
        netdev = call.arg("netdev")
        if netdev and not _exists(host, netdev):
            yield Problem(
                f"{call.where} names netdev={netdev}, which this host does not have (nor p{netdev}):"
                f" {_inventory(host)}; network-bridge has no NIC to put into the bridge, so guests on it"
                " reach nothing beyond dom0",
                call.arg_location("netdev"),
                related=tuple(dict.fromkeys(nic.location for nic in running_nics(host).values())),
            )


def _exists(host: Host, name: str) -> bool:
    return any(host.interfaces[n].seen_running for n in (name, f"p{name}") if n in host.interfaces)


def _inventory(host: Host) -> str:
    nics = running_nics(host)
    if not nics:
        return "the running host shows no NIC"
    first = next(iter(nics.values()))
    names = ", ".join(sorted(nic.name for nic in nics.values()))
    return f"its NICs are {names} ({short(first.location)})"
