"""Write docs/rules (a page per rule and the README.md index) from the rule registry: run it after
adding or changing a rule (`.venv/bin/python scripts/rule_docs.py`). With --check nothing is written;
it exits 1 and lists the files that differ from the registry (tests/test_rule_docs.py does the same)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xennet.report.rules_doc import REGENERATE, rule_docs, stale_docs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "rules"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only list the stale files; exit 1 if there are any")
    parser.add_argument("--dir", type=Path, default=DOCS, help="the folder of the rule docs (default: %(default)s)")
    args = parser.parse_args(argv)
    docs = rule_docs()
    stale = stale_docs(args.dir, docs)
    if args.check:
        for name in stale:
            print(f"stale: {args.dir / name}")
        if stale:
            print(f"regenerate them with `{REGENERATE}`")
        return 1 if stale else 0
    args.dir.mkdir(parents=True, exist_ok=True)
    for name in stale:
        path = args.dir / name
        if name in docs:
            path.write_text(docs[name], encoding="utf-8")
            print(f"wrote {path}")
        else:
            path.unlink()
            print(f"removed {path} (no such rule)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
