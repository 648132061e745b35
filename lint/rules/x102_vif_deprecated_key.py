"""A vif key that xl only accepts for compatibility: `netdev=` and `accel=`.

xl_parse.c prints a warning for both: `netdev` is a deprecated alias of `gatewaydev` (still
honoured), and `accel` (xend's netfront accelerator plugins) is parsed and thrown away. Checked in
xl and xm specs; SXP records are xend's own output and are left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifkeys import DEPRECATED
from ..vifquery import all_field_uses
from ..vifspec import VifSyntax

ID = "X102"
SLUG = "vif-deprecated-key"
SEVERITY = Severity.WARNING
SUMMARY = "A vif spec uses a deprecated key (`netdev=`, `accel=`)."
RATIONALE = """\
Deprecated keys either work by accident (netdev) or do nothing at all (accel); the config reads as
if it configured something it does not, and the alias may disappear in a later Xen."""
FIX = "Write `gatewaydev=` instead of `netdev=`; remove `accel=`."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,script=vif-route,netdev=eth0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,script=vif-route,gatewaydev=eth0" ]\n'}
REFERENCES = ("xl-network-configuration(5): gatewaydev", "tools/xl/xl_parse.c: parse_nic_config")


def check(model) -> Iterator[Problem]:
    for use in all_field_uses(model, (VifSyntax.XL, VifSyntax.XM)):
        reason = DEPRECATED.get(use.field.key.rstrip())
        if reason is not None and use.field.value is not None:
            yield Problem(f"{use.where}: `{use.field.token.rstrip()}`: {reason}", use.field.location)
