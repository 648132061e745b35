"""What each input gave the model, for `xennet bundle --inventory`: the facts each file contributed
(counted from the HostFacts it produced, or the domains and defaults of a Xen config) and the role of
each host tree (the dom0, a guest joined to a domain, or not joined), so a reader can check which fact
came from which file and why a tree was taken for what it is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from .hostfacts import HostFacts
from .model import LintModel, XenDefaults

MAX_NAMES = 3  # items named after a count; more are shown as "..."
NOT_JOINED = "not joined to any domain (no vif mac= or domain name matches)"

# HostFacts list -> (what one item is called, how an item is named)
_FACT_NAMES: dict[str, tuple[str, Callable[[Any], str]]] = {
    "interfaces": ("interface", lambda record: record.name),
    "routes": ("route", lambda route: route.destination),
    "sysctls": ("sysctl setting", lambda setting: setting.key),
    "running": ("running domain", lambda domain: domain.name),
    "xenstore_vifs": ("xenstore vif", lambda vif: f"{vif.domid}.{vif.devid}"),
    "kernel": ("kernel", lambda fact: fact.value),
    "hostname": ("hostname", lambda fact: fact.value),
    "modules": ("module", lambda fact: fact.value),
    "network_calls": ("network-script call", lambda call: call.script),
    "stats": ("counter", lambda stat: stat.name),
    "rulesets": ("ruleset", lambda fact: fact.value),
    "firewall": ("firewall chain", lambda rule: f"{rule.family} {rule.table} {rule.chain}"),
    "problems": ("problem", lambda problem: problem.kind),
}


@dataclass(frozen=True)
class InventoryEntry:
    """One input: its path, what it was read as, and the facts it gave."""

    path: str
    recognized_as: str
    facts: tuple[str, ...] = ()


@dataclass(frozen=True)
class TreeRole:
    """What a host tree was taken for: `role` is "dom0", "guest" or "not joined"."""

    label: str
    role: str
    domain: str | None  # the domain a guest tree is joined to
    reason: str  # how that was decided

    def __str__(self) -> str:
        if self.role == "guest":
            return f"guest of domain {self.domain} ({self.reason})"
        if self.role == "dom0":
            return f"dom0 ({self.reason})"
        return self.reason


def facts_summary(facts: HostFacts) -> tuple[str, ...]:
    """`("5 interfaces (eth0, lo, peth0, ...)", "2 addresses", "kernel 2.6.18")`: each non-empty fact
    list counted and its items named (an interface once, however many of the file's records name it)."""
    summary = []
    for item in fields(HostFacts):
        noun, name = _FACT_NAMES[item.name]
        summary.extend(_named(noun, [name(value) for value in getattr(facts, item.name)]))
        addresses = sum(len(record.addresses) for record in facts.interfaces)
        if item.name == "interfaces" and addresses:
            summary.append(_number(addresses, "address", "addresses"))
    return tuple(summary)


def _named(noun: str, names: Sequence[str]) -> list[str]:
    """[] for no item, ["interface eth0"] for one, ["4 interfaces (eth0, lo, xenbr0, ...)"] for more."""
    unique = list(dict.fromkeys(names))
    if not unique:
        return []
    if len(unique) == 1:
        return [f"{noun} {unique[0]}"]
    more = ", ..." if len(unique) > MAX_NAMES else ""
    return [f"{_number(len(unique), noun)} ({', '.join(unique[:MAX_NAMES])}{more})"]


def _number(count: int, noun: str, plural: str = "") -> str:
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def config_summary(model: LintModel, path: str) -> tuple[str, ...]:
    """The domains and Xen defaults the config at `path` gave the model."""
    domains = [f"domain {domain.label} ({domain.guest_type}), {_number(len(domain.vifs), 'vif')}"
               for domain in model.domains if domain.source.path == path]
    defaults = [f"Xen defaults ({', '.join(_default_keys(d))})" for d in model.defaults if d.path == path]
    return tuple(domains + defaults)


def _default_keys(defaults: XenDefaults) -> list[str]:
    keys = [*defaults.values, *(["network-script"] if defaults.network_script else [])]
    return list(dict.fromkeys(keys))


def tree_roles(model: LintModel) -> list[TreeRole]:
    """Each host tree and what it was taken for: the dom0 first, then the others in reading order."""
    links = {id(link.guest): link for link in model.guest_links}
    roles = []
    for host in model.hosts:
        link = links.get(id(host))
        if host is model.dom0:
            roles.append(TreeRole(host.label, "dom0", None, _dom0_reason(model)))
        elif link is not None:
            how = link.reason if link.reason == "--guest" else f"{link.reason} at {link.evidence}"
            roles.append(TreeRole(host.label, "guest", link.domain.label, how))
        else:
            roles.append(TreeRole(host.label, "not joined", None, NOT_JOINED))
    return sorted(roles, key=lambda role: role.role != "dom0")


def _dom0_reason(model: LintModel) -> str:
    host = model.dom0
    assert host is not None
    sources = [
        *(domain.source.path for domain in host.domains),
        *(defaults.path for defaults in host.defaults),
        *(running.location.path for running in host.facts.running),
        *(vif.location.path for vif in host.facts.xenstore_vifs),
    ]
    if not sources:
        return "no tree has Xen facts (domain configs, xl/xm list, xenstore); the first tree is taken"
    files = list(dict.fromkeys(sources))
    more = f" and {len(files) - 1} more" if len(files) > 1 else ""
    return f"Xen facts from {files[0]}{more}"
