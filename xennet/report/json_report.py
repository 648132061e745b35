"""JSON output. The schema is documented in docs/json-output.md; bump SCHEMA_VERSION on any
incompatible change."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence

from xennet import __version__
from xennet.findings import Finding, Severity, flatten

SCHEMA_VERSION = 1


def render(findings: Sequence[Finding], files: Sequence[str], skipped: Sequence[tuple[str, str]],
           left_out: Mapping[str, int] | None = None) -> str:
    """The document; `left_out` counts the findings not reported and why ({"suppressed": 2, ...})."""
    counts = Counter(f.severity.value for f in flatten(findings))
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "xennet", "version": __version__},
        "findings": [finding.to_dict() for finding in findings],
        "summary": {
            "files_analyzed": list(files),
            "files_skipped": [{"path": path, "reason": reason} for path, reason in skipped],
            "counts": {severity.value: counts.get(severity.value, 0) for severity in Severity},
            "left_out": dict(left_out or {}),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False)
