"""The same address in `ip=` on vifs of two different guests.

`ip=` takes a space-separated list. vif-route and vif-nat add host routes for it, and vif-bridge's
antispoofing rules (and many firewall setups) only let those addresses through: with one address on
two guests, routing and filtering send the traffic of both to whichever came up last. Addresses
are compared after normalising (2001:db8::1 equals 2001:0db8:0::1; a /prefix is ignored).
Domains with the same name or UUID are one guest described twice and do not clash, and a repeat
within one guest is left alone. One finding per repeated occurrence, with the others related.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import FieldUse, clashes, field_uses, other_guests

ID = "X126"
SLUG = "vif-ip-duplicate"
SEVERITY = Severity.WARNING
SUMMARY = "Two guests' vifs list the same IP address in ip=."
RATIONALE = """\
The host routes and firewall rules generated from ip= then point one address at two guests; one of
them becomes unreachable, depending on start order. It is usually a copied config."""
FIX = "Give each guest its own address in ip=."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,ip=192.0.2.10" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3e:5a:01:03,ip=192.0.2.11 192.0.2.10" ]\n',
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,ip=192.0.2.10" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3e:5a:01:03,ip=192.0.2.11" ]\n',
}
REFERENCES = ("xl-network-configuration(5): ip",)


def check(model) -> Iterator[Problem]:
    for clash in clashes(_addresses(model), other_guests):
        yield Problem(
            f"{clash.use.where}: `{clash.use.field.token.strip()}`: {clash.value} is also an address of"
            f" {clash.others_text}",
            clash.use.field.location,
            related=clash.related,
        )


def _addresses(model) -> Iterator[tuple[str, FieldUse]]:
    for use in field_uses(model, "ip"):
        for address in dict.fromkeys(_normal(word) for word in use.value.split()):
            yield address, use


def _normal(word: str) -> str:
    try:
        return str(ipaddress.ip_interface(word).ip)
    except ValueError:
        return word.lower()
