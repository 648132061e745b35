"""`xennet bundle --inventory`: every input (folder file, archive member, capture) and what it was
recognized as, so that nothing in a bundle is silently ignored: a source kind or config format
(`sysctl`, `xl`), `capture`, `skipped: why` or `refused: why`."""

from __future__ import annotations

import json
from collections.abc import Sequence

from .text import safe


def render_text(entries: Sequence[tuple[str, str]]) -> str:
    """A heading, then one line per input in reading order: the path, then what it was read as."""
    if not entries:
        return "Inventory: no input files."
    width = max(len(safe(path)) for path, _ in entries)
    lines = [f"Inventory ({len(entries)} input files):"]
    lines.extend(f"  {safe(path):<{width}}  {safe(what)}" for path, what in entries)
    return "\n".join(lines)


def render_json(document: str, entries: Sequence[tuple[str, str]]) -> str:
    """The JSON document with an "inventory" list of {"path", "recognized_as"} next to its keys."""
    parsed = json.loads(document)
    parsed["inventory"] = [{"path": path, "recognized_as": what} for path, what in entries]
    return json.dumps(parsed, indent=2, ensure_ascii=False)
