"""A guest's NIC whose MTU is below the MTU of its vif device in dom0: N133's mirror.

The bridge sends the guest every frame that fits the vif (its MTU, plus 4 bytes of VLAN slack);
frames above the guest's own MTU then arrive at a NIC that may refuse them. veth does
(is_skb_forwardable(): the frame is counted in the vif's tx_dropped); whether a netfront driver
does depends on the guest's kernel. The guest's own traffic is fine (it sends at its MTU and
advertises a TCP MSS to match), so what breaks is large UDP and ICMP toward the guest, and TCP from
peers that ignore the MSS: with no ICMP error, the sender never learns why. The lab scenario behind
this rule: dom2's eth0 at 1400 behind vif2.0 at 1500 answers no ping above 1404 bytes of IP, and
vif2.0's TX drops count them (N180; C105 joins the two with the captures).

The guest and its vif are found as N133 finds them (model.guest_links, the vif whose mac= is the
NIC's MAC, the vif's device by Xen's naming); configured MTUs are compared first, then running
ones. The finding's subject is the vif device, which root causes join with that vif's drops and
captures.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..netchecks import guest_vif_mtus
from . import n133_mtu_guest_above_vif as n133

ID = "N135"
SLUG = "mtu-guest-below-vif"
SEVERITY = Severity.WARNING
SUMMARY = "A guest's network interface has an MTU below its vif's MTU in dom0."
RATIONALE = """\
The bridge forwards to the vif every frame that fits the vif's MTU; a guest NIC with a smaller MTU
can drop the larger ones on receive (veth does, counting them in the vif's TX drops), and no ICMP
error tells the sender. Large UDP and ICMP toward the guest die while everything else works. Lowering
the MTU inside the guest (for a tunnel or a VPN) without lowering the vif's is the usual cause."""
FIX = "Give the guest's NIC its vif's MTU, or lower the vif's (mtu= of the vif, with the bridge and its other ports)."
EXAMPLE_TREES = n133.EXAMPLE_TREES
BAD = {**n133.GOOD, n133._GUEST_IFCFG: n133.GOOD[n133._GUEST_IFCFG].replace("MTU=1500", "MTU=1400")}
GOOD = n133.GOOD
REFERENCES = ("Linux net/core/dev.c: is_skb_forwardable (veth drops frames above the peer's MTU)",)


def check(model) -> Iterator[Problem]:
    for found in guest_vif_mtus(model, guest_above=False):
        backend, guest = found.backend, found.guest
        yield Problem(
            f"{found.statement('below')}: the bridge delivers frames of up to {backend.value} bytes to the guest, and"
            f" a NIC that enforces its MTU drops those above {guest.value} without an ICMP error (veth does, counted"
            f" in {backend.interface}'s TX drops)",
            guest.location,
            related=found.related,
            subject=backend.interface,
        )
