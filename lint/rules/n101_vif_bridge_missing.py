"""A vif's `bridge=` names a bridge that dom0 does not have.

The vif-bridge hotplug script adds the vif's backend device to that bridge; when it does not exist
the script fails ("Could not find bridge device xenbr1") and xl aborts the domain's start, or (xend)
the guest starts with a vif that is on no bridge. A bridge counts as present when any source shows
it: ifcfg (TYPE=Bridge), Debian interfaces (bridge_ports), `brctl show`, `bridge link`, `ip -d link`
or an interface named as another's master. vif-bridge uses `ethN` for a missing `xenbrN` when `ethN`
is a bridge (the bridge network-bridge makes in Xen 3.3 and later), so that is not reported.

It does not fire when the tree cannot show that the bridge is missing: without a complete
`brctl show` or a complete interface listing (`ip addr`, `ip link`, /proc/net/dev, `ifconfig -a`),
absence proves nothing. Vifs run by another script (vif-route, vif-nat, vif-openvswitch, custom
scripts) are not checked: they use no Linux bridge; nor are vifs whose `backend=` names a driver
domain, whose bridges are not dom0's. The location is the `bridge=`; the related
locations are where dom0's bridges are listed (or the listing that shows there is none).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import dom0_vifs
from ..vifhost import bridged, inventory

ID = "N101"
SLUG = "vif-bridge-missing"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's bridge= names a bridge that dom0 does not have."
RATIONALE = """\
The hotplug script cannot add the vif to a bridge that does not exist: the domain does not start
(xl), or it starts cut off from the network (xend). Typical causes are a typo, a config copied from
another host, or a bridge whose ifcfg file was never brought up."""
FIX = "Name one of dom0's bridges in bridge=, or create the bridge (ifcfg-BRIDGE with TYPE=Bridge) first."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr1" ]\n',
    "brctl_show": "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nxenbr0\t\t8000.001ec94d2a10\tno\t\teth0\n",
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "brctl_show": "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nxenbr0\t\t8000.001ec94d2a10\tno\t\teth0\n",
}
REFERENCES = ("xen-project/xen tools/hotplug/Linux/vif-bridge", "xl-network-configuration(5): bridge")


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    inv = inventory(model, host)
    for dv in dom0_vifs(model):
        field = dv.bridge_field
        name = (field.value or "").strip() if field is not None else ""
        if field is None or not name or not bridged(model, dv.vif) or not inv.missing(name):
            continue
        yield Problem(
            f"{dv.where} names bridge `{name}` but {inv.absence_text(name)}: vif-bridge cannot add the vif to it",
            field.location,
            related=inv.related,
        )
