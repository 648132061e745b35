"""network-bridge told to bridge a NIC (`netdev=X`) on a multi-NIC dom0 where no network-bridge call
bridges the NIC of the default route.

network-bridge takes `netdev=` from xend-config.sxp's `(network-script 'network-bridge netdev=eth1')`
or from an admin's wrapper script that calls it once per NIC. Without netdev=, later versions pick
the NIC of the default route themselves; with it, the guests on the bridge get X's network. On a
host with several NICs, a netdev= that leaves out the NIC dom0 routes through is a common slip
(netdev=eth1 typed for eth0 after a NIC was renamed or added) and puts the guests on a segment
without the gateway they expect.

The NIC of the default route matches a call when it is the call's netdev, the renamed pNIC, the
call's bridge (Xen 4 gives the bridge the NIC's name; Xen 3 moves dom0's address to ethN behind the
bridge), or a VLAN interface on the NIC. One finding per call with netdev=, at its netdev=.

It does not fire on a host with one NIC, when some network-bridge call has no netdev= (it picks the
default route's NIC itself), when the tree has no default route or no running interface list, nor for
calls in a wrapper that xend-config.sxp does not run.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host
from ..hostfacts import Route
from ..hostquery import short
from ..model import LintModel
from ..netfilter import ScriptCall, bridge_calls, default_routes, nic_key, running_nics

ID = "N151"
SLUG = "network-bridge-netdev-not-default-route"
SEVERITY = Severity.WARNING
SUMMARY = "network-bridge netdev= names a NIC other than the default route's on a multi-NIC host."
RATIONALE = """\
The guests on the bridge get the network of the NIC named in netdev=. When that is not the NIC dom0
itself routes through, guests come up on another segment: no DHCP answer, or addresses that reach
nothing beyond it, while dom0 works fine."""
FIX = "Name the NIC of the default route in netdev= (or drop netdev= and let network-bridge pick it)."
_IP_ADDRESS = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
    "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
    "    inet 198.18.0.10/24 brd 198.18.0.255 scope global eth0\n"
    "3: eth1: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
    "    link/ether 00:16:3e:4d:2a:11 brd ff:ff:ff:ff:ff:ff\n"
)
_ROUTES = (
    "Kernel IP routing table\n"
    "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
    "198.18.0.0      0.0.0.0         255.255.255.0   U     0      0        0 eth0\n"
    "0.0.0.0         198.18.0.1      0.0.0.0         UG    0      0        0 eth0\n"
)
BAD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=eth1')\n(vif-script vif-bridge)\n",
    "ip_address": _IP_ADDRESS,
    "route_-n": _ROUTES,
}
GOOD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=eth0')\n(vif-script vif-bridge)\n",
    "ip_address": _IP_ADDRESS,
    "route_-n": _ROUTES,
}
REFERENCES = ("xen tools/hotplug/Linux/network-bridge: netdev defaults to the device of the default route",)


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    if host is None or len(running_nics(host)) < 2:
        return
    calls, routes = bridge_calls(host), default_routes(host)
    if not routes or not calls or any(call.arg("netdev") is None for call in calls):
        return
    if any(_covers(host, call, route) for call in calls for route in routes):
        return
    route = routes[0]
    for call in calls:
        netdev = call.arg("netdev")
        yield Problem(
            f"{call.where} bridges netdev={netdev}, but dom0's default route leaves through {route.device}"
            f"{f' via {route.gateway}' if route.gateway else ''} ({short(route.location)}) and no network-bridge"
            f" call bridges {route.device}: guests on this bridge get {netdev}'s network, not the one dom0"
            " routes through",
            call.arg_location("netdev"),
            related=(route.location,),
        )


def _covers(host: Host, call: ScriptCall, route: Route) -> bool:
    """Whether the default route's device is the call's NIC, its bridge, or a VLAN on the NIC."""
    device = route.device or ""
    interface = host.interfaces.get(device)
    parent = interface.value("parent") if interface is not None else None
    netdev = call.arg("netdev") or ""
    names = {nic_key(device), nic_key(parent)} if parent else {nic_key(device)}
    return nic_key(netdev) in names or device == call.arg("bridge")
