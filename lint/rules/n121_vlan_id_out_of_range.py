"""A VLAN ID outside 1-4094, from any source: VLAN_ID or the number of a NAME.VID / vlanVID name in
an ifcfg file, vlan-id or the name in /etc/network/interfaces, `id` of `ip -d link`, or
/proc/net/vlan/config. A 0-padded number is read in base 10 (eth0.0003 is VLAN 3, which is fine).

The 802.1Q VLAN ID is 12 bits: 0 means "no VLAN, priority tag only" and 4095 is reserved. The kernel
refuses IDs from 4095 up (ERANGE); it accepts 0, but frames tagged 0 belong to the port's native
VLAN, so a "VLAN 0" device is not on a VLAN of its own. Runs on every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..netchecks import VLAN_MAX, VLAN_MIN, host_label, vlan_interfaces

ID = "N121"
SLUG = "vlan-id-out-of-range"
SEVERITY = Severity.ERROR
SUMMARY = "A VLAN ID is outside 1-4094."
RATIONALE = """\
IDs of 4095 and above do not exist in 802.1Q and the kernel refuses to create the device; VLAN 0
carries priority-tagged frames that switches treat as untagged. Either way the interface is not on
the VLAN its configuration means. A typo (eth0.40944) or a switch port number taken for a VLAN ID are
the usual causes."""
FIX = "Use the VLAN ID the switch port carries, between 1 and 4094."
BAD = {"ifcfg-eth0.4095": "DEVICE=eth0.4095\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\n"}
GOOD = {"ifcfg-eth0.4094": "DEVICE=eth0.4094\nVLAN=yes\nBOOTPROTO=none\nONBOOT=yes\n"}
REFERENCES = ("IEEE 802.1Q: VID values 0 and 4095 are reserved", "ip-link(8): VLAN type support, `id VLANID`")


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for interface in vlan_interfaces(host):
            reported: set[int] = set()
            for _, vlan_id in interface.facts("vlan_id"):
                if VLAN_MIN <= vlan_id.value <= VLAN_MAX or vlan_id.value in reported:
                    continue
                reported.add(vlan_id.value)
                yield Problem(
                    f"VLAN {interface.name} of {host_label(host)} has VLAN ID {vlan_id.value}"
                    f" ({short(vlan_id.location)}): {_why(vlan_id.value)}",
                    vlan_id.location,
                )


def _why(vlan_id: int) -> str:
    if vlan_id == 0:
        return (
            "ID 0 marks priority-tagged frames, which belong to the port's native VLAN, not to a VLAN of"
            f" their own; use an ID from {VLAN_MIN} to {VLAN_MAX}"
        )
    if vlan_id == 4095:
        return f"ID 4095 is reserved by 802.1Q and the kernel refuses it; use an ID from {VLAN_MIN} to {VLAN_MAX}"
    return f"a VLAN ID has 12 bits, so {VLAN_MAX} is the highest; the kernel refuses the device"
