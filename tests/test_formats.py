"""The machine formats (SARIF, JUnit, GitHub workflow commands) against the text and JSON reports.

Each format is read back the way a CI system reads it: SARIF validated against the official 2.1.0
schema, JUnit parsed with junitparser, workflow commands split and unescaped like the runner does.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import jsonschema
import pytest
from click.testing import CliRunner
from junitparser import Failure, JUnitXml

from xennet.cli import main
from xennet.findings import Finding, Location, Severity, flatten
from xennet.lint.runner import LintResult, lint_paths
from xennet.registry import Rule, select_rules
from xennet.report import github, json_report, junit, sarif, text

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "fixtures/schemas/sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
# RFC 3986 URI-reference characters: the schema's "format": "uri-reference", which jsonschema checks
# only with an optional package installed, so the tests check it themselves.
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")
TEXT_HEAD = re.compile(r"^\s*(?P<path>.+?)(?::(?P<line>\d+))?(?::\d+)?: (?:error|warning|info) (?P<id>[A-Z]\d+) \[")
JUNIT_LINE = re.compile(r"^(?:(?P<line>\d+)(?::\d+)?|\(whole file\)): (?:error|warning|info) ")
COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<properties>[^:]*)::(?P<message>.*)$")

Key = tuple[str, str, int]  # (rule ID, path, line): what every format must agree on


@pytest.fixture(scope="module")
def rules() -> list[Rule]:
    return select_rules()


@pytest.fixture(scope="module", params=["fixtures/broken", "fixtures/demo"])
def linted(request: pytest.FixtureRequest, rules: list[Rule]) -> LintResult:
    """A sample config repo linted as the CLI does, from the project root (paths as a CI job gives them)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        return lint_paths([request.param], rules)


def expected_keys(findings: list[Finding]) -> Counter[Key]:
    return Counter((f.rule_id, f.location.path, f.location.line) for f in flatten(findings))


def text_keys(result: LintResult) -> Counter[Key]:
    lines = "\n".join(text.format_finding(finding, color=False) for finding in result.findings).splitlines()
    heads = [match for match in map(TEXT_HEAD.match, lines) if match]
    return Counter((m["id"], m["path"], int(m["line"] or 0)) for m in heads)


def json_keys(result: LintResult) -> Counter[Key]:
    document = json.loads(json_report.render(result.findings, result.model.analyzed, result.model.skipped))

    def walk(items: list[dict]) -> list[dict]:
        return [x for item in items for x in (item, *walk(item.get("explains", [])))]

    return Counter((f["rule_id"], f["location"]["path"], f["location"]["line"]) for f in walk(document["findings"]))


def sarif_keys(output: str) -> Counter[Key]:
    results = json.loads(output)["runs"][0]["results"]
    return Counter((r["ruleId"], unquote(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]),
                    r["locations"][0]["physicalLocation"].get("region", {}).get("startLine", 0)) for r in results)


def read_junit(output: str, tmp_path: Path) -> JUnitXml:
    """The report as a CI system reads it: a file parsed by junitparser."""
    report = tmp_path / "xennet-junit.xml"
    report.write_text(output, encoding="utf-8")
    return JUnitXml.fromfile(str(report))


def junit_keys(report: JUnitXml) -> Counter[Key]:
    """One key per finding line in the failures' text and in system-out (info-only cases)."""
    keys: Counter[Key] = Counter()
    for suite in report:
        for case in suite:
            body = "\n".join(r.text or "" for r in case.result if isinstance(r, Failure)) or case.system_out or ""
            for match in map(JUNIT_LINE.match, body.splitlines()):
                if match:
                    keys[(case.name, case.classname, int(match["line"] or 0))] += 1
    return keys


def unescape_property(value: str) -> str:
    """The runner's reading of a property value (the reverse of actions/toolkit's escapeProperty)."""
    for escaped, plain in (("%2C", ","), ("%3A", ":"), ("%0A", "\n"), ("%0D", "\r"), ("%25", "%")):
        value = value.replace(escaped, plain)
    return value


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    match = COMMAND.match(line)
    assert match, f"not a workflow command: {line!r}"
    properties = dict(item.split("=", 1) for item in match["properties"].split(","))
    return match["level"], {key: unescape_property(value) for key, value in properties.items()}, match["message"]


def github_keys(output: str) -> Counter[Key]:
    keys: Counter[Key] = Counter()
    for line in output.splitlines():
        _level, properties, _message = parse_command(line)
        rule_id = properties["title"].split(" ", 1)[0]
        keys[(rule_id, properties["file"], int(properties.get("line", 0)))] += 1
    return keys


def render(module: object, result: LintResult, rules: list[Rule], exit_code: int = 1) -> str:
    return module.render(result.findings, rules, result.model.analyzed, exit_code)  # type: ignore[attr-defined]


def test_every_format_carries_the_same_findings(linted: LintResult, rules: list[Rule], tmp_path: Path) -> None:
    expected = expected_keys(linted.findings)
    assert expected, "the sample repo must have findings for this comparison to mean anything"
    assert text_keys(linted) == expected
    assert json_keys(linted) == expected
    assert sarif_keys(render(sarif, linted, rules)) == expected
    assert junit_keys(read_junit(render(junit, linted, rules), tmp_path)) == expected
    assert github_keys(render(github, linted, rules)) == expected


def test_sarif_validates_against_the_official_schema(linted: LintResult, rules: list[Rule]) -> None:
    document = json.loads(render(sarif, linted, rules))
    validator_class = jsonschema.validators.validator_for(SCHEMA)
    assert validator_class is jsonschema.Draft4Validator  # what the schema's $schema declares
    validator_class.check_schema(SCHEMA)
    validator = validator_class(SCHEMA)
    errors = [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(document)]
    assert errors == []
    run = document["runs"][0]
    uris = [location["physicalLocation"]["artifactLocation"]["uri"]
            for result in run["results"] for location in [*result["locations"], *result.get("relatedLocations", [])]]
    uris += [artifact["location"]["uri"] for artifact in run["artifacts"]]
    assert [uri for uri in uris if not URI_REFERENCE.fullmatch(uri)] == []


def test_the_schema_check_rejects_a_broken_log(rules: list[Rule]) -> None:
    """The validation above can fail: a level SARIF does not have, a result without a message."""
    finding = Finding("X101", "vif-unknown-key", Severity.WARNING, "m", Location("a.cfg", 1, 1))
    document = json.loads(sarif.render([finding], rules, ["a.cfg"], 1))
    document["runs"][0]["results"][0]["level"] = "fatal"
    del document["runs"][0]["results"][0]["message"]
    validator = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)
    assert len(list(validator.iter_errors(document))) == 2


def test_sarif_rules_results_and_invocation(rules: list[Rule]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        result = lint_paths(["fixtures/demo"], rules)
    run = json.loads(render(sarif, result, rules, exit_code=2))["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": False, "exitCode": 2}]
    driver_rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in driver_rules] == [rule.id for rule in rules]
    c101 = driver_rules[[rule.id for rule in rules].index("C101")]
    assert c101["name"] == "bridge-nf-drops-reassembled"
    assert c101["helpUri"] == "https://github.com/xennet/xennet/blob/main/docs/rules/C101.md"
    assert c101["defaultConfiguration"] == {"level": "error"}
    assert c101["help"]["markdown"].startswith("# C101 bridge-nf-drops-reassembled")
    assert {rule["defaultConfiguration"]["level"] for rule in driver_rules} <= {"error", "warning", "note"}

    results = run["results"]
    assert [r["ruleId"] for r in results] == ["C101", "N170", "P120", "P140"]
    for r in results:
        assert driver_rules[r["ruleIndex"]]["id"] == r["ruleId"]
    root = results[0]
    explains = [loc for loc in root["relatedLocations"] if loc["message"]["text"].startswith("explains ")]
    assert [loc["message"]["text"].split(" ")[1] for loc in explains] == ["N170", "P120", "P140"]
    assert len({loc["id"] for loc in root["relatedLocations"]}) == len(root["relatedLocations"])
    assert root["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "fixtures/demo/sosreport-dom0.tar.xz!/sos_commands/kernel/sysctl_-a",
                             "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 7, "startColumn": 1, "endLine": 7, "endColumn": 39},
    }
    p120 = results[2]
    assert p120["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "fixtures/demo/captures/vif3.0.pcap", "uriBaseId": "%SRCROOT%"}}
    assert p120["relatedLocations"][-1]["message"]["text"].startswith("explained by C101 [bridge-nf-drops-reassembled]")
    counts = json.loads(json_report.render(result.findings, result.model.analyzed, []))["summary"]["counts"]
    assert len(results) == sum(counts.values())


@pytest.mark.parametrize(("path", "uri"), [
    ("fixtures/demo/bundle.tar.gz!/sos_commands/x", "fixtures/demo/bundle.tar.gz!/sos_commands/x"),
    ("my case/a#b?.cfg", "my%20case/a%23b%3F.cfg"),
    ("c:d/100%.cfg", "c%3Ad/100%25.cfg"),
    ("gäste/x", "g%C3%A4ste/x"),
    ("/srv/case/dom0.tar.xz!/etc/xen/g", "file:///srv/case/dom0.tar.xz!/etc/xen/g"),
])
def test_artifact_uri_keeps_the_path_readable_and_valid(path: str, uri: str) -> None:
    assert sarif.artifact_uri(path) == uri
    assert URI_REFERENCE.fullmatch(uri)
    assert unquote(uri.removeprefix("file://")) == path


def lint_copy(folder: Path) -> dict[tuple[str, str, str], str]:
    """{(rule ID, path, message without digits): fingerprint} of `folder` linted as `broken`."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder.parent)
        rules = select_rules()
        result = lint_paths([folder.name], rules)
        run = json.loads(sarif.render(result.findings, rules, result.model.analyzed, 1))["runs"][0]
    return {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             re.sub(r"\d+", "#", r["message"]["text"])): r["partialFingerprints"][sarif.FINGERPRINT_KEY]
            for r in run["results"]}


def test_fingerprints_survive_runs_and_shifted_lines(tmp_path: Path) -> None:
    case = tmp_path / "broken"
    shutil.copytree(ROOT / "fixtures/broken", case)
    first = lint_copy(case)
    assert len(set(first.values())) == len(first) > 0
    assert lint_copy(case) == first
    # web02.cfg's X113 relates to web01.cfg; its X001 quotes "line 4" of web02.cfg itself
    for name in ("web01.cfg", "web02.cfg"):
        file = case / name
        file.write_text("\n" + file.read_text(encoding="utf-8"), encoding="utf-8")
        assert lint_copy(case) == first, f"a blank line at the top of {name} changed fingerprints"


def finding(rule_id: str, path: str, line: int, message: str, severity: Severity = Severity.WARNING,
            related: tuple[Location, ...] = ()) -> Finding:
    return Finding(rule_id, "slug", severity, message, Location(path, line, 1), related=related)


def test_fingerprint_identity_ignores_quoted_lines_not_other_numbers() -> None:
    quoting = finding("N170", "dom0/sysctl", 7, "conntrack is loaded (lsmod:5), see line 9",
                      related=(Location("dom0/lsmod", 5),))
    shifted = finding("N170", "dom0/sysctl", 8, "conntrack is loaded (lsmod:6), see line 10",
                      related=(Location("dom0/lsmod", 6),))
    assert sarif.fingerprint_identity(quoting) == sarif.fingerprint_identity(shifted)
    assert sarif.fingerprint_identity(finding("X101", "a.cfg", 3, "vif 0 of web")) != sarif.fingerprint_identity(
        finding("X101", "a.cfg", 3, "vif 1 of web"))
    twins = [finding("X101", "a.cfg", 9, "same"), finding("X101", "a.cfg", 2, "same")]
    prints = sarif.fingerprints(twins)
    assert prints[id(twins[1])].endswith(":1") and prints[id(twins[0])].endswith(":2")
    assert sarif.fingerprints(list(reversed(twins))) == prints


def test_junit_counts_read_back_with_junitparser(linted: LintResult, rules: list[Rule], tmp_path: Path) -> None:
    report = read_junit(render(junit, linted, rules), tmp_path)
    every = flatten(linted.findings)
    pairs = {(f.location.path, f.rule_id) for f in every}
    failing = {(f.location.path, f.rule_id) for f in every if f.severity is not Severity.INFO}
    clean = set(linted.model.analyzed) - {path for path, _ in pairs}
    suites = list(report)
    assert [suite.name for suite in suites] == ["xennet"]
    assert (report.tests, report.failures, report.errors) == (len(pairs) + len(clean), len(failing), 0)
    assert (suites[0].tests, suites[0].failures) == (report.tests, report.failures)
    cases = list(suites[0])
    assert {(case.classname, case.name) for case in cases if case.name != junit.CLEAN_CASE_NAME} == pairs
    assert {case.classname for case in cases if case.is_passed and case.name == junit.CLEAN_CASE_NAME} == clean


def test_junit_info_passes_with_system_out_and_clean_files_count(tmp_path: Path) -> None:
    findings = [
        finding("X101", "a.cfg", 3, "unknown key", Severity.ERROR),
        finding("N180", "a.cfg", 4, "drops seen\x1b[31m", Severity.INFO),
        finding("X130", "b.cfg", 2, "first"),
        finding("X130", "b.cfg", 5, "second"),
    ]
    report = read_junit(junit.render(findings, [], ["a.cfg", "b.cfg", "c.cfg"], 1), tmp_path)
    assert (report.tests, report.failures, report.errors, report.skipped) == (4, 2, 0, 0)
    cases = {(case.classname, case.name): case for suite in report for case in suite}
    assert set(cases) == {("a.cfg", "X101"), ("a.cfg", "N180"), ("b.cfg", "X130"), ("c.cfg", "xennet")}
    info = cases[("a.cfg", "N180")]
    assert info.is_passed and info.system_out == "4:1: info drops seen\\x1b[31m"  # control characters escaped
    failure = cases[("b.cfg", "X130")].result[0]
    assert (failure.type, failure.message) == ("warning", "2 findings; first 2:1: first")
    assert failure.text == "2:1: warning first\n5:1: warning second"
    assert cases[("c.cfg", "xennet")].is_passed


def test_github_lines_exact(rules: list[Rule]) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        broken = lint_paths(["fixtures/broken"], rules)
        demo = lint_paths(["fixtures/demo"], rules)
    lines = render(github, broken, rules).splitlines() + render(github, demo, rules).splitlines()
    assert len(lines) == len(flatten(broken.findings)) + len(flatten(demo.findings))
    assert (
        "::warning file=fixtures/broken/web01.cfg,line=7,col=32,endLine=7,endColumn=44,title=X101 vif-unknown-key"
        "::vif 0 of web01: `brige=xenbr0`: unknown vif key `brige`; xl ignores it; did you mean `bridge`?"
    ) in lines
    assert (
        "::error file=fixtures/demo/sosreport-dom0.tar.xz!/sos_commands/kernel/sysctl_-a,line=7,col=1,endLine=7,"
        "endColumn=39,title=N170 bridge-nf-fragments::bridge xenbr0 passes guest VLAN traffic"
    ) in {line.split(" (guest3", 1)[0] for line in lines}
    assert (
        "::error file=fixtures/demo/captures/vif3.0.pcap,title=P140 echo-unanswered::vif3.0: 198.18.3.3 -> 198.18.3.4:"
        " 5 of 11 echo request(s) unanswered: answered up to IP length 1500, none from 1501 up"
    ) in lines


def test_github_escapes_message_and_properties() -> None:
    odd = Finding("X101", "vif-unknown-key", Severity.INFO, "100% lost\r\nnext: a,b",
                  Location("case,1/host:a/100%.cfg", 3, 5))
    line = github.render([odd], [], [], 0)
    assert line == "::notice file=case%2C1/host%3Aa/100%25.cfg,line=3,col=5,title=X101 vif-unknown-key" \
                   "::100%25 lost%0D%0Anext: a,b"
    assert len(line.splitlines()) == 1
    assert parse_command(line)[1]["file"] == "case,1/host:a/100%.cfg"


@pytest.mark.parametrize("command", [["lint", "fixtures/broken"], ["bundle", "fixtures/demo"]])
def test_the_cli_prints_the_same_findings_in_every_format(command: list[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`xennet lint|bundle --format F` on a sample repo: the same findings whatever F, the same exit status,
    and the SARIF log valid."""
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    runner = CliRunner()
    outputs = {fmt: runner.invoke(main, [command[0], "--format", fmt, "--color", "never", *command[1:]])
               for fmt in ("json", "sarif", "junit", "github")}
    assert {fmt: output.exit_code for fmt, output in outputs.items()} == dict.fromkeys(outputs, 1)
    document = json.loads(outputs["json"].output)
    expected = Counter((f["rule_id"], f["location"]["path"], f["location"]["line"])
                       for finding in document["findings"] for f in _flattened(finding))
    assert expected and sarif_keys(outputs["sarif"].output) == expected
    assert junit_keys(read_junit(outputs["junit"].output, tmp_path)) == expected
    assert github_keys(outputs["github"].output) == expected
    log = json.loads(outputs["sarif"].output)
    assert list(jsonschema.validators.validator_for(SCHEMA)(SCHEMA).iter_errors(log)) == []
    assert log["runs"][0]["invocations"][0]["exitCode"] == 1


def _flattened(finding: dict) -> list[dict]:
    return [finding, *(inner for explained in finding.get("explains", []) for inner in _flattened(explained))]
