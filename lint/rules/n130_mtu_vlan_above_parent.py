"""A VLAN device whose MTU is above its parent's.

The kernel refuses a VLAN MTU above the parent's (`ip link set ... mtu` fails with "Numerical result
out of range") and lowers the VLANs when the parent's MTU goes down, so a running system rarely
shows it: it shows in the configuration (MTU=9000 in ifcfg-eth0.3 while eth0 stays at 1500), where
it means the setting never took effect. The configured view is checked first (each interface as its
files say, else as running), then the running view; one finding per VLAN, at its MTU.

Silent when the parent is not an interface of the host (N120 reports that) or when either MTU is not
stated by any source. Runs on every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..netchecks import host_label, mtu_above, vlan_interfaces, vlan_parent

ID = "N130"
SLUG = "mtu-vlan-above-parent"
SEVERITY = Severity.ERROR
SUMMARY = "A VLAN interface's MTU is above its parent device's MTU."
RATIONALE = """\
A VLAN frame travels through its parent device, so the kernel caps the VLAN's MTU at the parent's.
A configured jumbo MTU on the VLAN alone is refused and the VLAN keeps the smaller MTU; the hosts
on the VLAN then disagree about the MTU and large packets are lost."""
FIX = "Raise the parent's MTU first (MTU= in its own ifcfg file), or lower the VLAN's MTU to the parent's."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nMTU=1500\n",
    "ifcfg-eth0.3": "DEVICE=eth0.3\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\nMTU=9000\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nMTU=9000\n",
    "ifcfg-eth0.3": "DEVICE=eth0.3\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\nMTU=9000\n",
}
REFERENCES = ("Linux net/8021q/vlan_dev.c: vlan_dev_change_mtu (-ERANGE above the real device's MTU)",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for interface in vlan_interfaces(host):
            parent = vlan_parent(host, interface)
            pair = mtu_above(interface, parent) if parent is not None else None
            if pair is None:
                continue
            vlan, raw = pair
            yield Problem(
                f"VLAN {interface.name} of {host_label(host)} has MTU {vlan.value} ({short(vlan.location)}), above"
                f" the MTU {raw.value} of its parent {raw.interface} ({short(raw.location)}): the kernel refuses"
                f" it and the VLAN stays at {raw.value} at most",
                vlan.location,
                related=(raw.location,),
            )
