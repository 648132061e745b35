"""A vif `devid=` that is not a decimal number, or that two vifs of one domain share.

xl reads devid with strtoul and exits ("xl: failed to convert ... to number") when the value does
not start with a digit; trailing characters are silently dropped (`devid=1a` is 1). A vif without
devid= gets its index in the vif list (xl's ARRAY_EXTEND_INIT), so `vif = [ '', 'devid=0' ]` gives
two vifs devid 0: both address the same xenstore device and libxl fails to add the second. Checked
in xl and xm specs (xend has no devid key; X101 covers that).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..vifquery import decimal
from ..vifspec import VifSpec, VifSyntax

ID = "X129"
SLUG = "vif-devid-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's devid= is not a decimal number, or repeats another vif's devid in the same domain."
RATIONALE = """\
A devid xl cannot read stops the domain from being created; a repeated one makes the second vif
collide with the first in xenstore, so the guest misses a NIC."""
FIX = "Write devid as a plain number unique within the domain, or remove devid= and let xl number the vifs."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,devid=eth0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,devid=0" ]\n'}
REFERENCES = ("xl-network-configuration(5): devid", "tools/xl/xl_parse.c: parse_ulong")


def check(model) -> Iterator[Problem]:
    for domain in model.domains:
        yield from _check_domain(domain)


def _check_domain(domain) -> Iterator[Problem]:
    owners: dict[int, VifSpec] = {}
    for vif in domain.vifs:
        if vif.syntax is VifSyntax.SXP:
            continue
        field = vif.get("devid")
        if field is not None and field.value is not None and decimal(field.value.strip()) is None:
            yield Problem(
                f"vif {vif.devid} of {domain.label}: `{field.token.strip()}` is not a decimal number", field.location
            )
            continue
        devid = _devid(vif)
        owner = owners.setdefault(devid, vif)
        if owner is not vif:
            yield Problem(
                f"vif {vif.devid} of {domain.label}: devid {devid} {_how(vif)} is also the devid of vif"
                f" {owner.devid} {_how(owner)}: libxl cannot add both",
                _where(vif),
                related=(_where(owner),),
            )


def _devid(vif: VifSpec) -> int:
    text = vif.value("devid")
    number = decimal(text.strip()) if text is not None else None
    return vif.devid if number is None else number


def _how(vif: VifSpec) -> str:
    return "(from devid=)" if vif.value("devid") is not None else "(its place in the vif list)"


def _where(vif: VifSpec) -> Location:
    field = vif.get("devid")
    return field.location if field is not None and field.value is not None else vif.location
