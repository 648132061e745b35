"""What happens to the rules' findings before they are shown, in one place for lint, pcap and bundle.

The order: rules, then inline suppressions (both in lint_paths: E007 must see what the comments
suppressed), then here: per-file-ignores -> severity overrides -> baseline -> the exit code from
fail-on. Per-file-ignores come before severity overrides and the baseline so that an ignored finding
is neither re-graded nor recorded.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
from dataclasses import dataclass, field

from xennet import baseline
from xennet.config import Settings
from xennet.exitcodes import EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE
from xennet.findings import Finding, Severity, flatten, prune
from xennet.lint.runner import LintResult
from xennet.registry import code_matches


@dataclass
class Outcome:
    """The findings to show and what became of the others."""

    result: LintResult
    exit_code: int
    ignored: list[tuple[Finding, str]] = field(default_factory=list)  # (finding, per-file-ignores glob)
    baselined: int = 0  # findings left out because the baseline has them
    baseline_written: int | None = None  # findings recorded when the baseline was (re)written


def finalize(result: LintResult, settings: Settings) -> Outcome:
    """Apply `settings` to `result`'s findings (see the module docstring). Raises
    baseline.BaselineError for a baseline file that cannot be read or written."""
    findings, ignored = prune(result.findings, lambda finding: _ignoring_glob(finding, settings))
    findings = [_regraded(finding, settings.severity) for finding in findings] if settings.severity else findings
    outcome = Outcome(dataclasses.replace(result, findings=findings), EXIT_CLEAN, ignored)
    if settings.baseline is not None:
        if settings.update_baseline or not os.path.exists(settings.baseline):
            outcome.baseline_written = baseline.write(settings.baseline, findings)
            outcome.baselined, findings = outcome.baseline_written, []
        else:
            findings, outcome.baselined = baseline.new_findings(findings, baseline.read(settings.baseline),
                                                                settings.baseline)
        outcome.result.findings = findings
    outcome.exit_code = _exit_code(outcome.result, settings.fail_on)
    return outcome


def _ignoring_glob(finding: Finding, settings: Settings) -> str | None:
    """The per-file-ignores glob that drops `finding`, if any. A glob matches the path relative to the
    config file's folder, or the file name alone; fnmatch's `*` also matches `/`."""
    if not settings.per_file_ignores or not finding.location.path:
        return None
    path = finding.location.path  # ARCHIVE!/MEMBER for archive members: a glob may name either part
    relative = os.path.relpath(path, settings.root)
    names = (relative.replace(os.sep, "/"), os.path.basename(path))
    for glob, codes in settings.per_file_ignores.items():
        if any(fnmatch.fnmatchcase(name, glob) for name in names) and any(
                code_matches(code, finding.rule_id, finding.slug) for code in codes):
            return glob
    return None


def _regraded(finding: Finding, overrides: dict[str, Severity]) -> Finding:
    """`finding` (and what it explains) with the severity the most specific matching override gives:
    an ID or slug beats a prefix, a longer prefix a shorter one."""
    matching = [code for code in overrides if code_matches(code, finding.rule_id, finding.slug)]
    exact = [code for code in matching if code.upper() == finding.rule_id or code.lower() == finding.slug]
    best = exact[0] if exact else max(matching, key=len, default=None)
    severity = overrides[best] if best is not None else finding.severity
    explains = tuple(_regraded(inner, overrides) for inner in finding.explains)
    if severity is finding.severity and explains == finding.explains:
        return finding
    return dataclasses.replace(finding, severity=severity, explains=explains)


def _exit_code(result: LintResult, fail_on: Severity) -> int:
    if result.unreadable:
        return EXIT_USAGE
    if any(finding.severity.rank >= fail_on.rank for finding in flatten(result.findings)):
        return EXIT_FINDINGS
    return EXIT_CLEAN
