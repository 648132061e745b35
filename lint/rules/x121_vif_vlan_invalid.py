"""A vif `vlan=` that is not a valid VLAN specification.

The syntax is the one documented with xl's `vlan` vif keyword (the VLAN series posted to xen-devel,
v3, May 2024; the vif-bridge hotplug script applies it to the bridge port): terms separated by
`/`, each a VLAN ID 1..4094 with an optional `p` (PVID) or `u` (untagged) suffix, a range
`ID1-ID2[u]`, or a sequence `ID+STEPxCOUNT[u]`. Exactly one ID must be the PVID unless the whole
spec is one ID (`vlan=10`). IDs 0 and 4095 are reserved by IEEE 802.1Q. xl releases without the
keyword report `vlan=` as unrecognized (X101 does not, since it is meant for the newer xl).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import field_uses
from ..vlanspec import vlan_error

ID = "X121"
SLUG = "vif-vlan-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's vlan= is not a valid VLAN list (IDs 1..4094, one PVID)."
RATIONALE = """\
The hotplug script cannot apply a VLAN list it cannot read: the vif ends up untagged on the bridge's
default VLAN, or is not attached at all, and the guest sees the wrong network."""
FIX = "Use IDs 1..4094 and mark exactly one as the PVID, e.g. `vlan=10p/20/30`."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0,vlan=4095" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0,vlan=10p/20" ]\n'}
REFERENCES = ("xl-network-configuration(5): vlan (xen-devel VLAN series, 2024)", "IEEE 802.1Q")


def check(model) -> Iterator[Problem]:
    for use in field_uses(model, "vlan"):
        problem = vlan_error(use.value.strip())
        if problem:
            yield Problem(f"{use.where}: `{use.field.token.strip()}`: {problem}", use.field.location)
