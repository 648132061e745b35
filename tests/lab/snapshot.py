"""Support bundles of the lab's dom0 and guests, laid out like a sosreport.

`snapshot_dom0` is a stand-in: issue 6's `xennet collect --output FILE.tar.gz`, run inside dom0 with
`ip netns exec`, replaces it once it exists (the bundle then also holds the captures). The Xen facts
a real dom0 has (`xl list`, the domain configs with each vif's mac=) are written from the lab's own
description, since no hypervisor runs here; everything else is the output of the command its file
is named after, run in the namespace.
"""

from __future__ import annotations

from pathlib import Path

from . import Lab, run


def _write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return folder


def snapshot_dom0(lab: Lab, folder: Path) -> Path:
    """Write dom0's bundle into `folder` (sos_commands/... and etc/xen/...) and return it."""
    dom0 = lab.dom0
    domains = "".join(f"{guest.name:<40}{guest.domid:>6}   512     1     -b----       1.0\n" for guest in lab.guests)
    files = {
        "sos_commands/networking/ip_-d_address": run("ip", "-d", "address", namespace=dom0),
        "sos_commands/networking/ip_-s_-d_link": run("ip", "-s", "-d", "link", namespace=dom0),
        "sos_commands/networking/bridge_-d_link": run("bridge", "-d", "link", "show", namespace=dom0),
        "sos_commands/kernel/sysctl_-a": run("sysctl", "-a", namespace=dom0),
        "sos_commands/kernel/uname_-a": run("uname", "-a"),
        "sos_commands/firewall_tables/iptables-save": run("iptables-save", namespace=dom0),
        "sos_commands/general/hostname": "dom0\n",
        "sos_commands/xen/xl_list": (
            "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
            "Domain-0                                     0  1024     1     r-----      10.0\n" + domains
        ),
    }
    files.update({
        f"etc/xen/{guest.name}.cfg": (
            f'name = "{guest.name}"\ntype = "pv"\nmemory = 512\nvif = [ "mac={guest.mac},bridge=xenbr0" ]\n'
        )
        for guest in lab.guests
    })
    return _write(folder, files)


def snapshot_guest(lab: Lab, name: str, folder: Path) -> Path:
    """Write guest `name`'s bundle (its addresses and hostname) into `folder` and return it. With a
    VLAN, also the guest's ifcfg of its VLAN interface: `ip` shows the lab's stand-in for it as a
    TAP device, where a real guest's would read `vlan protocol 802.1Q id VID`."""
    files = {
        # Without -d: a real guest's netfront NIC has no link kind, the lab's eth0 would say veth.
        "sos_commands/networking/ip_address": run("ip", "address", namespace=lab.namespace(name)),
        "sos_commands/general/hostname": f"{name}\n",
    }
    if lab.vlan is not None:
        guest = lab.guest(name)
        files[f"etc/sysconfig/network-scripts/ifcfg-eth0.{lab.vlan}"] = (
            f"DEVICE=eth0.{lab.vlan}\nVLAN=yes\nBOOTPROTO=static\nIPADDR={guest.vlan_address(lab.vlan)}\n"
            f"NETMASK=255.255.255.0\nMTU={lab.guest_mtu(guest)}\nONBOOT=yes\n"
        )
    return _write(folder, files)
