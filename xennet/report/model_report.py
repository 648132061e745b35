"""`xennet model`: what xennet understood of the inputs, as text or JSON, so that a user can check
the joined picture (which vif is which device, on which bridge, which guest is which domain)."""

from __future__ import annotations

import json
from typing import Any

from xennet.lint.host import Host, Interface
from xennet.lint.model import Domain, LintModel

from .text import safe

ATTRIBUTES = ("kind", "mtu", "mac", "parent", "vlan_id", "master", "state", "gateway")


def _interface(interface: Interface) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": interface.name}
    for attribute in ATTRIBUTES:
        facts = interface.facts(attribute)
        if facts:
            entry[attribute] = facts[0][1].value
            values = {str(fact.value) for _, fact in facts}
            if len(values) > 1:
                entry[f"{attribute}_by_source"] = [
                    {"source": source, "value": fact.value, "at": str(fact.location)} for source, fact in facts
                ]
    addresses = sorted({a.value for r in interface.records for a in r.addresses})
    if addresses:
        entry["addresses"] = addresses
    entry["sources"] = [f"{r.source} {r.location}" for r in interface.records]
    return entry


def _domain(host: Host, domain: Domain) -> dict[str, Any]:
    running = host.running_domain(domain.name)
    vifs = []
    for vif in domain.vifs:
        device = host.device_of(domain, vif)
        bridge = host.bridge_of(device.name) if device else None
        vifs.append({
            "devid": vif.devid,
            "mac": vif.value("mac"),
            "bridge_configured": vif.value("bridge"),
            "device": device.name if device else None,
            "bridge_actual": bridge[0] if bridge else None,
            "at": str(vif.location),
        })
    return {
        "name": domain.name,
        "type": domain.guest_type,
        "domid": running.domid if running else None,
        "config": str(domain.name_location),
        "vifs": vifs,
    }


def host_dict(model: LintModel, host: Host) -> dict[str, Any]:
    links = [link for link in model.guest_links if link.guest is host]
    return {
        "tree": host.label,
        "role": "dom0" if host.is_dom0 else "guest",
        "hostname": host.hostname,
        "kernel": host.kernel.value if host.kernel else None,
        "guest_of": [
            {"domain": link.domain.name, "joined_by": link.reason, "at": str(link.evidence)} for link in links
        ],
        "interfaces": [_interface(i) for _, i in sorted(host.interfaces.items())],
        "bridges": {b.name: sorted(host.ports(b.name)) for b in host.bridges()},
        "routes": [
            {"destination": r.destination, "gateway": r.gateway, "device": r.device, "at": str(r.location)}
            for r in host.facts.routes
        ],
        "running_domains": [{"name": r.name, "domid": r.domid, "state": r.state} for r in host.facts.running],
        "domains": [_domain(host, d) for d in host.domains],
        "sysctls": {k: s.value for k, s in sorted(host.configured_sysctls().items())}
        | {k: s[0].value for k, s in sorted(host.running_sysctls().items())},
    }


def render_json(model: LintModel) -> str:
    return json.dumps({"version": 1, "hosts": [host_dict(model, h) for h in model.hosts]}, indent=2)


def render_text(model: LintModel) -> str:
    lines: list[str] = []
    for host in model.hosts:
        data = host_dict(model, host)
        title = f"{data['role']} {data['tree']}"
        if data["hostname"]:
            title += f" (hostname {data['hostname']})"
        if data["kernel"]:
            title += f", kernel {data['kernel']}"
        lines.append(safe(title))
        for link in data["guest_of"]:
            lines.append(f"  runs as domain {link['domain']} (joined by {link['joined_by']}, {link['at']})")
        for bridge, ports in data["bridges"].items():
            lines.append(f"  bridge {bridge}: ports {', '.join(ports) or '(none)'}")
        for entry in data["interfaces"]:
            details = ", ".join(f"{a} {entry[a]}" for a in ATTRIBUTES if a in entry)
            lines.append(safe(f"  {entry['name']}: {details}"))
        for domain in data["domains"]:
            domid = f" (domid {domain['domid']})" if domain["domid"] is not None else ""
            lines.append(safe(f"  domain {domain['name']}{domid} [{domain['type']}] {domain['config']}"))
            for vif in domain["vifs"]:
                lines.append(safe(
                    f"    vif {vif['devid']}: mac {vif['mac']}, bridge {vif['bridge_configured']}"
                    f" -> device {vif['device']} on {vif['bridge_actual']}"
                ))
        lines.append("")
    return "\n".join(lines)
