"""A guest's MAC disagrees with its domain's vif `mac=`, or with the guest's own ifcfg HWADDR.

Two checks:

1. A guest tree joined to its domain (by hostname when no MAC matched, or by the MAC of another
   vif) has an Ethernet interface whose MAC is no vif's `mac=`, while a vif's `mac=` is on no
   interface of the guest. The guest then does not run with the MAC its config gives it: the config
   was edited since the guest booted (a clone whose mac= was changed afterwards), or the guest sets
   its own MAC. At the next boot netfront takes the config's MAC, and a guest that pins the old one
   (ifcfg HWADDR, udev's persistent-net rules) leaves its NIC down or renames it eth1. Compared
   case-insensitively; fe:ff:ff:ff:ff:ff is Xen's backend MAC and never a guest's. Location: the
   guest's MAC line (its ifcfg HWADDR when it has one); related: the vif's `mac=` and the guest's
   other lines with that MAC. Vifs and interfaces are paired in order (devid, interface name).
2. An ifcfg (or interfaces) file gives an interface a MAC that the running interface does not have
   (`ip link`, `ifconfig`). initscripts' ifup-eth then refuses the device ("Device eth0 has
   different MAC address than expected, ignoring."). Checked on every tree that is not a dom0 with
   Xen facts; an ifcfg with MACADDR next to HWADDR is skipped (ifup-eth accepts either).

Neither fires without MACs on both sides: a guest tree without interface facts, or a vif without
`mac=` (xl then makes one up), proves nothing. A guest that lacks a NIC altogether is not a MAC
mismatch and is not reported here.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import GuestLink, Host, Interface
from ..hostquery import short
from ..model import Domain
from ..vifhost import host_macs, nics, split_macs, vif_mac
from ..vifspec import VifSpec

ID = "N110"
SLUG = "guest-mac-mismatch"
SEVERITY = Severity.ERROR
SUMMARY = "A guest's MAC is not its vif's mac=, or its ifcfg HWADDR is not the MAC it runs with."
RATIONALE = """\
A guest whose MAC drifted from its config loses its network at the next boot: the NIC comes up with
the config's MAC, and the HWADDR or udev rule written for the old one no longer matches it. Cloned
guests are the usual case."""
FIX = (
    "Make the vif's mac= and the guest's HWADDR (and udev persistent-net rules) agree, or drop HWADDR"
    " from the guest's ifcfg."
)
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nHWADDR=00:16:3e:5a:01:02\nONBOOT=yes\nBOOTPROTO=dhcp\n",
    "ip_address": "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP qlen 1000\n"
    "    link/ether 00:16:3e:5a:01:77 brd ff:ff:ff:ff:ff:ff\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nHWADDR=00:16:3e:5a:01:02\nONBOOT=yes\nBOOTPROTO=dhcp\n",
    "ip_address": "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP qlen 1000\n"
    "    link/ether 00:16:3e:5a:01:02 brd ff:ff:ff:ff:ff:ff\n",
}
REFERENCES = (
    "xl-network-configuration(5): mac",
    "initscripts ifup-eth: \"Device ... has different MAC address than expected, ignoring.\"",
)


def check(model) -> Iterator[Problem]:
    for link in model.guest_links:
        yield from _vif_mismatches(link, model.dom0)
    for host in model.hosts:
        if not host.has_xen_facts:
            for interface in host.interfaces.values():
                yield from _config_mismatches(interface)


def _guest_name(guest: Host) -> str:
    return guest.hostname or os.path.basename(guest.label.rstrip("/")) or guest.label


def _vif_mismatches(link: GuestLink, dom0: Host | None) -> Iterator[Problem]:
    vifs = [(vif, found) for vif in link.domain.vifs if (found := vif_mac(vif)) is not None]
    guest_macs = host_macs(link.guest)
    wanted = {mac for _, (mac, _) in vifs}
    unmatched = [(vif, found) for vif, found in vifs if found[0] not in guest_macs]
    orphans = [nic for nic in nics(link.guest) if not {fact.value for fact in nic.macs()} & wanted]
    for (vif, (mac, where)), nic in zip(unmatched, orphans, strict=False):
        yield _vif_problem(link, vif.devid, mac, where, nic, _device_name(dom0, link.domain, vif))


def _device_name(dom0: Host | None, domain: Domain, vif: VifSpec) -> str:
    """The vif's backend device in dom0 (vifD.N or its vifname), "" when the domain ID is unknown."""
    if dom0 is None:
        return ""
    device = dom0.device_of(domain, vif)
    names = dom0.vif_device_names(domain, vif)
    return device.name if device is not None else (names[0] if names else "")


def _vif_problem(link: GuestLink, devid: int, mac: str, where: Location, nic: Interface, device: str) -> Problem:
    configured, running = split_macs(nic)
    shown = configured[0][1] if configured else running[0]
    others = tuple(f.location for f in [f for _, f in configured] + running if f is not shown)
    then = (
        f"at its next boot the guest gets {mac}, which {short(shown.location)} does not expect"
        if configured
        else "the guest does not run with the MAC its config gives it (the config changed since it booted,"
        " or the guest sets its own MAC)"
    )
    return Problem(
        f"{nic.name} of guest {_guest_name(link.guest)} (domain {link.domain.label}, joined by"
        f" {link.reason.split()[0]}) has MAC {shown.value} ({short(shown.location)}), but vif {devid} of"
        f" {link.domain.label} sets mac={mac} ({short(where)}): {then}",
        shown.location,
        related=(where, *others),
        subject=device,
    )


def _config_mismatches(interface: Interface) -> Iterator[Problem]:
    configured, running = split_macs(interface)
    if not running or interface.option("MACADDR") is not None:
        return
    actual = {fact.value for fact in running}
    for source, fact in configured:
        if fact.value in actual:
            continue
        why = (
            f'ifup refuses the device ("Device {interface.name} has different MAC address than expected,'
            ' ignoring.")'
            if source == "ifcfg"
            else "the configured MAC was not applied"
        )
        yield Problem(
            f"{short(fact.location)} expects {interface.name} to have MAC {fact.value}, but"
            f" {short(running[0].location)} shows it with {running[0].value}: {why}",
            fact.location,
            related=tuple(f.location for f in running),
        )
