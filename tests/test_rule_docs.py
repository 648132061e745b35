"""docs/rules is what the registry generates, `xennet explain` prints the same page, and the pages show
what xennet really reports on each rule's examples."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from xennet.cli import main
from xennet.registry import ROOT_CAUSE_FAMILY, all_rules, find_rule
from xennet.report.rules_doc import INDEX, REGENERATE, render_rule, rule_docs, stale_docs

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "rules"
SCRIPT = ROOT / "scripts" / "rule_docs.py"
RULES = all_rules()


@pytest.fixture(scope="module")
def docs() -> dict[str, str]:
    return rule_docs()


def test_generated_docs_are_current(docs):
    stale = stale_docs(DOCS, docs)
    assert not stale, f"docs/rules is stale ({', '.join(stale)}): regenerate it with `{REGENERATE}`"


def test_generation_is_deterministic(docs):
    """Temporary folders must not leak into the pages: a second run gives the same bytes."""
    assert rule_docs() == docs
    leaked = [name for name, content in docs.items() if re.search(r"/tmp|xennet-example-|/work/", content)]
    assert leaked == []


def test_every_rule_has_a_page_linked_from_the_index(docs):
    assert list(docs) == [INDEX, *(f"{rule.id}.md" for rule in RULES)]
    for rule in RULES:
        assert f"| [{rule.id}]({rule.id}.md) | `{rule.slug}` | {rule.severity.value} |" in docs[INDEX]


@pytest.mark.parametrize("code", ["X101", "vif-unknown-key", "C101", "P140", "E006"])
def test_explain_prints_the_page(code, docs):
    rule = find_rule(code)
    result = CliRunner().invoke(main, ["explain", code])
    assert result.exit_code == 0
    assert result.output == docs[f"{rule.id}.md"] == render_rule(rule) + "\n"


def test_page_shows_the_examples_and_the_real_findings(docs):
    page = docs["X101.md"]
    for heading in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix", "References"):
        assert f"\n## {heading}\n" in page
    bad, good = page.split("\n## Use instead\n")
    assert 'vif = [ "mac=00:16:3e:5a:01:02,brige=xenbr0" ]' in bad
    # the finding as `xennet lint` prints it, with the example's own file name and position
    assert "\nweb.cfg:2:32: warning X101 [vif-unknown-key] vif 0 of web: `brige=xenbr0`: unknown vif key" in bad
    assert "bridge=xenbr0" in good and "`xennet lint` reports no X101 finding here." in good


def test_binary_examples_are_described_not_dumped(docs):
    assert "`vif4.0.pcap`: a packet capture (pcap, 3054 bytes): 1 frame of 3014 bytes." in docs["C101.md"]
    assert "with the member(s) `../../etc/xen/web.cfg`" in docs["E006.md"]
    assert 'name = "caf\\xe9"' in docs["E003.md"]  # the invalid UTF-8 byte, escaped
    assert all("\x00" not in content for content in docs.values())


def test_trees_are_shown_relative_to_the_example(docs):
    """Examples in host trees (EXAMPLE_TREES) keep their folder in file names and findings."""
    page = docs["N135.md"]
    assert "`dom0/etc/xen/guest3`:" in page
    assert re.search(r"^(dom0|guest3)/\S+:\d+:\d+: warning N135 ", page, re.MULTILINE)


def test_root_causes_link_the_rules_they_explain(docs):
    page = docs["C101.md"]
    see_also = page.split("\n## See also\n")[1]
    assert [line.split("]")[0] for line in see_also.splitlines() if line.startswith("- [")] == [
        "- [N170", "- [P102", "- [P103", "- [P110", "- [P120", "- [P140"]
    assert "- [C101](C101.md)" in docs["N170.md"].split("\n## See also\n")[1]
    assert all("\n## See also\n" in docs[f"{rule.id}.md"] for rule in RULES if rule.family == ROOT_CAUSE_FAMILY)


def run_script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def test_script_check_names_stale_and_orphaned_files(tmp_path):
    folder = tmp_path / "rules"
    assert run_script("--check", "--dir", str(folder)).returncode == 1  # nothing generated yet
    assert run_script("--dir", str(folder)).returncode == 0
    assert run_script("--check", "--dir", str(folder)).returncode == 0
    regenerated = (folder / "X101.md").read_text()

    (folder / "X101.md").write_text("edited by hand\n")
    (folder / "E001.md").unlink()
    (folder / "X999.md").write_text("a removed rule\n")
    checked = run_script("--check", "--dir", str(folder))
    assert checked.returncode == 1
    assert [line.removeprefix("stale: ") for line in checked.stdout.splitlines() if line.startswith("stale: ")] == [
        str(folder / "E001.md"), str(folder / "X101.md"), str(folder / "X999.md")]
    assert REGENERATE in checked.stdout
    assert (folder / "X101.md").read_text() == "edited by hand\n"  # --check writes nothing

    assert run_script("--dir", str(folder)).returncode == 0
    assert run_script("--check", "--dir", str(folder)).returncode == 0
    assert not (folder / "X999.md").exists()
    assert (folder / "X101.md").read_text() == regenerated
