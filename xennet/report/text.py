"""The default human output: `path:line:col: severity ID [slug] message`, then the fix.

Text that comes from input files is shown with control characters escaped, so a hostile config
cannot drive the terminal.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

import click

from xennet.findings import Finding, Severity

_COLORS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def safe(text: str) -> str:
    """Escape control characters (except tab) as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def format_finding(finding: Finding, color: bool, indent: str = "", under: Finding | None = None) -> str:
    """The finding, its related locations, evidence and fix; a root cause's explained findings
    follow it, indented, without the related locations the root cause already shows and without their
    own fixes (the root cause's fix is the one to apply)."""
    severity = finding.severity.value
    if color:
        severity = click.style(severity, fg=_COLORS[finding.severity], bold=True)
    where = safe(str(finding.location))
    head = f"{indent}{where}: {severity} {finding.rule_id} [{finding.slug}] {safe(finding.message)}"
    shown = {under.location, *under.related} if under is not None else set()
    lines = [head]
    lines.extend(f"{indent}    related: {safe(str(loc))}" for loc in finding.related if loc not in shown)
    lines.extend(f"{indent}    evidence: {safe(line)}" for line in finding.evidence)
    if finding.fix and under is None:
        fix = safe(finding.fix)
        lines.append(f"{indent}    fix: {click.style(fix, fg='green') if color else fix}")
    if finding.explains:
        lines.append(f"{indent}    explains {len(finding.explains)} finding(s):")
        lines.extend(format_finding(explained, color, indent + "      ", finding) for explained in finding.explains)
    return "\n".join(lines)


def summary_line(findings: Sequence[Finding], files: int, skipped: int) -> str:
    counts = Counter(f.severity for f in findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 and s is not Severity.INFO else ''}"
             for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)]
    found = f"{len(findings)} finding{'s' if len(findings) != 1 else ''}" if findings else "No findings"
    line = f"{found} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}"
    if skipped:
        line += f"; {skipped} file{'s' if skipped != 1 else ''} not recognized and skipped (-v lists them)"
    return line + "."
