"""Queries over the interfaces of every host tree (dom0 and guests) shared by the VLAN, MTU and
address rules (N120-N142).

Two views of a host are used. The running view takes what the command outputs say (ip, ifconfig,
brctl, /proc) and falls back to the configuration files; the configured view takes what the ifcfg
files and /etc/network/interfaces say and falls back to the outputs. A config that asks for
something the kernel refuses is found in the configured view even when the kernel has quietly kept
the old value; a running system that drifted from its files is found in the running view.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from xennet.findings import Location

from .host import CONFIG_SOURCES, NIC_KINDS, GuestLink, Host, Interface
from .hostfacts import Fact
from .hostquery import short
from .mac import normalize_mac, parse_mac
from .runner import LOOSE_FILES
from .vifspec import VifSpec

IpInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
VLAN_MIN, VLAN_MAX = 1, 4094
# NAME.VID (0-padded VIDs allowed: eth0.0003 is VLAN 3) and vlanVID, as vconfig and the scripts name VLANs.
_DOTTED_VLAN = re.compile(r"(?P<parent>.+)\.(?P<vid>[0-9]{1,9})")
_VLAN_PLUS_VID = re.compile(r"vlan(?P<vid>[0-9]{1,9})")
# The NAT bridges that libvirt, Docker, LXC and Podman create on every host with the same default
# address (192.168.122.1, 172.17.0.1, 10.0.3.1, 10.88.0.1): private to their host, never a conflict
# with the same bridge of another host.
_HOST_PRIVATE_BRIDGE = re.compile(r"virbr[0-9]+|docker0|lxcbr0|cni-podman[0-9]+|podman[0-9]+")
# Outputs that list every interface of the host (brctl, ethtool and /proc/net/vlan list some).
_LISTING_SOURCES = ("ip-link", "ip-addr", "ifconfig", "proc-net-dev")


# --- how messages name things ----------------------------------------------------------------



def host_label(host: Host) -> str:
    """How messages name a host: its hostname, else the folder of its tree ("the host" for files
    given one by one)."""
    if host.hostname:
        return host.hostname
    if host.label == LOOSE_FILES:
        return "the host"
    return os.path.basename(host.label.rstrip("/")) or host.label


def names_text(names: Iterable[str], limit: int = 8) -> str:
    """`eth0, eth1, lo`, cut after `limit` names (`... and 3 more`)."""
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def is_config(source: str) -> bool:
    return source in CONFIG_SOURCES


# --- the two views -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Stated:
    """What one source says about one attribute of one interface."""

    interface: str
    source: str
    fact: Fact[Any]

    @property
    def value(self) -> Any:
        return self.fact.value

    @property
    def location(self) -> Location:
        return self.fact.location


def stated(interface: Interface, attribute: str, configured: bool = False) -> Stated | None:
    """The attribute in the running view (outputs first), or in the configured view (files first)."""
    found = interface.facts(attribute)
    if configured:
        found = [item for item in found if is_config(item[0])] + [item for item in found if not is_config(item[0])]
    if not found:
        return None
    source, fact = found[0]
    return Stated(interface.name, source, fact)


def mtu_above(upper: Interface, lower: Interface) -> tuple[Stated, Stated] | None:
    """The MTUs of `upper` and `lower` when upper's is the larger, in the configured view first, then
    in the running view; None when neither view has both MTUs with upper's above."""
    for configured in (True, False):
        high, low = stated(upper, "mtu", configured), stated(lower, "mtu", configured)
        if high is not None and low is not None and high.value > low.value:
            return high, low
    return None


# --- VLANs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NamedVlan:
    """What a VLAN device's name says: NAME.VID (parent and ID) or vlanVID (the ID only)."""

    parent: str | None
    vlan_id: int


def vlan_of_name(name: str) -> NamedVlan | None:
    """The VLAN a name stands for, the ID read in base 10 (eth0.0003 is VLAN 3); None for other names."""
    if match := _DOTTED_VLAN.fullmatch(name):
        return NamedVlan(match["parent"], int(match["vid"]))
    if match := _VLAN_PLUS_VID.fullmatch(name):
        return NamedVlan(None, int(match["vid"]))
    return None


def is_vlan(interface: Interface) -> bool:
    """A source says it is a VLAN device (kind vlan or a VLAN ID); alias labels (eth0.3:1) are not devices."""
    if ":" in interface.name:
        return False
    return any((r.kind is not None and r.kind.value == "vlan") or r.vlan_id is not None for r in interface.records)


def vlan_interfaces(host: Host) -> list[Interface]:
    return [interface for _, interface in sorted(host.interfaces.items()) if is_vlan(interface)]


def vlan_parent(host: Host, interface: Interface) -> Interface | None:
    """The parent device of a VLAN as the running view names it, if the host has it."""
    parent = stated(interface, "parent")
    return host.interfaces.get(parent.value) if parent is not None else None


def other_sources(host: Host, interface: Interface) -> list[str]:
    """The files, other than those that describe `interface`, in which the host's interfaces are
    described (sorted): the outputs that list every interface when there are any, else all."""
    own = {record.location.path for record in interface.records}
    records = [r for other in host.interfaces.values() for r in other.records if r.location.path not in own]
    listing = sorted({r.location.path for r in records if r.source in _LISTING_SOURCES})
    return listing or sorted({r.location.path for r in records})


# --- guests' NICs and their vifs ---------------------------------------------------------------


def guest_nics(guest: Host) -> Iterator[tuple[Interface, str]]:
    """The guest's NICs (not VLANs, bridges or bonds on top of them) with each MAC they have."""
    for _, interface in sorted(guest.interfaces.items()):
        if interface.kind in NIC_KINDS and not is_vlan(interface) and ":" not in interface.name:
            for mac in dict.fromkeys(fact.value.lower() for fact in interface.macs()):
                yield interface, mac


@dataclass(frozen=True)
class GuestVif:
    """A guest's NIC, the vif of its domain with the same mac=, and that vif's device in dom0."""

    link: GuestLink
    nic: Interface
    vif: VifSpec
    device: Interface


@dataclass(frozen=True)
class GuestVifMtus:
    """A guest NIC and its vif's device whose MTUs differ."""

    pair: GuestVif
    guest: Stated
    backend: Stated

    def statement(self, relation: str) -> str:
        """`eth0 of guest web has MTU 9000 (ifcfg-eth0:5), above the MTU 1500 of its vif vif3.0 in dom0
        (ip_address:7, vif 0 of web)`, with `relation` "above" or "below"."""
        link, guest, backend = self.pair.link, self.guest, self.backend
        return (f"{self.pair.nic.name} of guest {host_label(link.guest)} has MTU {guest.value}"
                f" ({short(guest.location)}), {relation} the MTU {backend.value} of its vif {backend.interface} in"
                f" dom0 ({short(backend.location)}, vif {self.pair.vif.devid} of {link.domain.label})")

    @property
    def related(self) -> tuple[Location, ...]:
        """The vif device's MTU and the vif's mac=."""
        mac = self.pair.vif.get("mac")
        return (self.backend.location,) + ((mac.location,) if mac is not None else ())


def guest_vif_mtus(model: Any, guest_above: bool) -> Iterator[GuestVifMtus]:
    """Every joined guest NIC whose MTU is above its vif device's (`guest_above`), or below it."""
    if model.dom0 is None:
        return
    for link in model.guest_links:
        for pair in guest_vifs(model.dom0, link):
            mtus = mtu_above(pair.nic, pair.device) if guest_above else mtu_above(pair.device, pair.nic)
            if mtus is not None:
                guest, backend = mtus if guest_above else mtus[::-1]
                yield GuestVifMtus(pair, guest, backend)


def guest_vifs(dom0: Host, link: GuestLink) -> Iterator[GuestVif]:
    """Each NIC of a joined guest whose MAC is a vif's mac= of its domain, with that vif's device in
    dom0, when dom0 shows the device."""
    vifs = {mac: vif for vif in link.domain.vifs if (mac := vif_mac(vif.value("mac"))) is not None}
    for nic, mac in guest_nics(link.guest):
        vif = vifs.get(mac)
        device = dom0.device_of(link.domain, vif) if vif is not None else None
        if vif is not None and device is not None:
            yield GuestVif(link, nic, vif, device)


def vif_mac(text: str | None) -> str | None:
    octets = parse_mac((text or "").strip())
    return normalize_mac(octets) if octets is not None else None


# --- addresses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    """An IP address that one source puts on one interface of one host."""

    host: Host
    interface: str  # the device: alias labels (eth0:1) are folded into their device
    ip: IpInterface
    source: str
    fact: Fact[str]

    @property
    def owner(self) -> tuple[int, str]:
        return id(self.host), self.interface

    @property
    def where(self) -> str:
        return f"{self.interface} of {host_label(self.host)}"


def device_name(name: str) -> str:
    """eth0:1 -> eth0: an alias label's addresses belong to its device."""
    return name.split(":", 1)[0]


def parse_address(text: str) -> IpInterface | None:
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def is_host_local(ip: IpInterface) -> bool:
    """Loopback, link-local, unspecified and multicast addresses: every host or link has its own."""
    address = ip.ip
    return address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast


def addresses(host: Host, configured: bool | None = None, keep_local: bool = False) -> list[Address]:
    """Every address of the host's interfaces: from the config files only (configured=True), from
    the outputs only (False) or from both (None); host-local addresses only with keep_local."""
    found = []
    for name, interface in sorted(host.interfaces.items()):
        for record in interface.records:
            if configured is not None and is_config(record.source) != configured:
                continue
            for fact in record.addresses:
                ip = parse_address(fact.value)
                if ip is not None and (keep_local or not is_host_local(ip)):
                    found.append(Address(host, device_name(name), ip, record.source, fact))
    return found


def host_private_bridge(name: str) -> bool:
    """virbr0, docker0, lxcbr0, cni-podman0, podman0: a NAT bridge with its default address on every host."""
    return _HOST_PRIVATE_BRIDGE.fullmatch(name) is not None


def same_link(host: Host, first: str, second: str) -> bool:
    """A bridge and one of its ports (N142 reports an address on the port)."""
    return any(
        (found := host.bridge_of(port)) is not None and found[0] == bridge
        for port, bridge in ((first, second), (second, first))
    )
