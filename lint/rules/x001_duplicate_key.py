"""A setting assigned twice with `=` in one xl or xm file.

xl (libxlu) and xend (Python) both keep the last assignment, so every earlier `key = ...` line is
dead: whoever edits it sees no effect. The finding points at the assignment that wins and lists the
dead ones as related locations. `+=` is not an assignment of its own (it adds to the value) and is
ignored here; X002 checks it. In xm files only assignments that xennet can evaluate count: one inside
`if`/`for`/`try`, or computed at run time, may or may not run, so it is never called dead and never
makes another one dead.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..facts import Assignment, ConfigFormat

ID = "X001"
SLUG = "duplicate-key"
SEVERITY = Severity.WARNING
SUMMARY = "A setting is assigned twice with `=` in one file; only the last assignment counts."
RATIONALE = """\
The last assignment silently replaces the earlier ones. A second `vif = [...]` further down a long
config (often pasted from another guest) throws away the first vif list, and edits to the first
one have no effect."""
FIX = "Delete the dead assignments, or merge them into one (use `+=` to extend a list)."
BAD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0" ]\nmemory = 512\nvif = [ "bridge=xenbr1" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "bridge=xenbr0", "bridge=xenbr1" ]\nmemory = 512\n'}
REFERENCES = ("xl.cfg(5): Syntax",)


def check(model) -> Iterator[Problem]:
    for config in model.files:
        if config.format is ConfigFormat.SXP:
            continue
        by_key: dict[str, list[Assignment]] = {}
        for assignment in config.assignments:
            if assignment.op == "=" and assignment.value.is_known:
                by_key.setdefault(assignment.key, []).append(assignment)
        for key, assignments in by_key.items():
            if len(assignments) > 1:
                yield _problem(key, assignments)


def _problem(key: str, assignments: list[Assignment]) -> Problem:
    *dead, winner = assignments
    lines = ", ".join(str(a.location.line) for a in dead)
    earlier = f"the one on line {lines} has" if len(dead) == 1 else f"the ones on lines {lines} have"
    return Problem(
        f"`{key}` is assigned {len(assignments)} times with `=`: this last one wins and {earlier} no effect",
        winner.location,
        related=tuple(a.location for a in dead),
    )
