"""SARIF 2.1.0 output (`--format sarif`), for GitHub code scanning and other SARIF viewers.

One run. Every finding is a result of its own, the findings a root cause explains included, so the
number of results is the number the text and JSON reports count. A root cause points at the findings
it explains with relatedLocations (message `explains ...`), and each explained finding points back at
its root cause (`explained by ...`). docs/output-formats.md describes the whole mapping.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from xennet import __version__, fingerprint
from xennet.exitcodes import EXIT_USAGE
from xennet.findings import Finding, Location, Severity, flatten
from xennet.registry import Rule, find_rule
from xennet.report.rules_doc import render_rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
TOOL_URI = "https://github.com/xennet/xennet"
RULE_DOCS_URL = f"{TOOL_URI}/blob/main/docs/rules"  # docs/rules/ID.md, one page per rule
SRCROOT = "%SRCROOT%"  # relative paths are relative to where xennet ran: the checkout in CI
FINGERPRINT_KEY = "xennetFingerprint/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

# Characters kept as they are in a URI: RFC 3986 unreserved (quote keeps those anyway), "/" and the
# sub-delims, "!" among them, so `bundle.tar.gz!/sos_commands/x` stays readable. ":" is not kept: in
# the first segment of a relative reference it would read as a scheme.
_URI_SAFE = "/!$&'()*+,;=@"


def rule_help_uri(rule_id: str) -> str:
    return f"{RULE_DOCS_URL}/{rule_id}.md"


def artifact_uri(path: str) -> str:
    """The SARIF `uri` of a path as xennet reports it.

    A relative path stays relative (to %SRCROOT%) and keeps its text, archive members included
    (`bundle.tar.gz!/sos_commands/x`, the `!/` of jar: URLs); only what a URI cannot hold is
    percent-encoded: spaces, `%`, `#`, `?`, `:`, non-ASCII (as UTF-8). An absolute path becomes a
    file: URI."""
    if path.startswith("/"):
        return "file://" + quote(path, safe=_URI_SAFE)
    return quote(path, safe=_URI_SAFE)


def artifact_location(path: str) -> dict[str, object]:
    location: dict[str, object] = {"uri": artifact_uri(path)}
    if not path.startswith("/"):
        location["uriBaseId"] = SRCROOT
    return location


def physical_location(location: Location) -> dict[str, object]:
    """The artifact and, when the finding is not about the whole file (line 0), the region; SARIF's
    columns, like xennet's, count characters from 1 and endColumn is exclusive."""
    physical: dict[str, object] = {"artifactLocation": artifact_location(location.path)}
    if location.line:
        region: dict[str, int] = {"startLine": location.line}
        if location.column:
            region["startColumn"] = location.column
        if location.end_line >= location.line:
            region["endLine"] = location.end_line
            if location.end_column and location.column:
                region["endColumn"] = location.end_column
        physical["region"] = region
    return physical


def fingerprint_identity(finding: Finding) -> str:
    """What identifies a finding across runs (xennet/fingerprint.py), with its path as given; the
    `/v1` in FINGERPRINT_KEY is bumped when that definition changes."""
    return fingerprint.identity(finding, finding.location.path)


def fingerprints(findings: Iterable[Finding]) -> dict[int, str]:
    """{id(finding): fingerprint} for every finding given (flatten them first).

    Two findings with the same identity (the same message twice in a file) get the same hash with an
    occurrence number appended in line order (`...:1`, `...:2`), as ruff does for GitLab; findings
    with a unique identity, nearly all, have no occurrence number."""
    findings = sorted(findings, key=lambda finding: finding.sort_key)
    identities = {id(finding): fingerprint_identity(finding) for finding in findings}
    totals = Counter(identities.values())
    seen: Counter[str] = Counter()
    result = {}
    for finding in findings:
        identity = identities[id(finding)]
        digest = fingerprint.digest(identity)[:32]
        seen[identity] += 1
        result[id(finding)] = f"{digest}:{seen[identity]}" if totals[identity] > 1 else digest
    return result


def rule_help_text(rule: Rule) -> str:
    """The plain-text help of a rule, for viewers that do not render markdown: what, why, the fix."""
    return f"{rule.summary}\n\n{rule.rationale.strip()}\n\nFix: {rule.fix}\n\nSee {rule_help_uri(rule.id)}"


def rule_descriptor(rule: Rule) -> dict[str, object]:
    return {
        "id": rule.id,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale.strip()},
        # the markdown is the rule's page, as `xennet explain` prints it and docs/rules/ID.md holds it
        "help": {"text": rule_help_text(rule), "markdown": render_rule(rule)},
        "helpUri": rule_help_uri(rule.id),
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
    }


def _rules_for(rules: Sequence[Rule], findings: Sequence[Finding]) -> list[Rule]:
    """The rules that ran, plus any rule a finding names that is not among them (SARIF wants every
    ruleId described), in the order given."""
    chosen = list(rules)
    known = {rule.id for rule in chosen}
    for finding in findings:
        if finding.rule_id not in known:
            rule = find_rule(finding.rule_id)
            if rule is not None:
                chosen.append(rule)
                known.add(rule.id)
    return chosen


def _related(finding: Finding, root: Finding | None) -> list[dict[str, object]]:
    """The finding's related locations, then the findings it explains, then its root cause."""
    entries: list[tuple[Location, str]] = [(loc, f"also involved in {finding.rule_id}") for loc in finding.related]
    entries += [(explained.location, f"explains {explained.rule_id} [{explained.slug}]: {explained.message}")
                for explained in finding.explains]
    if root is not None:
        entries.append((root.location, f"explained by {root.rule_id} [{root.slug}]: {root.message}"))
    return [{"id": index, "physicalLocation": physical_location(location), "message": {"text": text}}
            for index, (location, text) in enumerate(entries, 1)]


def _with_roots(findings: Sequence[Finding]) -> list[tuple[Finding, Finding | None]]:
    """Every finding, root causes followed by the findings they explain, each with its root cause."""
    pairs: list[tuple[Finding, Finding | None]] = []

    def visit(finding: Finding, root: Finding | None) -> None:
        pairs.append((finding, root))
        for explained in finding.explains:
            visit(explained, finding)

    for finding in findings:
        visit(finding, None)
    return pairs


def _result(finding: Finding, root: Finding | None, rule_index: dict[str, int], fingerprint: str) -> dict[str, object]:
    result: dict[str, object] = {
        "ruleId": finding.rule_id,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message},
        "locations": [{"physicalLocation": physical_location(finding.location)}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if finding.rule_id in rule_index:
        result["ruleIndex"] = rule_index[finding.rule_id]
    related = _related(finding, root)
    if related:
        result["relatedLocations"] = related
    properties = {"slug": finding.slug}
    properties |= {"fix": finding.fix} if finding.fix else {}
    properties |= {"evidence": list(finding.evidence)} if finding.evidence else {}
    result["properties"] = properties
    return result


def build(
    findings: Sequence[Finding], rules: Sequence[Rule], files: Sequence[str], exit_code: int
) -> dict[str, object]:
    """The SARIF log as a dict: see render()."""
    every = flatten(findings)
    described = _rules_for(rules, every)
    rule_index = {rule.id: index for index, rule in enumerate(described)}
    prints = fingerprints(every)
    results = [_result(finding, root, rule_index, prints[id(finding)]) for finding, root in _with_roots(findings)]
    run = {
        "tool": {"driver": {
            "name": "xennet",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": TOOL_URI,
            "rules": [rule_descriptor(rule) for rule in described],
        }},
        "invocations": [{"executionSuccessful": exit_code != EXIT_USAGE, "exitCode": exit_code}],
        "artifacts": [{"location": artifact_location(path), "roles": ["analysisTarget"]} for path in files],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(findings: Sequence[Finding], rules: Sequence[Rule], files: Sequence[str], exit_code: int) -> str:
    """SARIF 2.1.0 for `findings` (top-level findings, root causes carrying what they explain), the
    `rules` that ran, the `files` analyzed and the process's `exit_code` (2 = the run failed)."""
    return json.dumps(build(findings, rules, files, exit_code), indent=2, ensure_ascii=False)
