"""Rule documentation: the `xennet rules` table and the `xennet explain` page.

The page follows ruff's order: what it does, why it is bad, an example, what to use instead.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from xennet.registry import Rule


def render_table(rules: Sequence[Rule], output_format: str) -> str:
    if output_format == "json":
        return json.dumps(
            [{"id": r.id, "slug": r.slug, "severity": r.severity.value, "summary": r.summary} for r in rules],
            indent=2,
        )
    width = max(len(rule.slug) for rule in rules)
    return "\n".join(f"{r.id:<6}{r.slug:<{width + 2}}{r.severity.value:<9}{r.summary}" for r in rules)


def _files(files: dict[str, str]) -> str:
    blocks = []
    for name, content in files.items():
        body = "\n".join(f"    {line}" for line in content.rstrip("\n").splitlines())
        blocks.append(f"  {name}:\n{body}")
    return "\n".join(blocks)


def render_rule(rule: Rule) -> str:
    parts = [
        f"{rule.id} {rule.slug} (default severity: {rule.severity.value})",
        "",
        "What it does",
        f"  {rule.summary}",
        "",
        "Why is this bad?",
        *(f"  {line}" for line in rule.rationale.strip().splitlines()),
        "",
        "Example",
        _files(rule.bad),
        "",
        "Use instead",
        _files(rule.good),
        "",
        "Fix",
        f"  {rule.fix}",
    ]
    if rule.references:
        parts += ["", "References", *(f"  {ref}" for ref in rule.references)]
    return "\n".join(parts)
