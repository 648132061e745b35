"""A vif's device exists in dom0 but is a port of no bridge, or of another bridge than its config says.

The guest's traffic leaves netback on the vif device; if that device is no bridge's port, nothing
carries it further and the guest is cut off although it runs and its vif is up. The usual cause is a
restart of dom0's network (`service network restart`, `ifdown xenbr0; ifup xenbr0`): the bridge is
made anew, and the vifs the hotplug script had added are not added back. A vif on another bridge
than its config names was moved by hand (`brctl addif`/`delif`) or started from another config.

Checked for the vif's devices in dom0 (vifD.N, and for HVM guests vifD.N-emu or tapD.N) that a
runtime source shows. "On no bridge" needs a source that would show the port: a complete
`brctl show`, `bridge link`, or an `ip` output that prints `master` for other interfaces (old
iproute2 prints none). The expected bridge is the vif's bridge= (or its `ethN` twin that vif-bridge
uses for a missing `xenbrN`), else the toolstack's default; for xend's default (the first bridge of
`brctl show` when the vif was made, which may have changed since) only "on no bridge" is checked.
A bridge that dom0 lacks altogether is reported by N101/N102 instead. Vifs run by a script other
than vif-bridge, or by a driver domain, are not checked. The location is the vif's bridge= (or the
vif); related are the device's line and the bridge's.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import Interface
from ..hostquery import DomVif, dom0_vifs, short
from ..vifhost import BridgeChoice, Inventory, bridged, choose_bridge, inventory, present_devices

ID = "N104"
SLUG = "vif-not-on-bridge"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's device in dom0 is a port of no bridge, or of another bridge than its config names."
RATIONALE = """\
The guest runs and its link is up, yet no packet reaches it: the vif is not plugged into the bridge.
Restarting dom0's network is the classic cause, and it hits every running guest at once."""
FIX = (
    "Add the vif back (`brctl addif BRIDGE vifD.N` or `ip link set vifD.N master BRIDGE`); restart a"
    " guest's vif rather than dom0's network."
)
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "xl_list": "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n"
    "web                                          3  1024     1     -b----      40.0\n",
    "brctl_show": "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nxenbr0\t\t8000.001ec94d2a10\tno\t\teth0\n",
    "ip_address": "7: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n",
}
GOOD = {
    **BAD,
    "brctl_show": "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nxenbr0\t\t8000.001ec94d2a10\tno\t\teth0\n"
    "\t\t\t\t\t\t\tvif3.0\n",
}
REFERENCES = ("xen-project/xen tools/hotplug/Linux/vif-bridge", "brctl(8): addif")


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    inv = inventory(model, host)
    for dv in dom0_vifs(model):
        if not bridged(model, dv.vif):
            continue
        choice = choose_bridge(model, inv, dv)
        if choice is not None and choice.name is not None and inv.missing(choice.name):
            continue  # N101 / N102
        for device in present_devices(dv):
            problem = _problem(dv, inv, choice, device)
            if problem is not None:
                yield problem


def _problem(dv: DomVif, inv: Inventory, choice: BridgeChoice | None, device: Interface) -> Problem | None:
    found = dv.host.bridge_of(device.name)
    location = choice.location if choice is not None and choice.why == "its bridge=" else None
    location = location or dv.vif.location
    wanted = _wanted(choice)
    if found is None:
        if not inv.membership_known(device):
            return None
        return Problem(
            f"{device.name} ({dv.where}) is a port of no bridge{wanted}: {_shown_by(inv, device)}"
            " — the guest is cut off from the network",
            location,
            related=(device.location, *_bridge_related(inv, choice)),
            subject=device.name,
        )
    bridge, port = found
    if choice is None or choice.name is None or choice.guessed or bridge in (choice.name, inv.eth_alias(choice.name)):
        return None
    return Problem(
        f"{device.name} ({dv.where}) is a port of `{bridge}` ({short(port)}){wanted}",
        location,
        related=(port, *_bridge_related(inv, choice)),
        subject=device.name,
    )


def _wanted(choice: BridgeChoice | None) -> str:
    if choice is None or choice.name is None:
        return ""
    return f", though {choice.why} puts it on `{choice.name}`"


def _shown_by(inv: Inventory, device: Interface) -> str:
    if inv.port_paths:
        return f"{', '.join(short(Location(p)) for p in inv.port_paths)} lists it under no bridge"
    return f"{short(device.location)} shows no master for it"


def _bridge_related(inv: Inventory, choice: BridgeChoice | None) -> tuple[Location, ...]:
    if choice is None or choice.name is None:
        return ()
    name = inv.resolve(choice.name)
    return (inv.bridges[name],) if name is not None else ()
