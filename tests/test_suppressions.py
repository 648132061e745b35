"""Inline suppressions as a user writes them: `# xennet: disable=...` comments in copies of the real
fixtures (xl, xm, SXP, ifcfg), what `xennet lint` then prints, E007/E008 and --no-suppressions."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main
from xennet.findings import Finding, Location, Severity
from xennet.suppress import Suppression, apply, scan


@pytest.fixture
def broken(tmp_path, monkeypatch) -> Path:
    """A copy of fixtures/broken, with the tmp folder as the current folder (paths print relative)."""
    shutil.copytree(FIXTURES / "broken", tmp_path / "broken")
    monkeypatch.chdir(tmp_path)
    return tmp_path / "broken"


def edit_line(path: Path, number: int, change) -> None:
    lines = path.read_text().splitlines(keepends=True)
    lines[number - 1] = change(lines[number - 1])
    path.write_text("".join(lines))


def insert_line(path: Path, number: int, text: str) -> None:
    edit_line(path, number, lambda line: text + "\n" + line)


def trailing(comment: str):
    return lambda line: line.rstrip("\n") + "  " + comment + "\n"


def lint(*args: str):
    return CliRunner().invoke(main, ["lint", "--isolated", *args])


def hits(output: str) -> list[str]:
    """`ID path:line` of each finding line printed."""
    found = []
    for line in output.splitlines():
        parts = line.split()
        if len(parts) > 2 and parts[1] in ("error", "warning", "info"):
            location = parts[0].rstrip(":").rsplit(":", 1)[0]
            found.append(f"{parts[2]} {location}")
    return found


def test_trailing_comment_suppresses_its_line_and_v_shows_the_reason(broken):
    edit_line(broken / "web01.cfg", 7, trailing("# xennet: disable=X101 -- xl ignores it, fixed in the next release"))
    result = lint("broken", "-v")
    assert "X101 broken/web01.cfg:7" not in hits(result.output)
    assert "X120 broken/web01.cfg:8" in hits(result.output)  # the next line is not covered
    assert ("suppressed: broken/web01.cfg:7:32 X101 by broken/web01.cfg:7 -- xl ignores it, fixed in the next"
            " release") in result.output
    assert "E007" not in result.output
    assert "11 findings (6 errors, 5 warnings, 0 info)" in result.output


def test_comment_on_the_line_above_covers_the_next_line_by_slug(broken):
    insert_line(broken / "web01.cfg", 8, "        # xennet: disable=vif-rate-invalid")
    result = lint("broken")
    assert not [hit for hit in hits(result.output) if hit.startswith("X120")]
    assert "X101 broken/web01.cfg:7" in hits(result.output)
    assert result.exit_code == 1  # other errors remain
    summary = json.loads(lint("broken", "--format", "json").output)["summary"]
    assert summary["left_out"] == {"suppressed": 1, "ignored": 0, "baselined": 0}


def test_a_trailing_comment_does_not_cover_the_next_line(broken):
    edit_line(broken / "web01.cfg", 7, trailing("# xennet: disable=X101,X120"))
    result = lint("broken")
    assert "X120 broken/web01.cfg:8" in hits(result.output)
    assert ("broken/web01.cfg:7:48: warning E007 [unused-suppression] `# xennet: disable=X101,X120` suppresses"
            " nothing: no X120 finding on this line") in result.output


def test_disable_file_with_a_family_prefix_in_an_xm_python_config(broken):
    insert_line(broken / "legacy-mail", 1, "# xennet: disable-file=X1")
    result = lint("broken")
    assert not [hit for hit in hits(result.output) if "legacy-mail" in hit]
    assert "X126 broken/web02.cfg:8" in hits(result.output)  # its related location in legacy-mail does not matter


def test_sxp_comment_suppresses_a_syntax_error(broken):
    edit_line(broken / "xend-config.sxp", 4, trailing("# xennet: disable=E001 -- libvirt reads it"))
    result = lint("broken/xend-config.sxp", "-v")
    assert result.exit_code == 0
    assert ("suppressed: broken/xend-config.sxp:4:1 E001 by broken/xend-config.sxp:4 -- libvirt reads it"
            in result.output)
    assert "No findings" in result.output


def test_ifcfg_comment_suppresses_only_the_rule_it_names(tmp_path, monkeypatch):
    shutil.copytree(FIXTURES / "hosts" / "mtu-mismatch", tmp_path / "case")
    monkeypatch.chdir(tmp_path)
    ifcfg = tmp_path / "case/dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1"
    insert_line(ifcfg, 7, "# xennet: disable=N131 -- jumbo frames arrive with the new NIC")
    result = lint("case/dom0", "case/guest-nfs01")
    found = hits(result.output)
    assert "N134 case/dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1:8" in found
    assert not [hit for hit in found if hit.startswith("N131")]


def test_unused_and_unknown_codes_are_findings(broken):
    insert_line(broken / "web02.cfg", 1, "# xennet: disable=X999,vif-mac-zero")
    insert_line(broken / "win01.cfg", 1, "# xennet: disabel=X111")
    result = lint("broken")
    assert ("broken/web02.cfg:1:1: warning E008 [invalid-suppression] `# xennet: disable=X999,vif-mac-zero` names no"
            " rule: X999 (see `xennet rules`)") in result.output
    assert ("broken/web02.cfg:1:1: warning E007 [unused-suppression] `# xennet: disable=X999,vif-mac-zero` suppresses"
            " nothing: no vif-mac-zero finding on this line or the next") in result.output
    assert "broken/win01.cfg:1:1: warning E008 [invalid-suppression] `# xennet: disabel=X111` is not" in result.output
    assert "X111 broken/win01.cfg:6" in hits(result.output)  # the misspelt directive suppressed nothing


def test_a_comment_for_a_rule_that_did_not_run_is_not_unused(broken):
    edit_line(broken / "web01.cfg", 7, trailing("# xennet: disable=X101"))
    result = lint("broken", "--select", "E,X12")
    assert "E007" not in result.output


def test_no_suppressions_shows_everything(broken):
    edit_line(broken / "web01.cfg", 7, trailing("# xennet: disable=X101"))
    insert_line(broken / "web02.cfg", 1, "# xennet: disable=X999")
    result = lint("broken", "--no-suppressions")
    assert "X101 broken/web01.cfg:7" in hits(result.output)
    assert "E007" not in result.output and "E008" not in result.output


def test_unused_suppression_can_be_ignored_like_any_rule(broken):
    insert_line(broken / "web02.cfg", 1, "# xennet: disable=X112")
    assert "E007" in lint("broken").output
    assert "E007" not in lint("broken", "--ignore", "unused-suppression").output


def _finding(rule_id: str, line: int, explains: tuple[Finding, ...] = ()) -> Finding:
    return Finding(rule_id, rule_id.lower(), Severity.ERROR, "m", Location("f", line), explains=explains)


def test_suppressing_a_root_cause_reports_what_it_explained_on_its_own():
    explained = _finding("N170", 9)
    root = _finding("C101", 3, (explained,))
    kept, suppressed = apply([root], [Suppression(Location("f", 3, 1), ("C101",))])
    assert kept == [explained]
    assert [item.finding.rule_id for item in suppressed] == ["C101"]


def test_suppressing_an_explained_finding_keeps_its_root_cause():
    root = _finding("C101", 3, (_finding("N170", 9), _finding("P120", 12)))
    kept, _ = apply([root], [Suppression(Location("f", 9, 1), ("N170",), own_line=True)])
    assert [f.rule_id for f in kept] == ["C101"]
    assert [f.rule_id for f in kept[0].explains] == ["P120"]


@pytest.mark.parametrize(
    ("line", "codes", "reason"),
    [
        ("vif = []  #xennet:disable=X101", ("X101",), ""),
        ("# xennet: disable = X101, vif-mac-invalid -- see ticket 42", ("X101", "vif-mac-invalid"), "see ticket 42"),
        ("MTU=9000 # xennet: disable-file=N13--why not", ("N13",), "why not"),
    ],
)
def test_comment_forms(line, codes, reason):
    (suppression,), bad = scan(line + "\n", "f")
    assert (suppression.codes, suppression.reason, bad) == (codes, reason, [])
