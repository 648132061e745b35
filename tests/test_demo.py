"""The README's demo: `xennet bundle fixtures/demo`, the VLAN/fragment field case from a customer's
bundle (three sosreport archives and captures of both guests' vifs), diagnosed root cause first."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main

ROOT = FIXTURES.parent
DEMO = FIXTURES / "demo"


@pytest.fixture(scope="module")
def output() -> list[str]:
    result = CliRunner().invoke(main, ["bundle", "--color", "never", str(DEMO.relative_to(ROOT))])
    assert result.exit_code == 1, result.output
    return result.output.splitlines()


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_the_root_cause_comes_first_with_the_sysctl_line(output: list[str]) -> None:
    assert output[0].startswith(
        "fixtures/demo/sosreport-dom0.tar.xz!/sos_commands/kernel/sysctl_-a:7:1: error C101"
        " [bridge-nf-drops-reassembled] large packets die on bridge xenbr0: vif3.0 -> vif4.0: 10 of 15 frame(s)"
        " never left on vif4.0")
    assert output[0].endswith(
        "vif3.0: 198.18.3.3 -> 198.18.3.4: 5 of 11 echo request(s) unanswered: answered up to"
        " IP length 1500, none from 1501 up (P140); bridge netfilter reassembles their fragments there (N170,"
        " sysctl_-a:7) and kernel 2.6.18-128.el5xen forwards the reassembled packets whole, above the MTU,"
        " instead of refragmenting them")


def test_every_piece_of_evidence_is_under_it(output: list[str]) -> None:
    explained = [line.split()[2] for line in output if line.startswith("      fixtures/")]
    assert explained == ["N170", "P120", "P140"]
    assert "    explains 3 finding(s):" in output
    guest_vlan = "fixtures/demo/sosreport-guest3.tar.xz!/etc/sysconfig/network-scripts/ifcfg-eth0.3:1:8"
    assert f"    related: {guest_vlan}" in output
    assert "    related: fixtures/demo/sosreport-dom0.tar.xz!/sos_commands/kernel/lsmod:5:1" in output
    assert "    related: fixtures/demo/captures/vif4.0.pcap" in output
    assert ("          evidence: vif3.0 frame 13 at 2009-02-01T00:00:06.000000Z: echo request seq 6, IP length 1505,"
            " no reply captured") in output


def test_nothing_else_is_reported_and_both_ports_are_listed(output: list[str]) -> None:
    assert "4 findings (4 errors, 0 warnings, 0 info) in 20 files." in output
    header = next(index for index, line in enumerate(output) if line.startswith("port "))
    assert [line.split()[0] for line in output[header + 1:]] == ["vif3.0", "vif4.0"]


def test_explained_findings_do_not_repeat_the_root_cause(output: list[str]) -> None:
    """Under the root cause, the explained findings show their evidence, not the locations and the
    fix the root cause already lists."""
    nested = output[output.index("    explains 3 finding(s):") + 1:]
    assert not any(line.lstrip().startswith(("related:", "fix:")) for line in nested if line.startswith("      "))


def test_output_is_the_readme_example(output: list[str]) -> None:
    golden = (ROOT / "tests" / "golden" / "demo.txt").read_text()
    assert "\n".join(output) + "\n" == golden
    assert f"$ xennet bundle fixtures/demo\n{golden}```" in (ROOT / "README.md").read_text()


def _generator():
    spec = importlib.util.spec_from_file_location("make_demo_bundle", ROOT / "scripts" / "make_demo_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_demo_is_what_its_script_writes() -> None:
    generator = _generator()
    for name, data in generator.captures().items():
        assert (DEMO / "captures" / f"{name}.pcap").read_bytes() == data
    for host in ("dom0", "guest3", "guest4"):
        assert (DEMO / f"sosreport-{host}.tar.xz").read_bytes() == generator.sosreport(host), host


def test_the_captures_read_the_same_in_tshark() -> None:
    """The demo captures are well-formed for Wireshark too: every frame decodes, VLAN 3 inside, 11 echo
    requests of which the 5 big ones are first fragments."""
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed (make test installs it as root)")
    fields = ["-e", "vlan.id", "-e", "icmp.type", "-e", "ip.flags.mf"]
    output = subprocess.run(
        ["tshark", "-r", str(DEMO / "captures" / "vif3.0.pcap"), "-o", "ip.defragment:FALSE", "-T", "fields", *fields],
        capture_output=True, text=True, check=True, timeout=60).stdout
    rows = [line.split("\t") for line in output.splitlines()]
    assert len(rows) == 24
    assert {vlan for vlan, _, _ in rows} == {"3"}
    requests = [mf for _, icmp_type, mf in rows if icmp_type == "8"]
    assert len(requests) == 11
    assert requests.count("1") == 5  # the first fragments of the big ones
