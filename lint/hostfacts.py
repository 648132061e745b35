"""Facts about a host's network as its files describe it: interface records, routes, sysctls,
running domains, xenstore vif entries, the kernel, network-script calls, kernel counters.

Every parser of a network source (ifcfg, Debian interfaces, sysctl, command outputs, network-bridge
wrappers) returns a HostFacts; the host model (lint/host.py) merges them and joins them to the
domain configs. A record says what ONE source claims, with the source's name and location, so
that a rule can say which two sources disagree. Nothing here judges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from xennet.findings import Location

from .facts import ParseProblem

T = TypeVar("T")


@dataclass(frozen=True)
class Fact(Generic[T]):
    """One value and where it was read."""

    value: T
    location: Location


@dataclass
class InterfaceRecord:
    """What one source says about one network interface.

    `source` names the kind of input ("ifcfg", "interfaces", "ip-link", "ip-addr", "ifconfig",
    "brctl", "bridge-link", "proc-net-dev", "ethtool", "xenstore", "proc-vlan", ...).
    `kind`: "phys", "vlan", "bridge", "bond", "vif", "tap", "veth", "loopback", "team", "tunnel" or
    "other"; None when the source does not say.
    Addresses are "ADDR/PREFIX" strings (IPv4 or IPv6). Counters use the kernel's names
    (rx_packets, rx_bytes, rx_errors, rx_dropped, tx_packets, tx_bytes, tx_errors, tx_dropped).
    """

    name: str
    source: str
    location: Location
    kind: Fact[str] | None = None
    mtu: Fact[int] | None = None
    mac: Fact[str] | None = None  # lower-case aa:bb:cc:dd:ee:ff
    addresses: list[Fact[str]] = field(default_factory=list)
    gateway: Fact[str] | None = None
    parent: Fact[str] | None = None  # VLAN raw device
    vlan_id: Fact[int] | None = None
    master: Fact[str] | None = None  # the bridge (or bond) this interface is a port of
    ports: list[Fact[str]] = field(default_factory=list)  # for bridges and bonds: their ports
    state: Fact[str] | None = None  # "up"/"down"/"unknown" as the source says
    counters: dict[str, Fact[int]] = field(default_factory=dict)
    offloads: dict[str, Fact[bool]] = field(default_factory=dict)  # ethtool -k features
    options: dict[str, Fact[str]] = field(default_factory=dict)  # e.g. nf_call_iptables, ONBOOT, BOOTPROTO


@dataclass(frozen=True)
class Route:
    destination: str  # "default" or CIDR
    gateway: str | None
    device: str | None
    source: str
    location: Location


@dataclass(frozen=True)
class Sysctl:
    """`key = value`; `order` sorts settings from files that override one another (systemd order)."""

    key: str  # dotted form: net.bridge.bridge-nf-call-iptables
    value: str
    source: str  # "sysctl-a", "sysctl.conf", "sysctl.d", "proc-sys"
    location: Location
    order: tuple[object, ...] = ()
    ignore_errors: bool = False  # written `-key = value`: a failure to set it is not an error


@dataclass(frozen=True)
class RunningDomain:
    """A line of `xl list` / `xm list` (or a record of `xl list -l`)."""

    name: str
    domid: int | None
    state: str | None
    location: Location


@dataclass(frozen=True)
class XenstoreVif:
    """A backend vif in xenstore: /local/domain/0/backend/vif/DOMID/DEVID/..."""

    domid: int
    devid: int
    values: dict[str, Fact[str]]  # mac, bridge, script, hotplug-status, ...
    location: Location


@dataclass(frozen=True)
class NetworkScriptCall:
    """One call of network-bridge / network-route / network-nat in an admin's wrapper script."""

    script: str  # "network-bridge"
    args: dict[str, Fact[str]]  # netdev, bridge, vifnum, antispoof, ...
    location: Location


@dataclass(frozen=True)
class Stat:
    """A kernel counter, named as nstat and /proc/net/snmp name it (IpReasmFails, IpFragCreates, ...)."""

    name: str
    value: int
    source: str  # "netstat-s"
    location: Location


@dataclass(frozen=True)
class FirewallRule:
    """A chain or a rule of a firewall ruleset as one output shows it (`iptables-save`,
    `ip6tables-save`, `iptables -t TABLE -nvL`, `nft list ruleset`).

    `family` uses nft's names: "ip" (iptables), "ip6" (ip6tables), "inet", "bridge", "arp", "netdev".
    `rule` is the rule as printed; "" for a chain's own line. `conntrack` says what in it makes the
    kernel's connection tracking (and with it IP defragmentation) hook the packets of the network
    namespace ("-m conntrack", "ct state", "nat table", "-j MASQUERADE"); None when nothing does.
    """

    source: str  # "iptables-save", "ip6tables-save", "iptables -L", "ip6tables -L", "nft"
    family: str
    table: str
    chain: str
    rule: str
    location: Location
    conntrack: str | None = None


@dataclass
class HostFacts:
    """Everything one or more files say about a host. Parsers return one; `merge` adds another."""

    interfaces: list[InterfaceRecord] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    sysctls: list[Sysctl] = field(default_factory=list)
    running: list[RunningDomain] = field(default_factory=list)
    xenstore_vifs: list[XenstoreVif] = field(default_factory=list)
    kernel: list[Fact[str]] = field(default_factory=list)  # release, e.g. 2.6.18-128.el5xen
    hostname: list[Fact[str]] = field(default_factory=list)
    modules: list[Fact[str]] = field(default_factory=list)  # loaded kernel modules (lsmod)
    network_calls: list[NetworkScriptCall] = field(default_factory=list)
    stats: list[Stat] = field(default_factory=list)  # counters that matter to guest traffic (netstat -s)
    # Each ruleset output read (its source, at its first line), even an empty one: "no rule uses
    # conntrack" needs to know that the rules were seen at all.
    rulesets: list[Fact[str]] = field(default_factory=list)
    firewall: list[FirewallRule] = field(default_factory=list)  # chains and rules of those outputs
    problems: list[ParseProblem] = field(default_factory=list)

    def merge(self, other: HostFacts) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))
