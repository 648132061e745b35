"""A `vifname=` longer than a Linux interface name can be: 15 characters (IFNAMSIZ - 1).

The backend interface gets exactly this name, so a longer one makes the hotplug script fail to
create or rename the device and the vif never comes up. For HVM guests whose vif has an emulated
NIC (type ioemu, the HVM default) the tap device is named after it too: xl appends `-emu`
(xl-network-configuration(5): vifname) and xend prefixes `tap-`, so there the limit is 11
characters. A `type=vif` vif of an HVM guest has no tap device and keeps the 15-character limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import FieldUse, emulated_nic, field_uses
from ..vifspec import VifSyntax

ID = "X124"
SLUG = "vifname-too-long"
SEVERITY = Severity.ERROR
SUMMARY = "A vifname is longer than 15 characters (11 for an HVM guest's emulated NIC)."
RATIONALE = """\
Linux interface names have at most 15 characters; the kernel refuses longer ones, the vif or its
tap device is not created, and the guest has no network. Descriptive names hit the limit fast."""
FIX = "Shorten the vifname: at most 15 characters, or 11 for HVM guests with an emulated NIC."
BAD = {"web.cfg": 'name = "web"\ntype = "hvm"\nvif = [ "mac=00:16:3e:5a:01:02,vifname=web-frontend" ]\n'}
GOOD = {"web.cfg": 'name = "web"\ntype = "hvm"\nvif = [ "mac=00:16:3e:5a:01:02,vifname=web-front" ]\n'}
REFERENCES = ("xl-network-configuration(5): vifname", "Linux: IFNAMSIZ")

IFNAME_MAX = 15  # IFNAMSIZ - 1


def check(model) -> Iterator[Problem]:
    for use in field_uses(model, "vifname"):
        name = use.value.strip()
        device = _longest_device(use, name)
        if len(device) > IFNAME_MAX:
            yield Problem(f"{use.where}: `{use.field.token.strip()}`: {_why(name, device)}", use.field.location)


def _longest_device(use: FieldUse, name: str) -> str:
    """The longest interface name made from `name`: the tap device of an emulated NIC, or the vif."""
    if not emulated_nic(use.domain, use.vif):
        return name
    return f"{name}-emu" if use.vif.syntax is VifSyntax.XL else f"tap-{name}"


def _why(name: str, device: str) -> str:
    if device == name:
        return f"{len(name)} characters, more than the {IFNAME_MAX} a Linux interface name can have"
    return (
        f"the emulated NIC's tap device `{device}` has {len(device)} characters, more than the {IFNAME_MAX}"
        f" a Linux interface name can have (vifname may have at most {IFNAME_MAX - 4} here)"
    )
