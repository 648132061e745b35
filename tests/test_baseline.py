"""Baselines as a user adopts xennet in an old repository: the first run records, later runs report only
what is new (surviving edits that shift lines), --update-baseline records again, a broken file is one line."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.baseline import fingerprint
from xennet.cli import main
from xennet.findings import Finding, Location, Severity


@pytest.fixture
def case(broken_copy: Path) -> Path:
    return broken_copy


def lint(*args: str):
    return CliRunner().invoke(main, ["lint", "--isolated", "broken", "--baseline", "baseline.json", *args])


def finding_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("broken/")]


def test_first_run_records_every_finding_and_reports_none(case):
    result = lint()
    assert result.exit_code == 0
    assert "baseline written: 12 findings in baseline.json" in result.output
    assert finding_lines(result.output) == []
    assert "No findings (0 errors, 0 warnings, 0 info) in 6 files" in result.output
    assert "(12 more in the baseline)." in result.output
    entries = json.loads((case / "baseline.json").read_text())["findings"]
    assert ("X101", "broken/web01.cfg", 7) in {(e["rule_id"], e["path"], e["line"]) for e in entries}


def test_later_runs_report_only_new_findings_even_after_lines_moved(case):
    lint()
    web02 = case / "broken" / "web02.cfg"
    web02.write_text("# moved everything down a line\n" + web02.read_text())
    web01 = case / "broken" / "web01.cfg"
    web01.write_text(web01.read_text().replace('mac=00:16:3e:4a:10:02', 'mac=01:16:3e:4a:10:02'))
    result = lint()
    assert [line.split()[2] for line in finding_lines(result.output)] == ["X111"]
    assert result.output.splitlines()[-1] == (
        "1 finding (1 error, 0 warnings, 0 info) in 6 files; 1 file not recognized and skipped (-v lists them)"
        " (12 more in the baseline).")
    assert result.exit_code == 1
    document = json.loads(lint("--format", "json").output)
    assert [finding["rule_id"] for finding in document["findings"]] == ["X111"]
    assert document["summary"]["left_out"] == {"suppressed": 0, "ignored": 0, "baselined": 12}


def test_unchanged_tree_is_clean_against_its_baseline(case):
    lint()
    result = lint()
    assert (result.exit_code, finding_lines(result.output)) == (0, [])
    assert "baseline written" not in result.output


def test_update_baseline_records_again(case):
    lint()
    (case / "broken" / "win01.cfg").unlink()
    result = lint("--update-baseline")
    assert "baseline written: 10 findings in baseline.json" in result.output
    assert len(json.loads((case / "baseline.json").read_text())["findings"]) == 10


def test_a_second_copy_of_a_baselined_problem_is_new(case):
    lint()
    web01 = case / "broken" / "web01.cfg"
    web01.write_text(web01.read_text().replace("rate=10MB", "rate=10MB,brige=xenbr1"))
    result = lint()
    assert [line.split()[2] for line in finding_lines(result.output)] == ["X101"]


def test_a_broken_baseline_is_one_line_and_exit_2(case):
    (case / "baseline.json").write_text("{\n  \"findings\": [\n")
    result = lint()
    assert result.exit_code == 2
    assert result.stderr.startswith("xennet: baseline.json:3: not a xennet baseline (invalid JSON;")
    (case / "baseline.json").write_text('{"findings": {}}')
    assert lint().stderr.startswith("xennet: baseline.json: not a xennet baseline (expected")


def test_update_baseline_needs_baseline(case):
    result = CliRunner().invoke(main, ["lint", "broken", "--update-baseline"])
    assert result.exit_code == 2 and "--update-baseline needs --baseline FILE" in result.output


def test_pcap_takes_a_baseline(tmp_path, monkeypatch):
    shutil.copy(FIXTURES / "pcap" / "ipv4-frag-tcp-df-incomplete.pcap", tmp_path)
    monkeypatch.chdir(tmp_path)
    args = ["pcap", "--isolated", "ipv4-frag-tcp-df-incomplete.pcap", "--baseline", "b.json"]
    assert "baseline written: 1 finding in b.json" in CliRunner().invoke(main, args).output
    second = CliRunner().invoke(main, args)
    assert "No findings" in second.output and "(1 more in the baseline)" in second.output


def test_fingerprint_ignores_line_numbers_but_not_rule_path_or_message():
    finding = Finding("X001", "duplicate-key", Severity.WARNING,
                      "`memory` is assigned 2 times: the one on line 4 has no effect (web02.cfg:4:1)",
                      Location("broken/web02.cfg", 5, 1))
    moved = dataclasses.replace(finding, location=Location("broken/web02.cfg", 9, 1),
                                message=finding.message.replace("4", "8"))
    assert fingerprint(finding) == fingerprint(moved)
    assert fingerprint(finding) != fingerprint(dataclasses.replace(finding, rule_id="X002"))
    assert fingerprint(finding) != fingerprint(dataclasses.replace(finding, location=Location("other.cfg", 5)))
    assert fingerprint(finding) != fingerprint(dataclasses.replace(finding, message=finding.message.replace("2", "3")))
    mac = dataclasses.replace(finding, message="`mac=00:16:3e:4a:10:01` repeats")
    assert fingerprint(mac) != fingerprint(dataclasses.replace(mac, message="`mac=00:16:3e:4a:10:02` repeats"))
