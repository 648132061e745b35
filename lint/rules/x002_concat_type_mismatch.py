"""`key += value` where one side is a string and the other a list.

libxlu only concatenates like with like; anything else fails the whole file ("can't add [list] to
"string" or vice versa"), so xl starts nothing. In an xm file Python evaluates the `+=`: a list plus
a string raises TypeError (xend starts nothing), and a string added to a list is split into its
characters, one list item each, which is never what was meant. The finding points at the `+=` and
names the assignment it adds to as a related location. Values computed at run time (xm) are not
judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..facts import Assignment, ConfigFormat, ValueKind
from ..settings import concat_mismatches

ID = "X002"
SLUG = "concat-type-mismatch"
SEVERITY = Severity.ERROR
SUMMARY = "`+=` adds a string to a list or a list to a string."
RATIONALE = """\
xl rejects the file outright, and xend either fails with a TypeError or turns the string into a
list of single characters: the guest does not start, or starts with garbage vifs."""
FIX = 'Add like to like: `vif += [ "bridge=xenbr1" ]` extends a list, `extra += " quiet"` a string.'
BAD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0" ]\nvif += "bridge=xenbr1"\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0" ]\nvif += [ "bridge=xenbr1" ]\n'}
REFERENCES = ("xl.cfg(5): Syntax",)

_KIND = {ValueKind.LIST: "list", ValueKind.STRING: "string", ValueKind.NUMBER: "number"}


def check(model) -> Iterator[Problem]:
    for config in model.files:
        if config.format is ConfigFormat.SXP:
            continue
        for previous, offending in concat_mismatches(config.assignments):
            if previous.value.is_known and offending.value.is_known:
                yield Problem(_message(config.format, previous, offending), offending.location, (previous.location,))


def _message(fmt: ConfigFormat, previous: Assignment, offending: Assignment) -> str:
    added = _KIND.get(offending.value.kind, "value")
    to = _KIND.get(previous.value.kind, "value")
    head = f"`{offending.key} +=` adds a {added} to the {to} set on line {previous.location.line}"
    if fmt is ConfigFormat.XL:
        return f'{head}: xl rejects the file (libxlu: can\'t add [list] to "string" or vice versa)'
    if offending.value.kind is ValueKind.STRING:
        return f"{head}: Python adds the string's characters to the list one by one"
    return f"{head}: Python raises TypeError and xend does not create the domain"
