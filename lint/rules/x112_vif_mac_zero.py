"""A vif MAC of 00:00:00:00:00:00.

xl (libxl) reads an all-zero MAC as "not set" and generates a new random 00:16:3e MAC each time
the domain starts, so the address written is never used and the guest's MAC changes on every
boot. xend passes the zero address on to the guest, which no network stack accepts as a NIC
address.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import mac_uses
from ..vifspec import VifSyntax

ID = "X112"
SLUG = "vif-mac-zero"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's MAC is 00:00:00:00:00:00."
RATIONALE = """\
A zero MAC is a placeholder that escaped into production: with xl the guest gets a different random
MAC at every start (DHCP reservations and the guest's persistent interface names break), with xend
it gets an address that cannot work."""
FIX = "Set a real unicast MAC (00:16:3e:xx:xx:xx), or remove mac= to let xl pick one on purpose."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:00:00:00:00:00,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n'}
REFERENCES = ("tools/libs/light/libxl_nic.c: libxl__device_nic_setdefault (libxl__mac_is_default)",)

_EFFECT = {
    VifSyntax.XL: "xl treats it as unset and gives the guest a new random MAC at every start",
    VifSyntax.XM: "xend gives the guest this address, which no network stack accepts (xl would pick a random one)",
    VifSyntax.SXP: "xend gives the guest this address, which no network stack accepts",
}


def check(model) -> Iterator[Problem]:
    for use, octets in mac_uses(model):
        if not any(octets):
            yield Problem(
                f"{use.where}: `{use.field.token.strip()}` is the all-zero MAC: {_EFFECT[use.vif.syntax]}",
                use.field.location,
            )
