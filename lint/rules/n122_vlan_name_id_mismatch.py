"""A VLAN device whose name says one VLAN and whose settings say another: `eth0.30` with
`vlan-raw-device eth1`, `VLAN_ID=4` in ifcfg-eth0.3, or `ip -d link` showing eth0.30 as VLAN 31.

A name NAME.VID stands for VLAN VID on NAME, a name vlanVID for VLAN VID; the VID is read in base 10,
so 0-padded names (eth0.0003, vlan0042) are VLAN 3 and 42 and fine. Other names (dmz, lan1) say
nothing and are left alone. The settings compared are the parent (PHYSDEV, ETHERDEVICE,
vlan-raw-device, ip's `@parent`, /proc/net/vlan/config) and the ID (VLAN_ID, vlan-id, ip's `id`).

Configuration files are checked first; the running outputs only when no file of that interface
disagrees (the kernel then runs the VLAN the setting asks for, under a misleading name). Runs on
every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostfacts import InterfaceRecord
from ..hostquery import short
from ..netchecks import NamedVlan, host_label, is_config, vlan_interfaces, vlan_of_name

ID = "N122"
SLUG = "vlan-name-id-mismatch"
SEVERITY = Severity.ERROR
SUMMARY = "A VLAN interface's name and its VLAN ID or parent disagree."
RATIONALE = """\
The tools do not agree on which one wins (wicked takes VLAN_ID over the name, ifupdown makes NAME.VID
a VLAN of NAME), so the device ends up on a VLAN or a NIC other than the one its name promises:
traffic leaves with the wrong tag, and whoever reads `eth0.30` looks for VLAN 30 on eth0. A file copied from another
VLAN and only half edited is the usual cause."""
FIX = "Rename the interface after its VLAN (PARENT.VID), or correct the VLAN ID / parent setting."
BAD = {"ifcfg-eth0.3": "DEVICE=eth0.3\nVLAN=yes\nVLAN_ID=4\nBOOTPROTO=none\nONBOOT=yes\n"}
GOOD = {"ifcfg-eth0.0003": "DEVICE=eth0.0003\nVLAN=yes\nVLAN_ID=3\nBOOTPROTO=none\nONBOOT=yes\n"}
REFERENCES = ("ifcfg-vlan(5): VLAN_ID, interface name schemes", "interfaces(5) / vlan-interfaces(5): vlan-raw-device")


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        for interface in vlan_interfaces(host):
            named = vlan_of_name(interface.name)
            if named is not None:
                yield from _mismatches(host, interface, named)


def _mismatches(host: Host, interface: Interface, named: NamedVlan) -> Iterator[Problem]:
    """Every disagreement of the config records; those of the outputs when the configs have none."""
    configs = [r for r in interface.records if is_config(r.source)]
    outputs = [r for r in interface.records if not is_config(r.source)]
    found = [p for r in configs for p in _record_mismatches(host, r, named)]
    if not found:
        found = [p for r in outputs for p in _record_mismatches(host, r, named)]
    yield from {problem.location: problem for problem in found}.values()


def _record_mismatches(host: Host, record: InterfaceRecord, named: NamedVlan) -> Iterator[Problem]:
    name = record.name
    where = f"VLAN {name} of {host_label(host)}"
    if record.vlan_id is not None and record.vlan_id.value != named.vlan_id:
        yield Problem(
            f"{where}: the name says VLAN {named.vlan_id}, but {short(record.vlan_id.location)} makes it VLAN"
            f" {record.vlan_id.value}: frames leave with tag {record.vlan_id.value}, not {named.vlan_id}",
            record.vlan_id.location,
            related=(record.location,),
        )
    if named.parent is not None and record.parent is not None and record.parent.value != named.parent:
        yield Problem(
            f"{where}: the name says it is on {named.parent}, but {short(record.parent.location)} puts it on"
            f" `{record.parent.value}`",
            record.parent.location,
            related=(record.location,),
        )
