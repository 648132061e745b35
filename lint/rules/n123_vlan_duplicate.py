"""Two VLAN devices with the same VLAN ID on the same parent: `ifcfg-eth0.3` and `ifcfg-vlan3` with
PHYSDEV=eth0, or a stanza for a VLAN that is already running under another name.

Each interface is taken as its configuration describes it, else as the running outputs show it (the
configured view), so a config that would add a second device for a VLAN that is up is found too.
The device seen running (else the first in file order) is taken as the owner of the VLAN; one
finding for each other device, at its VLAN ID. Runs on every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostquery import short
from ..netchecks import Stated, host_label, stated, vlan_interfaces

ID = "N123"
SLUG = "vlan-duplicate"
SEVERITY = Severity.ERROR
SUMMARY = "Two VLAN devices have the same VLAN ID on the same parent."
RATIONALE = """\
The kernel keeps one device per VLAN ID and parent and refuses a second one (`File exists`): only one
of the two interfaces comes up, and the addresses and routes configured on the other never exist.
A VLAN configured twice under two naming schemes (eth0.3 and vlan3) is the usual cause."""
FIX = "Keep one configuration per VLAN ID and parent; merge the settings of the other into it."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-eth0.3": "DEVICE=eth0.3\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-vlan3": "DEVICE=vlan3\nVLAN=yes\nPHYSDEV=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-eth0.3": "DEVICE=eth0.3\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-vlan4": "DEVICE=vlan4\nVLAN=yes\nPHYSDEV=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
}
REFERENCES = ("ip-link(8): VLAN type support",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for (parent, vlan_id), members in _by_vlan(host).items():
            owner, *others = sorted(members, key=lambda member: (not member[0].seen_running, member[1].location))
            for interface, where in others:
                yield Problem(
                    f"{interface.name} of {host_label(host)} is VLAN {vlan_id} on {parent} ({short(where.location)}),"
                    f" as {owner[0].name} is ({short(owner[1].location)}): the kernel refuses a second device for"
                    " the same VLAN and parent, so one of them never comes up",
                    where.location,
                    related=tuple(other[1].location for other in members if other[0] is not interface),
                )


def _by_vlan(host: Host) -> dict[tuple[str, int], list[tuple[Interface, Stated]]]:
    groups: dict[tuple[str, int], list[tuple[Interface, Stated]]] = {}
    for interface in vlan_interfaces(host):
        parent = stated(interface, "parent", configured=True)
        vlan_id = stated(interface, "vlan_id", configured=True)
        if parent is not None and vlan_id is not None:
            groups.setdefault((parent.value, vlan_id.value), []).append((interface, vlan_id))
    return {key: members for key, members in groups.items() if len(members) > 1}
