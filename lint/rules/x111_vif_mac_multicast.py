"""A vif MAC with the multicast (group) bit set: the first octet is odd, e.g. `01:16:3e:...`.

A multicast address names a group of receivers, never one interface. The guest's NIC cannot own
it: Linux refuses it as a device address, and a bridge floods frames sent to it to every port
instead of learning where it lives. Typical cause: a hand-made MAC such as `01:...` or `03:...`
meant to be "locally administered" (that is bit 0x02, with the first octet even: `02:...`).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..mac import is_multicast
from ..vifquery import mac_uses

ID = "X111"
SLUG = "vif-mac-multicast"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's MAC is a multicast address (its first octet is odd)."
RATIONALE = """\
The guest either cannot bring the interface up with that address or, worse, gets it and every
frame sent to it is flooded across the bridge: the guest is unreachable or reachable everywhere."""
FIX = "Use a unicast MAC: Xen's 00:16:3e:xx:xx:xx, or a locally administered one such as 02:xx:xx:xx:xx:xx."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=01:16:3e:5a:01:02,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n'}
REFERENCES = ("xl-network-configuration(5): mac", "IEEE 802 (I/G bit)")


def check(model) -> Iterator[Problem]:
    for use, octets in mac_uses(model):
        if is_multicast(octets):
            yield Problem(
                f"{use.where}: `{use.field.token.strip()}` is a multicast address (first octet"
                f" {octets[0]:02x} is odd) and cannot be a NIC's own address",
                use.field.location,
            )
