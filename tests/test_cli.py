"""The CLI as a user runs it: golden text and JSON output on fixtures/broken, exit codes, rule docs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main
from xennet.registry import all_rules

ROOT = FIXTURES.parent
GOLDEN = Path(__file__).resolve().parent / "golden"

# What a reviewer of fixtures/broken expects, finding by finding: (rule, file:line:col).
EXPECTED = [
    ("X003", "fixtures/broken/db01.cfg:3:15"),
    ("X130", "fixtures/broken/legacy-mail:5:1"),
    ("X123", "fixtures/broken/legacy-mail:6:48"),
    ("X101", "fixtures/broken/web01.cfg:7:32"),
    ("X120", "fixtures/broken/web01.cfg:8:46"),
    ("X001", "fixtures/broken/web02.cfg:5:1"),
    ("X113", "fixtures/broken/web02.cfg:8:10"),
    ("X103", "fixtures/broken/web02.cfg:8:33"),
    ("X126", "fixtures/broken/web02.cfg:8:48"),
    ("X111", "fixtures/broken/win01.cfg:5:10"),
    ("X124", "fixtures/broken/win01.cfg:5:58"),
    ("E001", "fixtures/broken/xend-config.sxp:4:1"),
]


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_text_output_matches_golden():
    result = invoke("lint", "fixtures/broken")
    assert result.exit_code == 1
    assert result.output == (GOLDEN / "broken.txt").read_text()


def test_text_output_lines_name_rule_and_location():
    result = invoke("lint", "fixtures/broken")
    heads = [line for line in result.output.splitlines() if not line.startswith((" ", "12 findings"))]
    assert [(line.split()[2], line.split(": ")[0]) for line in heads] == EXPECTED
    assert "did you mean `bridge`?" in result.output
    assert "related: fixtures/broken/web01.cfg:7:10" in result.output  # the other copy of the MAC
    assert result.output.endswith(
        "12 findings (6 errors, 6 warnings, 0 info) in 6 files; "
        "1 file not recognized and skipped (-v lists them).\n"
    )


def test_json_output_matches_golden_and_schema():
    result = invoke("lint", "--format", "json", "fixtures/broken")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document == json.loads((GOLDEN / "broken.json").read_text())
    assert document["version"] == 1
    found = [
        (f["rule_id"], "{path}:{line}:{column}".format(**f["location"])) for f in document["findings"]
    ]
    assert found == EXPECTED
    assert document["summary"]["counts"] == {"info": 0, "warning": 6, "error": 6}
    assert document["summary"]["left_out"] == {"suppressed": 0, "ignored": 0, "baselined": 0}
    assert document["summary"]["files_skipped"] == [
        {"path": "fixtures/broken/README", "reason": "not a Xen config or a network source xennet reads"}
    ]
    for finding in document["findings"]:
        assert set(finding) == {"rule_id", "slug", "severity", "message", "location", "related", "evidence", "fix"}


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--fail-on", "error"], 1),
        (["--ignore", "E,X1"], 0),  # only warnings left (X001, X003, X130)
        (["--ignore", "E,X1", "--fail-on", "warning"], 1),
        (["--select", "X001"], 0),
        (["--select", "duplicate-key", "--fail-on", "warning"], 1),
    ],
)
def test_exit_codes_follow_fail_on_and_selection(args, code):
    assert invoke("lint", *args, "fixtures/broken").exit_code == code


def test_select_by_family_slug_and_id():
    result = invoke("lint", "--format", "json", "--select", "X11,vif-unknown-key", "fixtures/broken")
    assert sorted({f["rule_id"] for f in json.loads(result.output)["findings"]}) == ["X101", "X111", "X113"]


def test_unknown_rule_code_is_a_usage_error():
    result = CliRunner().invoke(main, ["lint", "--select", "X999", "fixtures/broken"])
    assert result.exit_code == 2
    assert "unknown rule code(s): X999" in result.output


def test_clean_file_exits_0():
    result = invoke("lint", "fixtures/xl/xen-xlexample.pvlinux.cfg")
    assert result.exit_code == 0
    assert result.output == "No findings (0 errors, 0 warnings, 0 info) in 1 file.\n"


def test_rules_lists_every_rule():
    result = invoke("rules")
    lines = result.output.splitlines()
    assert len(lines) == len(all_rules())
    assert lines[0].split()[:3] == ["E001", "syntax-error", "error"]
    listed = json.loads(invoke("rules", "--format", "json").output)
    assert [entry["id"] for entry in listed] == [rule.id for rule in all_rules()]


def test_explain_by_id_and_slug_prints_examples():
    by_id = invoke("explain", "X101").output
    assert by_id == invoke("explain", "vif-unknown-key").output
    assert by_id.startswith("# X101 vif-unknown-key\n\nDefault severity: warning\n")
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix"):
        assert f"\n## {heading}\n" in by_id
    assert "brige" in by_id  # the bad example


def test_explain_unknown_rule():
    result = CliRunner().invoke(main, ["explain", "nope"])
    assert result.exit_code == 2
    assert "unknown rule 'nope'" in result.output


def test_console_script_runs():
    """The installed entry point, as a user calls it (no click test runner in between)."""
    script = Path(sys.executable).with_name("xennet")
    completed = subprocess.run([str(script), "lint", "fixtures/broken"], capture_output=True, text=True, check=False)
    assert completed.returncode == 1
    assert completed.stdout == (GOLDEN / "broken.txt").read_text()
    assert completed.stderr == ""


def test_readme_shows_the_real_demo_output_and_every_rule():
    readme = (ROOT / "README.md").read_text()
    assert (GOLDEN / "broken.txt").read_text() in readme
    for rule in all_rules():
        assert f"| {rule.id} | `{rule.slug}` | {rule.severity.value} |" in readme


@pytest.mark.parametrize("command", [
    ["lint", "fixtures/hosts/vlan-bridge-nf/dom0", "fixtures/hosts/vlan-bridge-nf/guest3",
     "fixtures/hosts/vlan-bridge-nf/guest4"],
    ["model", "fixtures/hosts/vlan-bridge-nf/dom0", "fixtures/hosts/vlan-bridge-nf/guest3"],
])
def test_readme_examples_are_real_output(command: list[str]) -> None:
    """The README's `xennet lint` and `xennet model` examples of the field case are what xennet prints
    (the model example shows the first lines)."""
    output = invoke(*command).output
    shown = "\n".join(output.splitlines()[:16]) + "\n" if command[0] == "model" else output
    assert f"$ xennet {' '.join(command)}\n{shown}" in (ROOT / "README.md").read_text()
