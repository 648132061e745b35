"""xenstore (or `xl network-list`) shows a running vif with another MAC or bridge than its config.

The toolstack writes a vif's mac and bridge to /local/domain/0/backend/vif/DOMID/DEVID when the
domain starts; `xl network-list` shows the MAC the frontend got. When they differ from the domain's
config file, the domain runs with settings that are no longer in its config (the file was edited
after the start, or the domain was started from another file): what the config says is not what
the guest has, and the next start changes the guest's network.

A xenstore vif is matched to a config through the domain ID (xl/xm list, or xenstore's
/local/domain/DOMID/name) and the vif's devid (its position, or devid=). MACs are compared
case-insensitively. Only what the config writes explicitly is compared: a vif without mac= gets a
generated MAC, and one without bridge= a default (N102 covers that). Nothing fires without xenstore
or network-list output. The location is the config's mac=/bridge= (the line to change, or restart
the domain to apply it); related are the xenstore line and the domain's list line.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host
from ..hostfacts import RunningDomain, XenstoreVif
from ..hostquery import short
from ..mac import normalize_mac, parse_mac
from ..model import Domain
from ..vifhost import domains_named, vif_devid, vif_mac

ID = "N111"
SLUG = "xenstore-mismatch"
SEVERITY = Severity.ERROR
SUMMARY = "A running vif's MAC or bridge in xenstore / xl network-list differs from its domain config."
RATIONALE = """\
The config no longer describes the running guest: whoever reads it is misled, and the next restart
silently changes the guest's MAC (new DHCP lease, HWADDR mismatch) or its network."""
FIX = "Restart the domain to apply its config, or change the config back to what the domain runs with."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "xenstore-ls": '/local/domain/3/name = "web"\n'
    '/local/domain/0/backend/vif/3/0/mac = "00:16:3e:5a:01:09"\n'
    '/local/domain/0/backend/vif/3/0/bridge = "xenbr0"\n',
}
GOOD = {
    "web.cfg": BAD["web.cfg"],
    "xenstore-ls": '/local/domain/3/name = "web"\n'
    '/local/domain/0/backend/vif/3/0/mac = "00:16:3E:5A:01:02"\n'
    '/local/domain/0/backend/vif/3/0/bridge = "xenbr0"\n',
}
REFERENCES = ("xenstore-paths.pandoc: /local/domain/$DOMID/backend/vif", "xl(1): network-list")


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    for xs_vif in host.facts.xenstore_vifs:
        running = _running(host, xs_vif.domid)
        for domain in domains_named(host, running.name) if running else ():
            yield from _compare(domain, running, xs_vif)  # type: ignore[arg-type]


def _running(host: Host, domid: int) -> RunningDomain | None:
    """The domain with this ID, from xl/xm list (which has a state) before xenstore."""
    found = [r for r in host.facts.running if r.domid == domid and r.name]
    return min(found, key=lambda r: r.state is None, default=None)


def _compare(domain: Domain, running: RunningDomain, xs_vif: XenstoreVif) -> Iterator[Problem]:
    vif = next((v for v in domain.vifs if vif_devid(v) == xs_vif.devid), None)
    if vif is None:
        return
    where = f"vif {xs_vif.devid} of {domain.label} (domain {xs_vif.domid})"
    configured = vif_mac(vif)
    shown = xs_vif.values.get("mac")
    octets = parse_mac(shown.value.strip()) if shown is not None else None
    if configured is not None and shown is not None and octets is not None and normalize_mac(octets) != configured[0]:
        yield Problem(
            f"{where} runs with MAC {shown.value} ({short(shown.location)}) but its config sets"
            f" mac={configured[0]}: the domain was started with other settings than its config has now",
            configured[1],
            related=(shown.location, running.location),
        )
    field, bridge = vif.get("bridge"), xs_vif.values.get("bridge")
    if field is not None and field.value and bridge is not None and bridge.value != field.value.strip():
        yield Problem(
            f"{where} runs on bridge `{bridge.value}` ({short(bridge.location)}) but its config sets"
            f" bridge={field.value.strip()}: the domain was started with other settings than its config has now",
            field.location,
            related=(bridge.location, running.location),
        )
