"""The rule registry. A rule is one module (yamllint's layout) with these module constants:

    ID        "X110"                       stable, never reused
    SLUG      "vif-mac-invalid"            a readable alias accepted wherever an ID is
    SEVERITY  Severity.ERROR               the default severity
    SUMMARY   one line: what it finds
    RATIONALE why it matters (ruff's "Why is this bad?")
    FIX       what to do instead
    BAD/GOOD  examples: {file name: content}; the tests lint them and `xennet explain` prints them
    EXAMPLE_TREES (optional) the folders of BAD/GOOD that are separate host trees, dom0 first
    check(model) -> Iterable[Problem]

Adding a rule means adding a module under a rule package; the registry discovers it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from types import ModuleType
from typing import Any

from .findings import Finding, Location, Severity

RULE_PACKAGES = ("xennet.lint.rules", "xennet.pcap.rules", "xennet.correlate")
ROOT_CAUSE_FAMILY = "C"  # rules that judge the other rules' findings (model.findings), run after them
FAMILY_ORDER = ("E", "X", "N", "P", ROOT_CAUSE_FAMILY)


@dataclass(frozen=True)
class Problem:
    """What a rule's check yields; the registry turns it into a Finding with the rule's identity."""

    message: str
    location: Location
    related: tuple[Location, ...] = ()
    evidence: tuple[str, ...] = ()
    fix: str = ""
    severity: Severity | None = None  # only for rules whose docs say the severity depends on the facts
    subject: str = ""  # what the finding is about (bridge, port, domain), for correlation rules
    explains: tuple[Finding, ...] = ()  # root causes (family C): the findings this one explains
    also_about: tuple[str, ...] = ()  # other subjects the finding involves (Finding.also_about)


@dataclass(frozen=True)
class Rule:
    id: str
    slug: str
    severity: Severity
    summary: str
    rationale: str
    fix: str
    bad: dict[str, str]
    good: dict[str, str]
    check: Callable[[Any], Iterable[Problem]] = field(repr=False, compare=False)
    references: tuple[str, ...] = ()
    # When the examples need several host trees (a dom0 and a guest), the folders their files are
    # under, dom0 first; otherwise the example files are linted as one tree of files given by name.
    example_trees: tuple[str, ...] = ()

    @property
    def family(self) -> str:
        return self.id[0]

    def run(self, model: Any) -> Iterator[Finding]:
        for problem in self.check(model):
            yield Finding(
                rule_id=self.id,
                slug=self.slug,
                severity=problem.severity or self.severity,
                message=problem.message,
                location=problem.location,
                related=problem.related,
                evidence=problem.evidence,
                fix=problem.fix or self.fix,
                subject=problem.subject,
                explains=problem.explains,
                also_about=problem.also_about,
            )

    def matches(self, code: str) -> bool:
        """`code` is this rule's ID, its slug, or a prefix of its ID (a family such as `X` or `X1`)."""
        return code_matches(code, self.id, self.slug)


def code_matches(code: str, rule_id: str, slug: str) -> bool:
    """`code` is the ID `rule_id`, the slug `slug`, or a prefix of the ID (a family such as `X` or `X1`):
    how --select, configs and suppression comments name rules (also for findings, which carry both)."""
    code = code.strip()
    if not code:
        return False
    return code.lower() == slug or rule_id.startswith(code.upper())


def _rule_from_module(module: ModuleType) -> Rule:
    return Rule(
        id=module.ID,
        slug=module.SLUG,
        severity=module.SEVERITY,
        summary=module.SUMMARY,
        rationale=module.RATIONALE,
        fix=module.FIX,
        bad=module.BAD,
        good=module.GOOD,
        check=module.check,
        references=tuple(getattr(module, "REFERENCES", ())),
        example_trees=tuple(getattr(module, "EXAMPLE_TREES", ())),
    )


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule of every rule package, by family in FAMILY_ORDER (input problems first, root causes
    last), then by ID."""
    rules = []
    for package_name in RULE_PACKAGES:
        package = importlib.import_module(package_name)
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{info.name}")
            if hasattr(module, "ID"):
                rules.append(_rule_from_module(module))
    rules.sort(key=lambda rule: (FAMILY_ORDER.index(rule.family), rule.id))
    _check_unique(rules)
    return tuple(rules)


def _check_unique(rules: list[Rule]) -> None:
    seen: dict[str, str] = {}
    for rule in rules:
        for key in (rule.id, rule.slug):
            if key in seen:
                raise RuntimeError(f"rule {rule.id}: {key!r} is already used by {seen[key]}")
            seen[key] = rule.id


def find_rule(code: str) -> Rule | None:
    """The rule whose ID or slug is `code` (case-insensitive)."""
    for rule in all_rules():
        if code.upper() == rule.id or code.lower() == rule.slug:
            return rule
    return None


def unknown_codes(codes: Iterable[str]) -> list[str]:
    """Codes that match no rule at all (to report them as a usage error)."""
    return [code for code in codes if not any(rule.matches(code) for rule in all_rules())]


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules chosen by --select (all when empty) minus --ignore, both by ID, slug or family prefix."""
    select, ignore = list(select), list(ignore)
    chosen = []
    for rule in all_rules():
        if select and not any(rule.matches(code) for code in select):
            continue
        if any(rule.matches(code) for code in ignore):
            continue
        chosen.append(rule)
    return chosen
