"""The same IP address on two interfaces of one host, or on interfaces of two hosts (the dom0 and its
guests, or two guests). Addresses are compared as addresses (ipaddress: 2001:db8::1 equals
2001:0db8::0001; the prefix length does not matter).

Two views are compared separately, never with each other: the configuration files of all trees, and
the running outputs of all trees. So an address that moved (from ifcfg-eth0 to the running bridge)
is no duplicate, while two ifcfg files with one IPADDR are, even if only one is up. Alias labels
(eth0:1) belong to their device. Loopback, link-local (169.254/16, fe80::/10), unspecified and
multicast addresses are left out: every host or link has its own; so are the default NAT bridges
that libvirt, Docker, LXC and Podman make on every host (virbr0 192.168.122.1, docker0 172.17.0.1,
lxcbr0, podman0) when two hosts have the same one. An address on a bridge port and on that same
bridge is N142's finding, not this one. The first interface with the address (trees in the order
given, interfaces by name) is taken as its owner; one finding for each other interface, at its address, with every
other holder related.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..netchecks import Address, addresses, host_private_bridge, same_link

ID = "N141"
SLUG = "address-duplicate"
SEVERITY = Severity.ERROR
SUMMARY = "The same IP address is on two interfaces (of one host, or of two hosts)."
RATIONALE = """\
Neighbours learn one MAC for the address, then the other (ARP flapping): connections to the address
break at random, and one of the hosts may refuse the address at startup (initscripts' arping
duplicate check). A guest cloned with its network configuration is the usual cause."""
FIX = "Give each interface its own address; remove the copy from the clone's configuration."
BAD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nPREFIX=24\n",
    "ifcfg-eth1": "DEVICE=eth1\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nPREFIX=24\n",
}
GOOD = {
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.10\nPREFIX=24\n",
    "ifcfg-eth1": "DEVICE=eth1\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=198.18.0.11\nPREFIX=24\n",
}
REFERENCES = ("RFC 5227: IPv4 Address Conflict Detection",)


def check(model) -> Iterator[Problem]:
    for configured in (True, False):
        groups: dict[object, list[Address]] = {}
        for host in model.hosts:
            for address in addresses(host, configured=configured):
                groups.setdefault(address.ip.ip, []).append(address)
        for group in groups.values():
            yield from _repeats(group)


def _repeats(group: list[Address]) -> Iterator[Problem]:
    """A finding for each holder after the first (one per interface), with the others related."""
    holders: dict[tuple[int, str], Address] = {}
    for address in group:
        holders.setdefault(address.owner, address)
    for index, address in enumerate(list(holders.values())):
        earlier = [other for other in list(holders.values())[:index] if _clash(other, address)]
        if not earlier:
            continue
        others = [other for other in holders.values() if other is not address and _clash(other, address)]
        first = earlier[0]
        yield Problem(
            f"{address.ip.ip} is on {address.where} ({short(address.fact.location)}) and on {first.where}"
            f" ({short(first.fact.location)}){_more(len(others) - 1)}: the address is in use twice",
            address.fact.location,
            related=tuple(other.fact.location for other in others),
        )


def _clash(first: Address, second: Address) -> bool:
    if first.host is not second.host:
        return not (host_private_bridge(first.interface) and host_private_bridge(second.interface))
    return first.interface != second.interface and not same_link(first.host, first.interface, second.interface)


def _more(count: int) -> str:
    return f" and {count} other interface{'s' if count > 1 else ''}" if count > 0 else ""
