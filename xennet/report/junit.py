"""JUnit XML output (`--format junit`), for CI systems that show test reports (GitLab, Jenkins, Azure).

One <testsuite name="xennet">. A test case per (file, rule) pair that has findings: classname is the
file, name the rule ID; it fails (<failure type="error|warning">) when any of its findings is an error
or a warning, and its text lists every finding as `LINE:COL: severity message` with the related
locations, evidence and fix. A pair with only info findings passes and lists them in <system-out>:
info is advice, and a <skipped> case would say the check did not run. Every analyzed file without a
finding is one passing test case (name `xennet`), so that "N tests, M failures" counts files too.
Findings a root cause explains are counted like the others, under their own file and rule.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence

from xennet.findings import Finding, Severity, flatten
from xennet.registry import Rule
from xennet.report.text import safe

SUITE_NAME = "xennet"
CLEAN_CASE_NAME = "xennet"  # the test case of a file without findings: every rule passed


def _where(finding: Finding) -> str:
    location = finding.location
    if not location.line:
        return "(whole file)"
    return f"{location.line}:{location.column}" if location.column else str(location.line)


def _roots(findings: Sequence[Finding]) -> dict[int, Finding]:
    """{id(explained finding): the root cause that explains it}."""
    return {id(explained): finding for finding in flatten(findings) for explained in finding.explains}


def _describe(finding: Finding, root: Finding | None) -> str:
    lines = [f"{_where(finding)}: {finding.severity.value} {finding.message}"]
    lines += [f"    related: {location}" for location in finding.related]
    lines += [f"    explains: {explained.rule_id} at {explained.location}" for explained in finding.explains]
    if root is not None:
        lines.append(f"    explained by: {root.rule_id} at {root.location}")
    lines += [f"    evidence: {line}" for line in finding.evidence]
    if finding.fix:
        lines.append(f"    fix: {finding.fix}")
    return "\n".join(lines)


def _case(path: str, rule_id: str, group: list[Finding], roots: dict[int, Finding]) -> ET.Element:
    """The test case of one (file, rule) pair: failed by its errors and warnings, info in system-out."""
    case = ET.Element("testcase", classname=safe(path), name=rule_id)
    failing = [finding for finding in group if finding.severity is not Severity.INFO]
    body = safe("\n".join(_describe(finding, roots.get(id(finding))) for finding in group))
    if failing:
        worst = max(failing, key=lambda finding: finding.severity.rank)
        first = failing[0]
        message = f"{_where(first)}: {first.message}"
        if len(failing) > 1:
            message = f"{len(failing)} findings; first {message}"
        failure = ET.SubElement(case, "failure", message=safe(message), type=worst.severity.value)
        failure.text = body
    else:
        ET.SubElement(case, "system-out").text = body
    return case


def build(findings: Sequence[Finding], files: Sequence[str]) -> ET.Element:
    """The <testsuites> element: see the module docstring."""
    roots = _roots(findings)
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in sorted(flatten(findings), key=lambda finding: finding.sort_key):
        groups.setdefault((finding.location.path, finding.rule_id), []).append(finding)
    cases = [_case(path, rule_id, group, roots) for (path, rule_id), group in sorted(groups.items())]
    with_findings = {path for path, _rule_id in groups}
    cases += [ET.Element("testcase", classname=safe(path), name=CLEAN_CASE_NAME)
              for path in files if path not in with_findings]
    outcomes = Counter(child.tag for case in cases for child in case)
    counts = {"tests": str(len(cases)), "failures": str(outcomes["failure"]), "errors": "0", "skipped": "0"}
    suites = ET.Element("testsuites", name=SUITE_NAME, **counts)
    suite = ET.SubElement(suites, "testsuite", name=SUITE_NAME, **counts)
    suite.extend(cases)
    return suites


def render(findings: Sequence[Finding], rules: Sequence[Rule], files: Sequence[str], exit_code: int) -> str:
    """JUnit XML for `findings` (top-level findings, root causes carrying what they explain) and the
    `files` analyzed. `rules` and `exit_code` are not part of a JUnit report: the signature is the one
    every renderer has. Text from the inputs is shown with control characters as \\xNN (XML 1.0 cannot
    hold most of them)."""
    tree = build(findings, files)
    ET.indent(tree)
    return ET.tostring(tree, encoding="unicode", xml_declaration=True)
