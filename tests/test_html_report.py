"""The --html report: its sections, escaping and SVG on fixture inputs, then the same reports opened in
headless Chromium (no console errors, root cause and pictures visible, a screenshot kept in
.artifacts/ for a human to look at)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_bundle_layouts import CAPTURES as DEMO_CAPTURES
from test_bundle_layouts import LAYOUTS

from conftest import FIXTURES, lint_files, write_files
from xennet.cli import main
from xennet.lint.runner import LintResult, lint_paths
from xennet.pcap.rules import p140_echo_unanswered
from xennet.registry import all_rules
from xennet.report.html_report import render_html

ARTIFACTS = Path(__file__).resolve().parent.parent / ".artifacts"
VLAN = FIXTURES / "hosts" / "vlan-bridge-nf"
CAPTURES = (FIXTURES / "pcap" / "pmtud-icmp-frag-needed-smtp.pcap",
            FIXTURES / "pcap" / "ipv4-frag-tcp-df-incomplete.pcap")
HOSTILE = "<script>alert(1)</script>"
SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[LintResult, str]]:
    """name -> (lint result, HTML) for a dom0 with two guests, the broken configs and some captures
    (with a ping capture where replies stop above 1500 bytes)."""
    pings = tmp_path_factory.mktemp("pings")
    ping_capture = write_files(pings, p140_echo_unanswered.BAD)
    inputs = {
        "vlan-bridge-nf": [VLAN / "dom0", VLAN / "guest3", VLAN / "guest4"],
        "broken": [FIXTURES / "broken"],
        "captures": [*CAPTURES, *ping_capture],
    }
    found = {}
    for name, paths in inputs.items():
        result = lint_paths([str(path) for path in paths], all_rules())
        found[name] = (result, render_html(result))
    return found


def test_every_section_is_there(reports: dict[str, tuple[LintResult, str]]) -> None:
    for name, (_, html) in reports.items():
        for section in ("summary", "root-causes", "topology", "findings", "inventory"):
            assert f'id="{section}"' in html, (name, section)
    captures = reports["captures"][1]
    assert 'id="ports"' in captures and 'id="echo-sizes"' in captures


def test_explained_findings_do_not_repeat_the_root_cause() -> None:
    """The demo's C101 lists every location and the fix once; N170, P120 and P140 under it show their
    own message and evidence, not the root cause's related locations nor a fix of their own."""
    result = lint_paths([str(FIXTURES / "demo")], all_rules())
    html = render_html(result)
    root_causes = html[html.index('id="root-causes"'):html.index('id="topology"')]
    explained = root_causes[root_causes.index('class="explained"'):]
    assert root_causes.count('class="fix"') == 1 and 'class="fix"' not in explained
    assert "lsmod:5:1</a>" in root_causes and "lsmod:5:1</a>" not in explained
    assert all(rule in explained for rule in ("N170", "P120", "P140"))


def test_root_cause_first_then_the_rest(reports: dict[str, tuple[LintResult, str]]) -> None:
    html = reports["vlan-bridge-nf"][1]
    root_causes = html[html.index('id="root-causes"'):html.index('id="topology"')]
    assert "N170" in root_causes and "bridge xenbr0 passes guest VLAN traffic" in root_causes
    assert "sysctl_-a:7:1</a>" in root_causes
    assert re.search(r'href="file:///[^"]*/sos_commands/kernel/sysctl_-a#L7"', root_causes)


def test_topology_shows_devices_guests_mtus_and_the_broken_bridge(
        reports: dict[str, tuple[LintResult, str]]) -> None:
    svg = SVG.search(reports["vlan-bridge-nf"][1].split('id="topology"')[1]).group()
    for name in ("peth0", "xenbr0", "vif3.0", "vif4.0", "guest3", "guest4", "MTU 1500", "eth0.3: MTU 1500"):
        assert name in svg
    broken = re.findall(r'<g class="box[^"]*broken[^"]*"><title>([^<]*)</title>', svg)
    assert "xenbr0" in broken and "vif3.0" not in broken


def test_histograms_mtu_line_and_ping_threshold(reports: dict[str, tuple[LintResult, str]]) -> None:
    html = reports["captures"][1]
    assert html.count('class="histogram"') == 3
    assert html.count(">MTU 1500</text>") == 3
    assert "replies stop above 1500" in html


def test_every_svg_is_well_formed(reports: dict[str, tuple[LintResult, str]]) -> None:
    for _, html in reports.values():
        for svg in SVG.findall(html):
            ET.fromstring(svg)


def test_self_contained(reports: dict[str, tuple[LintResult, str]]) -> None:
    for _, html in reports.values():
        assert "http://" not in html and "https://" not in html
        assert "<script" not in html.lower() and "<link" not in html.lower()


def test_strings_from_the_inputs_are_escaped(tmp_path: Path) -> None:
    result = lint_files(tmp_path, {"evil.cfg": f'name = "{HOSTILE}"\nvif = [ "mac=01:16:3e:4a:30:01" ]\n'})
    html = render_html(result)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for svg in SVG.findall(html):
        ET.fromstring(svg)


def test_cli_writes_the_report_next_to_the_normal_output(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    lint = CliRunner().invoke(main, ["lint", str(FIXTURES / "broken"), "--html", str(out)])
    assert lint.exit_code == 1 and "findings" in lint.output
    assert 'id="root-causes"' in out.read_text(encoding="utf-8")
    out.unlink()
    pcap = CliRunner().invoke(main, ["pcap", *map(str, CAPTURES), "--html", str(out)])
    assert pcap.exit_code == 0 and "largest IP" in pcap.output
    assert 'class="histogram"' in out.read_text(encoding="utf-8")


def test_cli_report_that_cannot_be_written_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["lint", str(FIXTURES / "broken"), "--html", str(tmp_path / "no" / "r.html")])
    assert result.exit_code == 2
    assert "cannot write the HTML report" in result.output
    assert "Traceback" not in result.output


def _chromium() -> str:
    """The browser, or skip (only when it is missing and cannot be installed: not root)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.skip("chromium is not installed and we are not root (sudo apt-get install -y chromium)")
    pytest.fail("chromium is missing: run scripts/system-deps.sh as root (apt-get install -y chromium)")


def _browse(browser: str, page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-extensions", "--hide-scrollbars", "--no-first-run", f"--user-data-dir={profile}",
               "--enable-logging=stderr", "--v=0", "--window-size=1280,2000", *action, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def _console_errors(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


EXPECTED_ON_SCREEN = {
    "vlan-bridge-nf": ("bridge xenbr0 passes guest VLAN traffic", '<svg class="topology"'),
    "broken": ("vif 1 of web01: `rate=10MB`", '<svg class="topology"'),
    "captures": ("echo request(s) unanswered", '<svg class="histogram"'),
}


def _screenshot(browser: str, page: Path, tmp_path: Path, name: str) -> subprocess.CompletedProcess[str]:
    """Render `page` to a PNG, check it has content, keep a copy in .artifacts/ to look at."""
    screenshot = tmp_path / name
    shot = _browse(browser, page, tmp_path / "profile", f"--screenshot={screenshot}")
    assert screenshot.exists() and screenshot.stat().st_size > 10_000, shot.stderr[-2000:]
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(screenshot, ARTIFACTS / screenshot.name)
    return shot


@pytest.mark.parametrize("name", sorted(EXPECTED_ON_SCREEN))
def test_report_in_headless_chromium(name: str, reports: dict[str, tuple[LintResult, str]], tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / f"{name}.html"
    page.write_text(reports[name][1], encoding="utf-8")
    shot = _screenshot(browser, page, tmp_path, f"html-report-{name}.png")
    dump = _browse(browser, page, tmp_path / "profile", "--dump-dom")
    assert dump.returncode == 0, dump.stderr[-2000:]
    root_cause, picture = EXPECTED_ON_SCREEN[name]
    dom = dump.stdout
    assert root_cause in dom.split('id="root-causes"')[1].split('id="topology"')[0]
    assert picture in dom
    assert _console_errors(shot.stderr + dump.stderr) == []


# Run in the browser on a copy of a report (the report itself has no script): what a user sees.
VISIBILITY_PROBE = """<script>
(() => {
  const shown = (element) => {
    if (!element) return false;
    const box = element.getBoundingClientRect(), style = getComputedStyle(element);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none";
  };
  const svg = document.querySelector("#topology svg.topology");
  const labels = svg ? [...svg.querySelectorAll("text")].filter(shown).map((t) => t.textContent) : [];
  const rootCause = [...document.querySelectorAll("#root-causes .root-cause > .head .rule")].filter(shown);
  const explained = [...document.querySelectorAll("#root-causes .root-cause .explained .rule")].filter(shown);
  const threshold = [...document.querySelectorAll("#echo-sizes svg text")].filter(shown).map((t) => t.textContent);
  document.body.dataset.probe = JSON.stringify({
    rootCause: rootCause.map((e) => e.textContent), explained: explained.map((e) => e.textContent),
    topology: shown(svg), labels, threshold,
  });
})();
</script>"""
PROBE = re.compile(r'data-probe="([^"]*)"')
DEMO_ARCHIVES = sorted((FIXTURES / "demo").glob("sosreport-*.tar.xz"))


def _layouts() -> dict[str, list[Path]]:
    """The field case in every bundle layout (tests/test_bundle_layouts.py), and as the demo's archives
    when they are there, each with the demo's captures."""
    layouts = {name: [*trees, DEMO_CAPTURES] for name, (trees, _) in LAYOUTS.items()}
    if DEMO_ARCHIVES:
        layouts["demo"] = [*DEMO_ARCHIVES, DEMO_CAPTURES]
    return layouts


@pytest.mark.parametrize("layout", sorted(_layouts()))
def test_bundle_layout_report_in_headless_chromium(layout: str, tmp_path: Path) -> None:
    browser = _chromium()
    report = tmp_path / f"{layout}.html"
    result = CliRunner().invoke(main, ["bundle", *map(str, _layouts()[layout]), "--html", str(report)])
    assert result.exit_code == 1, result.output
    page = tmp_path / f"{layout}-probed.html"
    page.write_text(report.read_text(encoding="utf-8").replace("</body>", VISIBILITY_PROBE + "</body>"),
                    encoding="utf-8")
    shot = _screenshot(browser, report, tmp_path, f"html-report-layout-{layout}.png")
    dump = _browse(browser, page, tmp_path / "profile", "--dump-dom")
    assert dump.returncode == 0, dump.stderr[-2000:]
    assert _console_errors(shot.stderr + dump.stderr) == []
    probe = json.loads(unescape(PROBE.search(dump.stdout).group(1)))
    assert probe["rootCause"] == ["C101"]
    assert probe["explained"] == ["N170", "P120", "P140"]
    assert probe["topology"] is True
    for label in ("xenbr0", "vif3.0", "vif4.0", "guest3", "guest4", "peth0"):
        assert label in probe["labels"], (label, probe["labels"])
    assert "replies stop above 1500" in probe["threshold"]
