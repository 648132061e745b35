"""A vif `type=` other than `vif` or `ioemu`.

xl accepts exactly `vif` (PV device only) and `ioemu` (PV device plus an emulated NIC, the HVM
default); anything else makes it print "Invalid parameter `type'." and keep the default, so the
guest gets a NIC of the kind nobody asked for. xend also knows `netfront` (its name for a PV-only
vif, written by libvirt) and treats every other value as PV-only without a word; so for xm specs
and SXP records `netfront` is accepted too, and any other unknown value is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import field_uses
from ..vifspec import VifSyntax

ID = "X122"
SLUG = "vif-type-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's type= is neither `vif` nor `ioemu`."
RATIONALE = """\
A misspelt type (`type=iomeu`, `type=pv`) is dropped: an HVM guest without PV drivers may end up
with no NIC it can use, or with an emulated NIC that was meant to be left out."""
FIX = "Write `type=vif` for a PV-only NIC or `type=ioemu` for an emulated one (HVM only)."
BAD = {"web.cfg": 'name = "web"\ntype = "hvm"\nvif = [ "mac=00:16:3e:5a:01:02,type=iomeu" ]\n'}
GOOD = {"web.cfg": 'name = "web"\ntype = "hvm"\nvif = [ "mac=00:16:3e:5a:01:02,type=ioemu" ]\n'}
REFERENCES = ("xl-network-configuration(5): type", "tools/xl/xl_parse.c: parse_nic_config")

_XEND = (("vif", "ioemu", "netfront"), "xend treats it as a PV-only vif without a word")
# syntax -> (accepted values, what the tool does with any other)
ACCEPTED = {
    VifSyntax.XL: (("vif", "ioemu"), 'xl prints "Invalid parameter `type\'" and ignores it'),
    VifSyntax.XM: _XEND,
    VifSyntax.SXP: _XEND,
}


def check(model) -> Iterator[Problem]:
    for use in field_uses(model, "type"):
        valid, effect = ACCEPTED[use.vif.syntax]
        if use.value.strip() not in valid:
            yield Problem(
                f"{use.where}: `{use.field.token.strip()}` is not one of {', '.join(valid)}: {effect}",
                use.field.location,
            )
