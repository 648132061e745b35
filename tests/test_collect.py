"""`xennet collect`, for real: it runs the real commands on this machine, once as it is and once inside
network namespaces made to look like a dom0 (a bridge xenbr0 with a port vif1.0 whose peer, a guest,
sends ARP), and the bundles it writes are read back by xennet itself."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.collect.bundle import collect
from xennet.collect.capture import CaptureSettings, start_captures
from xennet.collect.command import bundle_name, collect_command
from xennet.collect.commands import BASE_COMMANDS, Command, Fallback, domain_names, lsmod_from_proc, sos_name
from xennet.collect.files import copy_files
from xennet.collect.gather import Plan
from xennet.collect.runner import run_command
from xennet.collect.units import parse_duration, parse_size
from xennet.lint.runner import lint_paths, load_model
from xennet.lint.sources.system import parse_system
from xennet.pcap.load import CaptureOptions
from xennet.pcap.reader import read_all
from xennet.registry import select_rules

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="needs root (network namespaces, tcpdump)")


def needs(*programs: str) -> pytest.MarkDecorator:
    missing = [program for program in programs if shutil.which(program) is None]
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)} installed")


def members(archive: Path) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(archive) as tar:
        return {info.name: info for info in tar.getmembers()}


def read_member(archive: Path, suffix: str) -> bytes:
    with tarfile.open(archive) as tar:
        info = next(info for info in tar.getmembers() if info.name.endswith(suffix))
        handle = tar.extractfile(info)
        assert handle is not None
        return handle.read()


def manifest(archive: Path) -> dict:
    return json.loads(read_member(archive, "/manifest.json"))


def step(document: dict, key: str, value: str) -> dict:
    return next(item for item in document["steps"] if item.get(key) == value)


def inventory(archive: Path) -> dict[str, str]:
    """What xennet read each archive member as, by its path inside the bundle folder (the inventory
    names members without the archive's one top folder)."""
    model = load_model([str(archive)])
    return {entry.path.split("!/", 1)[1]: entry.recognized_as for entry in model.inventory}


def assert_well_formed(archive: Path) -> None:
    """One top folder, relative paths, regular files only; no temporary files left next to it."""
    infos = members(archive)
    tops = {name.split("/", 1)[0] for name in infos}
    assert len(tops) == 1 and next(iter(tops)).startswith("xennet-collect-")
    assert all(info.isreg() and not info.name.startswith("/") and ".." not in info.name.split("/")
               for info in infos.values())
    assert sorted(path.name for path in archive.parent.iterdir() if path.name.startswith(".")) == []


# --- units and names --------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("2m", 120), ("500ms", 0.5), ("30", 30), ("1.5", 1.5),
                                               ("1h", 3600)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "0s", "-1s", "abc", "30x", "s", "1e3"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "size"), [("4096", 4096), ("64k", 65536), ("100M", 100 << 20), ("1G", 1 << 30),
                                            ("100MB", 100 << 20), ("2MiB", 2 << 20)])
def test_sizes(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "M", "10T", "ten", "9" * 400])
def test_bad_sizes(text):
    with pytest.raises(ValueError):
        parse_size(text)


def test_sos_names_are_sosreport_names_and_cannot_climb():
    assert sos_name(("ip", "-j", "-d", "-s", "link")) == "ip_-j_-d_-s_link"
    assert sos_name(("xl", "network-list", "../../etc/passwd")) == "xl_network-list_.._.._etc_passwd"
    assert [command.output for command in BASE_COMMANDS if command.argv[0] == "xl"] == [
        "sos_commands/xen/xl_list", "sos_commands/xen/xl_list_-l"]


def test_bundle_name():
    from datetime import datetime

    assert bundle_name(datetime(2026, 1, 2, 3, 4, 5), "dom0.example.net") == "xennet-collect-dom0-20260102-030405"
    assert bundle_name(datetime(2026, 1, 2, 3, 4, 5), "we!rd") == "xennet-collect-we_rd-20260102-030405"


def test_domain_names_of_xl_list():
    text = ("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
            "Domain-0                                     0  4096     4     r-----     100.0\n"
            "web01                                        3  1024     1     -b----      12.3\n")
    assert domain_names(text) == ["web01"]


def test_lsmod_from_proc_modules_is_read_as_lsmod(tmp_path):
    proc = tmp_path / "modules"
    proc.write_text("nf_nat 49152 2 xt_MASQUERADE,nft_chain_nat, Live 0xffffffffc0a00000\n"
                    "bridge 311296 1 br_netfilter, Live 0xffffffffc0900000\n"
                    "8021q 45056 0 - Live 0xffffffffc0800000\n")
    text = lsmod_from_proc(str(proc))
    assert text is not None and text.splitlines()[3].split() == ["8021q", "45056", "0"]
    facts = parse_system(text, "sos_commands/kernel/lsmod")
    assert [fact.value for fact in facts.modules] == ["nf_nat", "bridge", "8021q"]
    assert lsmod_from_proc(str(tmp_path / "missing")) is None


# --- the command line -------------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "message"), [
    (["--capture", "0"], "above zero"),
    (["--capture", "soon"], "not a duration"),
    (["--capture", "2d"], "not a duration"),
    (["--capture", "1s", "--max-bytes", "100"], "cannot hold one packet"),
    (["--max-bytes", "lots"], "not a size"),
    (["--snaplen", "0"], "--snaplen"),
    (["--max-packets", "-5"], "--max-packets"),
    (["--ports", " , "], "at least one interface"),
    (["--output", "/nonexistent-folder/x.tar.gz"], "no such folder"),
])
def test_unusable_arguments_exit_2_with_one_line(tmp_path, arguments, message):
    result = CliRunner().invoke(collect_command, arguments)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_registers_on_a_click_group(tmp_path):
    @click.group()
    def main() -> None:
        pass

    main.add_command(collect_command)
    result = CliRunner().invoke(main, ["collect", "--help"])
    assert result.exit_code == 0 and "--capture DURATION" in result.output


# --- runner, files, writer ----------------------------------------------------------------------


@needs("sh")
def test_a_failing_command_is_recorded_and_the_run_goes_on(tmp_path):
    failing = Command(("sh", "-c", "echo partial; echo boom >&2; exit 3"), "test")
    missing = Command(("xennet-no-such-command",), "test")
    stand_in = Command(("xennet-no-such-command", "x"), "test", Fallback("use the stand-in", lambda: "from fallback\n"))
    hanging = Command(("sh", "-c", "echo started; exec sleep 30"), "test")
    after = Command(("sh", "-c", "echo after"), "test")
    destination = tmp_path / "out.tar.gz"
    lines: list[str] = []
    start = time.monotonic()
    steps = collect(Plan(commands=(failing, missing, stand_in, hanging, after), files=(), timeout=1.0), destination,
                    "xennet-collect-test-20260102-030405", lines.append)
    assert time.monotonic() - start < 10
    document = manifest(destination)
    failed = step(document, "command", failing.line)
    assert (failed["status"], failed["exit_status"], failed["stderr"]) == ("failed", 3, "boom\n")
    assert read_member(destination, "sos_commands/test/sh_-c_echo_partial_echo_boom_2_exit_3") == b"partial\n"
    assert step(document, "command", missing.line)["status"] == "absent"
    assert step(document, "command", missing.line)["note"] == "xennet-no-such-command: command not found"
    assert step(document, "command", stand_in.line)["status"] == "ok"
    timed_out = step(document, "command", hanging.line)
    assert timed_out["status"] == "failed" and "timed out after 1 s" in timed_out["note"]
    assert step(document, "command", after.line)["status"] == "ok"
    assert read_member(destination, "sos_commands/test/sh_-c_echo_after") == b"after\n"
    assert len(lines) == len(steps) == len(document["steps"]) == 5
    assert document["counts"] == {"failed": 2, "absent": 1, "ok": 2}
    assert_well_formed(destination)


@needs("yes")
def test_output_is_bounded():
    outcome = run_command(["yes"], timeout=10, max_output=100000)
    assert outcome.truncated and len(outcome.stdout) == 100000 and outcome.duration < 10
    assert "output cut at 100000 bytes" in outcome.note


def test_files_are_copied_as_regular_files_only(tmp_path):
    root = tmp_path / "root"
    xen = root / "etc" / "xen"
    (xen / "auto").mkdir(parents=True)
    (xen / "web01.cfg").write_text("name = 'web01'\nvif = [ 'bridge=xenbr0' ]\n")
    (xen / "auto" / "web01.cfg").symlink_to("../web01.cfg")
    (xen / "auto" / "gone.cfg").symlink_to("../gone.cfg")
    (xen / "loop").symlink_to(".")
    os.mkfifo(xen / "fifo")
    staging = tmp_path / "staging"
    steps = {step.source.removeprefix(str(root)): step for step in copy_files(("etc/xen/", "etc/sysctl.conf"),
                                                                             str(root), staging)}
    assert steps["/etc/xen/web01.cfg"].output == "etc/xen/web01.cfg"
    assert steps["/etc/xen/auto/web01.cfg"].status == "ok"
    assert steps["/etc/xen/auto/web01.cfg"].note.startswith("symlink to ")
    assert (staging / "etc/xen/auto/web01.cfg").read_text().startswith("name = 'web01'")
    assert not (staging / "etc/xen/auto/web01.cfg").is_symlink()
    assert steps["/etc/xen/auto/gone.cfg"].status == "absent"
    assert steps["/etc/xen/loop"].status == "skipped"
    assert steps["/etc/xen/fifo"].status == "skipped"
    assert steps["/etc/sysctl.conf"].status == "absent"
    assert sorted(str(path.relative_to(staging)) for path in staging.rglob("*") if path.is_file()) == [
        "etc/xen/auto/web01.cfg", "etc/xen/web01.cfg"]


def test_capture_without_tcpdump_is_noted(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # neither the PATH nor the sbin folders have tcpdump
    if shutil.which("tcpdump", path=f"{tmp_path}:/usr/local/sbin:/usr/sbin:/sbin"):
        pytest.skip("tcpdump is in an sbin folder here")
    session = start_captures(["lo"], CaptureSettings(1, ("lo",), 256, 10, 100000), tmp_path / "b", tmp_path / "l")
    [result] = session.finish()
    assert (result.kind, result.source, result.status, result.note) == ("capture", "lo", "absent",
                                                                         "tcpdump: command not found")


def test_the_packet_cap_keeps_the_file_within_max_bytes():
    assert CaptureSettings(1, ("vif*",), 256, 100000, 100 << 20).packet_cap == 100000
    assert CaptureSettings(1, ("vif*",), 256, 100000, 24 + 3 * (16 + 256) + 100).packet_cap == 3


@needs_root
@needs("tcpdump", "ping")
def test_a_capture_stops_at_its_byte_cap(tmp_path):
    max_bytes = 24 + 3 * (16 + 128)
    settings = CaptureSettings(3, ("lo",), 128, 100000, max_bytes)
    session = start_captures(["lo"], settings, tmp_path / "bundle", tmp_path / "logs")
    subprocess.run(["ping", "-c", "5", "-i", "0.2", "-s", "1000", "127.0.0.1"], capture_output=True, timeout=20)
    [result] = session.finish()
    pcap = tmp_path / "bundle" / "captures" / "lo.pcap"
    assert result.status == "ok", result
    assert result.extra["packets"] == 3 and pcap.stat().st_size <= max_bytes
    assert "-c 3" in result.extra["command"]


@needs_root
@needs("tcpdump")
def test_sigterm_stops_the_captures_and_writes_nothing(tmp_path):
    collector = subprocess.Popen([sys.executable, "-m", "xennet.collect", "--capture", "60s", "--ports", "lo",
                                  "--output", str(tmp_path / "never.tar.gz")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        _wait_for_captures(tmp_path, ["lo.pcap"], collector)
        collector.terminate()
        stdout, stderr = collector.communicate(timeout=30)
    finally:
        if collector.poll() is None:
            collector.kill()
            collector.wait()
    assert collector.returncode == 130 and stdout == b""
    assert stderr.decode() == "xennet collect: interrupted; no bundle written\n"
    assert list(tmp_path.iterdir()) == []  # no archive, no temporary folder
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, timeout=30).stdout
    assert str(tmp_path) not in running  # its tcpdump was stopped


FAKE_XL = """#!/bin/sh
# xl as a dom0 with web01 and db01 answers; network-list of db01 fails
case "$*" in
    "list") cat "$0.list" ;;
    "list -l") cat "$0.list-l" ;;
    "network-list web01") cat "$0.network-list" ;;
    *) echo "xl: cannot do $*" >&2; exit 1 ;;
esac
"""


@needs("sh", "cat")
def test_xen_outputs_are_stored_where_xennet_reads_them(tmp_path, monkeypatch):
    """A stand-in `xl` and `xenstore-ls` on the PATH (their outputs are test_cmd_xen's real samples):
    `xl network-list` runs per domain of `xl list`, and every output is read by xennet's Xen parsers."""
    from test_cmd_xen import XENSTORE_F, XL_LIST_L_JSON, XL_NETWORK_LIST

    programs = tmp_path / "bin"
    programs.mkdir()
    outputs = {"xl": FAKE_XL, "xl.list": (FIXTURES / "hosts/clean/dom0/sos_commands/xen/xl_list").read_text(),
               "xl.list-l": XL_LIST_L_JSON, "xl.network-list": XL_NETWORK_LIST,
               "xenstore-ls": f"#!/bin/sh\ncat <<'EOF'\n{XENSTORE_F}EOF\n"}
    for name, text in outputs.items():
        (programs / name).write_text(text)
        (programs / name).chmod(0o755)
    monkeypatch.setenv("PATH", f"{programs}{os.pathsep}{os.environ.get('PATH', '')}")
    archive = tmp_path / "out" / "xen.tar.gz"
    archive.parent.mkdir()
    collect(Plan(files=()), archive, "xennet-collect-dom0-20260102-030405", lambda _line: None)
    document = manifest(archive)
    assert step(document, "command", "xl network-list web01")["status"] == "ok"
    failed = step(document, "command", "xl network-list db01")
    assert (failed["status"], failed["exit_status"]) == ("failed", 1)
    assert failed["stderr"] == "xl: cannot do network-list db01\n"
    assert "xl network-list Domain-0" not in {item.get("command") for item in document["steps"]}
    read_as = inventory(archive)
    assert {path: read_as.get(path) for path in ("sos_commands/xen/xl_list", "sos_commands/xen/xl_list_-l",
                                                 "sos_commands/xen/xl_network-list_web01",
                                                 "sos_commands/xen/xenstore-ls_-f")} == {
        "sos_commands/xen/xl_list": "xen-list", "sos_commands/xen/xl_list_-l": "xen-list",
        "sos_commands/xen/xl_network-list_web01": "xen-list", "sos_commands/xen/xenstore-ls_-f": "xenstore"}
    model = load_model([str(archive)])
    assert model.dom0 is not None and {domain.name for domain in model.dom0.facts.running} >= {"web01"}


# --- for real ---------------------------------------------------------------------------------


@needs("ip")
def test_collect_on_this_machine(tmp_path):
    result = CliRunner().invoke(collect_command, ["--output", str(tmp_path)])
    assert result.exit_code == 0, result.output
    [archive] = tmp_path.glob("xennet-collect-*.tar.gz")
    assert result.stdout.strip() == str(archive)
    assert result.stderr == ""  # not a terminal: quiet
    assert_well_formed(archive)
    document = manifest(archive)
    for line in ("xl list -l", "xenstore-ls -f"):
        if shutil.which(line.split()[0]) is None:
            assert step(document, "command", line)["status"] == "absent"
    if not Path("/etc/xen").exists():
        assert step(document, "file", "/etc/xen/")["status"] == "absent"
    link = step(document, "command", "ip -j -d -s link")
    assert link["status"] == "ok" and link["output"] == "sos_commands/networking/ip_-j_-d_-s_link"
    assert json.loads(read_member(archive, link["output"]))[0]["ifname"]
    read_as = inventory(archive)
    stored = [item["output"] for item in document["steps"] if item["output"]]
    assert stored and all(path in read_as for path in stored)
    expected = {"sos_commands/networking/ip_-j_-d_-s_link": "ip", "sos_commands/networking/ip_-j_addr": "ip",
                "sos_commands/kernel/uname_-a": "system", "sos_commands/kernel/sysctl_-a": "sysctl-a",
                "sos_commands/general/hostname": "system"}
    assert {path: read_as.get(path) for path in expected} == expected
    assert read_as["manifest.json"].startswith("skipped")


def _ip(*arguments: str) -> None:
    subprocess.run(["ip", *arguments], check=True, capture_output=True, timeout=30)


def _namespaces() -> str:
    return subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, timeout=30).stdout


def _wait_for_captures(folder: Path, names: list[str], process: subprocess.Popen[bytes]) -> None:
    """Until the collector's tcpdumps have written their files' headers (they listen by then)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        found = {path.name for path in folder.glob(".xennet-collect-*/bundle/captures/*.pcap")
                 if path.stat().st_size >= 24}
        if found >= set(names):
            return
        time.sleep(0.05)
    raise AssertionError("the captures did not start")


@needs_root
@needs("ip", "tcpdump", "ping", "ethtool")
def test_collect_in_a_dom0_namespace_with_captures(tmp_path):
    dom0, dom1 = f"xc{os.getpid()}-dom0", f"xc{os.getpid()}-dom1"
    archive = tmp_path / "dom0.tar.gz"
    try:
        _ip("netns", "add", dom0)
        _ip("netns", "add", dom1)
        _ip("-n", dom0, "link", "add", "xenbr0", "type", "bridge")
        _ip("-n", dom0, "link", "add", "vif1.0", "type", "veth", "peer", "name", "eth0", "netns", dom1)
        _ip("-n", dom0, "link", "set", "vif1.0", "master", "xenbr0")
        for device in ("vif1.0", "xenbr0"):
            _ip("-n", dom0, "link", "set", device, "up")
        _ip("-n", dom1, "addr", "add", "198.18.1.1/24", "dev", "eth0")
        _ip("-n", dom1, "link", "set", "eth0", "up")
        collector = subprocess.Popen(
            ["ip", "netns", "exec", dom0, sys.executable, "-m", "xennet.collect", "--capture", "2s",
             "--ports", "vif*,xenbr0", "--output", str(archive)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
        try:
            _wait_for_captures(tmp_path, ["vif1.0.pcap", "xenbr0.pcap"], collector)
            subprocess.run(["ip", "netns", "exec", dom1, "ping", "-c", "3", "-i", "0.2", "-W", "1", "198.18.1.2"],
                           capture_output=True, timeout=30)
            stdout, stderr = collector.communicate(timeout=120)
        finally:
            if collector.poll() is None:
                collector.kill()
                collector.wait()
    finally:
        for namespace in (dom0, dom1):
            subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=30)
    assert dom0 not in _namespaces() and dom1 not in _namespaces()
    assert collector.returncode == 0, stderr.decode()
    assert stdout.decode().strip() == str(archive) and stderr == b""
    assert_well_formed(archive)
    document = manifest(archive)
    assert document["capture"]["patterns"] == ["vif*", "xenbr0"]
    for port in ("vif1.0", "xenbr0"):
        captured = step(document, "port", port)
        assert (captured["status"], captured["output"]) == ("ok", f"captures/{port}.pcap")
        pcap = tmp_path / f"{port}.pcap"
        pcap.write_bytes(read_member(archive, f"/captures/{port}.pcap"))
        table, ports, problem, _stats = read_all(str(pcap))
        assert problem is None and len(ports) == 1
        assert (table["arp_op"] == 1).any(), f"no ARP request on {port}"
    assert step(document, "command", "ethtool -k vif1.0")["output"] == "sos_commands/networking/ethtool_-k_vif1.0"
    read_as = inventory(archive)
    assert read_as["captures/vif1.0.pcap"] == read_as["captures/xenbr0.pcap"] == "capture"
    assert read_as["sos_commands/networking/ethtool_-k_vif1.0"] == "proc-net"
    model = lint_paths([str(archive)], select_rules(("P150",)), captures=CaptureOptions()).model
    assert model.dom0 is not None
    assert [bridge.name for bridge in model.dom0.bridges()] == ["xenbr0"]
    assert list(model.dom0.ports("xenbr0")) == ["vif1.0"]
    assert model.captures is not None
    assert sorted(port.name for port in model.captures.ports) == ["vif1.0", "xenbr0"]


def test_rulesets_are_stored_under_sosreport_names_that_xennet_reads():
    """iptables-save, ip6tables-save and nft list ruleset: whether conntrack reassembles bridged
    fragments on a current kernel depends on their rules (N170)."""
    from xennet.lint.classify import kind_by_path

    outputs = {command.line: command.output for command in BASE_COMMANDS if command.plugin == "firewall_tables"}
    assert outputs == {"iptables-save": "sos_commands/firewall_tables/iptables-save",
                       "ip6tables-save": "sos_commands/firewall_tables/ip6tables-save",
                       "nft list ruleset": "sos_commands/firewall_tables/nft_list_ruleset"}
    assert {path: getattr(kind_by_path(path), "name", None) for path in outputs.values()} == dict.fromkeys(
        outputs.values(), "firewall")
