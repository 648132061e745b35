"""A vif device in dom0 (vifD.N, vifD.N-emu, tapD.N) whose domain D is not running.

netback names a vif's backend device after the domain's ID; when the domain is gone its devices
go too, and the hotplug script's `offline` step takes them off their bridge. One that stays is left
over from a domain whose teardown failed (a hotplug script that hung, a backend that never closed):
it still holds a bridge port, and it shows that the hotplug machinery is in trouble.

The running domains are those `xl list`, `xm list` or xenstore (/local/domain/D/name) show with an
ID; Domain-0 (ID 0, whose vif0.N are xend's netloop devices) always runs. It does not fire when the
tree holds none of these outputs (a dom0 tree with xend-config.sxp but without `xm list` proves
nothing). The outputs of a bundle are taken a few seconds apart, so a domain that was starting or
stopping meanwhile can look stale: the severity is a warning. The location is the device's line;
related is the list output.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..vifhost import list_paths, running_ids, vif_devices

ID = "N105"
SLUG = "vif-stale"
SEVERITY = Severity.WARNING
SUMMARY = "A vif device in dom0 belongs to a domain ID that is not running."
RATIONALE = """\
A leftover backend device means a domain's teardown failed; it keeps a bridge port, and the same
failure will strike the next domain that stops."""
FIX = (
    "Remove it (`ip link delete vifD.N`, or `xl network-detach` if the domain still exists), and check"
    " the hotplug log (/var/log/xen/xen-hotplug.log)."
)
_LIST = (
    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n"
    "web                                          3  1024     1     -b----      40.0\n"
)
_VIF3 = "7: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP qlen 32\n" \
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
BAD = {
    "xl_list": _LIST,
    "ip_address": _VIF3 + "9: vif7.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n",
}
GOOD = {"xl_list": _LIST, "ip_address": _VIF3}
REFERENCES = ("Linux drivers/net/xen-netback/xenbus.c: vif names are vif%d.%d (domid, handle)",)


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    running = running_ids(host)
    if not running:
        return
    listed = ", ".join(str(domid) for domid in sorted(running))
    sources = list_paths(host)
    for device, match in vif_devices(host):
        domid = int(match["domid"])
        if domid != 0 and domid not in running:
            yield Problem(
                f"{device.name} is a backend device of domain {domid}, which is not running"
                f" ({', '.join(short(s) for s in sources)} shows domain IDs {listed}): a leftover of a"
                " domain whose teardown failed",
                device.location,
                related=sources,
            )
