"""Inline suppressions: `# xennet: disable=CODES` and `# xennet: disable-file=CODES` comments.

Every syntax xennet reads that has comments (xl.cfg, xm, SXP, ifcfg, interfaces, sysctl.conf, shell
scripts) uses `#`, so one scanner serves them all; it runs on the text each file was parsed from,
while it is loaded (archive members are never read twice). A comment alone on its line covers the
next line; a comment after code covers its own line; `disable-file` covers the whole file. CODES
are rule IDs, slugs or ID prefixes, comma-separated, as for --select; an optional reason follows
`--`.

A suppression drops exactly the findings it names at the lines it covers. A root cause that is
suppressed is dropped, and the findings it explained are reported on their own again (each may be
suppressed by a comment of its own); an explained finding that is suppressed leaves its root cause.
Comments that name no rule or do not parse are E008 findings; codes that suppressed nothing are
E007 findings (rules/e007_*, rules/e008_*), judged only for codes whose rules ran.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from xennet.findings import Finding, Location, prune
from xennet.registry import Rule, code_matches, unknown_codes

_MARKER = re.compile(r"#\s*xennet\s*:(?P<body>.*)$")
_DIRECTIVE = re.compile(
    r"^\s*(?P<kind>disable-file|disable)\s*=\s*(?P<codes>[^\s,]+(?:\s*,\s*[^\s,]+)*?)\s*(?:--\s*(?P<reason>.*?))?\s*$"
)


@dataclass
class Suppression:
    """One comment. `used` collects the codes that suppressed a finding (for E007)."""

    location: Location  # the comment's line and column
    codes: tuple[str, ...]
    whole_file: bool = False
    reason: str = ""
    comment: str = ""  # the comment as written, for messages
    own_line: bool = False  # nothing but the comment on its line: it covers the next line too
    used: set[str] = field(default_factory=set)

    def covers(self, location: Location) -> bool:
        if location.path != self.location.path:
            return False
        return self.whole_file or location.line in self.lines

    @property
    def lines(self) -> tuple[int, ...]:
        return (self.location.line, self.location.line + 1) if self.own_line else (self.location.line,)


@dataclass(frozen=True)
class BadSuppression:
    """A `# xennet:` comment that cannot be applied, and why (E008)."""

    location: Location
    why: str


@dataclass(frozen=True)
class Suppressed:
    """A finding a suppression dropped, with that suppression (for -v)."""

    finding: Finding
    suppression: Suppression


def scan(text: str, path: str) -> tuple[list[Suppression], list[BadSuppression]]:
    """The `# xennet:` comments of one file's text."""
    if "xennet" not in text:
        return [], []
    found: list[Suppression] = []
    bad: list[BadSuppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        marker = _MARKER.search(line)
        if marker is None:
            continue
        location = Location(path, number, marker.start() + 1)
        directive = _DIRECTIVE.match(marker["body"])
        if directive is None:
            bad.append(BadSuppression(location, f"`{marker.group(0).strip()}` is not `# xennet: disable=CODES`"
                                      " or `# xennet: disable-file=CODES` (an optional reason after `--`)"))
            continue
        codes = tuple(code.strip() for code in directive["codes"].split(","))
        unknown = unknown_codes(codes)
        if unknown:
            bad.append(BadSuppression(location, f"`{marker.group(0).strip()}` names no rule: {', '.join(unknown)}"
                                      " (see `xennet rules`)"))
        known = tuple(code for code in codes if code not in unknown)
        if known:
            found.append(Suppression(location, known, directive["kind"] == "disable-file",
                                     (directive["reason"] or "").strip(), marker.group(0).strip(),
                                     own_line=not line[: marker.start()].strip()))
    return found, bad


def apply(findings: Sequence[Finding], suppressions: Sequence[Suppression]) -> tuple[list[Finding], list[Suppressed]]:
    """`findings` without the suppressed ones, and what was suppressed by which comment."""
    if not suppressions:
        return list(findings), []
    kept, dropped = prune(findings, lambda finding: _suppression_of(finding, suppressions))
    return kept, [Suppressed(finding, suppression) for finding, suppression in dropped]


def _suppression_of(finding: Finding, suppressions: Sequence[Suppression]) -> Suppression | None:
    for suppression in suppressions:
        if not suppression.covers(finding.location):
            continue
        for code in suppression.codes:
            if code_matches(code, finding.rule_id, finding.slug):
                suppression.used.add(code)
                return suppression
    return None


def unused_codes(suppression: Suppression, rules: Iterable[Rule]) -> list[str]:
    """The codes of `suppression` that suppressed nothing, among those that name a rule that ran."""
    ran = list(rules)
    return [code for code in suppression.codes
            if code not in suppression.used and any(rule.matches(code) for rule in ran)]
