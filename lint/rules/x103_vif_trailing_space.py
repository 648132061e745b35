"""Whitespace that xl keeps inside a vif item: after a value, before a value, or before `=`.

xl splits the spec at commas and skips only the spaces at the start of each item, so in
`'bridge=xenbr0 , mac=...'` the bridge is called "xenbr0 " (no such bridge exists), `bridge =xenbr0`
is an unrecognized key, and `type=ioemu ` is an invalid type. xm specs are not checked: xend
strips both sides of keys and values. Values that xl reads as numbers (`mac`, `devid`, `mtu`) and
the space-separated `ip` list are not affected by surrounding spaces and are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import FieldUse, all_field_uses
from ..vifspec import VifSyntax

ID = "X103"
SLUG = "vif-trailing-space"
SEVERITY = Severity.ERROR
SUMMARY = "An xl vif item has whitespace that xl keeps (e.g. `bridge=xenbr0 ,mac=...`)."
RATIONALE = """\
The space becomes part of the bridge, script or interface name, so the hotplug script looks for a
bridge that does not exist and the vif is not attached; the config looks right to the eye."""
FIX = "Remove the spaces around `=` and before each comma: `bridge=xenbr0,mac=00:16:3e:5a:01:02`."
BAD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0 , mac=00:16:3e:5a:01:02" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0, mac=00:16:3e:5a:01:02" ]\n'}
REFERENCES = ("tools/xl/xl_parse.c: parse_config_data (strtok on ',', leading spaces skipped)",)

NUMERIC_OR_LIST = frozenset({"mac", "devid", "mtu", "ip"})


def check(model) -> Iterator[Problem]:
    for use in all_field_uses(model, (VifSyntax.XL,)):
        reason = _reason(use)
        if reason:
            yield Problem(f"{use.where}: `{use.field.token}` {reason}", use.field.location)


def _reason(use: FieldUse) -> str | None:
    key, value = use.field.key, use.field.value
    if value is None:
        return f'ends with whitespace: xl does not recognize "{key}"' if key != key.rstrip() else None
    if key != key.rstrip():
        return f"has whitespace before `=`: xl does not recognize the key `{key.rstrip()}` written this way"
    if key in NUMERIC_OR_LIST or value == value.strip():
        return None
    where = "ends" if value != value.rstrip() else "starts"
    return f'{where} with whitespace that xl keeps: the {key} is "{value}", not "{value.strip()}"'
