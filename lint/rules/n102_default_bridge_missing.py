"""A vif without `bridge=` goes to the toolstack's default bridge, and dom0 does not have it.

xl writes a bridge for every vif: xl.conf's `vif.default.bridge`, else libxl's `xenbr0`. xend writes
none; its vif-bridge script then takes the first bridge that `brctl show` lists (or the `bridge=`
given to xend-config.sxp's `vif-script`), and fails with "Could not find bridge, and none was
specified" when there is no bridge at all. vif-bridge uses `ethN` for a missing `xenbrN` when
`ethN` is a bridge, so that is not reported.

The toolstack is read from the list output in the tree (`xm list` means xend, `xl list` xl), else
from the one host-wide config present (xend-config.sxp or xl.conf). When neither says, only a dom0
that is shown to have no bridge at all is reported. Absence needs proof, as for N101: a complete
`brctl show` or interface listing; the xend case needs `brctl show` itself. Vifs run by a script
other than vif-bridge, or served by a driver domain (`backend=`), are not checked. The location is
the vif; related are the default's setting (if written) and where dom0's bridges are listed.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import DomVif, dom0_vifs, short
from ..vifhost import BridgeChoice, Inventory, bridged, default_choice, inventory

ID = "N102"
SLUG = "default-bridge-missing"
SEVERITY = Severity.ERROR
SUMMARY = "A vif without bridge= goes to a default bridge that dom0 does not have."
RATIONALE = """\
A vif that names no bridge depends on a default that is easy to forget: libxl's `xenbr0` on a host
whose bridge is called `br0`, or a dom0 whose network-bridge script failed so that there is no
bridge at all. The hotplug script fails and the guest does not start, or starts unplugged."""
FIX = "Give the vif an explicit bridge= that dom0 has, or set vif.default.bridge in /etc/xen/xl.conf."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02" ]\n',
    "xl_list": "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n",
    "brctl_show": "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nbr0\t\t8000.001ec94d2a10\tno\t\teth0\n",
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=br0" ]\n',
    "xl_list": BAD["xl_list"],
    "brctl_show": BAD["brctl_show"],
}
REFERENCES = (
    "xen-project/xen tools/hotplug/Linux/vif-bridge",
    "xl.conf(5): vif.default.bridge",
    "xen-project/xen tools/python/xen/xend/server/netif.py (bridge written only when given)",
)


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    inv = inventory(model, host)
    choice = default_choice(model, inv)
    for dv in dom0_vifs(model):
        if dv.bridge_field is not None or not bridged(model, dv.vif):
            continue
        problem = _problem(dv, inv, choice)
        if problem is not None:
            yield problem


def _problem(dv: DomVif, inv: Inventory, choice: BridgeChoice | None) -> Problem | None:
    if choice is not None and choice.name is not None:
        if not inv.missing(choice.name):
            return None
        where = f" ({short(choice.location)})" if choice.location else ""
        message = (
            f"{dv.where} names no bridge, so it goes to `{choice.name}`, {choice.why}{where}, but"
            f" {inv.absence_text(choice.name)}: vif-bridge cannot add the vif to it"
        )
        return Problem(message, dv.vif.location, related=choice.related + inv.related)
    if choice is not None:  # xend: the first bridge of `brctl show`
        if not inv.brctl_paths or inv.brctl_bridges:
            return None
        listings = ", ".join(short(p) for p in inv.proof)
        message = (
            f"{dv.where} names no bridge, so xend's vif-bridge takes {choice.why}, but {listings} lists"
            ' none: the script fails ("Could not find bridge, and none was specified")'
        )
    elif inv.bridges or not inv.brctl_paths:  # toolstack unknown: only "no bridge at all" is sure
        return None
    else:
        message = (
            f"{dv.where} names no bridge and {inv.absence_text('')}: vif-bridge has no bridge to add it to,"
            " whichever toolstack starts the guest"
        )
    return Problem(message, dv.vif.location, related=inv.proof)
