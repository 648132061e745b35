"""What a capture port is, as the layer-2 capture rules (P16x) need it: a guest's port (its vif or
tap in dom0) and the domain vif behind it, or a bridge that carries one VLAN untagged because a
VLAN interface (eth0.10) is one of its ports.

A port is a guest's when its name follows Xen's naming (vifDOMID.DEVID, vifDOMID.DEVID-emu, the old
qemu-dm tapDOMID.DEVID), when it is the custom `vifname=` of a configured vif, or when dom0's
outputs say the device is a vif or tap. The domain vif is found only through the dom0 tree: its
domain ID from `xl list`/`xm list`/xenstore, or its vifname.
"""

from __future__ import annotations

from dataclasses import dataclass

from xennet.findings import Location
from xennet.lint.hostquery import DomVif, dom0_vifs
from xennet.lint.model import LintModel
from xennet.lint.netchecks import is_vlan
from xennet.lint.vifhost import VIF_DEVICE

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
