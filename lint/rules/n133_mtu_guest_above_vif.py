"""A guest's NIC whose MTU is above the MTU of its vif device in dom0.

The guest tree is joined to its domain (model.guest_links: by MAC, else by hostname); the guest's
NIC is the vif whose mac= equals the NIC's MAC, and the vif's device in dom0 is found by Xen's
naming (vifDOMID.DEVID, a custom vifname, the -emu/tap twin of an HVM guest). VLANs and bridges
inside the guest carry the NIC's MAC too and are not compared. The guest's configured MTU is
compared first (MTU= in its ifcfg file), then its running one.

Needs a guest tree next to the dom0 tree: one tree alone never triggers it. Silent when the guest is
not joined to a domain, no vif has the NIC's MAC, the vif's device is not in the dom0 outputs, or
either MTU is not stated.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..netchecks import guest_vif_mtus

ID = "N133"
SLUG = "mtu-guest-above-vif"
SEVERITY = Severity.ERROR
SUMMARY = "A guest's network interface has an MTU above its vif's MTU in dom0."
RATIONALE = """\
Frames leave and enter the guest through its vif in dom0. A frame larger than the vif's MTU is dropped
where the bridge sends it out of the vif, and the guest advertises a TCP MSS its vif cannot carry:
small packets pass, large transfers to the guest stall. Raising the MTU inside the guest without
raising the vif's (mtu= in the vif spec, or the bridge and its ports) is the usual cause."""
FIX = "Raise the vif's MTU to the guest's (mtu= of the vif, with the bridge and its other ports), or lower the guest's."
_DOM0 = {
    "dom0/etc/xen/guest3": 'name = "guest3"\nmemory = 512\nvif = [ "mac=00:16:3e:00:03:01,bridge=xenbr0" ]\n',
    "dom0/sos_commands/xen/xm_list": "Name                                      ID Mem(MiB) VCPUs State   Time(s)\n"
    "Domain-0                                   0     3456     4 r-----   2113.1\n"
    "guest3                                     3      511     1 -b----     91.2\n",
    "dom0/sos_commands/networking/ip_address": "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "2: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
    "3: vif3.0: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n",
}
_GUEST_IFCFG = "guest3/etc/sysconfig/network-scripts/ifcfg-eth0"
# The examples are two trees: lint them as `xennet lint dom0 guest3` (one tree cannot join a guest).
EXAMPLE_TREES = ("dom0", "guest3")
BAD = {**_DOM0, _GUEST_IFCFG: "DEVICE=eth0\nHWADDR=00:16:3E:00:03:01\nBOOTPROTO=dhcp\nONBOOT=yes\nMTU=9000\n"}
GOOD = {**_DOM0, _GUEST_IFCFG: "DEVICE=eth0\nHWADDR=00:16:3E:00:03:01\nBOOTPROTO=dhcp\nONBOOT=yes\nMTU=1500\n"}
REFERENCES = ("Linux drivers/net/xen-netback/interface.c: xenvif_change_mtu",)


def check(model) -> Iterator[Problem]:
    for found in guest_vif_mtus(model, guest_above=True):
        yield Problem(
            f"{found.statement('above')}: frames above {found.backend.value} bytes to or from the guest are dropped",
            found.guest.location,
            related=found.related,
        )
