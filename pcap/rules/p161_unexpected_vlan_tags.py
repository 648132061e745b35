"""802.1Q/802.1ad-tagged frames on a port that should carry untagged frames only.

Two kinds of port should see no tag:

1. A guest's port (vifD.N, vifD.N-emu, tapD.N, a custom vifname): a guest is normally untagged, and
   when dom0 puts it on a VLAN, the VLAN interface in dom0 (eth0.10) adds and strips the tag.
2. A bridge that has a VLAN interface among its ports (eth0.10 in xenbr10), captured on the bridge
   device itself: the kernel strips the tag before the bridge sees the frame.

Tagged frames there mean that something tags twice, or that a guest sends on a VLAN the dom0 does
not expect. Left alone, because the tags are meant: VLAN IDs of the guest's own VLAN interfaces
(a guest tree joined to the domain shows eth0.3 inside the guest), and every tag on a vif with a
`vlan=` key (vif-bridge makes the bridge port a trunk). The ports of a bridge other than the bridge
device and the guests' ports are not judged: a physical NIC there may be a trunk. The message counts
tagged frames per outer VLAN ID (the ID of a stacked frame's outer tag).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.hostquery import DomVif, short
from xennet.lint.model import LintModel
from xennet.lint.netchecks import vlan_interfaces
from xennet.registry import Problem

from ..captures import CapturedPort
from ..craft import ipv4_frame, latin1, pcap_bytes
from ..portkind import domain_vif, is_guest_port, vlan_port
from ..summary import Seen

ID = "P161"
SLUG = "unexpected-vlan-tags"
SEVERITY = Severity.WARNING
SUMMARY = "VLAN-tagged frames on a guest's vif/tap port, or on a bridge whose VLAN interface strips the tag."
RATIONALE = """\
A guest's vif and a bridge built on a VLAN interface carry untagged frames: the VLAN interface in
dom0 adds the tag on the way out and strips it on the way in. A tagged frame there is tagged a second
time on the wire, or reaches a guest that does not expect it, and the far end drops it: the guest
sees nothing, or only the untagged part of the traffic."""
FIX = (
    "Tag in one place only: either the guest's VLAN interface on an untagged bridge (xenbr0 on eth0), or dom0's"
    " VLAN interface (eth0.10 in xenbr10) with an untagged guest."
)
BAD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(100, vlans=(10,)), ipv4_frame(100)]))}
GOOD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(100), ipv4_frame(100)]))}
REFERENCES = ("IEEE 802.1Q", "Linux net/8021q: vlan_do_receive strips the tag")


def check(model: LintModel) -> Iterator[Problem]:
    if model.captures is None:
        return
    for port in model.captures.ports:
        tagged = dict(sorted(port.summary.vlan_ids.items()))  # outer VLAN ID -> frames
        if not tagged:
            continue
        if is_guest_port(model, port.name):
            yield from _guest_port_problem(model, port, tagged)
        else:
            yield from _vlan_bridge_problem(model, port, tagged)


def _guest_port_problem(model: LintModel, port: CapturedPort, tagged: dict[int, Seen]) -> Iterator[Problem]:
    dv = domain_vif(model, port.name)
    if dv is not None and dv.vif.get("vlan") is not None:
        return
    meant = _guest_vlan_ids(model, dv) if dv is not None else set()
    unexpected = {vid: seen for vid, seen in tagged.items() if vid not in meant}
    if unexpected:
        owner = f" ({dv.where})" if dv is not None else ""
        yield Problem(
            f"{port.name}{owner} is a guest's port, which carries untagged frames, but"
            f" {_ids_text(port, unexpected)}; a guest is normally untagged and dom0's VLAN interface"
            " adds the tag, so these frames are tagged twice or reach a guest that does not expect them",
            port.location,
            related=(dv.vif.location,) if dv is not None else (),
        )


def _guest_vlan_ids(model: LintModel, dv: DomVif) -> set[int]:
    """VLAN IDs of the VLAN interfaces inside the guest of `dv` (a guest tree joined to its domain)."""
    guests = [link.guest for link in model.guest_links if link.domain is dv.domain]
    return {i.value("vlan_id") for guest in guests for i in vlan_interfaces(guest) if i.value("vlan_id") is not None}


def _vlan_bridge_problem(model: LintModel, port: CapturedPort, tagged: dict[int, Seen]) -> Iterator[Problem]:
    found = vlan_port(model, port.name)
    if found is not None:
        yield Problem(
            f"bridge {port.name} has the VLAN interface {found.name} as a port ({short(found.location)}), whose"
            f" tag the kernel strips before the bridge sees the frame, but {_ids_text(port, tagged)}: these"
            " frames are tagged a second time when they leave through it",
            port.location,
            related=(found.location,),
        )


def _ids_text(port: CapturedPort, ids: dict[int, Seen]) -> str:
    """`2 of 5 frame(s) are tagged (VLAN 10: 2 frame(s), first frame 3)`."""
    count = sum(seen.packets for seen in ids.values())
    listed = ", ".join(f"VLAN {vid}: {seen.packets} frame(s), first frame {seen.first_frame}"
                       for vid, seen in ids.items())
    return f"{count} of {port.summary.packets} frame(s) are tagged ({listed})"
