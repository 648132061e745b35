"""An interface's gateway (GATEWAY in its ifcfg file, `gateway` in its /etc/network/interfaces
stanza) outside every subnet of the interface's own addresses.

The addresses are those of the interface (alias labels such as eth0:1 included) from any source,
configured or running, of the gateway's IP version. Silent when the interface has no address of that
version (DHCP, or a tree without the outputs), for an IPv6 link-local gateway (fe80::/10 is on every
link), for 0.0.0.0 / :: (initscripts' "no gateway") and for a stanza with `pointopoint`, whose peer
route makes an outside gateway reachable. Runs on every host tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostfacts import Fact
from ..hostquery import short
from ..netchecks import Address, addresses, device_name, host_label, parse_address

ID = "N140"
SLUG = "gateway-outside-subnet"
SEVERITY = Severity.ERROR
SUMMARY = "An interface's gateway is outside all of its own subnets."
RATIONALE = """\
A gateway must be on a network the interface is connected to: the kernel refuses a route through a
gateway it cannot reach directly ("Network is unreachable"), and the RHEL network scripts skip the
default route silently when GATEWAY is outside the network of the first address. The host then has no
default route and reaches nothing beyond its own subnet. A wrong netmask or a gateway copied from
another network is the usual cause."""
FIX = "Correct the gateway or the address/netmask so that the gateway is inside the interface's subnet."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nNETMASK=255.255.255.0\n"
    "GATEWAY=198.18.1.1\n"
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nNETMASK=255.255.255.0\n"
    "GATEWAY=198.18.0.1\n"
}
REFERENCES = ("initscripts ifup-eth: default route only when GATEWAY is in the network of the first address",)


def check(model) -> Iterator[Problem]:
    for host in model.hosts:
        own = addresses(host, keep_local=True)
        for _, interface in sorted(host.interfaces.items()):
            mine = [address for address in own if address.interface == device_name(interface.name)]
            for _, gateway in interface.facts("gateway"):
                problem = _outside(host, interface, gateway, mine)
                if problem is not None:
                    yield problem


def _outside(host: Host, interface: Interface, gateway: Fact[str], mine: list[Address]) -> Problem | None:
    ip = parse_address(gateway.value.strip())
    if ip is None or ip.ip.is_unspecified or (ip.version == 6 and ip.ip.is_link_local):
        return None
    if interface.option("pointopoint") is not None:
        return None
    subnets = [address for address in mine if address.ip.version == ip.version]
    if not subnets or any(ip.ip in address.ip.network for address in subnets):
        return None
    networks = list(dict.fromkeys(f"{a.ip.network} (of {a.ip.ip})" for a in subnets))
    return Problem(
        f"{interface.name} of {host_label(host)}: gateway {ip.ip} ({short(gateway.location)}) is outside its"
        f" subnet{'s' if len(networks) > 1 else ''} {', '.join(networks)}: the kernel cannot reach it"
        " directly, so there is no route through it",
        gateway.location,
        related=tuple(dict.fromkeys(address.fact.location for address in subnets)),
    )
