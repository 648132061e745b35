"""A vif `mac=` that is not six colon-separated pairs of hex digits.

xl parses the value with strtoul per octet and refuses the domain on garbage (`Invalid parameter
mac`); xend passes it on and the guest comes up with no usable NIC.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..mac import parse_mac

ID = "X110"
SLUG = "vif-mac-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's mac= is not a MAC address of the form 00:16:3e:xx:xx:xx."
RATIONALE = """\
The MAC is the guest's identity on the bridge. A malformed value stops xl from creating the vif
(\"Invalid parameter `mac'\"), and a half-parsed one gives the guest an address nobody expects."""
FIX = "Write the MAC as six two-digit hex pairs separated by colons, e.g. mac=00:16:3e:5a:01:02."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n'}
REFERENCES = ("xl-network-configuration(5): mac",)


def check(model) -> Iterator[Problem]:
    for domain, vif in model.all_vifs():
        field = vif.get("mac")
        if field is None or field.value is None:
            continue
        if parse_mac(field.value.strip()) is None:
            yield Problem(
                f"vif {vif.devid} of {domain.label}: `{field.token}` is not a MAC address"
                " (six hex pairs separated by colons)",
                field.location,
            )
