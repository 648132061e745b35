"""`xennet bundle --inventory`: what each host tree was taken for (the dom0 and where its Xen facts
are, a guest and how it was joined to its domain, or not joined), then every input (folder file,
archive member, capture) and what it was recognized as, so that nothing in a bundle is silently
ignored: a source kind or config format (`sysctl-a`, `xl`) with the facts it gave, `capture`,
`skipped: why` or `refused: why`."""

from __future__ import annotations

import json

from xennet.lint.inventory import tree_roles
from xennet.lint.model import LintModel

from .text import safe


def render_text(model: LintModel) -> str:
    """A heading, one line per host tree, then one line per input in reading order: the path, what it
    was read as and the facts it gave, in aligned columns."""
    entries, roles = model.inventory, tree_roles(model)
    if not entries:
        return "Inventory: no input files."
    lines = [f"Inventory ({_count(len(entries), 'input file')}, {_count(len(roles), 'host tree')}):"]
    label_width = max((len(safe(role.label)) for role in roles), default=0)
    lines.extend(f"  tree {safe(role.label) + ':':<{label_width + 1}} {safe(str(role))}" for role in roles)
    width = max(len(safe(entry.path)) for entry in entries)
    kind_width = max((len(entry.recognized_as) for entry in entries if entry.facts), default=0)
    for entry in entries:
        line = f"  {safe(entry.path):<{width}}  {safe(entry.recognized_as)}"
        if entry.facts:
            line = f"{line:<{width + kind_width + 4}}  {safe(', '.join(entry.facts))}"
        lines.append(line)
    return "\n".join(lines)


def render_json(document: str, model: LintModel) -> str:
    """The JSON document with a "trees" list of {"label", "role", "domain", "reason"} and an "inventory"
    list of {"path", "recognized_as", "facts"} next to its keys."""
    parsed = json.loads(document)
    parsed["trees"] = [
        {"label": role.label, "role": role.role, "domain": role.domain, "reason": role.reason}
        for role in tree_roles(model)
    ]
    parsed["inventory"] = [
        {"path": entry.path, "recognized_as": entry.recognized_as, "facts": list(entry.facts)}
        for entry in model.inventory
    ]
    return json.dumps(parsed, indent=2, ensure_ascii=False)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
