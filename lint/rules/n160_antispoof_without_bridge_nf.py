"""vifs with `ip=` that rely on vif-bridge's iptables antispoofing while bridged packets never reach
iptables: `net.bridge.bridge-nf-call-iptables = 0`, or bridge netfilter not in the kernel at all.

For a vif with ip=, vif-bridge (vif-common.sh's handle_iptable) adds `iptables -A FORWARD -m physdev
--physdev-in VIF -s IP -j ACCEPT` per address; with network-bridge's antispoof=yes the FORWARD
policy is DROP, so only those addresses get through. The physdev match sees bridged packets only
when br_netfilter hands them to iptables. With the sysctl at 0 no bridged packet reaches the
FORWARD chain: the rules never match, and the guest can send from any address (or, where the admin
expects the rules to let traffic in, they do nothing either way).

Bridge netfilter is missing when the tree's `sysctl -a` has no net.bridge.* key while the kernel
has bridges, and: on Linux 3.18 and later (where br_netfilter is a module of its own) lsmod lists no
br_netfilter; before 3.18 (where it is part of the `bridge` module) the bridge module is there but
was built without it.

One finding per host. For the sysctl it points at the sysctl line (the line to change), with every
vif's ip= as related; for missing bridge netfilter it points at the first ip=. A bridge whose own
nf_call_iptables is 1 (`ip -d link`) still calls iptables, so its vifs are left out.

It does not fire for vifs run by another script (vif-route and vif-nat use ip= for routes), when the
sysctl is 1, nor when the tree shows neither the sysctl nor enough to tell that bridge netfilter is
missing (no sysctl -a, no lsmod, or an unknown kernel release).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import Host
from ..hostfacts import Sysctl
from ..hostquery import DomVif, dom0_vifs
from ..kernel import running_kernel
from ..model import LintModel
from ..netfilter import (
    CALL_IPTABLES,
    DEFAULT_VIF_SCRIPT,
    current_setting,
    has_lsmod,
    is_off,
    loaded_module,
    short,
    vif_script,
)

ID = "N160"
SLUG = "antispoof-without-bridge-nf"
SEVERITY = Severity.WARNING
SUMMARY = "vif ip= antispoofing relies on iptables, but bridged packets never reach iptables."
RATIONALE = """\
The ip= of a bridged vif reads like a restriction, and vif-bridge does install iptables rules for it.
Without bridge netfilter those rules never see a bridged packet: the guest is not held to its
addresses, and nothing in dom0's iptables counters shows that the rules are dead."""
FIX = (
    "Enable bridge netfilter (`modprobe br_netfilter` on Linux 3.18 and later, and"
    " `net.bridge.bridge-nf-call-iptables = 1` in sysctl.conf), or drop ip= if no antispoofing is wanted."
)
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=198.18.0.20" ]\n',
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 0\n",
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=198.18.0.20" ]\n',
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 1\n",
}
REFERENCES = (
    "xen tools/hotplug/Linux/vif-common.sh: handle_iptable, frob_iptable (-m physdev --physdev-in)",
    "Linux 3.18: br_netfilter split out of the bridge module",
)


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    guarded = [vif for vif in dom0_vifs(model) if _antispoofed(host, vif)] if host is not None else []
    if host is None or not guarded:
        return
    setting = current_setting(host, CALL_IPTABLES)
    problem = _not_loaded(host, guarded) if setting is None else _switched_off(host, guarded, setting)
    if problem is not None:
        yield problem


def _switched_off(host: Host, guarded: list[DomVif], setting: Sysctl) -> Problem | None:
    guarded = [vif for vif in guarded if not _bridge_calls_iptables(host, vif)]
    if not is_off(setting) or not guarded:
        return None
    return Problem(
        f"{_listing(guarded)} on vif-bridge's iptables antispoofing, but {CALL_IPTABLES} = 0"
        f" ({short(setting.location)}): bridged packets never reach iptables, so the physdev rules"
        " vif-bridge adds for ip= never match and the guests can send from any address",
        setting.location,
        related=tuple(_ip_location(vif) for vif in guarded),
    )


def _not_loaded(host: Host, guarded: list[DomVif]) -> Problem | None:
    missing = _missing_bridge_netfilter(host)
    if missing is None:
        return None
    text, related = missing
    return Problem(
        f"{_listing(guarded)} on vif-bridge's iptables antispoofing, but {text}: bridged packets"
        " never reach iptables, so the physdev rules vif-bridge adds for ip= never match",
        _ip_location(guarded[0]),
        related=(*(_ip_location(vif) for vif in guarded[1:]), *related),
    )


def _antispoofed(host: Host, vif: DomVif) -> bool:
    ip = vif.vif.value("ip")
    return bool(ip and ip.strip()) and vif_script(host, vif.vif).name == DEFAULT_VIF_SCRIPT


def _ip_location(vif: DomVif) -> Location:
    field = vif.vif.get("ip")
    return field.location if field is not None else vif.vif.location


def _listing(vifs: list[DomVif]) -> str:
    shown = "; ".join(f"{vif.where}: ip={(vif.vif.value('ip') or '').strip()}" for vif in vifs[:3])
    more = f" and {len(vifs) - 3} more" if len(vifs) > 3 else ""
    return f"{'vifs' if len(vifs) > 1 else 'a vif'} with ip= ({shown}{more}) {'rely' if len(vifs) > 1 else 'relies'}"


def _bridge_calls_iptables(host: Host, vif: DomVif) -> bool:
    """Whether the vif's bridge has its own nf_call_iptables 1 (it then calls iptables anyway)."""
    joined = host.bridge_of(vif.device.name) if vif.device is not None else None
    name = joined[0] if joined is not None else (vif.vif.value("bridge") or "").strip()
    bridge = host.interfaces.get(name)
    option = bridge.option("nf_call_iptables") if bridge is not None else None
    return option is not None and option.value.strip() == "1"


def _missing_bridge_netfilter(host: Host) -> tuple[str, tuple[Location, ...]] | None:
    """Why the tree shows bridge netfilter is not in the running kernel, with the lines that say so."""
    readings = [s for s in host.facts.sysctls if s.source == "sysctl-a"]
    kernel = running_kernel(host)
    if not readings or kernel is None or kernel.release is None:
        return None
    if any(s.key.startswith("net.bridge.") for s in readings):
        return None
    sysctl_file = Location(readings[0].location.path)
    if kernel.release.at_least(3, 18):
        if not has_lsmod(host) or loaded_module(host, "br_netfilter") is not None:
            return None
        lsmod = Location(host.facts.modules[0].location.path)
        text = (
            f"br_netfilter is not loaded ({short(lsmod)} lists no br_netfilter, {short(sysctl_file)} has no"
            f" net.bridge keys; since Linux 3.18 bridge netfilter is a module of its own, and kernel"
            f" {kernel.text} is newer)"
        )
        return text, (lsmod, sysctl_file)
    bridge_module = loaded_module(host, "bridge")
    if bridge_module is None and not host.bridges():
        return None
    text = (
        f"kernel {kernel.text} has no bridge netfilter ({short(sysctl_file)} has no net.bridge keys although"
        " the bridge code is loaded: it was built without CONFIG_BRIDGE_NETFILTER)"
    )
    return text, (sysctl_file, kernel.location)
