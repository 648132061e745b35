"""`xennet pcap` as a user runs it: findings and exit codes as in lint, the per-port table, JSON, bad arguments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main

ROOT = FIXTURES.parent
PCAP = "fixtures/pcap"


@pytest.fixture(autouse=True)
def at_repo_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def invoke(*args: str):
    return CliRunner().invoke(main, ["pcap", *args], catch_exceptions=False)


def table_lines(output: str) -> list[list[str]]:
    """The statistics table: the header line and what follows it, split on runs of spaces."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("port "))
    return [[cell.strip() for cell in line.split("  ") if cell.strip()] for line in lines[start:]]


def test_clean_capture_exits_0_and_prints_the_port_table():
    result = invoke(f"{PCAP}/ipv4-frag-tcp-syn.pcap")
    assert result.exit_code == 0
    assert "No findings (0 errors, 0 warnings, 0 info) in 1 file." in result.output
    header, row = table_lines(result.output)
    assert header == ["port", "role", "file", "packets", "bytes", "largest IP", "fragments", "MTU"]
    assert row[0:3] == ["ipv4-frag-tcp-syn", "unknown", f"{PCAP}/ipv4-frag-tcp-syn.pcap"]
    assert row[6] != "0"  # fragments counted
    assert row[7] == "1500 (assumed)"


def test_table_lines_one_per_port_in_file_order():
    result = invoke(f"{PCAP}/ipv4-frag-3frags-b.pcap", f"{PCAP}/gso-ipv4-7306B-tcp.pcap")
    rows = table_lines(result.output)[1:]
    assert rows == [
        ["ipv4-frag-3frags-b", "unknown", f"{PCAP}/ipv4-frag-3frags-b.pcap", "3", "270", "136", "3", "1500 (assumed)"],
        ["gso-ipv4-7306B-tcp", "unknown", f"{PCAP}/gso-ipv4-7306B-tcp.pcap", "1", "7,306", "7,292", "0",
         "1500 (assumed)"],
    ]


def test_findings_come_first_as_in_lint_and_warnings_exit_0_by_default():
    result = invoke(f"{PCAP}/ipv4-frag-3frags-b.pcap")
    assert result.exit_code == 0
    assert result.output.startswith(f"{PCAP}/ipv4-frag-3frags-b.pcap: warning P110 [incomplete-fragments]")
    assert invoke("--fail-on", "warning", f"{PCAP}/ipv4-frag-3frags-b.pcap").exit_code == 1
    assert invoke("--ignore", "P110", "--fail-on", "warning", f"{PCAP}/ipv4-frag-3frags-b.pcap").exit_code == 0


def test_error_finding_exits_1():
    result = invoke(f"{PCAP}/corrupt-pcapng-shb-option-too-long.pcapng")
    assert result.exit_code == 1
    assert " error P130 " in result.output


def test_port_and_mtu_options_name_the_port_and_set_its_mtu():
    result = invoke("--port", f"vif1.0={PCAP}/vlan-icmp-pair.pcap", "--mtu", "vif1.0=9000")
    assert result.exit_code == 0
    rows = table_lines(result.output)[1:]
    assert [(row[0], row[-1]) for row in rows] == [("vif1.0", "9000 (--mtu)")]


def test_pcapng_interfaces_are_ports_of_their_own():
    rows = table_lines(invoke(f"{PCAP}/pcapng-2-interfaces-linux-windows.pcapng").output)[1:]
    assert [row[0] for row in rows] == ["eth0", "\\Device\\NPF_{5AE6EDB4-EFF9-46B3-A3C2-EE50C688A9E6}"]


def test_json_has_the_lint_keys_and_ports():
    result = invoke("--format", "json", "--mtu", "gso-ipv4-7306B-tcp=9000", f"{PCAP}/gso-ipv4-7306B-tcp.pcap")
    assert result.exit_code == 0
    document = json.loads(result.output)
    assert set(document) == {"version", "tool", "findings", "summary", "ports"}
    assert document["summary"]["files_analyzed"] == [f"{PCAP}/gso-ipv4-7306B-tcp.pcap"]
    (port,) = document["ports"]
    assert port["port"] == "gso-ipv4-7306B-tcp"
    assert port["file"] == f"{PCAP}/gso-ipv4-7306B-tcp.pcap"
    assert (port["mtu"], port["mtu_origin"]) == (9000, "--mtu")
    assert (port["packets"], port["bytes"], port["largest_ip_length"], port["fragments"]) == (1, 7306, 7292, 0)
    assert document["findings"] == []  # 7292 bytes fit a 9000 MTU: no P101


def test_json_error_finding_exit_1():
    result = invoke("--format", "json", f"{PCAP}/corrupt-pcapng-shb-option-too-long.pcapng")
    assert result.exit_code == 1
    assert [f["rule_id"] for f in json.loads(result.output)["findings"]] == ["P130"]


def test_with_configs_are_linted_alongside():
    result = invoke("--with", "fixtures/broken/web01.cfg", f"{PCAP}/single-tcp-syn.pcap")
    assert result.exit_code == 1  # web01.cfg's errors
    assert "fixtures/broken/web01.cfg:" in result.output
    assert table_lines(result.output)[1][0] == "single-tcp-syn"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--mtu", "x=abc", f"{PCAP}/single-tcp-syn.pcap"], "--mtu x=abc: the MTU must be a whole number"),
        (["--mtu", "x=20", f"{PCAP}/single-tcp-syn.pcap"], "--mtu x=20: the MTU must be between 68 and 65535"),
        (["--mtu", "=1500", f"{PCAP}/single-tcp-syn.pcap"], "--mtu '=1500': expected NAME=N"),
        (["--port", "NOEQUALS"], "--port 'NOEQUALS': expected NAME=FILE"),
        (["--port", "vif1.0=missing.pcap"], "no such file or directory: missing.pcap"),
        ([f"{PCAP}/missing.pcap"], f"no such file or directory: {PCAP}/missing.pcap"),
        (["--with", "missing-dir", f"{PCAP}/single-tcp-syn.pcap"], "no such file or directory: missing-dir"),
        ([], "no capture given"),
        (["--with", "fixtures/broken"], "no capture given or found"),
        (["--select", "P999", f"{PCAP}/single-tcp-syn.pcap"], "unknown rule code(s): P999"),
    ],
)
def test_unusable_arguments_are_usage_errors(args, message):
    result = invoke(*args)
    assert result.exit_code == 2
    (error,) = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert error.startswith(f"Error: {message}")


def test_captures_inside_a_with_bundle_are_read():
    """`xennet pcap --with BUNDLE`: the captures a `xennet collect` bundle (or any tree) holds are its ports."""
    result = invoke("--with", "fixtures/demo")
    assert result.exit_code == 1
    assert [line[0] for line in table_lines(result.output)[1:]] == ["vif3.0", "vif4.0"]


def test_json_ports_match_the_documented_example():
    """docs/json-output.md shows the port of vlan-collisions.pcap: the same keys and values."""
    result = invoke("--format", "json", "--port", f"vif3.0={PCAP}/vlan-collisions.pcap")
    (port,) = json.loads(result.output)["ports"]
    doc = (Path(__file__).parent.parent / "docs" / "json-output.md").read_text()
    example = json.loads(doc.split('"ports": [', 1)[1].split("\n]\n```", 1)[0])
    assert set(port) == set(example)
    for key in ("packets", "bytes", "frame_sizes", "fragments", "largest_ip_length", "vlan_tagged", "vlan_ids",
                "source_macs", "first", "last", "mtu"):
        assert port[key] == example[key], key


def test_port_only_captures_count_as_analyzed():
    result = invoke("--port", f"vif1.0={PCAP}/icmp-ping-2.pcap")
    assert "in 1 file." in result.output


README_EXAMPLE = ("--mtu", "gso-ipv4-7306B-tcp=1500", f"{PCAP}/pmtud-icmp-frag-needed-smtp.pcap",
                  f"{PCAP}/ipv4-frag-tcp-df-incomplete.pcap", f"{PCAP}/gso-ipv4-7306B-tcp.pcap")


def test_golden_text_output_with_evidence_and_the_readme_shows_it():
    result = invoke(*README_EXAMPLE)
    assert result.exit_code == 0
    golden = (Path(__file__).parent / "golden" / "pcap.txt").read_text()
    assert result.output == golden
    assert "    evidence: gso-ipv4-7306B-tcp frame 1 at 2025-10-03T16:26:52.155133Z: 10.25.132.11" in golden
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert f"$ xennet pcap {' '.join(README_EXAMPLE)}\n{golden}```" in readme


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed (apt-get install tshark)")
def test_tshark_engine_gives_the_same_findings_and_ports():
    native = invoke("--format", "json", *README_EXAMPLE)
    tshark = invoke("--format", "json", "--engine", "tshark", *README_EXAMPLE)
    assert tshark.exit_code == native.exit_code == 0
    assert json.loads(tshark.output) == json.loads(native.output)


def test_tshark_engine_without_tshark_is_a_usage_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    result = invoke("--engine", "tshark", f"{PCAP}/icmp-ping-2.pcap")
    assert result.exit_code == 2
    assert "--engine tshark: tshark is not installed (apt-get install tshark)" in result.output
