"""`type=ioemu` on a vif of a PV or PVH guest in an xl config.

libxl refuses such a vif ("trying to create PV or PVH guest with an emulated interface", in
libxl__device_nic_setdefault) and the domain is not created. xend ignored the same setting for PV
guests, so configs converted from xm often carry it; in xm specs and SXP records it is only
reported as dead configuration by X123. The related location is the setting that makes the guest
PV/PVH, when there is one.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import guest_type_related, pv_guest_uses
from ..vifspec import VifSyntax

ID = "X128"
SLUG = "vif-ioemu-on-pv"
SEVERITY = Severity.ERROR
SUMMARY = "An xl PV or PVH guest has a vif with type=ioemu, which libxl refuses."
RATIONALE = """\
The guest does not start at all: libxl rejects an emulated interface for a guest without a device
model. The line is harmless under xend, so it survives xm-to-xl migrations."""
FIX = "Remove `type=ioemu` (or write `type=vif`) for PV and PVH guests."
BAD = {"web.cfg": 'name = "web"\ntype = "pvh"\nvif = [ "mac=00:16:3e:5a:01:02,type=ioemu" ]\n'}
GOOD = {"web.cfg": 'name = "web"\ntype = "pvh"\nvif = [ "mac=00:16:3e:5a:01:02,type=vif" ]\n'}
REFERENCES = ("tools/libs/light/libxl_nic.c: libxl__device_nic_setdefault",)


def check(model) -> Iterator[Problem]:
    for use in pv_guest_uses(model, "type"):
        if use.vif.syntax is VifSyntax.XL and use.value.strip() == "ioemu":
            yield Problem(
                f"{use.where}: `{use.field.token.strip()}` on a {use.domain.guest_type.upper()} guest: libxl"
                " refuses an emulated interface without a device model and the domain is not created",
                use.field.location,
                related=guest_type_related(use.domain),
            )
