"""A bridge, or one of its ports, runs at another MTU than the site's configuration expects.

`[tool.xennet.site] bridge-mtu = {"xenbr0" = 9000}` says which MTU each bridge of the site must have
(a jumbo-frame storage network, a tunnel that needs 1450). The bridge and each of its ports are
compared with it, in the running view (outputs first, then configuration files); devices whose MTU
no source states are left out, and so is a bridge the dom0 does not have (N101/N102 report vifs
that name it). One finding per bridge at the first device that differs, naming every one, with the
configuration line related. Judged on the dom0 only.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..netchecks import stated

ID = "N136"
SLUG = "bridge-mtu-unexpected"
SEVERITY = Severity.WARNING
SUMMARY = "A bridge or one of its ports has another MTU than the site configuration (bridge-mtu) expects."
RATIONALE = """\
A site that runs a bridge at a chosen MTU (jumbo frames for storage, a smaller MTU under a tunnel)
loses large frames wherever one device kept the default: the bridge drops what does not fit the port,
without an ICMP error. Stating the MTU once in the configuration lets every bundle be checked against
it, before the first guest notices."""
FIX = "Set the MTU the site expects on the bridge and every port (ifcfg MTU=, the vif's mtu=, ip link set mtu)."
_BRIDGE = (
    "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
    "xenbr0\t\t8000.001ec94d2a10\tno\t\teth0\n"
    "\t\t\t\t\t\t\tvif3.0\n"
)
_LINKS = (
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq master xenbr0 state UP qlen 1000\n"
    "    link/ether 00:1e:c9:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
    "3: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc noqueue state UP\n"
    "    link/ether 00:1e:c9:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
    "7: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000 qdisc mq master xenbr0 state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
)
EXAMPLE_TREES = ("dom0",)
BAD = {
    ".xennet.toml": '[site]\nbridge-mtu = { "xenbr0" = 9000 }\n',
    "dom0/sos_commands/networking/brctl_show": _BRIDGE,
    "dom0/sos_commands/networking/ip_address": _LINKS.replace("vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000",
                                                              "vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500"),
}
GOOD = {**BAD, "dom0/sos_commands/networking/ip_address": _LINKS}


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    for bridge, wanted in sorted(model.site.bridge_mtu.items()):
        if bridge not in host.interfaces:
            continue
        devices = [host.interfaces[bridge], *(host.interfaces[name] for name in sorted(host.ports(bridge))
                                              if name in host.interfaces)]
        odd = [mtu for device in devices if (mtu := stated(device, "mtu")) is not None and mtu.value != wanted.value]
        if not odd:
            continue
        listed = ", ".join(f"{mtu.interface} {mtu.value} ({short(mtu.location)})" for mtu in odd)
        yield Problem(
            f"bridge {bridge} is expected at MTU {wanted.value} ({short(wanted.location)}), but {listed}: a frame"
            " that fits the sender is dropped silently wherever a device on its way has a smaller MTU",
            odd[0].location,
            related=(wanted.location, *(mtu.location for mtu in odd[1:])),
            subject=bridge,
        )
