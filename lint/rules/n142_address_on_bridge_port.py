"""An IP address on an interface that is a port of a bridge (brctl show, `master` in ip link,
BRIDGE= in the port's ifcfg file, bridge_ports in /etc/network/interfaces).

A bridge port hands every frame it receives to the bridge, so the host's IP stack sees them arrive
on the bridge, not on the port, while the route of the port's subnet sends replies out of the port
itself: strict rp_filter drops the incoming traffic, and ARP and replies take paths that depend on
the neighbour. The address belongs on the bridge. initscripts
even flush the addresses of an ifcfg file with BRIDGE= before they add the port, so such an IPADDR
never takes effect.

Every source counts (config or running); one finding per port and address, at the configuration line
if there is one, else at the output, with the other sources of that address and the line that makes
the interface a port related. Link-local IPv6 addresses (which the kernel gives every port) and
loopback addresses are left out. Runs on every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host
from ..hostquery import short
from ..netchecks import Address, addresses, host_label, is_config

ID = "N142"
SLUG = "address-on-bridge-port"
SEVERITY = Severity.WARNING
SUMMARY = "An IP address is configured on an interface that is a port of a bridge."
RATIONALE = """\
Traffic to an address on a bridge port is not delivered reliably: the frames are taken by the bridge
before the IP stack sees them on the port. The host seems reachable on some paths and not on others.
Moving the NIC into a bridge and leaving its IPADDR behind is the usual cause."""
FIX = "Move the address to the bridge (the bridge's ifcfg file or stanza) and remove it from the port."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nBRIDGE=xenbr0\nIPADDR=198.18.0.10\nPREFIX=24\n",
    "ifcfg-xenbr0": "DEVICE=xenbr0\nTYPE=Bridge\nBOOTPROTO=none\nONBOOT=yes\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=none\nONBOOT=yes\nBRIDGE=xenbr0\n",
    "ifcfg-xenbr0": "DEVICE=xenbr0\nTYPE=Bridge\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nPREFIX=24\n",
}
REFERENCES = ("initscripts ifup-eth: `ip addr flush dev DEVICE` before adding a port to BRIDGE",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        groups: dict[tuple[str, object], list[Address]] = {}
        for address in addresses(host):
            groups.setdefault((address.interface, address.ip.ip), []).append(address)
        for (port, _), group in groups.items():
            problem = _on_port(host, port, group)
            if problem is not None:
                yield problem


def _on_port(host: Host, port: str, group: list[Address]) -> Problem | None:
    membership = host.bridge_of(port)
    if membership is None:
        return None
    bridge, where = membership
    main = next((address for address in group if is_config(address.source)), group[0])
    others = tuple(dict.fromkeys(address.fact.location for address in group if address is not main))
    return Problem(
        f"{port} of {host_label(host)} has address {main.ip} ({short(main.fact.location)}) but is a port of"
        f" bridge {bridge} ({short(where)}): traffic to it is not delivered reliably; the address belongs on"
        f" {bridge}",
        main.fact.location,
        related=(*others, where),
    )
