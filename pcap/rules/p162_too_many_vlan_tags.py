"""Frames with more VLAN tags than the port can sensibly carry: more than one on a guest's port
(vifD.N, vifD.N-emu, tapD.N, a custom vifname), more than two on any port.

One tag is a guest's own VLAN, two are provider bridging (802.1ad QinQ) on an uplink; a guest that
receives a stacked frame, or a third tag anywhere, nearly always comes from tagging twice: a VLAN
interface made on a bridge whose frames are already tagged (xenbr0.10 on a bridge built on
eth0.10), or a guest VLAN carried across a dom0 VLAN that was meant to carry it untagged.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.model import LintModel
from xennet.registry import Problem

from ..captures import CapturedPort
from ..craft import ipv4_frame, latin1, pcap_bytes
from ..portkind import is_guest_port
from ..summary import Seen

ID = "P162"
SLUG = "too-many-vlan-tags"
SEVERITY = Severity.WARNING
SUMMARY = "Frames with more than one VLAN tag on a guest's vif/tap port, or more than two on any port."
RATIONALE = """\
Each VLAN interface on the way adds a tag. A frame with a tag too many is what a VLAN interface on a
bridge that already carries a VLAN makes: the receiver reads the outer tag only, takes the frame for
another VLAN or drops it, and every such frame is 4 bytes longer, so full-size frames exceed the MTU."""
FIX = (
    "Tag once per hop: put the VLAN interface on the physical NIC (eth0.10, bridged into xenbr10) and keep the"
    " bridge and the guest untagged, or trunk the bridge and let the guest tag."
)
BAD = {"vif1.0.pcap": latin1(pcap_bytes([ipv4_frame(100, vlans=(10, 20))]))}
GOOD = {"eth0.pcap": latin1(pcap_bytes([ipv4_frame(100, vlans=(10, 20))]))}
GUEST_PORT_TAGS = 1  # a guest tags its own VLANs, once
ANY_PORT_TAGS = 2  # 802.1ad: a service tag outside a customer tag


def check(model: LintModel) -> Iterator[Problem]:
    if model.captures is None:
        return
    for port in model.captures.ports:
        guest = is_guest_port(model, port.name)
        allowed = GUEST_PORT_TAGS if guest else ANY_PORT_TAGS
        stacked = {tags: seen for tags, seen in sorted(port.summary.vlan_tags.items()) if tags > allowed}
        if stacked:
            yield Problem(_message(port, guest, allowed, stacked), port.location)


def _message(port: CapturedPort, guest: bool, allowed: int, stacked: dict[int, Seen]) -> str:
    count = sum(seen.packets for seen in stacked.values())
    listed = ", ".join(f"{tags} tags: {seen.packets} frame(s), first frame {seen.first_frame}"
                       for tags, seen in stacked.items())
    why = (
        "a guest tags at most once (its own VLAN interface), so something tags twice: a VLAN interface on a bridge"
        " whose frames are already tagged, or a guest VLAN carried inside a dom0 VLAN"
        if guest
        else "more than 802.1ad QinQ's two: a VLAN interface tags frames that are already double-tagged"
    )
    return (f"{port.name}: {count} of {port.summary.packets} frame(s) carry more than {allowed} VLAN tag(s)"
            f" ({listed}); {why}")
