"""A config file that is not valid UTF-8. xl and xend read bytes, so the domain may still start,
but names and paths with such bytes rarely mean what the author thinks; xennet reads the file with
replacement characters and goes on."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E003"
SLUG = "invalid-encoding"
SEVERITY = Severity.WARNING
SUMMARY = "A config file is not valid UTF-8."
RATIONALE = """\
Bytes that are not UTF-8 usually come from a copy through an editor in another encoding (Latin-1)
and end up in names, paths or bridge names where they never match the real device."""
FIX = "Save the file as UTF-8 (or plain ASCII)."
BAD = {"guest.cfg": 'name = "caf\xe9"\nvif = [ "bridge=xenbr0" ]\n'}
GOOD = {"guest.cfg": 'name = "cafe"\nvif = [ "bridge=xenbr0" ]\n'}


def check(model) -> Iterator[Problem]:
    problems = [p for config in model.files for p in config.problems]
    problems += [p for host in model.hosts for p in host.facts.problems]
    for problem in problems:
        if problem.kind == "encoding":
            yield Problem(problem.message, problem.location)
