"""A guest sends from a MAC other than the `mac=` its vif is configured with.

A capture on a vif sees both directions: frames from the guest (source: the guest's MAC) and frames
to it (sources: every other host that talks to it or broadcasts). Which source is the guest's is
not written in the file, so the rule judges only ports where the answer is unambiguous:

1. The port is a guest's vif or tap in dom0, joined to its domain's vif through the dom0 tree (the
   domain ID from `xl list`/`xm list`/xenstore, or a custom vifname), and that vif has a well-formed
   `mac=`.
2. The configured MAC is never a source on the port.
3. Exactly one other MAC X looks like the guest's: X is a unicast source on the port, the
   destination of unicast frames on the port (the bridge delivers X's traffic to this vif: it
   learned X here), and the source or destination of every unicast frame on the port (the guest is
   one end of every conversation its vif carries). Not candidates: broadcast/multicast sources,
   Xen's backend MAC fe:ff:ff:ff:ff:ff, the `mac=` of every other vif in the model, the MACs of
   dom0's interfaces, and MACs that the captures of other bridge ports place behind another port
   (pcap.crossport.mac_homes over the compared ports: the frames from them entered the bridge
   there; a capture on the bridge device or inside a guest is no port of the bridge).

A silent guest therefore never triggers it (others' broadcasts and flooded unicast are not the
guest's), nor does a single conversation between two unknown MACs (either could be the guest): a
second peer, a known peer or a capture of the other port settles it. Missing a guest that only
broadcasts (its ARP requests go unanswered) is the price of never blaming a guest for the MAC of its
gateway.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.lint.host import XEN_BACKEND_MAC
from xennet.lint.hostquery import DomVif, short
from xennet.lint.mac import normalize_mac
from xennet.lint.model import LintModel
from xennet.lint.vifhost import host_macs, vif_mac
from xennet.registry import Problem

from ..captures import CapturedPort, CaptureSet
from ..craft import ipv4_frame, latin1, pcap_bytes
from ..crossport import GROUP_BIT, NOWHERE, mac_homes
from ..portkind import domain_vif

ID = "P160"
SLUG = "vif-source-mac"
SEVERITY = Severity.ERROR
SUMMARY = "A guest sends from a MAC other than its vif's configured mac=."
RATIONALE = """\
The vif's mac= is the MAC the guest's NIC gets; a guest that sends from another one was cloned with
its old MAC pinned (ifcfg HWADDR/MACADDR, udev rules), or had its MAC changed inside. Whatever
checks MACs then drops its frames or answers the wrong host: switch port security, ebtables
anti-spoofing rules, DHCP reservations, the ARP caches of its peers."""
FIX = (
    "Make the guest use its configured MAC (remove MACADDR/`hwaddress` overrides, udev persistent-net rules"
    " of a clone), or set the vif's mac= to the MAC the guest must have."
)
_GUEST, _CONFIGURED, _USED = "web", "00:16:3e:aa:bb:cc", "00:16:3e:aa:bb:dd"
_PEERS = ("00:16:3e:00:00:01", "00:16:3e:00:00:02")
_DOM0 = {
    "dom0/etc/xen/web.cfg": f'name = "{_GUEST}"\nmemory = 512\nvif = [ "mac={_CONFIGURED},bridge=xenbr0" ]\n',
    "dom0/sos_commands/xen/xl_list": "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n"
    f"{_GUEST:<40}     3  1024     1     -b----      40.0\n",
}


def _conversation(guest: str) -> str:
    """A vif capture: the guest talks to two peers and one of them answers."""
    frames = [ipv4_frame(100, eth_src=guest, eth_dst=peer) for peer in _PEERS]
    return latin1(pcap_bytes([*frames, ipv4_frame(100, eth_src=_PEERS[0], eth_dst=guest)]))


EXAMPLE_TREES = ("dom0",)
BAD = {**_DOM0, "dom0/vif3.0.pcap": _conversation(_USED)}
GOOD = {**_DOM0, "dom0/vif3.0.pcap": _conversation(_CONFIGURED)}
REFERENCES = ("xl-network-configuration(5): mac",)


def check(model: LintModel) -> Iterator[Problem]:
    if model.captures is None:
        return
    homes: _ElsewhereMacs | None = None
    for port in model.captures.ports:
        dv = domain_vif(model, port.name)
        configured = vif_mac(dv.vif) if dv is not None else None
        if dv is None or configured is None or _mac_int(configured[0]) in port.summary.sources:
            continue
        homes = homes or _ElsewhereMacs(model.captures)
        used = _guest_mac(port, _known_macs(model, dv) | homes.of(port))
        if used is not None:
            yield _problem(port, dv, configured, used)


class _ElsewhereMacs:
    """Per captured port, the source MACs the compared ports' captures place behind some other port
    (every placed MAC, for a port that is not compared)."""

    def __init__(self, captures: CaptureSet) -> None:
        self.ports = captures.compared
        self.homes = mac_homes(self.ports)

    def of(self, port: CapturedPort) -> set[int]:
        index = next((i for i, compared in enumerate(self.ports) if compared is port), NOWHERE)
        placed = self.homes.port != NOWHERE
        return set(self.homes.macs[placed & (self.homes.port != index)].tolist())


def _known_macs(model: LintModel, dv: DomVif) -> set[int]:
    """MACs that belong to someone other than the guest of `dv`: every other vif's mac= (of every
    domain the model has) and the MACs of dom0's interfaces, with Xen's backend MAC."""
    others = {found[0] for _, vif in model.all_vifs() if vif is not dv.vif and (found := vif_mac(vif))}
    dom0 = host_macs(model.dom0) if model.dom0 is not None else set()
    return {_mac_int(mac) for mac in others | dom0 | {XEN_BACKEND_MAC}}


def _guest_mac(port: CapturedPort, known: set[int]) -> int | None:
    """The one source MAC that is the guest's by the tests of the module docstring, else None."""
    src, dst = port.traffic["eth_src"], port.traffic["eth_dst"]
    unicast = (dst != 0) & (dst & GROUP_BIT == 0)
    src, dst = src[unicast], dst[unicast]
    candidates = [mac for mac in port.summary.sources if mac not in known and not mac & GROUP_BIT]
    hubs = [mac for mac in candidates if (dst == mac).any() and ((src == mac) | (dst == mac)).all()]
    return hubs[0] if len(hubs) == 1 else None


def _problem(port: CapturedPort, dv: DomVif, configured: tuple[str, Location], used: int) -> Problem:
    mac, where = configured
    seen = port.summary.sources[used]
    return Problem(
        f"{port.name} ({dv.where}): the guest sends from {_mac_text(used)} ({seen.packets} frame(s), first"
        f" frame {seen.first_frame}), never from its configured mac={mac} ({short(where)}): the guest was"
        " cloned or its MAC changed inside it, and port security, anti-spoofing rules or DHCP reservations"
        " that expect the configured MAC drop or ignore its frames",
        port.location,
        related=(where,),
        subject=port.name,
    )


def _mac_int(mac: str) -> int:
    return int(mac.replace(":", ""), 16)


def _mac_text(value: int) -> str:
    return normalize_mac(tuple(value.to_bytes(6, "big")))
