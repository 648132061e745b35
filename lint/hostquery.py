"""Queries over the host model shared by the N rules: the dom0's configured vifs with the device
each one has in dom0, and the bridges that exist there."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from xennet.findings import Location

from .host import Host, Interface
from .model import Domain, LintModel
from .vifspec import VifField, VifSpec

XL_DEFAULT_BRIDGE = "xenbr0"  # libxl's default when neither the vif nor xl.conf names one


@dataclass(frozen=True)
class DomVif:
    """A vif of a dom0's domain, joined to its backend device in dom0 (None when not found)."""

    host: Host
    domain: Domain
    vif: VifSpec
    device: Interface | None

    @property
    def where(self) -> str:
        return f"vif {self.vif.devid} of {self.domain.label}"

    @property
    def bridge_field(self) -> VifField | None:
        found = self.vif.get("bridge")
        return found if found is not None and found.value is not None else None


def dom0_vifs(model: LintModel) -> Iterator[DomVif]:
    """Every vif of every domain configured in the dom0 tree."""
    host = model.dom0
    if host is None:
        return
    for domain in host.domains:
        for vif in domain.vifs:
            yield DomVif(host, domain, vif, host.device_of(domain, vif))


def has_network_facts(host: Host) -> bool:
    """Whether the tree describes the host's interfaces at all (else absence proves nothing)."""
    return bool(host.interfaces)


def bridge_names(host: Host) -> dict[str, Location]:
    return {bridge.name: bridge.location for bridge in host.bridges()}


def default_bridge(model: LintModel) -> tuple[str, Location | None]:
    """The bridge a vif without bridge= gets: xl.conf's vif.default.bridge, else libxl's xenbr0."""
    for defaults in model.defaults:
        if "bridge" in defaults.values:
            value, location = defaults.values["bridge"]
            return value, location
    return XL_DEFAULT_BRIDGE, None


def short(location: Location) -> str:
    """`brctl_show:2`: a location as messages quote it (the file's name and the line)."""
    name = os.path.basename(location.path)
    return f"{name}:{location.line}" if location.line else name
