"""A vif `mtu=` that is not a decimal integer from 68 to 65535.

xl reads it with strtoul and exits ("failed to convert ... to number") when it does not start with
a number; it silently drops whatever follows the digits (`mtu=9000b` is 9000). 68 is the smallest
MTU IPv4 allows (RFC 791) and 65535 the largest an IP packet can use; Linux refuses an MTU outside
the device's range, so the hotplug script cannot apply it. Without mtu= the vif takes the bridge's
MTU.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import decimal, field_uses

ID = "X127"
SLUG = "vif-mtu-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's mtu= is not a whole number from 68 to 65535."
RATIONALE = """\
A non-numeric MTU stops xl before the domain is created; an out-of-range one cannot be applied to
the interface, which then runs with an MTU nobody chose."""
FIX = "Write the MTU as a plain number, e.g. `mtu=9000` for jumbo frames or `mtu=1500`."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,mtu=9k" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,mtu=9000" ]\n'}
REFERENCES = ("xl-network-configuration(5): mtu",)

MTU_MIN, MTU_MAX = 68, 65535


def check(model) -> Iterator[Problem]:
    for use in field_uses(model, "mtu"):
        mtu = decimal(use.value.strip())
        if mtu is None:
            why = "is not a decimal number"
        elif not MTU_MIN <= mtu <= MTU_MAX:
            why = f"is outside {MTU_MIN}..{MTU_MAX}"
        else:
            continue
        yield Problem(f"{use.where}: `{use.field.token.strip()}`: the MTU {why}", use.field.location)
