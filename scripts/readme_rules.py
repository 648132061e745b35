"""Rewrite the rule table of README.md from the registry (run after adding a rule:
`.venv/bin/python scripts/readme_rules.py`); tests/test_cli.py fails when the table is stale."""

from __future__ import annotations

import re
from pathlib import Path

from xennet.registry import all_rules

README = Path(__file__).resolve().parent.parent / "README.md"
HEADER = "| ID | slug | severity | what it finds |\n|---|---|---|---|\n"


def table() -> str:
    rows = [
        f"| {r.id} | `{r.slug}` | {r.severity.value} | {r.summary.replace('|', chr(92) + '|')} |\n"
        for r in all_rules()
    ]
    return HEADER + "".join(rows)


def main() -> None:
    text = README.read_text()
    pattern = re.compile(re.escape(HEADER) + r"(?:\|.*\|\n)*")
    README.write_text(pattern.sub(lambda _m: table(), text, count=1))


if __name__ == "__main__":
    main()
