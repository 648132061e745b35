"""A VLAN device whose parent (raw device) is not an interface of the host.

The parent is what any source names: PHYSDEV or ETHERDEVICE in an ifcfg file, vlan-raw-device in
/etc/network/interfaces, the NAME of a NAME.VID device name, the `@parent` of `ip link`, the raw
device column of /proc/net/vlan/config. It exists when any source of the same host tree describes
an interface of that name. Runs on every host tree, dom0 and guests alike.

Absence proves nothing when the tree holds no interface facts beyond the VLAN's own files (a guest
tree with only ifcfg-eth0.3, or an /etc/network/interfaces alone): then the rule stays silent; the
other interfaces of the file that describes the VLAN do not count. With configuration files only, "exists"
means "has a configuration of its own", which is what the network scripts of SUSE (wicked) ask for;
a tree with command outputs (ip, ifconfig, /proc/net/dev) is judged by what is running.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostquery import short
from ..netchecks import host_label, names_text, other_sources, vlan_interfaces

ID = "N120"
SLUG = "vlan-parent-missing"
SEVERITY = Severity.ERROR
SUMMARY = "A VLAN interface names a parent (raw) device that the host does not have."
RATIONALE = """\
A VLAN device is created on top of its parent: without it the VLAN cannot be created, the interface
stays missing and the guest or host loses the network of that VLAN. A renamed NIC (eth0 that became
ens3 or peth0) or a typo in PHYSDEV or vlan-raw-device is the usual cause."""
FIX = "Name the VLAN after a device the host has (NAME.VID), or correct PHYSDEV / vlan-raw-device."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-eth1.5": "DEVICE=eth1.5\nVLAN=yes\nBOOTPROTO=static\nIPADDR=198.18.5.3\nNETMASK=255.255.255.0\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\n",
    "ifcfg-eth0.5": "DEVICE=eth0.5\nVLAN=yes\nBOOTPROTO=static\nIPADDR=198.18.5.3\nNETMASK=255.255.255.0\n",
}
REFERENCES = ("ip-link(8): VLAN type support, `link DEVICE`", "ifcfg-vlan(5): ETHERDEVICE")


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for interface in vlan_interfaces(host):
            yield from _missing_parents(host, interface)


def _missing_parents(host: Host, interface: Interface) -> Iterator[Problem]:
    consulted = other_sources(host, interface)
    if not consulted:
        return
    reported: set[str] = set()
    for _, parent in interface.facts("parent"):
        name = parent.value
        if name in host.interfaces or name in reported:
            continue
        reported.add(name)
        known = names_text(sorted(other for other in host.interfaces if other != interface.name))
        yield Problem(
            f"VLAN {interface.name} of {host_label(host)} is on `{name}` ({short(parent.location)}), but no source"
            f" describes an interface {name} on that host (it has {known}): the VLAN device cannot be created",
            parent.location,
            related=tuple(Location(path) for path in consulted),
        )
