"""The core types every part of xennet speaks: where a fact came from, and what is wrong with it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

T = TypeVar("T")


class Severity(str, Enum):
    """How bad a finding is. Ordered: info < warning < error."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls(text.strip().lower())


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@dataclass(frozen=True, order=True)
class Location:
    """A place in an input file. Lines and columns are 1-based; 0 means "unknown / whole file"."""

    path: str
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.path
        if not self.column:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
        }


@dataclass(frozen=True)
class Finding:
    """One problem: which rule, how bad, what and where, plus the other places involved.

    `subject` names what the finding is about (a bridge, a port, a domain) for correlation, and
    `also_about` the other things it involves (the port of a ping's target, where the requester's is
    the subject); a root-cause finding (family C) carries in `explains` the findings it explains, which are then
    reported under it instead of on their own."""

    rule_id: str
    slug: str
    severity: Severity
    message: str
    location: Location
    related: tuple[Location, ...] = ()
    evidence: tuple[str, ...] = ()
    fix: str = ""
    subject: str = ""
    explains: tuple[Finding, ...] = ()
    also_about: tuple[str, ...] = ()

    def is_about(self, subjects: set[str]) -> bool:
        """Whether the finding's subject, or one of the other things it involves, is in `subjects`."""
        return self.subject in subjects or not subjects.isdisjoint(self.also_about)

    def flattened(self) -> tuple[Finding, ...]:
        """This finding and, after it, the findings it explains."""
        return (self, *(inner for explained in self.explains for inner in explained.flattened()))

    @property
    def sort_key(self) -> tuple[object, ...]:
        loc = self.location
        return (loc.path, loc.line, loc.column, self.rule_id, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "rule_id": self.rule_id,
            "slug": self.slug,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "related": [loc.to_dict() for loc in self.related],
            "evidence": list(self.evidence),
            "fix": self.fix,
            **({"explains": [finding.to_dict() for finding in self.explains]} if self.explains else {}),
        }


def flatten(findings: Iterable[Finding]) -> list[Finding]:
    """Every finding, root causes followed by the findings they explain (for counts and exit codes)."""
    return [inner for finding in findings for inner in finding.flattened()]


def by_importance(findings: Iterable[Finding]) -> list[Finding]:
    """Root causes first, then the other findings by severity, errors first; the order within each
    (file and line) is kept. How a support engineer reads a bundle's report: the answer, then the rest."""
    return sorted(findings, key=lambda finding: (not finding.explains, -finding.severity.rank))


def prune(findings: Iterable[Finding],
          why: Callable[[Finding], T | None]) -> tuple[list[Finding], list[tuple[Finding, T]]]:
    """`findings` without those for which `why` gives a reason, and the dropped ones with their reasons.
    Explained findings are judged too: a dropped root cause leaves what it explained to be reported on
    its own; a dropped explained finding leaves its root cause (suppressions, per-file-ignores)."""
    dropped: list[tuple[Finding, T]] = []

    def keep(finding: Finding) -> list[Finding]:
        explained = [inner for child in finding.explains for inner in keep(child)]
        reason = why(finding)
        if reason is not None:
            dropped.append((finding, reason))
            return explained
        if len(explained) != len(finding.explains) or any(
                a is not b for a, b in zip(explained, finding.explains, strict=True)):
            return [dataclasses.replace(finding, explains=tuple(explained))]
        return [finding]

    return [kept for finding in findings for kept in keep(finding)], dropped
