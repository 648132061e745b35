"""A vif without `bridge=` on a xend dom0 with several bridges: vif-bridge silently takes the first.

xend writes no bridge to xenstore for a vif that names none (tools/python/xen/xend/server/netif.py),
and vif-bridge (tools/hotplug/Linux/vif-bridge) then adds the vif to the first bridge that
`brctl show` lists. With one bridge that is what xend-config.sxp's comment promises ("the vif-bridge
script will discover that"); with two or more, the guest lands on whichever comes first, says
nothing, and moves to another network when a bridge is added or renamed.

Only dom0s run by xend are checked (`xm list` in the tree, or xend-config.sxp without xl.conf): xl
always writes a bridge (N102 covers a missing one). Not reported when xend-config.sxp's vif-script
passes `bridge=`, nor for vifs run by a script other than vif-bridge or by a driver domain. The
message names the bridge the script picks when a complete `brctl show` is in the tree. The location
is the vif; related are the bridges.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import dom0_vifs, short
from ..vifhost import Inventory, bridged, inventory, toolstack, xend_vif_script

ID = "N103"
SLUG = "default-bridge-ambiguous"
SEVERITY = Severity.WARNING
SUMMARY = "A vif without bridge= on a xend dom0 with several bridges: the first one is taken silently."
RATIONALE = """\
Which network the guest is on then depends on the order of `brctl show`, not on its config: adding a
bridge for another purpose can move every such guest to the wrong network."""
FIX = "Give every vif an explicit bridge= (or pass bridge= to vif-script in xend-config.sxp)."
_BRCTL = (
    "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
    "xenbr0\t\t8000.feffffffffff\tno\t\tpeth0\n"
    "xenbr1\t\t8000.feffffffffff\tno\t\tpeth1\n"
)
BAD = {
    "xend-config.sxp": "(network-script network-bridge)\n(vif-script vif-bridge)\n",
    "web": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02" ]\n',
    "brctl_show": _BRCTL,
}
GOOD = {
    "xend-config.sxp": "(network-script network-bridge)\n(vif-script vif-bridge)\n",
    "web": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr1" ]\n',
    "brctl_show": _BRCTL,
}
REFERENCES = (
    "xen-project/xen tools/hotplug/Linux/vif-bridge",
    "xen-project/xen tools/examples/xend-config.sxp: vif-script",
)


def check(model) -> Iterator[Problem]:
    host = model.dom0
    script = xend_vif_script(model)
    if host is None or toolstack(model) != "xend" or (script is not None and "bridge" in script[1]):
        return
    inv = inventory(model, host)
    names = list(inv.brctl_bridges) if inv.brctl_paths else sorted(inv.bridges)
    if len(names) < 2:
        return
    for dv in dom0_vifs(model):
        if dv.bridge_field is None and bridged(model, dv.vif):
            yield Problem(
                f"{dv.where} names no bridge, and dom0 has {len(names)} ({', '.join(names)}):"
                f" xend's vif-bridge silently adds it to {_pick(inv)}",
                dv.vif.location,
                related=tuple(inv.bridges[name] for name in names if name in inv.bridges),
            )


def _pick(inv: Inventory) -> str:
    if inv.brctl_bridges:
        first = inv.brctl_bridges[0]
        return f"the first that `brctl show` lists, `{first}` ({short(inv.bridges[first])})"
    return "whichever `brctl show` lists first"
