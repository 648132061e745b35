"""A vif key that the tool reading the spec does not know, with the closest known key.

xl prints "unrecognized argument" and goes on without the setting: `brige=xenbr0` leaves the vif
on the default bridge. Keys are case-sensitive (`Bridge=` is unknown). xl also ignores a key
written without `=value` (`bridge`), and the flags `trusted`/`untrusted` only work bare.

Which keys are known depends on the spec's syntax: xl specs (xl.cfg) use xl's keys, so xend-only
keys such as `policy=` are reported there; xm specs (Python configs, read by xend or xl) accept
the keys of either tool. SXP records are not checked: xend writes many internal keys into them.
Whitespace around keys in xl specs is X103's business, so `bridge =x` is not reported here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifkeys import XEND_KEYS, XL_FLAGS, XL_KEYS
from ..vifquery import FieldUse, all_field_uses
from ..vifspec import VifSyntax

ID = "X101"
SLUG = "vif-unknown-key"
SEVERITY = Severity.WARNING
SUMMARY = "A vif spec uses a key that xl/xend does not know (often a typo such as `brige=`)."
RATIONALE = """\
An unknown key is dropped with at most a line on stderr that nobody reads: the vif comes up with
the default bridge, script or MAC instead of the one written, and the guest lands on the wrong
network."""
FIX = "Correct the key (see xl-network-configuration(5)); remove keys that the tool does not support."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,brige=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n'}
REFERENCES = ("xl-network-configuration(5)", "tools/xl/xl_parse.c: parse_nic_config", "xm create --help_config: vif")

_KNOWN = {VifSyntax.XL: XL_KEYS | XL_FLAGS, VifSyntax.XM: XL_KEYS | XL_FLAGS | XEND_KEYS}


def check(model) -> Iterator[Problem]:
    for use in all_field_uses(model, _KNOWN):
        reason = _reason(use)
        if reason:
            yield Problem(f"{use.where}: `{use.field.token.rstrip()}`: {reason}", use.field.location)


def _reason(use: FieldUse) -> str | None:
    name = use.field.key.rstrip()
    known = _KNOWN[use.vif.syntax]
    if name in XL_FLAGS:
        return None if use.field.value is None else f"`{name}` is a flag: write it bare, xl ignores `{name}=...`"
    if not name:
        return "an item with no key before `=`"
    if name not in known:
        return _unknown(name, use.vif.syntax)
    if use.field.value is None:
        tools = "xl ignores it" if use.vif.syntax is VifSyntax.XL else "xl ignores it and xend refuses it"
        return f"`{name}` needs a value (`{name}=...`): {tools}"
    return None


def _unknown(name: str, syntax: VifSyntax) -> str:
    if syntax is VifSyntax.XL and name in XEND_KEYS:
        message = f"`{name}` is an xend (xm) key that xl does not know; xl ignores it"
    elif syntax is VifSyntax.XL:
        message = f"unknown vif key `{name}`; xl ignores it"
    else:
        message = f"unknown vif key `{name}`; xend refuses it (Invalid vif option) and xl ignores it"
    suggestion = _closest(name, _KNOWN[syntax])
    return f"{message}; did you mean `{suggestion}`?" if suggestion else message


def _closest(name: str, known: frozenset[str]) -> str | None:
    if name.lower() in known:
        return name.lower()
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.7)
    return matches[0] if matches else None
