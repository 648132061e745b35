"""Routed or NAT guest networking on a dom0 that does not forward IPv4 (net.ipv4.ip_forward = 0).

With vif-route or vif-nat, dom0 is the guests' router: every packet between a guest and the
network is forwarded by dom0's IP stack, which drops them all while net.ipv4.ip_forward is 0. What
makes dom0 a router here: a vif with `script=vif-route` / `script=vif-nat`; xl.conf's
`vif.default.script` or xend-config.sxp's `(vif-script ...)` naming one of them (when a vif has no
script= of its own, or the tree has no domain config); xend running `network-route` or
`network-nat`, directly or from a wrapper script.

network-route and network-nat write 1 to /proc/sys/net/ipv4/ip_forward when xend starts, so the
message says which source shows 0, and the severity follows from it:
- the running kernel shows 0 (`sysctl -a`, /proc/sys): error, whatever the scripts do. When xend's
  network-route/-nat should have set it, something set it back afterwards (a `sysctl -p` of a
  sysctl.conf that says 0, or a network restart that re-applies it), and the message says so;
- only sysctl.conf / sysctl.d sets 0 (the running value is 1 or not in the tree): error when
  nothing turns forwarding on again after boot; warning when xend runs network-route/-nat, which
  turns it on at every xend start but not after a later `sysctl -p`.

It does not fire when nothing routes, nor when the tree has no ip_forward setting at all (the
kernel's default is 0, but a bundle without sysctls proves nothing).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import Host
from ..hostquery import short
from ..netfilter import IP_FORWARD, ROUTED_NETWORK_SCRIPTS, ScriptCall, is_off, routed_uses, script_calls

ID = "N150"
SLUG = "routed-without-ip-forward"
SEVERITY = Severity.ERROR
SUMMARY = "Routed or NAT vif scripts are used while net.ipv4.ip_forward is 0."
RATIONALE = """\
vif-route and vif-nat make dom0 the guests' router. A router that does not forward drops every
guest packet to or from the network, while dom0 itself still reaches everything, which sends the
search to the guests instead of to dom0's sysctls."""
FIX = "Set `net.ipv4.ip_forward = 1` in sysctl.conf and apply it (`sysctl -w net.ipv4.ip_forward=1`)."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,ip=198.18.0.20,script=vif-route" ]\n',
    "etc/sysctl.conf": "net.ipv4.ip_forward = 0\n",
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,ip=198.18.0.20,script=vif-route" ]\n',
    "etc/sysctl.conf": "net.ipv4.ip_forward = 1\n",
}
REFERENCES = (
    "xen tools/hotplug/Linux/network-route, network-nat: echo 1 >/proc/sys/net/ipv4/ip_forward",
    "https://wiki.xenproject.org/wiki/Xen_Networking",
)


def check(model) -> Iterator[Problem]:
    host = model.dom0
    uses = routed_uses(model)
    if host is None or not uses:
        return
    problem = _running_zero(host, uses) or _configured_zero(host, uses)
    if problem is not None:
        yield problem


def _uses_text(uses: list[tuple[str, Location]]) -> str:
    shown = "; ".join(text for text, _ in uses[:3])
    return shown + (f" and {len(uses) - 3} more" if len(uses) > 3 else "")


def _turners(host: Host) -> list[ScriptCall]:
    return [call for call in script_calls(host) if call.script in ROUTED_NETWORK_SCRIPTS]


def _running_zero(host: Host, uses: list[tuple[str, Location]]) -> Problem | None:
    zero = next((s for s in host.running_sysctls().get(IP_FORWARD, []) if is_off(s)), None)
    if zero is None:
        return None
    message = (
        f"dom0 routes guest traffic ({_uses_text(uses)}), but the running kernel has"
        f" net.ipv4.ip_forward = 0 ({short(zero.location)}): dom0 drops every packet it should forward"
    )
    turners, configured = _turners(host), host.configured_sysctls().get(IP_FORWARD)
    boot_zero = configured.location if configured is not None and is_off(configured) else None
    related = [where for _, where in uses]
    if turners:
        message += f"; {turners[0].where} sets it to 1 when xend starts, so something set it back to 0 afterwards"
        if boot_zero is not None:
            message += f" ({short(boot_zero)} sets 0; `sysctl -p` or a network restart applies it)"
    if boot_zero is not None:
        related.append(boot_zero)
    return Problem(message, zero.location, related=tuple(dict.fromkeys(related)))


def _configured_zero(host: Host, uses: list[tuple[str, Location]]) -> Problem | None:
    configured = host.configured_sysctls().get(IP_FORWARD)
    if configured is None or not is_off(configured):
        return None
    where = configured.location
    running = host.running_sysctls().get(IP_FORWARD, [])
    now = f"; the running kernel has {running[0].value} ({short(running[0].location)})" if running else ""
    turners = _turners(host)
    message = (
        f"dom0 routes guest traffic ({_uses_text(uses)}), but {short(where)} sets net.ipv4.ip_forward = 0"
        f" at boot{now}"
    )
    if turners:
        message += (
            f": {turners[0].where} turns forwarding on at every xend start, but any later `sysctl -p`"
            " (a network restart on Red Hat systems) turns it off until xend restarts"
        )
        severity = Severity.WARNING
    else:
        message += ": nothing turns forwarding on again, so routed guests lose the network at every boot"
        severity = Severity.ERROR
    related = tuple(dict.fromkeys([where for _, where in uses] + [s.location for s in running]))
    return Problem(message, where, related=related, severity=severity)
