"""Baselines: adopt xennet in an old repository by recording today's findings and reporting only new ones.

A baseline file (JSON) lists one entry per finding with a fingerprint that survives edits elsewhere
in the file: the rule ID, the path relative to the baseline's folder and the message with line and
column references taken out (`on line 4`, `sysctl_-a:7`), hashed. Identical fingerprints are
counted: a second copy of a baselined problem is new.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence

from xennet.findings import Finding, flatten
from xennet.fingerprint import digest, identity

VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written; str() is one line naming the file."""


def fingerprint(finding: Finding, root: str | None = None) -> str:
    """A stable identity of a finding (xennet/fingerprint.py), hashed, with its path relative to `root`
    (the current folder by default; `/` separators)."""
    path = finding.location.path
    relative = os.path.relpath(path, root or os.getcwd()).replace(os.sep, "/") if path else ""
    return digest(identity(finding, relative))


def write(path: str, findings: Sequence[Finding]) -> int:
    """Record `findings` (root causes with what they explain) in `path`; returns how many were written."""
    root = _root(path)
    entries = sorted(({
        "rule_id": finding.rule_id,
        "path": os.path.relpath(finding.location.path, root).replace(os.sep, "/") if finding.location.path else "",
        "line": finding.location.line,
        "message": finding.message,
        "fingerprint": fingerprint(finding, root),
    } for finding in flatten(findings)), key=lambda entry: (entry["path"], entry["line"], entry["rule_id"]))
    document = {"version": VERSION, "tool": "xennet", "findings": entries}
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror}") from None
    return len(entries)


def read(path: str) -> Counter[str]:
    """The fingerprints recorded in `path`, counted."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f":{error.lineno}" if isinstance(error, json.JSONDecodeError) else ""
        raise BaselineError(f"{path}{where}: not a xennet baseline (invalid JSON; delete it or pass"
                            " --update-baseline to write it again)") from None
    entries = document.get("findings") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("fingerprint"), str)
                                                for e in entries):
        raise BaselineError(f"{path}: not a xennet baseline (expected {{\"findings\": [{{\"fingerprint\": ...}}]}})")
    return Counter(entry["fingerprint"] for entry in entries)


def new_findings(findings: Sequence[Finding], known: Counter[str], baseline_path: str) -> tuple[list[Finding], int]:
    """The findings not in the baseline, and how many (flattened) were in it. A root cause counts as
    one finding with what it explains: it is new when it is not in the baseline itself."""
    root = _root(baseline_path)
    left = Counter(known)
    new: list[Finding] = []
    baselined = 0
    for finding in findings:
        key = fingerprint(finding, root)
        if left[key] > 0:
            left[key] -= 1
            baselined += len(finding.flattened())
        else:
            new.append(finding)
    return new, baselined


def _root(baseline_path: str) -> str:
    return os.path.dirname(os.path.abspath(baseline_path))
