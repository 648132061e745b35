"""`model=` on a vif of a PV or PVH guest, or `type=ioemu` there in an xm spec or SXP record.

Only HVM guests have a device model (QEMU) to emulate a NIC. For PV and PVH guests xl and xend
create the PV vif and ignore the NIC model, so the line does nothing; usually it was copied from
an HVM config, or the guest was meant to be HVM. `type=ioemu` in an xl spec of a PV guest is
worse (libxl refuses the vif) and is reported by X128 instead. The related location is the setting
that makes the guest PV/PVH, when there is one (PV is also the default).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import FieldUse, guest_type_related, pv_guest_uses
from ..vifspec import VifSyntax

ID = "X123"
SLUG = "vif-emulated-on-pv"
SEVERITY = Severity.WARNING
SUMMARY = "A PV or PVH guest's vif asks for an emulated NIC (`model=`, `type=ioemu`); it has none."
RATIONALE = """\
The setting suggests the guest sees an e1000 or rtl8139 when it only ever sees a PV netfront
device: either dead configuration, or a guest that was meant to be HVM and lacks PV drivers."""
FIX = "Remove model=/type=ioemu from PV and PVH guests, or make the guest HVM if it needs an emulated NIC."
BAD = {"web.cfg": 'name = "web"\ntype = "pv"\nvif = [ "mac=00:16:3e:5a:01:02,model=e1000" ]\n'}
GOOD = {"web.cfg": 'name = "web"\ntype = "pv"\nvif = [ "mac=00:16:3e:5a:01:02" ]\n'}
REFERENCES = ("xl-network-configuration(5): type, model",)


def check(model) -> Iterator[Problem]:
    for use in pv_guest_uses(model, "model"):
        yield _problem(use)
    for use in pv_guest_uses(model, "type"):
        if use.vif.syntax is not VifSyntax.XL and use.value.strip() == "ioemu":
            yield _problem(use)


def _problem(use: FieldUse) -> Problem:
    kind = use.domain.guest_type.upper()
    return Problem(
        f"{use.where}: `{use.field.token.strip()}` asks for an emulated NIC, but {use.domain.label} is a"
        f" {kind} guest with no device model: the setting has no effect",
        use.field.location,
        related=guest_type_related(use.domain),
    )
