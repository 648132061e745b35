"""The field case ("ping works up to 1476 bytes and dies at 1477") in every bundle layout xennet reads
without configuration: sosreport, xen-bugtool (XenServer status report), a plain copy of /etc, and a
folder of command outputs saved under names a user chose. Each layout must give the same root cause,
pointing at the sysctl line of that layout's file. (The bundle `xennet collect` writes does not
exist yet.)"""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES, write_files
from xennet.cli import main
from xennet.lint.classify import kind_by_path
from xennet.lint.sources.sysctl import looks_like_sysctl_conf, looks_like_sysctl_output

VLAN = FIXTURES / "hosts" / "vlan-bridge-nf"
BUNDLES = FIXTURES / "bundles"
BUGTOOL_DOM0 = BUNDLES / "xen-bugtool" / "dom0"
BUGTOOL_REPORT = BUGTOOL_DOM0 / "bug-report-20090201120000"
CAPTURES = FIXTURES / "demo" / "captures"

# layout -> (host trees, the file holding `net.bridge.bridge-nf-call-iptables = 1` on its line 7)
LAYOUTS: dict[str, tuple[list[Path], Path]] = {
    "sosreport": ([VLAN / "dom0", VLAN / "guest3", VLAN / "guest4"], VLAN / "dom0/sos_commands/kernel/sysctl_-a"),
    "xen-bugtool": ([BUGTOOL_DOM0, VLAN / "guest3", VLAN / "guest4"], BUGTOOL_REPORT / "sysctl-A.out"),
    "etc-copy": ([BUGTOOL_DOM0, BUNDLES / "etc-copy/guest3", BUNDLES / "etc-copy/guest4"],
                 BUGTOOL_REPORT / "sysctl-A.out"),
    "outputs": ([BUNDLES / "outputs/dom0", BUNDLES / "outputs/guest3", BUNDLES / "outputs/guest4"],
                BUNDLES / "outputs/dom0/dom0-sysctl"),
}
EXPLAINED = ("N170", "P120", "P140")


def rel(path: Path) -> str:
    """How the CLI prints a path given relative to the repository root."""
    return str(path.relative_to(FIXTURES.parent))


def run_bundle(paths: list[Path], *options: str) -> tuple[int, str]:
    """`xennet bundle` from the repository root, fixture paths given relative to it as a user would."""
    arguments = [rel(path) if path.is_relative_to(FIXTURES.parent) else str(path) for path in paths]
    result = CliRunner().invoke(main, ["bundle", "--color", "never", *options, *arguments], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _at_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES.parent)


def file_count(paths: list[Path]) -> int:
    return sum(1 for path in paths for found in path.rglob("*") if found.is_file())


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_root_cause_first_with_its_evidence(layout: str) -> None:
    trees, sysctl_file = LAYOUTS[layout]
    code, output = run_bundle([*trees, CAPTURES])
    lines = output.splitlines()
    assert code == 1
    assert lines[0].startswith(f"{rel(sysctl_file)}:7:1: error C101 [bridge-nf-drops-reassembled] large packets die "
                               "on bridge xenbr0: vif3.0 -> vif4.0"), lines[0]
    assert f"(N170, {sysctl_file.name}:7)" in lines[0]
    assert "answered up to IP length 1500, none from 1501 up (P140)" in lines[0]
    assert "kernel 2.6.18-128.el5xen forwards the reassembled packets whole" in lines[0]
    start = lines.index("    explains 3 finding(s):")
    explained = [line.split()[2] for line in lines[start + 1:] if re.match(r" {6}\S", line)]
    assert explained == ["N170", "P120", "P140"]
    n170 = next(line for line in lines[start:] if " N170 " in line)
    assert n170.strip().startswith(f"{rel(sysctl_file)}:7:1: error N170 [bridge-nf-fragments] bridge xenbr0 passes")
    # nothing outside the root cause: the explained findings are only listed under it
    top_level = [line for line in lines if re.match(r"\S+:( |\d+:\d+: )(error|warning|info) ", line)]
    assert len(top_level) == 1
    inputs = file_count(trees) + 2
    assert f"4 findings (4 errors, 0 warnings, 0 info) in {inputs} files." in lines


def normalized_findings(layout: str) -> list[tuple[str, str]]:
    """(rule, message) of every finding, file names in messages (`sysctl_-a:7`) replaced by FILE."""
    trees, _ = LAYOUTS[layout]
    _, output = run_bundle([*trees, CAPTURES], "--format", "json")
    names = sorted({found.name for tree in trees for found in tree.rglob("*") if found.is_file()}, key=len,
                   reverse=True)
    pattern = re.compile("|".join(re.escape(name) + r"(?=:\d)" for name in names))
    found = []
    for finding in json.loads(output)["findings"]:
        for item in [finding, *finding.get("explains", [])]:
            found.append((item["rule_id"], pattern.sub("FILE", item["message"])))
    return found


def test_same_findings_in_every_layout() -> None:
    reference = normalized_findings("sosreport")
    assert [rule for rule, _ in reference][:1] == ["C101"]
    assert "FILE:7" in reference[0][1]
    for layout in LAYOUTS:
        assert normalized_findings(layout) == reference, layout


@pytest.mark.parametrize(
    ("member", "kind"),
    [
        # names built by construct_filename() of xen-bugtool from the command line it ran
        ("bug-report-20240101000000/ifconfig-a.out", "ifconfig"),
        ("bug-report-20240101000000/ip-s-addr.out", "ip"),
        ("bug-report-20240101000000/ip-route.out", "routes"),
        ("bug-report-20240101000000/route-n.out", "routes"),
        ("bug-report-20240101000000/brctl-show.out", "brctl"),
        ("bug-report-20240101000000/sysctl-A.out", "sysctl-a"),
        ("bug-report-20240101000000/netstat-s.out", "system"),
        ("bug-report-20240101000000/xenstore-ls-f.out", "xenstore"),
        ("bug-report-20240101000000/ethtool-k-eth0.out", "proc-net"),
        ("bug-report-20240101000000/ethtool-k-vif3.0", "proc-net"),  # a dot in the name: no .out added
        ("bug-report-20240101000000/xl-list.out", "xen-list"),
        ("bug-report-20240101000000/xm-list.out", "xen-list"),
        ("bug-report-20240101000000/proc/net/vlan/config", "proc-net"),
        ("bug-report-20240101000000/etc/sysconfig/network-scripts/ifcfg-eth0", "ifcfg"),
        ("case/dom0/bug-report-20240101000000/brctl-show.out", "brctl"),
        ("brctl-show.out", "brctl"),  # in an archive, whose single top folder xennet removes
        ("sysctl-A.out", "sysctl-a"),
        ("hostname", "system"),  # a plain copy of /etc: /etc/hostname at the top
        # outputs xennet does not read keep their names free
        ("bug-report-20240101000000/brctl-showmacs-xenbr0.out", None),
        ("bug-report-20240101000000/ip-neighbour.out", None),
        ("bug-report-20240101000000/list_domains.out", None),
        ("guest3/hostname", None),
    ],
)
def test_xen_bugtool_names(member: str, kind: str | None) -> None:
    found = kind_by_path(member)
    assert (found.name if found else None) == kind


def test_xen_bugtool_archive(tmp_path: Path) -> None:
    """xen-bugtool writes bug-report-DATE.tar.bz2 holding one bug-report-DATE/ folder."""
    archive = tmp_path / "bug-report-20090201120000.tar.bz2"
    with tarfile.open(archive, "w:bz2") as tar:
        tar.add(BUGTOOL_REPORT, arcname=BUGTOOL_REPORT.name)
    code, output = run_bundle([archive, VLAN / "guest3", VLAN / "guest4", CAPTURES])
    assert code == 1
    assert output.startswith(f"{archive}!/sysctl-A.out:7:1: error C101 [bridge-nf-drops-reassembled] ")


def test_outputs_folder_recognized_by_content() -> None:
    _, output = run_bundle([BUNDLES / "outputs/dom0"], "--inventory")
    kinds = {}
    for line in output.splitlines():
        match = re.match(r"  fixtures/bundles/outputs/dom0/(\S+)\s+(\S+)", line)
        if match:
            kinds[match[1]] = match[2]
    assert kinds == {
        "brctl.out": "brctl", "dom0-sysctl": "sysctl-a", "guest3.cfg": "xl", "guest4.cfg": "xl", "ip-addr.txt": "ip",
        "lsmod.log": "system", "route.txt": "routes", "uname.txt": "system", "xend-config.sxp": "sxp",
        "xm-list.txt": "xen-list",
    }


def test_short_sysctl_output_needs_a_key_only_the_kernel_prints() -> None:
    """An excerpt of `sysctl -a` is output when it shows a read-only key (kernel.osrelease); without one,
    a short comment-free list of settings is a sysctl.conf."""
    excerpt = (VLAN / "dom0/sos_commands/kernel/sysctl_-a").read_text()
    settings = "".join(line + "\n" for line in excerpt.splitlines() if not line.startswith("kernel."))
    assert looks_like_sysctl_output(excerpt) and not looks_like_sysctl_conf(excerpt)
    assert looks_like_sysctl_conf(settings) and not looks_like_sysctl_output(settings)


def test_xen_bugtool_timeout_marker_is_reported_not_read(tmp_path: Path) -> None:
    """xen-bugtool ends the output of a command it stopped at its time limit with `** timeout **`."""
    text = (BUGTOOL_REPORT / "brctl-show.out").read_text() + "\n** timeout **\n"
    write_files(tmp_path, {"bug-report-20090201120000/brctl-show.out": text})
    _, output = run_bundle([tmp_path], "--inventory")
    report = tmp_path / "bug-report-20090201120000"
    assert (f"{report}/brctl-show.out:7: warning E005 [partly-understood] truncated: the command was stopped at "
            "xen-bugtool's time limit (`** timeout **`): its output is incomplete") in output
    assert "5 interfaces (xenbr0, vif4.0, vif3.0, ...)" in output
    assert "E001" not in output


def test_xen_bugtool_filtered_xenstore_values_are_skipped(tmp_path: Path) -> None:
    write_files(tmp_path, {"bug-report-20240101000000/xenstore-ls-f.out": (
        '/local/domain/3/name = "guest3"\n'
        "/local/domain/3/data/set_clipboard = <filtered for security>\n"
        '/local/domain/0/backend/vif/3/0/mac = "00:16:3e:00:03:01"\n'
    )})
    _, output = run_bundle([tmp_path], "--inventory")
    assert "running domain guest3, xenstore vif 3.0" in output
    assert "E001" not in output and "problem" not in output


def test_the_richer_source_wins(tmp_path: Path) -> None:
    """One logical input, several candidate files: `ip addr` outranks `ifconfig -a` for the MTU (the
    order of lint/host.py RUNTIME_SOURCES), and the disagreement is reported (N134)."""
    ip = (BUGTOOL_REPORT / "ip-addr.out").read_text().replace("4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500",
                                                                "4: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 9000")
    ifconfig = ("eth0      Link encap:Ethernet  HWaddr 00:1E:C9:4D:2A:10  \n"
                "          inet addr:198.18.0.10  Bcast:198.18.0.255  Mask:255.255.255.0\n"
                "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n"
                "          RX packets:1 errors:0 dropped:0 overruns:0 frame:0\n"
                "          TX packets:1 errors:0 dropped:0 overruns:0 carrier:0\n"
                "          collisions:0 txqueuelen:1000 \n"
                "          RX bytes:99 (99.0 b)  TX bytes:99 (99.0 b)\n\n")
    write_files(tmp_path, {"bug-report-20240101000000/ip-s-addr.out": ip,
                           "bug-report-20240101000000/ifconfig-a.out": ifconfig})
    result = CliRunner().invoke(main, ["model", str(tmp_path)])
    assert "  eth0: mtu 9000, mac 00:1e:c9:4d:2a:10, state up" in result.output
    _, output = run_bundle([tmp_path])
    assert "warning N134 [mtu-sources-disagree] eth0 of bug-report-20240101000000: ifconfig-a.out:3 gives MTU 1500, " \
        "but ip-s-addr.out:8 shows 9000" in output
    assert "E005" not in output
