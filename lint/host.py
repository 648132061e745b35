"""The host model: one Host per input tree (a dom0 and each guest), with its interfaces merged across
sources, its bridges and ports, sysctls, running domains and the domain configs found in it.

It combines facts (insights-core's "combiners"): it never reads files and never judges. Each
Interface keeps every source's record, so a rule can report the two that disagree.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from xennet.findings import Location

from .facts import ConfigFile
from .hostfacts import Fact, HostFacts, InterfaceRecord, RunningDomain, Sysctl
from .model import Domain, XenDefaults
from .sources.sysctl import effective_sysctls, running_sysctls
from .vifspec import VifSpec

# Sources that show the running system, most trusted first; configuration files come after them.
RUNTIME_SOURCES = (
    "ip-link", "ip-addr", "bridge-link", "brctl", "ifconfig", "netstat-i", "proc-vlan", "proc-net-dev", "ethtool",
    "xenstore",
)
CONFIG_SOURCES = ("ifcfg", "interfaces")
XEN_BACKEND_MAC = "fe:ff:ff:ff:ff:ff"  # the dom0 side of every vif: never a guest's MAC
# The kinds of a guest's own NICs: netfront's shows no kind in `ip -d link`, a guest in a network
# namespace (a container, the test lab) has a veth; VLANs, bridges, bonds and tunnels are not NICs.
NIC_KINDS = (None, "phys", "veth")


def _source_rank(source: str) -> int:
    order = RUNTIME_SOURCES + CONFIG_SOURCES
    return order.index(source) if source in order else len(order)


@dataclass
class Interface:
    """One interface name on one host and what every source says about it."""

    name: str
    records: list[InterfaceRecord] = field(default_factory=list)

    def facts(self, attribute: str) -> list[tuple[str, Fact[Any]]]:
        """(source, fact) of every record that states `attribute`, runtime sources first."""
        found = [(r.source, getattr(r, attribute)) for r in self.records if getattr(r, attribute) is not None]
        return sorted(found, key=lambda item: _source_rank(item[0]))

    def fact(self, attribute: str) -> Fact[Any] | None:
        found = self.facts(attribute)
        return found[0][1] if found else None

    def value(self, attribute: str) -> Any:
        found = self.fact(attribute)
        return found.value if found is not None else None

    @property
    def kind(self) -> str | None:
        return self.value("kind")

    @property
    def seen_running(self) -> bool:
        return any(r.source in RUNTIME_SOURCES for r in self.records)

    @property
    def location(self) -> Location:
        """Where the interface is best described: the first runtime record, else its config."""
        return min(self.records, key=lambda r: _source_rank(r.source)).location

    def option(self, name: str) -> Fact[str] | None:
        for record in sorted(self.records, key=lambda r: _source_rank(r.source)):
            if name in record.options:
                return record.options[name]
        return None

    def macs(self) -> list[Fact[str]]:
        return [fact for _, fact in self.facts("mac") if fact.value != XEN_BACKEND_MAC]


@dataclass
class Host:
    """A dom0 or a guest as one input tree describes it."""

    label: str  # the path the user gave
    facts: HostFacts = field(default_factory=HostFacts)
    configs: list[ConfigFile] = field(default_factory=list)
    domains: list[Domain] = field(default_factory=list)
    defaults: list[XenDefaults] = field(default_factory=list)
    interfaces: dict[str, Interface] = field(default_factory=dict)
    is_dom0: bool = False

    @property
    def has_xen_facts(self) -> bool:
        """Domain configs, xl/xm list or xenstore output: this tree is a dom0's."""
        return bool(self.domains or self.defaults or self.facts.running or self.facts.xenstore_vifs)

    @property
    def hostname(self) -> str | None:
        return self.facts.hostname[0].value if self.facts.hostname else None

    @property
    def kernel(self) -> Fact[str] | None:
        return self.facts.kernel[0] if self.facts.kernel else None

    def bridges(self) -> list[Interface]:
        named_as_master = {r.master.value for i in self.interfaces.values() for r in i.records if r.master}
        return [
            interface
            for name, interface in sorted(self.interfaces.items())
            if interface.kind == "bridge" or (name in named_as_master and interface.kind in (None, "bridge"))
        ]

    def ports(self, bridge: str) -> dict[str, Location]:
        """Ports of `bridge` with the first location that says so (its port list or the port's master)."""
        found: dict[str, Location] = {}
        interface = self.interfaces.get(bridge)
        if interface is not None:
            for record in interface.records:
                for port in record.ports:
                    found.setdefault(port.value, port.location)
        for name, other in self.interfaces.items():
            for record in other.records:
                if record.master is not None and record.master.value == bridge:
                    found.setdefault(name, record.master.location)
        return found

    def bridge_of(self, port: str) -> tuple[str, Location] | None:
        for bridge in self.bridges():
            where = self.ports(bridge.name).get(port)
            if where is not None:
                return bridge.name, where
        return None

    def configured_sysctls(self) -> dict[str, Sysctl]:
        return effective_sysctls(self.facts.sysctls)

    def running_sysctls(self) -> dict[str, list[Sysctl]]:
        return running_sysctls(self.facts.sysctls)

    def sysctl(self, key: str) -> list[Sysctl]:
        """What the running kernel says about `key`, then what the boot configuration sets."""
        found = list(self.running_sysctls().get(key, []))
        configured = self.configured_sysctls().get(key)
        if configured is not None:
            found.append(configured)
        return found

    def running_domain(self, name: str | None) -> RunningDomain | None:
        for running in self.facts.running:
            if name is not None and running.name == name:
                return running
        return None

    def vif_device_names(self, domain: Domain, vif: VifSpec) -> list[str]:
        """The names the vif's backend devices have in dom0 by Xen's naming rule: the custom
        vifname (and its `-emu` twin), else vifDOMID.DEVID, vifDOMID.DEVID-emu and the old qemu-dm
        tapDOMID.DEVID, when the domain's ID is known from xl/xm list or xenstore."""
        vifname = (vif.value("vifname") or "").strip()
        if vifname:
            return [vifname, f"{vifname}-emu"]
        running = self.running_domain(domain.name)
        if running is None or running.domid is None:
            return []
        devid = vif.devid
        if (vif.value("devid") or "").strip().isdigit():
            devid = int(vif.value("devid").strip())  # type: ignore[union-attr]
        base = f"{running.domid}.{devid}"
        return [f"vif{base}", f"vif{base}-emu", f"tap{base}"]

    def device_of(self, domain: Domain, vif: VifSpec) -> Interface | None:
        for name in self.vif_device_names(domain, vif):
            if name in self.interfaces:
                return self.interfaces[name]
        return None


def build_host(label: str, facts: HostFacts, configs: list[ConfigFile], domains: list[Domain],
               defaults: list[XenDefaults]) -> Host:
    host = Host(label=label, facts=facts, configs=configs, domains=domains, defaults=defaults)
    for record in facts.interfaces:
        host.interfaces.setdefault(record.name, Interface(record.name)).records.append(record)
    return host


@dataclass(frozen=True)
class GuestLink:
    """A guest tree joined to the domain that runs it, and why we believe so."""

    guest: Host
    domain: Domain
    reason: str  # "mac 00:16:3e:..:..:..", "hostname web01" or "--guest"
    evidence: Location  # the MAC or hostname; for --guest, the domain's name= in its config


def join_guests(dom0: Host, guests: list[Host], forced: Mapping[str, Domain] | None = None) -> Iterator[GuestLink]:
    """Join each guest tree to a domain of dom0: to the domain `forced` gives for its label (`--guest`),
    else by a MAC of one of its interfaces equal to a vif's mac= (case-insensitive), else by its
    hostname equal to the domain name; never by position. A forced domain is not joined to another tree."""
    forced = forced or {}
    taken = [id(domain) for domain in forced.values()]
    free = [domain for domain in dom0.domains if id(domain) not in taken]
    by_mac = {}
    for domain in free:
        for vif in domain.vifs:
            mac = (vif.value("mac") or "").strip().lower()
            if mac:
                by_mac.setdefault(mac, domain)
    by_name = {domain.name: domain for domain in free if domain.name}
    for guest in guests:
        domain = forced.get(guest.label)
        if domain is not None:
            yield GuestLink(guest, domain, "--guest", domain.name_location)
            continue
        link = _link_by_mac(guest, by_mac) or _link_by_hostname(guest, by_name)
        if link is not None:
            yield link


def _link_by_mac(guest: Host, by_mac: dict[str, Domain]) -> GuestLink | None:
    for interface in guest.interfaces.values():
        for mac in interface.macs():
            domain = by_mac.get(mac.value.lower())
            if domain is not None:
                return GuestLink(guest, domain, f"mac {mac.value.lower()}", mac.location)
    return None


def _link_by_hostname(guest: Host, by_name: dict[str, Domain]) -> GuestLink | None:
    for fact in guest.facts.hostname:
        short = fact.value.split(".")[0]
        domain = by_name.get(fact.value) or by_name.get(short)
        if domain is not None:
            return GuestLink(guest, domain, f"hostname {fact.value}", fact.location)
    return None
