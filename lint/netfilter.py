"""What decides how guest packets cross a dom0 besides the bridge itself, shared by the N15x-N17x
rules: bridge netfilter (br_netfilter) and conntrack, the kernel's refragmentation of bridged
packets, xend's network scripts (network-bridge, network-route, network-nat, directly or from an
admin's wrapper) and the vif scripts.

Facts about the Xen scripts (xen-project/xen, tools/examples/ and tools/hotplug/Linux/):
- network-bridge moves a NIC into a bridge. Xen 3's version renames ethN to pethN, renames the
  netloop device vethN to ethN and bridges pethN with vif0.N (vethN's peer), so dom0's ethN talks
  through the bridge; Xen 4's version renames the NIC to p${netdev} and gives the bridge the NIC's
  name. Either way `pethN` standing where `ethN` was means the same NIC.
- network-route and network-nat write 1 to /proc/sys/net/ipv4/ip_forward when xend starts them.
- vif-bridge (through vif-common.sh's handle_iptable) adds `iptables -A FORWARD -m physdev
  --physdev-in VIF -s IP -j ACCEPT` for each address of the vif's ip=.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum

from xennet.findings import Location

from .host import Host, Interface
from .hostfacts import Fact, FirewallRule, Route, Sysctl
from .hostquery import short
from .kernel import KernelRelease
from .model import Domain, LintModel, XenDefaults
from .netchecks import Stated, stated
from .vifspec import VifSpec

CALL_IPTABLES = "net.bridge.bridge-nf-call-iptables"
FILTER_VLAN_TAGGED = "net.bridge.bridge-nf-filter-vlan-tagged"
IP_FORWARD = "net.ipv4.ip_forward"
NETWORK_SCRIPTS = frozenset({"network-bridge", "network-route", "network-nat"})
ROUTED_NETWORK_SCRIPTS = frozenset({"network-route", "network-nat"})  # they turn ip_forward on
ROUTED_VIF_SCRIPTS = frozenset({"vif-route", "vif-nat"})
DEFAULT_VIF_SCRIPT = "vif-bridge"

# Modules that make the kernel reassemble IPv4 fragments: conntrack itself, its defragmenter, and
# matches and targets that load conntrack (state, conntrack, NAT).
# Core modules first: a message names the first one loaded.
CONNTRACK_MODULES = (
    "ip_conntrack", "nf_conntrack", "nf_conntrack_ipv4", "nf_defrag_ipv4", "xt_state", "ipt_state",
    "xt_conntrack", "ipt_conntrack", "iptable_nat", "ip_nat", "nf_nat", "nf_nat_ipv4", "ipt_MASQUERADE",
    "nft_ct",
)
# Since Linux 4.10 conntrack and the IPv4 defragmenter hook a network namespace only when a rule there
# uses them (lint/sources/netfilter_rules.py); before, loading nf_conntrack_ipv4 hooked every namespace.
CONNTRACK_ON_DEMAND = (4, 10)
_IPV4_FAMILIES = ("ip", "inet")  # the nft families whose conntrack reassembles IPv4
_IPV4_RULESETS = ("iptables-save", "iptables -L", "nft")
# Names of physical NICs: ethN (also renamed pethN), predictable names, biosdevname names.
_NIC_NAME = re.compile(r"p?eth\d+|en[a-z][a-z0-9]*|em\d+|p\d+p\d+(?:_\d+)?|ib\d+")
_NIC_KINDS = (None, "phys")



# --- sysctls, modules, the kernel -------------------------------------------------------------


def current_setting(host: Host, key: str) -> Sysctl | None:
    """What the running kernel says about `key` (the first reading), else what the boot
    configuration sets; None when the tree says neither."""
    running = host.running_sysctls().get(key, [])
    return running[0] if running else host.configured_sysctls().get(key)


def is_on(setting: Sysctl | None) -> bool:
    return setting is not None and setting.value.strip() == "1"


def is_off(setting: Sysctl | None) -> bool:
    return setting is not None and setting.value.strip() == "0"


def has_lsmod(host: Host) -> bool:
    """Whether the tree lists the loaded modules (absence of a module proves nothing otherwise)."""
    return bool(host.facts.modules)


def loaded_module(host: Host, *names: str) -> Fact[str] | None:
    return next((fact for fact in host.facts.modules if fact.value in names), None)


def conntrack_users(host: Host) -> list[Fact[str]]:
    """Loaded modules that make the kernel reassemble fragments (conntrack and what loads it), core
    modules first."""
    loaded = [fact for fact in host.facts.modules if fact.value in CONNTRACK_MODULES]
    return sorted(loaded, key=lambda fact: CONNTRACK_MODULES.index(fact.value))


def ruleset_conntrack(host: Host) -> list[FirewallRule]:
    """Rules of tables that see IPv4 (ip, inet) that make conntrack track the namespace's packets."""
    return [rule for rule in host.facts.firewall if rule.conntrack and rule.family in _IPV4_FAMILIES]


def ipv4_rulesets(host: Host) -> list[Fact[str]]:
    """The IPv4 ruleset outputs the tree holds (iptables-save, iptables -L, nft list ruleset), read or empty."""
    return [fact for fact in host.facts.rulesets if fact.value in _IPV4_RULESETS]


def conntrack_use_text(rule: FirewallRule) -> str:
    """`the filter FORWARD rule using -m conntrack (iptables-save:6)`, `the nat table (iptables-save:11)`."""
    where = short(rule.location)
    if not rule.rule:
        return f"the {rule.table} table ({where})"
    return f"the {rule.table} {rule.chain} rule using {rule.conntrack} ({where})"


def conntrack_on_demand(release: KernelRelease | None) -> bool:
    """Whether conntrack hooks a namespace only for a ruleset that uses it (Linux 4.10 and later)."""
    return release is not None and release.at_least(*CONNTRACK_ON_DEMAND)


def port_mtus(host: Host, bridge: str) -> list[Stated]:
    """The MTU of each port of the bridge that some source states, by port name."""
    return [
        found
        for name in sorted(host.ports(bridge))
        if name in host.interfaces and (found := stated(host.interfaces[name], "mtu")) is not None
    ]


def smallest_port(host: Host, bridge: str) -> Stated | None:
    """The port with the smallest MTU when the bridge's ports differ in MTU; None when they agree.

    A refragmenting br_netfilter (see `refragments`) splits a reassembled datagram no larger than
    its largest original fragment (br_nf_dev_queue_xmit() caps the MTU at frag_max_size) and drops it
    whole when that fragment size is above the egress port's MTU (br_nf_ip_fragment()): fragments
    that came in on a port with a larger MTU cannot leave on this one, not even the small last ones.
    """
    ports = port_mtus(host, bridge)
    if len({port.value for port in ports}) < 2:
        return None
    return min(ports, key=lambda port: port.value)


class Refrag(str, Enum):
    """Whether a kernel refragments the packets conntrack reassembled on a bridge."""

    BROKEN = "broken"  # known to forward them whole: dropped above the egress MTU
    FIXED = "fixed"  # known to refragment them
    UNKNOWN = "unknown"


def refragments(release: KernelRelease | None, tagged: bool) -> Refrag:
    """The kernel's refragmentation of bridged IPv4 that conntrack reassembled.

    Before 2.6.16 ip_conntrack refragmented what it had reassembled. 2.6.16 dropped that and relied on
    the IP layer, which bridged packets never reach: reassembled packets were forwarded whole.
    Patrick McHardy's "[NETFILTER]: Fix fragmentation issues with bridge netfilter" (2.6.16.6,
    2.6.17) added br_nf_dev_queue_xmit(), which refragments only when skb->protocol is ETH_P_IP; up
    to 2.6.18 br_nf_post_routing() pulls a VLAN header but leaves skb->protocol at ETH_P_8021Q, so
    VLAN-tagged packets stay whole (2.6.18-*xen and RHEL 5 kernels included). By 2.6.33
    br_nf_post_routing() sets skb->protocol to ETH_P_IP after pulling the VLAN (or PPPoE) header.
    Releases between 2.6.19 and 2.6.32 are not known either way.
    """
    if release is None:
        return Refrag.UNKNOWN
    if release.before(2, 6, 16):
        return Refrag.UNKNOWN if tagged else Refrag.FIXED
    if release.before(2, 6, 16, 6):
        return Refrag.BROKEN
    if not tagged:
        return Refrag.FIXED
    if release.before(2, 6, 19):
        return Refrag.BROKEN
    return Refrag.FIXED if release.at_least(2, 6, 33) else Refrag.UNKNOWN


# --- NICs and routes ---------------------------------------------------------------------------


def nic_key(name: str) -> str:
    """The name a NIC had before network-bridge renamed it: peth0 -> eth0."""
    return name[1:] if re.fullmatch(r"peth\d+", name) else name


def running_nics(host: Host) -> dict[str, Interface]:
    """The physical NICs the running host shows, by `nic_key` (eth0 and peth0 are one NIC)."""
    found: dict[str, Interface] = {}
    for name, interface in sorted(host.interfaces.items()):
        if interface.seen_running and interface.kind in _NIC_KINDS and _NIC_NAME.fullmatch(name):
            found.setdefault(nic_key(name), interface)
    return found


def has_running_interfaces(host: Host) -> bool:
    return any(interface.seen_running for interface in host.interfaces.values())


def default_routes(host: Host) -> list[Route]:
    """IPv4 default routes that name their device."""
    return [route for route in host.facts.routes if route.destination == "default" and route.device]


# --- xend's network scripts --------------------------------------------------------------------


@dataclass(frozen=True)
class ScriptCall:
    """One run of network-bridge / network-route / network-nat: straight from xend-config.sxp's
    `(network-script ...)` (its args all located at that line) or from a wrapper script."""

    script: str
    args: dict[str, Fact[str]]
    location: Location
    from_xend: bool
    command: str = ""  # xend-config.sxp's words: `network-bridge netdev=eth1`

    @property
    def where(self) -> str:
        if self.from_xend:
            return f"(network-script '{self.command or self.script}') ({short(self.location)})"
        return f"{self.script} call ({short(self.location)})"

    def arg(self, key: str) -> str | None:
        fact = self.args.get(key)
        return fact.value if fact is not None else None

    def arg_location(self, key: str) -> Location:
        fact = self.args.get(key)
        return fact.location if fact is not None else self.location


def xend_network_script(host: Host) -> tuple[XenDefaults, str, Location] | None:
    """xend-config.sxp's `(network-script ...)`: the file, the command and the line."""
    for defaults in host.defaults:
        if defaults.network_script and "network-script" in defaults.values:
            return defaults, defaults.network_script, defaults.values["network-script"][1]
    return None


def script_calls(host: Host) -> list[ScriptCall]:
    """The network-script runs that take effect: xend's own network-script when it is one of the
    Xen scripts; else the calls in wrappers, only in the wrapper xend names when xend-config names
    one (a wrapper nothing runs does nothing)."""
    xend = xend_network_script(host)
    if xend is not None and _base(xend[1]) in NETWORK_SCRIPTS:
        defaults, command, where = xend
        args = {key: Fact(value, where) for key, value in defaults.network_script_args.items()}
        return [ScriptCall(_base(command), args, where, from_xend=True, command=defaults.values["network-script"][0])]
    wanted = _base(xend[1]) if xend is not None else None
    return [
        ScriptCall(call.script, dict(call.args), call.location, from_xend=False)
        for call in host.facts.network_calls
        if wanted is None or os.path.basename(call.location.path) == wanted
    ]


def calls_fully_known(host: Host) -> bool:
    """Whether `script_calls` is everything xend's network-script runs: xend-config names one of
    the Xen scripts, or a wrapper found in the tree whose every part was understood."""
    xend = xend_network_script(host)
    if xend is None:
        return False
    name = _base(xend[1])
    if name in NETWORK_SCRIPTS:
        return True
    wrapper_paths = {
        call.location.path for call in host.facts.network_calls if os.path.basename(call.location.path) == name
    }
    if not wrapper_paths:
        return False
    return not any(problem.location.path in wrapper_paths for problem in host.facts.problems)


def bridge_calls(host: Host) -> list[ScriptCall]:
    return [call for call in script_calls(host) if call.script == "network-bridge"]


def bridges_made_by(call: ScriptCall, host: Host) -> set[str]:
    """Every name the bridge of a network-bridge call may get: bridge= when given (none for
    bridge=null); else xenbr${vifnum} (Xen 3, vifnum defaulting to the number of the default route's
    device, else 0) and the NIC's own name (Xen 4)."""
    bridge = call.arg("bridge")
    if bridge is not None:
        return set() if bridge == "null" else {bridge}
    vifnum, netdev = call.arg("vifnum"), call.arg("netdev")
    numbers = [vifnum] if vifnum else [*_route_numbers(host), "0"]
    devices = [netdev] if netdev else [*(route.device or "" for route in default_routes(host)), "eth0"]
    return {f"xenbr{number}" for number in numbers} | {device for device in devices if device}


def _route_numbers(host: Host) -> list[str]:
    return [match[0] for route in default_routes(host) if (match := re.search(r"\d+$", route.device or ""))]


def _base(command: str) -> str:
    """`/etc/xen/scripts/network-bridge netdev=eth0` -> network-bridge."""
    words = command.split()
    return os.path.basename(words[0]) if words else ""


# --- vif scripts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class VifScript:
    """The hotplug script a vif runs and what says so."""

    name: str  # base name: vif-bridge, vif-route, ...
    location: Location | None  # None for the built-in default
    source: str  # "script=vif-route", "vif.default.script = vif-nat", "(vif-script vif-route)", "default"


def default_vif_script(host: Host) -> VifScript:
    """The script of a vif without script=: xl.conf's vif.default.script, else xend-config.sxp's
    (vif-script ...), else vif-bridge."""
    for key, label in (("script", "vif.default.script = {}"), ("vif-script", "(vif-script {})")):
        for defaults in host.defaults:
            if key in defaults.values:
                value, where = defaults.values[key]
                return VifScript(_base(value), where, label.format(value))
    return VifScript(DEFAULT_VIF_SCRIPT, None, "default")


def vif_script(host: Host, vif: VifSpec) -> VifScript:
    field = vif.get("script")
    if field is not None and field.value and field.value.strip():
        return VifScript(_base(field.value), field.location, f"script={field.value.strip()}")
    return default_vif_script(host)


def routed_uses(model: LintModel) -> list[tuple[str, Location]]:
    """What makes the dom0 route or NAT guest traffic: vifs with a routed/NAT script, a routed/NAT
    default vif script (when some vif or no domain at all relies on the default), and xend's
    network-route / network-nat runs. (description, location) each."""
    host = model.dom0
    if host is None:
        return []
    uses = [
        (f"{script.source} on vif {vif.devid} of {domain.label}, {short(script.location)}", script.location)
        for domain, vif, script in _explicit_scripts(host)
        if script.name in ROUTED_VIF_SCRIPTS and script.location is not None
    ]
    default = default_vif_script(host)
    relies_on_default = not host.domains or any(vif.get("script") is None for d in host.domains for vif in d.vifs)
    if default.name in ROUTED_VIF_SCRIPTS and default.location is not None and relies_on_default:
        uses.append((f"{default.source}, {short(default.location)}", default.location))
    for call in script_calls(host):
        if call.script in ROUTED_NETWORK_SCRIPTS:
            uses.append((f"{call.script} run by xend, {short(call.location)}", call.location))
    return uses


def _explicit_scripts(host: Host) -> Iterator[tuple[Domain, VifSpec, VifScript]]:
    for domain in host.domains:
        for vif in domain.vifs:
            if vif.get("script") is not None:
                yield domain, vif, vif_script(host, vif)
