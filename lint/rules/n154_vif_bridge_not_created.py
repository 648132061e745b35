"""A vif names a bridge that nothing creates at boot: dom0 relies on xend's network-script for its
bridges, no network-script call creates this one, and no ifcfg / interfaces file defines it.

When xend-config.sxp has `(network-script ...)`, xend builds dom0's bridges with it at every start:
network-bridge directly, or an admin's wrapper calling it once per NIC. A vif whose bridge= is none
of the bridges those calls make, and which the distribution's network configuration does not define
either, attaches to a bridge that exists only if someone made it by hand: after the next reboot
vif-bridge finds no such bridge and the guest has no network. The message says whether the bridge
exists at the moment of the bundle.

The bridges a network-bridge call makes: its bridge= when given; else every name it may get, since
the default depends on the Xen version (xenbr${vifnum}, vifnum defaulting to the number of the
default route's device; or, in Xen 4, the NIC's name). network-route and network-nat make none.

It does not fire when xend-config.sxp has no network-script (dom0's bridges then come from
elsewhere), when it names a wrapper that is not in the tree or that has parts xennet could not
follow (E005), when the tree holds no ifcfg or interfaces file at all (the bridge may be defined in
the part of /etc that was not collected), nor for vifs without bridge=.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host
from ..hostquery import dom0_vifs, short
from ..model import LintModel
from ..netfilter import bridge_calls, bridges_made_by, calls_fully_known, xend_network_script

ID = "N154"
SLUG = "vif-bridge-not-created"
SEVERITY = Severity.WARNING
SUMMARY = "A vif names a bridge that neither xend's network-script nor the network configuration creates."
RATIONALE = """\
A bridge made by hand works until the next reboot. Then xend's network-script recreates only its own
bridges, vif-bridge cannot attach the vif, and the guest starts without network (xend may even refuse
to start it), long after whoever made the bridge has forgotten about it."""
FIX = (
    "Create the bridge where it survives a reboot: another network-bridge call (bridge=, netdev=) in the"
    " network-script wrapper, or an ifcfg/interfaces definition."
)
BAD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=eth0 bridge=xenbr0')\n(vif-script vif-bridge)\n",
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr1" ]\n',
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n",
}
GOOD = {
    "xend-config.sxp": "(network-script 'network-bridge netdev=eth0 bridge=xenbr0')\n(vif-script vif-bridge)\n",
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n',
    "ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n",
}
REFERENCES = ("xen tools/hotplug/Linux/network-bridge: bridge defaults to xenbr${vifnum} (Xen 3) or ${netdev} (Xen 4)",)

_CONFIG_SOURCES = ("ifcfg", "interfaces")


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    xend = xend_network_script(host) if host is not None else None
    if host is None or xend is None or not calls_fully_known(host) or not _has_network_config(host):
        return
    _, command, where = xend
    made = set().union(*(bridges_made_by(call, host) for call in bridge_calls(host)))
    configured = _configured_bridges(host)
    for vif in dom0_vifs(model):
        field = vif.bridge_field
        bridge = (field.value or "").strip() if field is not None else ""
        if field is None or not bridge or bridge in made or bridge in configured:
            continue
        made_text = " or ".join(sorted(made)) if made else "no bridge at all"
        yield Problem(
            f"{vif.where} names bridge `{bridge}` ({short(field.location)}), but dom0's bridges come from xend's"
            f" network-script `{command}` ({short(where)}), which makes {made_text}, and no ifcfg or interfaces"
            f" file defines {bridge}{_now(host, bridge)}",
            field.location,
            related=(where,),
        )


def _has_network_config(host: Host) -> bool:
    return any(record.source in _CONFIG_SOURCES for record in host.facts.interfaces)


def _configured_bridges(host: Host) -> set[str]:
    """Bridges that ifcfg / interfaces files define or name as a port's master (BRIDGE=, bridge-ports)."""
    found = set()
    for name, interface in host.interfaces.items():
        for record in interface.records:
            if record.source not in _CONFIG_SOURCES:
                continue
            if record.kind is not None and record.kind.value == "bridge":
                found.add(name)
            if record.master is not None:
                found.add(record.master.value)
    return found


def _now(host: Host, bridge: str) -> str:
    interface = host.interfaces.get(bridge)
    if interface is not None and interface.seen_running:
        return f": it exists now ({short(interface.location)}) but nothing recreates it after a reboot"
    return ": vif-bridge will not find it when the guest starts"
