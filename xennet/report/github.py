"""GitHub Actions workflow commands (`--format github`): one annotation per finding.

`::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=ID slug::message`; warnings are
`::warning`, info `::notice`. Properties that are unknown (line 0: a whole-file finding) are left out,
as actions/toolkit's issueCommand does. A root cause and each finding it explains are annotations of
their own, so the annotations are as many as the findings the text and JSON reports count.
"""

from __future__ import annotations

from collections.abc import Sequence

from xennet.findings import Finding, Severity, flatten
from xennet.registry import Rule

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: `%`, CR and LF percent-encoded (escapeData in actions/toolkit command.ts)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value: escape_data, and `:` and `,`, which end a value (escapeProperty)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding) -> str:
    """The workflow command that annotates `finding`."""
    location = finding.location
    properties: dict[str, object] = {
        "file": location.path,
        "line": location.line,
        "col": location.column if location.line else 0,
        "endLine": location.end_line if location.line else 0,
        "endColumn": location.end_column if location.line and location.column else 0,
        "title": f"{finding.rule_id} {finding.slug}",
    }
    shown = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items() if value)
    return f"::{COMMANDS[finding.severity]} {shown}::{escape_data(finding.message)}"


def render(findings: Sequence[Finding], rules: Sequence[Rule], files: Sequence[str], exit_code: int) -> str:
    """One workflow command per finding, root causes followed by the findings they explain. `rules`,
    `files` and `exit_code` are not part of the output: the signature is the one every renderer has."""
    return "\n".join(command(finding) for finding in flatten(findings))
