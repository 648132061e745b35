"""Bundles: folders and archives (tar, tar.gz/xz/bz2/zst, zip) read member by member in memory.

An archive gives the same findings as the folder it was made from, pointing into it
(`dom0.tar.xz!/sos_commands/kernel/sysctl_-a:7:1`); hostile members are refused one by one (E006)
while the rest is analyzed, and nothing is ever written to disk.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet import archive
from xennet.archive import ArchiveProblem, Member, archive_kind, read_archive
from xennet.cli import main
from xennet.lint.runner import LintResult, lint_paths
from xennet.pcap.reader import read_all
from xennet.registry import select_rules

HOSTS = FIXTURES / "hosts"
VLAN = HOSTS / "vlan-bridge-nf"
TOP = "sosreport-dom0-2026-01-02-abcdef"
TAR_MODES = {"tar": "w", "tar.gz": "w:gz", "tar.xz": "w:xz", "tar.bz2": "w:bz2"}
HAS_ZSTD = shutil.which("zstd") is not None
FORMATS = [*TAR_MODES, "zip", pytest.param("tar.zst", marks=pytest.mark.skipif(not HAS_ZSTD, reason="no zstd"))]
BOMB_BYTES = 50 * 1024 * 1024


def tree_files(folder: Path, top: str = TOP) -> dict[str, bytes]:
    """{member name: content} of every file under `folder`, inside the top folder `top`."""
    return {f"{top}/{path.relative_to(folder).as_posix()}": path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def write_archive(path: Path, files: dict[str, bytes], fmt: str) -> Path:
    """An archive of `files` in format `fmt` at `path` (named `path` + `.fmt`)."""
    target = path.with_name(f"{path.name}.{fmt}")
    if fmt == "zip":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as bundle:
            for name, data in files.items():
                bundle.writestr(name, data)
    elif fmt == "tar.zst":
        plain = write_archive(path.with_name(path.name + "-plain"), files, "tar")
        subprocess.run(["zstd", "-q", "-o", str(target), str(plain)], check=True)
        plain.unlink()
    else:
        with tarfile.open(target, TAR_MODES[fmt]) as bundle:
            for name, data in files.items():
                add_tar_member(bundle, name, data=data)
    return target


def add_tar_member(bundle: tarfile.TarFile, name: str, data: bytes = b"", kind: bytes = tarfile.REGTYPE,
                   linkname: str = "") -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname, info.size = kind, linkname, len(data)
    bundle.addfile(info, io.BytesIO(data) if data else None)


def findings(result: LintResult, strip: str = "") -> list[tuple[str, str, str]]:
    """(rule, location with `strip` removed, message) of each finding."""
    return [(f.rule_id, str(f.location).replace(strip, ""), f.message) for f in result.findings]


def lint(*paths: Path) -> LintResult:
    return lint_paths([str(path) for path in paths], select_rules())


@pytest.fixture
def vlan_archives(tmp_path):
    def build(fmt: str) -> list[Path]:
        return [write_archive(tmp_path / f"sosreport-{host}", tree_files(VLAN / host, f"sosreport-{host}-2026"), fmt)
                for host in ("dom0", "guest3", "guest4")]
    return build


@pytest.mark.parametrize("fmt", FORMATS)
def test_archive_gives_the_folder_findings_pointing_into_it(fmt, vlan_archives):
    archives = vlan_archives(fmt)
    from_folders = findings(lint(VLAN / "dom0", VLAN / "guest3", VLAN / "guest4"), str(VLAN / "dom0") + "/")
    from_archives = findings(lint(*archives), f"{archives[0]}!/")
    assert from_folders and from_archives == from_folders
    assert [f[:2] for f in from_archives] == [("N170", "sos_commands/kernel/sysctl_-a:7:1")]


def test_bundle_command_prints_findings_ports_and_inventory(tmp_path, monkeypatch):
    files = tree_files(VLAN / "dom0")
    files[f"{TOP}/captures/vif3.0.pcap"] = (FIXTURES / "pcap" / "icmp-ping-2.pcap").read_bytes()
    files[f"{TOP}/README.txt"] = b"collected by hand\n"
    dom0 = write_archive(tmp_path / "dom0", files, "tar.gz")
    guests = [write_archive(tmp_path / host, tree_files(VLAN / host, host), "zip") for host in ("guest3", "guest4")]
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["bundle", "--inventory", dom0.name, *(g.name for g in guests)])
    assert result.exit_code == 1, result.output
    assert "dom0.tar.gz!/sos_commands/kernel/sysctl_-a:7:1: error N170" in result.output
    port_line = next(line for line in result.output.splitlines() if line.startswith("vif3.0 "))
    assert "dom0.tar.gz!/captures/vif3.0.pcap" in port_line and "1500 (host model)" in port_line
    lines = result.output[result.output.index("Inventory (20 input files, 3 host trees):"):].splitlines()[1:]
    assert lines[:3] == [
        "  tree dom0.tar.gz: dom0 (Xen facts from dom0.tar.gz!/etc/xen/guest3 and 3 more)",
        "  tree guest3.zip:  guest of domain guest3 (mac 00:16:3e:00:03:01 at"
        " guest3.zip!/sos_commands/networking/ip_address:5:16)",
        "  tree guest4.zip:  guest of domain guest4 (mac 00:16:3e:00:04:01 at"
        " guest4.zip!/sos_commands/networking/ip_address:5:16)",
    ]
    inventory = {path: what.split(maxsplit=1) for path, what in (line.split(maxsplit=1) for line in lines[3:])}
    assert inventory["dom0.tar.gz!/sos_commands/kernel/sysctl_-a"] == [
        "sysctl-a", "11 sysctl settings (net.ipv4.ip_forward, net.ipv4.conf.all.rp_filter, net.ipv4.ipfrag_high_thresh,"
        " ...)"]
    assert inventory["dom0.tar.gz!/captures/vif3.0.pcap"] == ["capture"]
    assert inventory["dom0.tar.gz!/README.txt"][0] == "skipped:"
    assert inventory["guest4.zip!/etc/sysconfig/network-scripts/ifcfg-eth0"] == ["ifcfg", "interface eth0"]


def test_bundle_json_has_findings_ports_and_inventory(tmp_path):
    files = {**tree_files(HOSTS / "mtu-mismatch" / "dom0"), "../escape.cfg": b"x = 1\n"}
    bundle = write_archive(tmp_path / "dom0", files, "tar.xz")
    result = CliRunner().invoke(main, ["bundle", "--inventory", "--format", "json", str(bundle)])
    document = json.loads(result.output)
    assert {finding["rule_id"] for finding in document["findings"]} >= {"E006", "N131"}
    assert document["ports"] == []
    refused = [entry for entry in document["inventory"] if entry["recognized_as"].startswith("refused: ")]
    assert [entry["path"] for entry in refused] == [f"{bundle}!/../escape.cfg"]


# case: (add the hostile member to the tar, its display path inside the archive, words of the refusal)
HOSTILE_TAR = {
    "absolute": (lambda t: add_tar_member(t, "/etc/xen/evil.cfg", b"name = 'x'\n"), "etc/xen/evil.cfg",
                 "absolute path"),
    "dotdot": (lambda t: add_tar_member(t, f"{TOP}/../../escape.cfg", b"x = 1\n"), "../../escape.cfg", "`..`"),
    "symlink": (lambda t: add_tar_member(t, f"{TOP}/etc/xen/passwd", kind=tarfile.SYMTYPE, linkname="/etc/passwd"),
                "etc/xen/passwd", "symlink to /etc/passwd"),
    "hardlink": (lambda t: add_tar_member(t, f"{TOP}/etc/xen/pw", kind=tarfile.LNKTYPE, linkname="/etc/passwd"),
                 "etc/xen/pw", "hardlink to /etc/passwd"),
    "device": (lambda t: add_tar_member(t, f"{TOP}/dev/sda", kind=tarfile.BLKTYPE), "dev/sda", "device file"),
    "fifo": (lambda t: add_tar_member(t, f"{TOP}/run/pipe", kind=tarfile.FIFOTYPE), "run/pipe", "FIFO"),
    "bomb": (lambda t: add_tar_member(t, f"{TOP}/sos_commands/zeros", bytes(BOMB_BYTES)), "sos_commands/zeros",
             "decompression bomb"),
}


def _assert_refused_once_and_rest_analyzed(result: LintResult, where: str, why: str) -> None:
    refused = [f for f in result.findings if f.rule_id == "E006"]
    assert len(refused) == 1, [(f.location.path, f.message) for f in refused]
    assert refused[0].location.path == where and why in refused[0].message
    good = lint(HOSTS / "mtu-mismatch" / "dom0")
    assert [f.message for f in result.findings if f.rule_id != "E006"] == [f.message for f in good.findings]
    assert good.findings


@pytest.mark.parametrize("case", HOSTILE_TAR)
def test_hostile_tar_member_is_refused_and_the_rest_analyzed(case, tmp_path, monkeypatch):
    add, member, why = HOSTILE_TAR[case]
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    path = tmp_path / "bundle.tar.gz"
    with tarfile.open(path, "w:gz") as bundle:
        add(bundle)
        for name, data in tree_files(HOSTS / "mtu-mismatch" / "dom0").items():
            add_tar_member(bundle, name, data)
    before = sorted(tmp_path.rglob("*"))
    _assert_refused_once_and_rest_analyzed(lint(path), f"{path}!/{member}", why)
    assert sorted(tmp_path.rglob("*")) == before, "nothing is extracted"
    assert not (tmp_path.parent / "escape.cfg").exists() and not Path("/escape.cfg").exists()


def test_hostile_zip_members_are_refused(tmp_path):
    path = tmp_path / "bundle.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        link = zipfile.ZipInfo(f"{TOP}/etc/xen/passwd")
        link.external_attr = (0o120777 << 16)
        bundle.writestr(link, "/etc/passwd")
        bundle.writestr(f"{TOP}/../escape.cfg", "x = 1\n")
        bundle.writestr(f"{TOP}/zeros", bytes(BOMB_BYTES))
        for name, data in tree_files(HOSTS / "mtu-mismatch" / "dom0").items():
            bundle.writestr(name, data)
    refused = {(f.location.path, f.message.split(";")[0]) for f in lint(path).findings if f.rule_id == "E006"}
    assert refused == {
        (f"{path}!/etc/xen/passwd", "symlink to /etc/passwd points out of the archive"),
        (f"{path}!/../escape.cfg", "path climbs out of the archive with `..`"),
        (f"{path}!/zeros", "compressed more than 200:1 (a decompression bomb)"),
    }


@pytest.mark.parametrize("fmt", [fmt for fmt in FORMATS if fmt not in ("tar", "zip")])
def test_truncated_archive_keeps_the_members_before_the_damage(fmt, tmp_path):
    # bzip2 decodes whole blocks of 900 kB: the noise makes the good members end up in a complete one
    files = {**tree_files(HOSTS / "mtu-mismatch" / "dom0"), f"{TOP}/zz-noise": os.urandom(2 * 1024 * 1024)}
    whole = write_archive(tmp_path / "whole", files, fmt).read_bytes()
    path = tmp_path / f"bundle.{fmt}"
    path.write_bytes(whole[: len(whole) - 64 * 1024])
    damage = f"damaged archive: it breaks in member {TOP}/zz-noise"
    _assert_refused_once_and_rest_analyzed(lint(path), str(path), damage)


def test_archive_damaged_from_the_start_is_reported(tmp_path):
    path = tmp_path / "bundle.tar.xz"
    path.write_bytes(b"\xfd7zXZ\x00" + b"garbage")
    assert [(f.rule_id, f.location.path) for f in lint(path).findings] == [("E006", str(path))]


def test_member_above_the_size_limit_is_refused_without_reading_it(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 100)
    path = write_archive(tmp_path / "bundle", {"big.cfg": b"#" * 101, "small.cfg": b"x = 1\n"}, "tar")
    items = list(read_archive(str(path)))
    assert items == [ArchiveProblem(str(path), "big.cfg", "member of 101 bytes, more than the 100 bytes allowed;"
                                    " not read"), Member("small.cfg", b"x = 1\n")]


def test_archive_above_the_total_limit_stops_there(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 10)
    path = write_archive(tmp_path / "bundle", {"a": b"12345", "b": b"123456", "c": b"1"}, "zip")
    items = list(read_archive(str(path)))
    assert items[0] == Member("a", b"12345") and len(items) == 2
    assert items[1] == ArchiveProblem(str(path), "b", archive.OVER_TOTAL)


def test_tar_zst_without_the_zstd_command_is_reported(tmp_path, monkeypatch):
    path = tmp_path / "bundle.tar.zst"
    path.write_bytes(archive.ZSTD_MAGIC + b"\0" * 64)
    monkeypatch.setattr(archive.shutil, "which", lambda name: None)
    result = lint(path)
    assert [(f.rule_id, f.location.path) for f in result.findings] == [("E006", str(path))]
    assert "apt-get install zstd" in result.findings[0].message


def test_compressed_file_that_is_not_a_tar_is_an_ordinary_file(tmp_path):
    import gzip

    log = tmp_path / "messages.1.gz"
    log.write_bytes(gzip.compress(b"Jan  1 kernel: hello\n"))
    assert archive_kind(str(log)) is None
    assert archive_kind(str(tmp_path)) is None
    assert archive_kind(str(tmp_path / "missing.tar.gz")) is None


def test_archive_inside_a_walked_folder_is_its_own_tree(tmp_path):
    folder = tmp_path / "bundles"
    folder.mkdir()
    for host in ("dom0", "guest3", "guest4"):
        write_archive(folder / host, tree_files(VLAN / host, host), "tar.bz2")
    assert [(f.rule_id, str(f.location)) for f in lint(folder).findings] == [
        ("N170", f"{folder}/dom0.tar.bz2!/sos_commands/kernel/sysctl_-a:7:1")]


def test_capture_bytes_read_like_the_file(tmp_path):
    from xennet.pcap.reader import open_capture

    path = FIXTURES / "pcap" / "icmp-ping-2.pcap"
    table, ports, problem, _ = read_all(str(path))
    capture = open_capture("bundle.tar!/vif3.0.pcap", data=path.read_bytes())
    chunks = list(capture.chunks)
    assert chunks[0].tolist() == table.tolist() and capture.problem is problem is None
    assert [p.name for p in capture.ports] == ["vif3.0.pcap"] and len(ports) == 1


def test_bundle_of_a_missing_path_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["bundle", str(tmp_path / "missing.tar.xz")])
    assert result.exit_code == 2 and "no such file or directory" in result.output
