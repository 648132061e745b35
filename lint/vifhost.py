"""Queries for the N1 rules: which toolstack runs the dom0, which hotplug script and which bridge a
vif gets, which bridges dom0 has and how sure we are that one is missing, the vif devices and their
domain IDs, traffic counters, and the MACs a guest tree shows.

Absence proves something only when the tree holds a source that would have shown the thing:

- a bridge is missing when a complete `brctl show` (it lists every bridge) does not list it, or when
  a complete interface listing (`ip link`/`ip addr` with link lines, /proc/net/dev, `ifconfig -a`)
  has no interface of that name. Configuration files (ifcfg, interfaces) never prove absence.
- a device is on no bridge when a complete `brctl show` or a `bridge link` output is in the tree, or
  when the device's own `ip` output prints `master` for some other interface (older iproute2 prints
  no `master` at all).

vif-bridge (tools/hotplug/Linux/vif-bridge) reads the bridge from xenstore; when it is empty it takes
the first bridge that `brctl show` lists, and when the bridge `xenbrN` does not exist but `ethN` is
a bridge it uses `ethN` (the "new style" bridge setup of network-bridge). xl always writes a bridge
(vif.default.bridge of xl.conf, else libxl's xenbr0); xend writes one only when the vif names it
(tools/python/xen/xend/server/netif.py), or passes `bridge=` in the arguments of its vif-script.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

from xennet.findings import Location

from .facts import ConfigFormat
from .host import NIC_KINDS, RUNTIME_SOURCES, XEN_BACKEND_MAC, Host, Interface
from .hostfacts import Fact
from .hostquery import DomVif, default_bridge, short
from .mac import normalize_mac, parse_mac
from .model import Domain, LintModel, XenDefaults
from .runner import LOOSE_FILES
from .vifspec import VifSpec, parse_script_args

BRIDGE_SCRIPT = "vif-bridge"
VIF_DEVICE = re.compile(r"(?P<prefix>vif|tap)(?P<domid>\d+)\.(?P<devid>\d+)(?P<emu>-emu)?")
_XENBR = re.compile(r"xenbr(?P<suffix>.*)")
# `brctl show` of every bridge, as sosreport and a copy by hand name it (not `brctl show BRIDGE`,
# not sosreport's brctl_showstp_BRIDGE, not the section of network-bridge status).
_BRCTL_SHOW = re.compile(r"brctl[_ -]show(?:\.\w+)?")
_INCOMPLETE = ("truncated", "unrecognized")  # problems that make an output unfit to prove absence
_GONE_STATES = frozenset("scd")  # xl/xm list state letters: shutdown, crashed, dying



# --- the toolstack and the vif's hotplug script ---------------------------------------------------


def _is_xend_defaults(model: LintModel, defaults: XenDefaults) -> bool:
    return any(c.path == defaults.path and c.format is ConfigFormat.SXP for c in model.files)


def toolstack(model: LintModel) -> str | None:
    """"xl" or "xend", from the list output in the tree (`xm list` needs a running xend), else from
    which host-wide config there is; None when nothing says or both configs are there (Xen 4.1-4.4
    install xl.conf next to xend-config.sxp)."""
    host = model.dom0
    if host is None:
        return None
    lists = {os.path.basename(running.location.path) for running in host.facts.running}
    if any(name.startswith("xm_list") for name in lists):
        return "xend"
    if any(name.startswith("xl_list") for name in lists):
        return "xl"
    kinds = {"xend" if _is_xend_defaults(model, d) else "xl" for d in host.defaults}
    return kinds.pop() if len(kinds) == 1 else None


def xend_vif_script(model: LintModel) -> tuple[str, dict[str, str], Location] | None:
    """xend-config.sxp's `(vif-script ...)`: the script, its `key=value` arguments and where."""
    host = model.dom0
    for defaults in host.defaults if host else ():
        if "vif-script" in defaults.values:
            value, location = defaults.values["vif-script"]
            script, args = parse_script_args(value)
            return script, args, location
    return None


def _xl_default_script(model: LintModel) -> str | None:
    host = model.dom0
    for defaults in host.defaults if host else ():
        if not _is_xend_defaults(model, defaults) and "script" in defaults.values:
            return defaults.values["script"][0]
    return None


def _default_script(model: LintModel) -> str | None:
    """The script of vifs without script=: the running toolstack's setting, else vif-bridge; when
    the toolstack is unknown, the one both configs agree on (None if they do not)."""
    xend = xend_vif_script(model)
    xend_script, xl_script = (xend[0] if xend else BRIDGE_SCRIPT), (_xl_default_script(model) or BRIDGE_SCRIPT)
    kind = toolstack(model)
    if kind is not None:
        return xend_script if kind == "xend" else xl_script
    return xend_script if xend_script == xl_script else None


def vif_script(model: LintModel, vif: VifSpec) -> str | None:
    """The name (no folder, no arguments) of the hotplug script the vif runs, None if unknown."""
    words = (vif.value("script") or "").split() or (_default_script(model) or "").split()
    return os.path.basename(words[0]) if words else None


def bridged(model: LintModel, vif: VifSpec) -> bool:
    """Whether dom0's vif-bridge plugs the vif in (vif-route, vif-nat and openvswitch use no Linux
    bridge; a driver domain named by `backend=` has bridges of its own)."""
    return served_by_dom0(vif) and vif_script(model, vif) == BRIDGE_SCRIPT


def vif_devid(vif: VifSpec) -> int:
    text = (vif.value("devid") or "").strip()
    return int(text) if text.isascii() and text.isdigit() else vif.devid


# --- what dom0 has: bridges, interface listings, port membership -----------------------------------


def _tree_paths(model: LintModel, host: Host) -> list[str]:
    """Files of `host`'s tree that were read (the files given by name form a tree of their own)."""
    if host.label != LOOSE_FILES:
        return [path for path in model.analyzed if _under(path, host.label)]
    folders = [other.label for other in model.hosts if other.label != LOOSE_FILES]
    return [path for path in model.analyzed if not any(_under(path, folder) for folder in folders)]


def _under(path: str, folder: str) -> bool:
    folder = os.path.abspath(folder)
    return os.path.commonpath([os.path.abspath(path), folder]) == folder


def _complete(host: Host, path: str) -> bool:
    return not any(p.location.path == path and p.kind in _INCOMPLETE for p in host.facts.problems)


def _listing_paths(host: Host) -> set[str]:
    """Outputs that print every interface: `ip addr`/`ip link` with link lines (`ip -o addr` prints
    only interfaces with an address), /proc/net/dev and `ifconfig -a` (without -a only the ones that
    are up). Such an output always shows `lo`; one without it shows a single device (`ip addr show
    eth0`, as network-bridge status runs it)."""
    paths = set()
    for record in host.facts.interfaces:
        if record.source in ("ip-link", "ip-addr"):
            full = "flags" in record.options
        elif record.source == "ifconfig":
            full = "-a" in os.path.basename(record.location.path)
        else:
            full = record.source == "proc-net-dev"
        if full and record.name == "lo" and _complete(host, record.location.path):
            paths.add(record.location.path)
    return paths


def _bridge_location(interface: Interface) -> Location:
    for _, fact in interface.facts("kind"):
        if fact.value == "bridge":
            return fact.location
    return interface.location


@dataclass(frozen=True)
class Inventory:
    """The bridges and interfaces of a dom0, and which outputs prove that something is absent."""

    host: Host
    bridges: dict[str, Location]  # every bridge any source shows, with where it is listed
    brctl_bridges: tuple[str, ...]  # as a complete `brctl show` lists them (vif-bridge takes the first)
    brctl_paths: tuple[str, ...]  # complete `brctl show` outputs: they list every bridge
    listing_paths: tuple[str, ...]  # complete interface listings
    listed: frozenset[str]  # the interfaces they show
    port_paths: tuple[str, ...]  # outputs that show the ports of every bridge (brctl show, bridge link)
    master_paths: frozenset[str]  # `ip` outputs that print `master` (iproute2 that shows it)

    def resolve(self, name: str) -> str | None:
        """The bridge vif-bridge uses for `name`: itself, or ethN for a missing xenbrN; None if
        dom0 has neither as a bridge."""
        if name in self.bridges:
            return name
        alias = self.eth_alias(name)
        return alias if alias in self.bridges else None

    def eth_alias(self, name: str) -> str | None:
        match = _XENBR.fullmatch(name)
        return f"eth{match['suffix']}" if match and name not in self.host.interfaces else None

    def missing(self, name: str) -> bool:
        """Whether dom0 is shown to have no bridge `name` (nor the ethN vif-bridge would use)."""
        if self.resolve(name) is not None:
            return False
        if self.brctl_paths:
            return True
        return bool(self.listing_paths) and name not in self.listed

    @property
    def proof(self) -> tuple[Location, ...]:
        """The outputs that list dom0's bridges (or interfaces) in full."""
        return tuple(Location(path) for path in self.brctl_paths or self.listing_paths)

    @property
    def listings(self) -> tuple[Location, ...]:
        return tuple(Location(path) for path in self.listing_paths)

    @property
    def related(self) -> tuple[Location, ...]:
        """Where dom0's bridges are listed; the complete listing itself when there is none."""
        return tuple(self.bridges.values()) or self.proof

    def absence_text(self, name: str) -> str:
        """What shows that dom0 lacks bridge `name`: `dom0 has only xenbr0 (brctl_show:2)`,
        `dom0 has no bridge (brctl_show lists none)`, `dom0 has no interface `br1` (ip_address
        lists every interface)`."""
        bridges = ", ".join(f"{bridge} ({short(where)})" for bridge, where in self.bridges.items())
        if self.brctl_paths:
            if bridges:
                return f"dom0 has only {bridges}"
            return f"dom0 has no bridge ({', '.join(short(p) for p in self.proof)} lists none)"
        listings = ", ".join(short(p) for p in self.listings)
        text = f"dom0 has no interface `{name}` ({listings} lists every interface)"
        return f"{text}; its bridges: {bridges}" if bridges else text

    def membership_known(self, device: Interface) -> bool:
        """Whether an output in the tree would show `device` as a port if it were one."""
        return bool(self.port_paths) or any(r.location.path in self.master_paths for r in device.records)


def inventory(model: LintModel, host: Host) -> Inventory:
    records = host.facts.interfaces
    brctl_paths = {p for p in _tree_paths(model, host) if _BRCTL_SHOW.fullmatch(os.path.basename(p))}
    brctl_paths = {p for p in brctl_paths if _complete(host, p)}
    listing_paths = _listing_paths(host)
    ports = {r.location.path for r in records if r.source == "bridge-link"} | brctl_paths
    return Inventory(
        host=host,
        bridges={bridge.name: _bridge_location(bridge) for bridge in host.bridges()},
        brctl_bridges=tuple(
            r.name for r in records if r.source == "brctl" and r.kind is not None and r.location.path in brctl_paths
        ),
        brctl_paths=tuple(sorted(brctl_paths)),
        listing_paths=tuple(sorted(listing_paths)),
        listed=frozenset(r.name for r in records if r.location.path in listing_paths),
        port_paths=tuple(sorted(ports)),
        master_paths=frozenset(
            r.location.path for r in records if r.source in ("ip-link", "ip-addr") and r.master is not None
        ),
    )


# --- the bridge a vif goes to ----------------------------------------------------------------------


@dataclass(frozen=True)
class BridgeChoice:
    """The bridge vif-bridge puts a vif on (None: the first bridge `brctl show` lists, unknown here),
    why (`its bridge=`, `xl's default`, ...) and the line that decides it, if any."""

    name: str | None
    why: str
    location: Location | None
    guessed: bool = False  # xend's first bridge of `brctl show`: the order may have changed since

    @property
    def related(self) -> tuple[Location, ...]:
        return (self.location,) if self.location is not None else ()


def choose_bridge(model: LintModel, inv: Inventory, dv: DomVif) -> BridgeChoice | None:
    """The vif's bridge= if it has one, else the toolstack's default; None when the toolstack is
    not known and the vif names no bridge."""
    field = dv.bridge_field
    if field is not None and (field.value or "").strip():
        return BridgeChoice((field.value or "").strip(), "its bridge=", field.location)
    return default_choice(model, inv)


def default_choice(model: LintModel, inv: Inventory) -> BridgeChoice | None:
    kind = toolstack(model)
    if kind == "xl":
        name, location = default_bridge(model)
        return BridgeChoice(name, "xl.conf's vif.default.bridge" if location else "xl's default", location)
    if kind == "xend":
        script = xend_vif_script(model)
        if script and script[1].get("bridge"):
            return BridgeChoice(script[1]["bridge"], "the bridge= of xend's vif-script", script[2])
        first = inv.brctl_bridges[0] if inv.brctl_bridges else None
        return BridgeChoice(first, "the first bridge `brctl show` lists", inv.bridges.get(first or ""), guessed=True)
    return None


# --- devices, domains and counters -----------------------------------------------------------------


def running_ids(host: Host) -> dict[int, Location]:
    """Domain IDs that xl/xm list or xenstore show, with where."""
    return {r.domid: r.location for r in host.facts.running if r.domid is not None}


def served_by_dom0(vif: VifSpec) -> bool:
    """Whether dom0 is the vif's backend (`backend=` names no driver domain)."""
    return (vif.value("backend") or "").strip() in ("", "0", "Domain-0")


def list_paths(host: Host) -> tuple[Location, ...]:
    return tuple(Location(path) for path in sorted({r.location.path for r in host.facts.running}))


def is_up(domid: int | None, state: str | None) -> bool:
    """A listed domain that has its devices: it has an ID and is not shut down, crashed or dying."""
    return domid is not None and domid != 0 and not (_GONE_STATES & set(state or ""))


def vif_devices(host: Host) -> Iterator[tuple[Interface, re.Match[str]]]:
    """Every vifD.N, vifD.N-emu and tapD.N that a runtime source shows in dom0."""
    for name, interface in sorted(host.interfaces.items()):
        match = VIF_DEVICE.fullmatch(name)
        if match and interface.seen_running:
            yield interface, match


def present_devices(dv: DomVif) -> list[Interface]:
    """The devices of the vif that a runtime source shows in dom0 (the PV vif and the emulated tap)."""
    names = dv.host.vif_device_names(dv.domain, dv.vif)
    return [dv.host.interfaces[n] for n in names if n in dv.host.interfaces and dv.host.interfaces[n].seen_running]


def emulated_twins(host: Host, match: re.Match[str]) -> list[Interface]:
    """The emulated NIC's devices (vifD.N-emu, tapD.N) next to the PV vif `match` names."""
    base = f"{match['domid']}.{match['devid']}"
    return [host.interfaces[n] for n in (f"vif{base}-emu", f"tap{base}") if n in host.interfaces]


def counter_pair(interface: Interface, direction: str) -> tuple[Fact[int], Fact[int]] | None:
    """(packets, dropped) for "rx" or "tx", both from one record (one output at one moment)."""
    records = sorted(
        (r for r in interface.records if r.source in RUNTIME_SOURCES),
        key=lambda r: RUNTIME_SOURCES.index(r.source),
    )
    for record in records:
        packets, dropped = record.counters.get(f"{direction}_packets"), record.counters.get(f"{direction}_dropped")
        if packets is not None and dropped is not None:
            return packets, dropped
    return None


def traffic(interface: Interface) -> int | None:
    """Packets the device passed both ways, if an output counts them."""
    counts = [pair[0].value for d in ("rx", "tx") if (pair := counter_pair(interface, d)) is not None]
    return sum(counts) if counts else None


# --- MACs -----------------------------------------------------------------------------------------


def vif_mac(vif: VifSpec) -> tuple[str, Location] | None:
    """The vif's mac= normalized (lower case), if it is a well-formed MAC."""
    field = vif.get("mac")
    octets = parse_mac((field.value or "").strip()) if field is not None else None
    return (normalize_mac(octets), field.location) if octets is not None and field is not None else None


def host_macs(host: Host) -> set[str]:
    return {fact.value for interface in host.interfaces.values() for fact in interface.macs()}


def nics(host: Host) -> list[Interface]:
    """A host's Ethernet interfaces with a MAC (not loopback, VLANs, bridges, bonds or tunnels,
    which copy or make up their MACs)."""
    found = [i for i in host.interfaces.values() if i.kind in NIC_KINDS and i.name != "lo" and i.macs()]
    return sorted(found, key=lambda i: natural_key(i.name))


def natural_key(name: str) -> tuple[object, ...]:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def split_macs(interface: Interface) -> tuple[list[tuple[str, Fact[str]]], list[Fact[str]]]:
    """((source, fact) of the configured MACs, facts of the running MACs) of an interface: ifcfg and
    interfaces files against command outputs; Xen's backend MAC fe:ff:ff:ff:ff:ff left out."""
    configured, running = [], []
    for source, fact in interface.facts("mac"):
        if fact.value == XEN_BACKEND_MAC:
            continue
        if source in RUNTIME_SOURCES:
            running.append(fact)
        else:
            configured.append((source, fact))
    return configured, running


def domains_named(host: Host, name: str) -> list[Domain]:
    return [domain for domain in host.domains if domain.name == name]
