"""A `# xennet:` comment that cannot be applied: it names no rule xennet has, or it is not written as
`# xennet: disable=CODES` / `# xennet: disable-file=CODES` (xennet/suppress.py parses them)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E008"
SLUG = "invalid-suppression"
SEVERITY = Severity.WARNING
SUMMARY = "A `# xennet:` suppression comment names an unknown rule or is malformed."
RATIONALE = """\
A misspelt code or directive suppresses nothing, so the finding it was meant to hide stays (or, worse,
the author believes a rule is silenced when it is not)."""
FIX = "Write `# xennet: disable=ID-or-slug[,...] -- reason` with codes from `xennet rules`."
BAD = {"web.cfg": 'name = "web"\n# xennet: disable=X999\nvif = [ "mac=00:11:22:33:44:55,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\n# xennet: disable=vif-mac-foreign-oui\n'
        'vif = [ "mac=00:11:22:33:44:55,bridge=xenbr0" ]\n'}


def check(model) -> Iterator[Problem]:
    for bad in model.bad_suppressions:
        yield Problem(bad.why, bad.location)
