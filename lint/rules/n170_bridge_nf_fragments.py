"""Bridge netfilter on a bridge that carries VLAN-tagged guest traffic or IPv4 fragments, on a
kernel that may forward reassembled packets without refragmenting them.

With `net.bridge.bridge-nf-call-iptables = 1`, br_netfilter hands every bridged IPv4 packet to
iptables. When conntrack is in use (ip_conntrack / nf_conntrack, or a match or target that loads
it: state, conntrack, NAT), the packet is first defragmented: fragments are held and reassembled
into one packet larger than the MTU, which the bridge then has to send on. Whether it is split
again before it leaves depends on the kernel:

- before 2.6.16, ip_conntrack refragmented what it had reassembled;
- 2.6.16 stopped that and relied on the IP layer, which bridged packets never reach: reassembled
  packets were forwarded whole and dropped by the egress device ("bridge+netfilter broken for IP
  fragments in 2.6.16?", LKML, April 2006). Patrick McHardy's "[NETFILTER]: Fix fragmentation issues
  with bridge netfilter" added br_nf_dev_queue_xmit(), which refragments (2.6.16.6 and 2.6.17);
- that fix refragments only packets whose skb->protocol is ETH_P_IP. Up to 2.6.18,
  br_nf_post_routing() strips the VLAN header but leaves skb->protocol at ETH_P_8021Q, so
  VLAN-tagged packets are still forwarded whole: 2.6.18-*xen and RHEL 5 dom0 kernels drop large
  packets of guests that tag VLANs themselves (the field report behind this rule: guests with
  eth0.3 on a RHEL 5.3 dom0, 2.6.18-128.el5xen). By 2.6.33, br_nf_post_routing() sets
  skb->protocol to ETH_P_IP after pulling the VLAN (or PPPoE) header, and refragmentation works;
- on 2.6.18, tagged IPv4 reaches iptables only while `net.bridge.bridge-nf-filter-vlan-tagged`
  is 1 (its default there).

What counts as such traffic on a bridge: a guest tree joined to its domain whose VLAN interface
(eth0.3) sits on a NIC whose vif is a port of the bridge (or names it in bridge=); dom0's own VLAN
interface on ethN when vif0.N is a port of the bridge (Xen 3's network-bridge pairs them, so dom0's
tagged frames cross the bridge); for fragments in general, dom0's `netstat -s` counting
reassemblies, else (one finding per bridge) a ruleset rule that makes conntrack track packets.

Whether conntrack is in use: a rule of iptables-save / iptables -L / nft list ruleset that uses it
(cited with its file:line) is the best evidence; since Linux 4.10 conntrack built in or loaded hooks
a network namespace only for such a rule, so on those kernels rulesets in which no rule uses it mean
that nothing is reassembled (info, said so), whatever lsmod shows; before 4.10, or without rulesets,
lsmod decides as below. A VLAN interface used as a bridge port is not counted: inside the bridge its frames
are untagged.

Severity depends on the kernel (`uname -a`, else kernel.osrelease):
- error when the kernel is known to forward such packets whole (2.6.16 to 2.6.16.5 for any IPv4;
  up to 2.6.18, including 2.6.18-*xen and RHEL 5, for VLAN-tagged traffic) and lsmod shows a
  conntrack user or the tree has no lsmod; warning when lsmod shows none (conntrack may be built in);
- warning when the kernel is not known either way (2.6.19 to 2.6.32, or no release in the tree);
- info when the kernel refragments (2.6.16.6 and later for untagged IPv4; 2.6.33 and later for
  tagged): the packets survive, at the cost of reassembly on every bridged fragment; warning when,
  on such a kernel, the bridge's ports differ in MTU: br_netfilter refragments no larger than the
  largest original fragment and drops the datagram whole when that does not fit the egress port
  (C101 joins this with N132 and the captures).

It does not fire when the sysctl is 0 or absent from the tree (N171 covers a bridge whose own
nf_call_iptables is 1), when nothing tagged or fragmented crosses a bridge, nor for VLAN traffic on a
2.6.16-2.6.18 kernel whose bridge-nf-filter-vlan-tagged is 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..host import GuestLink, Host, Interface
from ..kernel import KernelFact, running_kernel
from ..model import LintModel
from ..netchecks import Stated
from ..netfilter import (
    CALL_IPTABLES,
    FILTER_VLAN_TAGGED,
    Refrag,
    conntrack_on_demand,
    conntrack_use_text,
    conntrack_users,
    current_setting,
    has_lsmod,
    ipv4_rulesets,
    is_off,
    is_on,
    refragments,
    ruleset_conntrack,
    short,
    smallest_port,
)
from ..vifspec import VifSpec

ID = "N170"
SLUG = "bridge-nf-fragments"
SEVERITY = Severity.ERROR
SUMMARY = "Bridge netfilter reassembles VLAN-tagged or fragmented guest traffic on a kernel that may not refragment it."
RATIONALE = """\
Conntrack reassembles fragments before iptables sees them. On a bridge, a kernel that does not split
the reassembled packet again hands the egress device a packet above its MTU, which is dropped: small
packets pass, large UDP (DNS answers, NFS, syslog), ICMP and fragmented tunnels do not. 2.6.16 broke
this for all bridged IPv4 (fixed in 2.6.16.6/2.6.17); up to 2.6.18 (RHEL 5, Xen's 2.6.18 dom0
kernels) VLAN-tagged packets are still forwarded whole."""
FIX = (
    "Stop handing bridged traffic to iptables: `sysctl -w net.bridge.bridge-nf-call-iptables=0` and set"
    " it in sysctl.conf; then check that the bridge has no nf_call_iptables of its own (`ip -d link`)."
    " If guests need iptables filtering in dom0, move to a kernel that refragments (2.6.33 or later)."
)
BAD = {
    "ip_address": (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        "2: peth0: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
        "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
        "3: vif0.0: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
        "4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
        "    inet 198.18.0.10/24 brd 198.18.0.255 scope global eth0\n"
        "5: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
        "6: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
        "    inet 198.18.3.10/24 brd 198.18.3.255 scope global eth0.3\n"
    ),
    "brctl_show": (
        "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
        "xenbr0\t\t8000.feffffffffff\tno\t\tpeth0\n"
        "\t\t\t\t\t\t\tvif0.0\n"
    ),
    "uname_-a": (
        "Linux dom0.example.net 2.6.18-128.el5xen #1 SMP Wed Dec 17 12:01:40 EST 2008"
        " x86_64 x86_64 x86_64 GNU/Linux\n"
    ),
    "lsmod": (
        "Module                  Size  Used by\n"
        "xt_state               35265  1\n"
        "ip_conntrack           92005  1 xt_state\n"
        "bridge                 88689  0\n"
    ),
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 1\n",
}
GOOD = {**BAD, "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 0\n"}
REFERENCES = (
    "LKML, 'bridge+netfilter broken for IP fragments in 2.6.16?' (April 2006), and Patrick McHardy's"
    " '[NETFILTER]: Fix fragmentation issues with bridge netfilter' (Linux 2.6.16.6, 2.6.17)",
    "Linux 2.6.18 net/bridge/br_netfilter.c: br_nf_dev_queue_xmit() refragments only ETH_P_IP;"
    " br_nf_post_routing() leaves skb->protocol at ETH_P_8021Q",
)

_ETH = re.compile(r"eth(\d+)")


@dataclass
class _Draft:
    """A finding before the kernel and conntrack parts are added."""

    message: str
    where: Location
    related: list[Location]
    bridge: str
    tagged: bool
    egress: str  # where oversized packets are dropped: "egress vif", "egress port"


@dataclass(frozen=True)
class Carried:
    """Traffic that crosses a bridge and is tagged or fragmented: what it is and where the tree says so."""

    text: str  # "guest3 eth0.3, VLAN 3"
    locations: tuple[Location, ...]


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    setting = current_setting(host, CALL_IPTABLES) if host is not None else None
    if host is None or setting is None or not is_on(setting):
        return
    tagged = _tagged_traffic(model, host)
    drafts = [_vlan_draft(host, bridge, carried) for bridge, carried in sorted(tagged.items())]
    if not tagged:
        drafts.extend(_fragment_drafts(host))
    for draft in drafts:
        if draft is not None:
            yield _problem(host, draft)


def bridge_verdict(model: LintModel, bridge: str) -> Refrag:
    """Whether dom0's kernel refragments what conntrack reassembles on `bridge` (tagged or not)."""
    host = model.dom0
    if host is None:
        return Refrag.UNKNOWN
    return _verdict(running_kernel(host), tagged=bridge in _tagged_traffic(model, host))


# --- what crosses which bridge ------------------------------------------------------------------


def _tagged_traffic(model: LintModel, host: Host) -> dict[str, list[Carried]]:
    found: dict[str, list[Carried]] = {}
    for bridge, carried in [*_guest_vlans(model.guest_links, host), *_dom0_vlans(host)]:
        found.setdefault(bridge, []).append(carried)
    return found


def _vlans(host: Host) -> Iterator[tuple[Interface, str, int | None]]:
    """VLAN interfaces of a host with their raw device and VLAN ID: the kind says so, or (plain `ip
    addr` prints no kind) the name is RAW.ID with RAW as its parent (`eth0.3@eth0`)."""
    for name, interface in sorted(host.interfaces.items()):
        raw, _, suffix = name.rpartition(".")
        parent = interface.value("parent")
        by_name = interface.kind is None and suffix.isdigit() and parent == raw
        if interface.kind != "vlan" and not by_name:
            continue
        vlan_id = interface.value("vlan_id")
        if vlan_id is None and suffix.isdigit():
            vlan_id = int(suffix)
        if parent or raw:
            yield interface, parent or raw, vlan_id


def _where(interface: Interface) -> tuple[Location, ...]:
    return tuple(dict.fromkeys(record.location for record in interface.records))


def _guest_vlans(links: list[GuestLink], host: Host) -> Iterator[tuple[str, Carried]]:
    for link in links:
        for interface, parent, vlan_id in _vlans(link.guest):
            vif = _vif_of(link, parent)
            bridge = _bridge_of(host, link, vif) if vif is not None else None
            if bridge is not None:
                text = f"{link.domain.label} {interface.name}, VLAN {vlan_id if vlan_id is not None else '?'}"
                yield bridge, Carried(text, _where(interface))


def _vif_of(link: GuestLink, nic: str) -> VifSpec | None:
    """The vif behind a guest NIC: the one whose mac= is the NIC's MAC, else vif N for ethN."""
    interface = link.guest.interfaces.get(nic)
    macs = {fact.value.lower() for fact in interface.macs()} if interface is not None else set()
    for vif in link.domain.vifs:
        if (vif.value("mac") or "").strip().lower() in macs:
            return vif
    match = _ETH.fullmatch(nic)
    return next((vif for vif in link.domain.vifs if match and vif.devid == int(match[1])), None)


def _bridge_of(host: Host, link: GuestLink, vif: VifSpec) -> str | None:
    """The bridge the vif's device is a port of, else the bridge its config names."""
    device = host.device_of(link.domain, vif)
    joined = host.bridge_of(device.name) if device is not None else None
    if joined is not None:
        return joined[0]
    named = (vif.value("bridge") or "").strip()
    return named or None


def _dom0_vlans(host: Host) -> Iterator[tuple[str, Carried]]:
    """dom0's VLAN interfaces on ethN while vif0.N is a bridge port: their tagged frames cross it."""
    for interface, parent, vlan_id in _vlans(host):
        match = _ETH.fullmatch(parent)
        port = f"vif0.{match[1]}" if match else ""
        joined = host.bridge_of(port) if port else None
        if joined is not None:
            text = f"dom0 {interface.name}, VLAN {vlan_id if vlan_id is not None else '?'}, through {port}"
            yield joined[0], Carried(text, (*_where(interface), joined[1]))


# --- the findings ----------------------------------------------------------------------------------


def _verdict(kernel: KernelFact | None, tagged: bool) -> Refrag:
    return refragments(kernel.release if kernel is not None else None, tagged)


def _vlan_draft(host: Host, bridge: str, carried: list[Carried]) -> _Draft | None:
    vlan_filter = current_setting(host, FILTER_VLAN_TAGGED)
    if _verdict(running_kernel(host), tagged=True) is Refrag.BROKEN and is_off(vlan_filter):
        return None  # these kernels hand tagged IPv4 to iptables only when the filter is on
    setting = current_setting(host, CALL_IPTABLES)
    assert setting is not None
    whose = "guest" if any(not c.text.startswith("dom0 ") for c in carried) else "dom0's"
    message = (
        f"bridge {bridge} passes {whose} VLAN traffic ({'; '.join(c.text for c in carried)}) to iptables"
        f" ({CALL_IPTABLES} = 1, {short(setting.location)})"
    )
    related = [location for c in carried for location in c.locations]
    if vlan_filter is not None and is_on(vlan_filter):
        message += (
            f"; {FILTER_VLAN_TAGGED} = 1 ({short(vlan_filter.location)}) hands it the IPv4 packets inside"
            " the VLAN tags as well"
        )
        related.append(vlan_filter.location)
    egress = "egress vif" if whose == "guest" else "egress port"
    return _Draft(message, setting.location, related, bridge, tagged=True, egress=egress)


def _fragment_drafts(host: Host) -> list[_Draft]:
    """Untagged IPv4 fragments reassembled on the bridges: dom0 counts reassemblies (netstat -s), one
    finding for all its bridges; else a ruleset makes conntrack track the packets, one per bridge."""
    bridges = [bridge.name for bridge in host.bridges()]
    stat = next((s for s in host.facts.stats if s.name == "IpReasmReqds" and s.value > 0), None)
    setting = current_setting(host, CALL_IPTABLES)
    if not bridges or setting is None:
        return []
    passes = f"IPv4 to iptables ({CALL_IPTABLES} = 1, {short(setting.location)})"
    if stat is None:
        if not ruleset_conntrack(host):
            return []
        return [_Draft(f"bridge {bridge} passes {passes}", setting.location, [], bridge, tagged=False,
                       egress="egress port") for bridge in bridges]
    subject = f"bridge {bridges[0]} passes" if len(bridges) == 1 else f"bridges {', '.join(bridges)} pass"
    message = (
        f"{subject} {passes} and dom0 reassembles fragments (netstat -s: {stat.value} reassemblies required,"
        f" {short(stat.location)})"
    )
    return [_Draft(message, setting.location, [stat.location], bridges[0], tagged=False, egress="egress port")]


def _problem(host: Host, draft: _Draft) -> Problem:
    kernel = running_kernel(host)
    verdict = _verdict(kernel, draft.tagged)
    conntrack = _conntrack(host, verdict, kernel)
    narrow = smallest_port(host, draft.bridge) if verdict is Refrag.FIXED else None
    severity = Severity.WARNING if narrow is not None and conntrack.reassembles else conntrack.severity
    message = f"{draft.message}; {conntrack.text}"
    if conntrack.reassembles:
        message += f"; {_kernel_text(kernel, verdict, draft.egress, narrow)}"
    related = [*draft.related, *conntrack.related]
    if draft.bridge in host.interfaces:
        related.append(host.interfaces[draft.bridge].location)
    if narrow is not None and conntrack.reassembles:
        related.append(narrow.location)
    if kernel is not None:
        related.append(kernel.location)
    bridge = draft.bridge
    fix = (
        f"`sysctl -w {CALL_IPTABLES}=0` and set `{CALL_IPTABLES} = 0` in sysctl.conf; then check that"
        f" bridge {bridge} has no nf_call_iptables of its own (`ip -d link show {bridge}`)"
    )
    return Problem(message, draft.where, related=tuple(dict.fromkeys(related)), fix=fix, severity=severity,
                   subject=bridge)


@dataclass(frozen=True)
class _Conntrack:
    """What the tree says about conntrack, which does the reassembling, and the severity it leaves."""

    text: str
    severity: Severity
    related: tuple[Location, ...] = ()
    reassembles: bool = True  # False when the tree shows that nothing reassembles on this kernel


def _conntrack(host: Host, verdict: Refrag, kernel: KernelFact | None) -> _Conntrack:
    """From the best evidence down: a rule that uses conntrack; rulesets that none of whose rules use
    it on a kernel that hooks conntrack only on demand; lsmod; nothing."""
    severity = {Refrag.BROKEN: Severity.ERROR, Refrag.UNKNOWN: Severity.WARNING, Refrag.FIXED: Severity.INFO}[verdict]
    rules = ruleset_conntrack(host)
    if rules:
        text = f"{conntrack_use_text(rules[0])} makes conntrack track the bridged packets, so fragments are reassembled"
        return _Conntrack(text + " on the bridge", severity, (rules[0].location,))
    users = conntrack_users(host)
    rulesets = ipv4_rulesets(host)
    release = kernel.release if kernel is not None else None
    if rulesets and conntrack_on_demand(release):
        assert kernel is not None
        shown = ", ".join(dict.fromkeys(short(Location(fact.location.path)) for fact in rulesets))
        loaded = f" ({users[0].value} is loaded, {short(users[0].location)}, which is not enough)" if users else ""
        text = (
            f"no rule in the rulesets ({shown}) uses conntrack{loaded}: kernel {kernel.text} hooks conntrack and"
            " its defragmenter into a network namespace only for a ruleset that uses them, so fragments are"
            " not reassembled on the bridge"
        )
        related = tuple(fact.location for fact in rulesets) + tuple(fact.location for fact in users[:1])
        return _Conntrack(text, Severity.INFO, related, reassembles=False)
    if users:
        text = f"{users[0].value} is loaded ({short(users[0].location)}), so fragments are reassembled on the bridge"
        if conntrack_on_demand(release):
            text = (
                f"{users[0].value} is loaded ({short(users[0].location)}); fragments are reassembled on the bridge"
                " if a ruleset uses conntrack (the tree has no iptables-save or nft list ruleset to show)"
            )
        return _Conntrack(text, severity, (users[0].location,))
    if has_lsmod(host):
        where = short(Location(host.facts.modules[0].location.path))
        text = f"lsmod ({where}) shows no conntrack module: fragments are reassembled only if conntrack is built in"
        return _Conntrack(text, min(severity, Severity.WARNING, key=lambda s: s.rank))
    return _Conntrack("the tree has no lsmod to show whether conntrack, which reassembles fragments, is loaded",
                      severity)


def _kernel_text(kernel: KernelFact | None, verdict: Refrag, egress: str, narrow: Stated | None = None) -> str:
    dropped = f"so packets above the MTU are dropped on the {egress}"
    if kernel is None:
        return (
            "the tree does not show the kernel release; 2.6.16 to 2.6.18 kernels (RHEL 5, Xen's 2.6.18 dom0)"
            f" forward reassembled fragments without refragmenting them, {dropped}"
        )
    if verdict is Refrag.BROKEN:
        return f"kernel {kernel.text} forwards reassembled fragments without refragmenting them, {dropped}"
    if verdict is Refrag.FIXED and narrow is not None:
        return (
            f"kernel {kernel.text} refragments them no larger than their largest original fragment, and the"
            f" bridge's ports differ in MTU: a datagram that arrives in fragments larger than {narrow.value} bytes"
            f" is dropped whole on {narrow.interface} (MTU {narrow.value}, {short(narrow.location)}), its small"
            " last fragment included"
        )
    if verdict is Refrag.FIXED:
        return f"kernel {kernel.text} refragments them before they leave the bridge, so this costs reassembly work only"
    return (
        f"whether kernel {kernel.text} refragments them is not known; 2.6.16 to 2.6.18 kernels forward them whole,"
        f" {dropped}"
    )
