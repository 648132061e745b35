"""Root causes (rule family C): rules that judge what the other rules found, joined with the model.

They run after every other rule: `run_rules` first runs all non-C rules (all of them, even those not
selected, when a C rule is selected: a root cause needs its evidence), hands their findings to the
C rules as `model.findings`, and then reports each explained finding under the root cause that
explains it instead of on its own. The C rule modules live in this package.
"""

from __future__ import annotations

from collections.abc import Sequence

from xennet.findings import Finding
from xennet.lint.model import LintModel
from xennet.registry import ROOT_CAUSE_FAMILY, Rule, all_rules


def run_rules(model: LintModel, rules: Sequence[Rule]) -> list[Finding]:
    """The findings of `rules` on `model`, root causes first, sorted; explained findings nested."""
    selected = [rule for rule in rules if rule.family != ROOT_CAUSE_FAMILY]
    root_rules = [rule for rule in rules if rule.family == ROOT_CAUSE_FAMILY]
    findings = _run(selected, model)
    if root_rules:
        chosen = {rule.id for rule in selected}
        model.findings = _run([r for r in all_rules() if r.family != ROOT_CAUSE_FAMILY], model) if (
            chosen != {r.id for r in all_rules() if r.family != ROOT_CAUSE_FAMILY}) else findings
        roots = _run(root_rules, model)
        explained = {inner for root in roots for inner in root.flattened()[1:]}
        findings = roots + [finding for finding in findings if finding not in explained]
    return findings


def _run(rules: Sequence[Rule], model: LintModel) -> list[Finding]:
    found = [finding for rule in rules for finding in rule.run(model)]
    found.sort(key=lambda finding: finding.sort_key)
    return found
