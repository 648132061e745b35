"""A unicast vif MAC outside Xen's OUI 00:16:3e that is not locally administered either.

Such an address belongs to some hardware vendor's range, so it may one day meet the real device
that owns it, and tools that classify traffic by
OUI will not see a Xen guest. xl-network-configuration(5) recommends Xen's OUI or a random
locally administered address (first octet with bit 0x02 set, e.g. 02:...). Multicast and all-zero
MACs are reported by X111 and X112 instead. OUIs listed in the site config (`allowed-ouis` of
`[tool.xennet.site]`) are accepted as well.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..mac import XEN_OUI, is_locally_administered, is_multicast
from ..vifquery import mac_uses

ID = "X114"
SLUG = "vif-mac-foreign-oui"
SEVERITY = Severity.INFO
SUMMARY = "A vif's MAC is in another vendor's OUI rather than Xen's 00:16:3e or a local range."
RATIONALE = """\
Addresses from someone else's OUI can collide with real hardware on the same segment, and they hide
that the interface is a Xen guest from anyone reading ARP tables or switch logs."""
FIX = "Use 00:16:3e:xx:xx:xx, or set the locally administered bit (02:xx:xx:xx:xx:xx)."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:11:22:33:44:55,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=02:11:22:33:44:55,bridge=xenbr0" ]\n'}
REFERENCES = ("xl-network-configuration(5): mac",)


def check(model) -> Iterator[Problem]:
    for use, octets in mac_uses(model):
        if octets[:3] == XEN_OUI or is_multicast(octets) or is_locally_administered(octets) or not any(octets):
            continue
        if model.site.allows_oui(octets):  # `allowed-ouis` of the site config
            continue
        oui = ":".join(f"{octet:02x}" for octet in octets[:3])
        yield Problem(
            f"{use.where}: `{use.field.token.strip()}` is in OUI {oui}, neither Xen's 00:16:3e nor a locally"
            " administered address",
            use.field.location,
        )
