"""What a capture port is: its role (port_role: a port of a dom0 bridge, the bridge device itself,
the guest side of a vif, or unknown), which decides which rules may compare it with other ports; and,
as the layer-2 capture rules (P16x) need it, a guest's port (its vif or tap in dom0) and the domain
vif behind it, or a bridge that carries one VLAN untagged because a VLAN interface (eth0.10) is one
of its ports.

A port is a guest's when its name follows Xen's naming (vifDOMID.DEVID, vifDOMID.DEVID-emu, the old
qemu-dm tapDOMID.DEVID), when it is the custom `vifname=` of a configured vif, or when dom0's
outputs say the device is a vif or tap. The domain vif is found only through the dom0 tree: its
domain ID from `xl list`/`xm list`/xenstore, or its vifname.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from xennet.findings import Location
from xennet.lint.host import Host
from xennet.lint.hostquery import DomVif, dom0_vifs
from xennet.lint.model import LintModel
from xennet.lint.netchecks import is_vlan
from xennet.lint.vifhost import VIF_DEVICE

from .captures import BRIDGE_DEVICE, BRIDGE_PORT, GUEST_SIDE, UNKNOWN, PortRole

GUEST_DEVICE_KINDS = ("vif", "tap")


def domain_vif(model: LintModel, port: str) -> DomVif | None:
    """The configured vif whose backend device in dom0 is `port`, if the dom0 tree tells."""
    for dv in dom0_vifs(model):
        if port in dv.host.vif_device_names(dv.domain, dv.vif):
            return dv
    return None


def is_guest_port(model: LintModel, port: str) -> bool:
    """Whether `port` is a guest's vif or tap device in dom0 (see the module docstring)."""
    if VIF_DEVICE.fullmatch(port) or domain_vif(model, port) is not None:
        return True
    device = model.dom0.interfaces.get(port) if model.dom0 is not None else None
    return device is not None and device.kind in GUEST_DEVICE_KINDS


@dataclass(frozen=True)
class VlanPort:
    """A VLAN interface that is a port of a bridge, and where a source says so."""

    bridge: str
    name: str
    location: Location


def vlan_port(model: LintModel, bridge: str) -> VlanPort | None:
    """The VLAN interface among the ports of `bridge` on any host of the model: the kernel strips its
    tag before the bridge sees the frame, so the bridge and its other ports carry that VLAN untagged."""
    for host in model.hosts:
        if not any(found.name == bridge for found in host.bridges()):
            continue
        for name, where in sorted(host.ports(bridge).items()):
            interface = host.interfaces.get(name)
            if interface is not None and is_vlan(interface):
                return VlanPort(bridge, name, where)
    return None


# --- the role of a capture port --------------------------------------------------------------------

BRIDGE_NAMES = re.compile(r"(xenbr|br|virbr).*")
UPLINK_NAMES = re.compile(r"(eth|peth|bond)\d+")
# A capture named after a guest and one of its interfaces: dom1-eth0, guest3-eth0.3 (the guest part
# may hold dashes: the interface is what follows the last one).
GUEST_INTERFACE = re.compile(r"(?P<guest>.+)-(?P<interface>[A-Za-z][\w.]*)")


def port_role(model: LintModel | None, name: str, path: str) -> PortRole:
    """The role of the capture port `name`, read from the file at `path`. First match wins:

    1. The file lies inside a guest's tree (any host tree but the dom0's): GUEST_SIDE, the guest's
       interface `name`.
    2. With a dom0 model that has interfaces: a bridge of dom0 is a BRIDGE_DEVICE, a port of one of
       its bridges a BRIDGE_PORT. Another dom0 interface is UNKNOWN, unless the model knows no
       bridge's ports at all and it is a guest's vif or tap (is_guest_port): then a BRIDGE_PORT.
       A name that is no dom0 interface and reads GUEST-INTERFACE (dom1-eth0), GUEST being a domain
       of the model or a guest tree (its hostname or its folder's name), is GUEST_SIDE.
    3. By name: a guest's vif or tap (Xen's naming, a configured vifname) is a BRIDGE_PORT,
       xenbr*/br*/virbr* a BRIDGE_DEVICE; without a dom0 model, ethN/pethN/bondN are BRIDGE_PORTs.
    4. Else UNKNOWN.

    Only BRIDGE_PORTs are compared with each other, and UNKNOWN ports when there is no dom0 model
    with interfaces (`xennet pcap a.pcap b.pcap` compares its files as ports of one bridge): a bridge
    device sees forwarded frames at the same instant as their ingress port, and a guest's own
    capture sees the guest's frames before its vif does, so either would take the place of a port in
    the bridge's MAC learning."""
    model = model if model is not None else LintModel()
    guest = _tree_holding(model, path)
    if guest is not None:
        return PortRole(GUEST_SIDE, f"the file is in guest tree {guest.label}", False, guest, name)
    dom0 = model.dom0
    modelled = dom0 is not None and bool(dom0.interfaces)
    if dom0 is not None and modelled:
        role = _modelled_role(model, dom0, name)
        if role is not None:
            return role
    if is_guest_port(model, name):
        return PortRole(BRIDGE_PORT, "named like a guest's vif or tap", True, dom0, name)
    if BRIDGE_NAMES.fullmatch(name):
        return PortRole(BRIDGE_DEVICE, "named like a bridge", False, dom0, name)
    if not modelled and UPLINK_NAMES.fullmatch(name):
        return PortRole(BRIDGE_PORT, "named like an uplink NIC", True, dom0, name)
    why = "no dom0 interface and not named like a port" if modelled else "no host model, compared as a port"
    return PortRole(UNKNOWN, why, not modelled, dom0, name)


def _modelled_role(model: LintModel, dom0: Host, name: str) -> PortRole | None:
    """Step 2 of port_role, None when it does not decide."""
    bridges = dom0.bridges()
    if any(bridge.name == name for bridge in bridges):
        return PortRole(BRIDGE_DEVICE, "a bridge in dom0's host model", False, dom0, name)
    found = dom0.bridge_of(name)
    if found is not None:
        return PortRole(BRIDGE_PORT, f"a port of {found[0]} in dom0's host model", True, dom0, name)
    if name in dom0.interfaces:
        if not any(dom0.ports(bridge.name) for bridge in bridges) and is_guest_port(model, name):
            return None  # the model does not say which bridge: the name decides
        return PortRole(UNKNOWN, "a dom0 interface on no bridge of the host model", False, dom0, name)
    named = GUEST_INTERFACE.fullmatch(name)
    if named is None or is_guest_port(model, name):
        return None
    guest = named["guest"]
    host = _guest_host(model, guest)
    if host is None and guest not in {domain.name for domain in model.domains}:
        return None
    return PortRole(GUEST_SIDE, f"named after guest {guest} and its {named['interface']}", False, host,
                    named["interface"])


def _tree_holding(model: LintModel, path: str) -> Host | None:
    """The guest tree (any host tree but dom0's) the capture file lies in, folder or archive."""
    for host in model.hosts:
        if host is model.dom0:
            continue
        label = host.label.rstrip("/" + os.sep)
        if path.startswith((label + os.sep, label + "/", label + "!")):
            return host
    return None


def _guest_host(model: LintModel, guest: str) -> Host | None:
    """The guest tree of `guest`: joined to the domain of that name, or with that hostname (short or
    full), or in a folder of that name."""
    for link in model.guest_links:
        if link.domain.name == guest:
            return link.guest
    for host in model.hosts:
        if host is model.dom0:
            continue
        names = {os.path.basename(host.label.rstrip("/" + os.sep))}
        if host.hostname:
            names |= {host.hostname, host.hostname.split(".")[0]}
        if guest in names:
            return host
    return None
