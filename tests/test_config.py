"""Configuration files as a user writes them: discovery, every key, precedence of flags, `xennet config`,
and one-line errors (file:line, exit 2, no traceback) for every kind of mistake."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main


@pytest.fixture
def case(broken_copy: Path) -> Path:
    return broken_copy


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def rule_ids(output: str) -> set[str]:
    return {line.split()[2] for line in output.splitlines()
            if len(line.split()) > 2 and line.split()[1] in ("error", "warning", "info")}


def test_xennet_toml_selects_ignores_and_sets_fail_on(case):
    (case / ".xennet.toml").write_text('select = ["X1"]\nignore = ["X11"]\nfail-on = "warning"\n')
    result = run("lint", "broken")
    assert rule_ids(result.output) == {"X101", "X103", "X120", "X123", "X124", "X126", "X130"}
    (case / ".xennet.toml").write_text('select = ["X10"]\nfail-on = "warning"\n')
    result = run("lint", "broken/web01.cfg")
    assert rule_ids(result.output) == {"X101"}
    assert result.exit_code == 1  # a warning fails with fail-on = "warning"


def test_pyproject_is_found_walking_up_from_the_inputs(case):
    (case / "pyproject.toml").write_text('[project]\nname = "site"\n\n[tool.xennet]\nextend-select = ["E"]\n'
                                         'select = ["X111"]\n')
    (case / "broken" / "sub").mkdir()
    shutil.move(case / "broken" / "win01.cfg", case / "broken" / "sub" / "win01.cfg")
    result = run("lint", "broken/sub/win01.cfg", "broken/xend-config.sxp")
    assert rule_ids(result.output) == {"X111", "E001"}


def test_pyproject_without_a_xennet_table_is_passed_over(case):
    (case / ".xennet.toml").write_text('ignore = ["E001"]\n')
    (case / "broken" / "pyproject.toml").write_text('[project]\nname = "other"\n')
    assert "E001" not in rule_ids(run("lint", "broken").output)


def test_discovery_stops_at_the_repository_root(case):
    (case / ".xennet.toml").write_text('ignore = ["E001"]\n')
    (case / "broken" / ".git").mkdir()
    assert "E001" in rule_ids(run("lint", "broken").output)


def test_flags_win_over_the_config(case):
    (case / ".xennet.toml").write_text('ignore = ["X1"]\nselect = ["X"]\nfail-on = "info"\n')
    result = run("lint", "broken", "--ignore", "X003", "--select", "X1,X003", "--fail-on", "error")
    assert "X101" in rule_ids(result.output) and "X003" not in rule_ids(result.output)
    assert result.exit_code == 1
    result = run("lint", "broken", "--select", "X130", "--ignore", "E", "--fail-on", "error")
    assert rule_ids(result.output) == {"X130"} and result.exit_code == 0  # a warning does not fail


def test_isolated_and_an_explicit_config_file(case):
    (case / ".xennet.toml").write_text('ignore = ["E001"]\n')
    (case / "other.toml").write_text('ignore = ["X1"]\n')
    assert "E001" in rule_ids(run("lint", "--isolated", "broken").output)
    ids = rule_ids(run("lint", "--config", "other.toml", "broken").output)
    assert "E001" in ids and not {rule for rule in ids if rule.startswith("X1")}


def test_per_file_ignores_take_globs_relative_to_the_config_file(case):
    (case / ".xennet.toml").write_text('[per-file-ignores]\n"broken/web0*.cfg" = ["X1"]\n'
                                       '"legacy-mail" = ["nics-deprecated"]\n')
    result = run("lint", "broken", "-v")
    lines = result.output.splitlines()
    assert not [line for line in lines if line.startswith("broken/web0") and " X1" in line]
    assert "X130" not in rule_ids(result.output) and "X123" in rule_ids(result.output)
    assert "ignored: broken/legacy-mail:5:1 X130 (per-file-ignores 'legacy-mail')" in lines


def test_severity_overrides_change_what_is_printed_and_the_exit_code(case):
    (case / ".xennet.toml").write_text('select = ["X111", "X124"]\n[severity]\nX1 = "info"\n'
                                       'vif-mac-multicast = "warning"\n')
    result = run("lint", "broken/win01.cfg")
    assert "broken/win01.cfg:5:10: warning X111 [vif-mac-multicast]" in result.output
    assert "broken/win01.cfg:5:58: info X124 [vifname-too-long]" in result.output
    assert result.exit_code == 0


def test_site_allowed_ouis_accepts_the_sites_mac_prefix(case):
    config = case / "web.cfg"
    config.write_text('name = "web"\nvif = [ "mac=00:0c:29:12:34:56,bridge=xenbr0" ]\n')
    assert "X114" in rule_ids(run("lint", "web.cfg").output)
    (case / ".xennet.toml").write_text('[site]\nallowed-ouis = ["52:54:00", "00:0C:29"]\n')
    assert "X114" not in rule_ids(run("lint", "web.cfg").output)


def test_site_kernel_stands_in_when_the_bundle_lacks_it(tmp_path, monkeypatch):
    shutil.copytree(FIXTURES / "hosts" / "vlan-bridge-nf", tmp_path / "case")
    monkeypatch.chdir(tmp_path / "case")
    (tmp_path / "case/dom0/sos_commands/kernel/uname_-a").unlink()
    sysctl = tmp_path / "case/dom0/sos_commands/kernel/sysctl_-a"
    sysctl.write_text("".join(line for line in sysctl.read_text().splitlines(True) if "osrelease" not in line))
    before = run("lint", "dom0", "guest3", "guest4")
    assert "warning N170" in before.output and "the tree does not show the kernel release" in before.output
    (tmp_path / "case/.xennet.toml").write_text('[site]\nkernel = "2.6.18-128.el5xen"\n')
    after = run("lint", "dom0", "guest3", "guest4")
    assert "error N170" in after.output and "kernel 2.6.18-128.el5xen forwards reassembled" in after.output
    assert "    related: .xennet.toml:2" in after.output.splitlines()


def test_site_bridge_mtu_is_checked_against_the_bridge_and_its_ports(tmp_path, monkeypatch):
    """The field case's dom0 runs xenbr0 and its ports at 1500; a site that expects 9000 hears about
    every device, at the first one, with the config line related; a site that expects 1500 does not."""
    shutil.copytree(FIXTURES / "hosts" / "vlan-bridge-nf", tmp_path / "case")
    monkeypatch.chdir(tmp_path / "case")
    (tmp_path / "case/pyproject.toml").write_text('[tool.xennet.site.bridge-mtu]\nxenbr0 = 9000\nxenbr9 = 1500\n')
    lines = run("lint", "--select", "N136", "dom0").output.splitlines()
    assert lines[0] == (
        "dom0/sos_commands/networking/ip_address:11:50: warning N136 [bridge-mtu-unexpected] bridge xenbr0 is"
        " expected at MTU 9000 (pyproject.toml:2), but xenbr0 1500 (ip_address:11), peth0 1500 (ip_address:4),"
        " vif0.0 1500 (ip_address:6), vif3.0 1500 (ip_address:13), vif4.0 1500 (ip_address:15): a frame that"
        " fits the sender is dropped silently wherever a device on its way has a smaller MTU")
    assert "    related: pyproject.toml:2" in lines
    assert lines[-1].startswith("1 finding (0 errors, 1 warning, 0 info)")  # xenbr9: dom0 has none
    (tmp_path / "case/pyproject.toml").write_text('[tool.xennet.site.bridge-mtu]\nxenbr0 = 1500\n')
    assert "N136" not in rule_ids(run("lint", "dom0").output)
    assert json.loads(run("config", "--format", "json").output)["settings"]["site.bridge-mtu"] == {
        "value": {"xenbr0": 1500}, "origin": "pyproject.toml:1"}


def test_config_command_prints_values_and_origins(case):
    (case / "pyproject.toml").write_text('[tool.xennet]\nfail-on = "warning"\n\n[tool.xennet.site]\n'
                                         'kernel = "2.6.18-128.el5xen"\n')
    result = run("config", "broken", "--ignore", "X003")
    lines = result.output.splitlines()
    assert lines[0] == "# config file: pyproject.toml"
    assert [line.split("#")[-1].strip() for line in lines[1:] if line.startswith(("fail-on", "ignore", "select",
                                                                                  "site.kernel"))] == [
        "default", "--ignore", "pyproject.toml:2", "pyproject.toml:5"]
    document = json.loads(run("config", "--format", "json").output)
    assert document["settings"]["fail-on"] == {"value": "warning", "origin": "pyproject.toml:2"}
    assert document["settings"]["select"] == {"value": [], "origin": "default"}
    assert json.loads(run("config", "--isolated", "--format", "json").output)["config_file"] is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('fail-on = "warning"\nselct = ["X1"]\n', ".xennet.toml:2: `selct`: unknown key; did you mean `select`?"),
        ('ignore = [X1\n', ".xennet.toml:1: invalid TOML: Invalid value"),
        ('\n\nignore = ["X999"]\n', ".xennet.toml:3: `ignore`: unknown rule code(s): X999 (see `xennet rules`)"),
        ('ignore = "X1"\n', '.xennet.toml:1: `ignore`: expected a list of rule codes such as ["X101", "N1"], got "X1"'),
        ('fail-on = "fatal"\n', '.xennet.toml:1: `fail-on`: expected "error", "warning" or "info", got "fatal"'),
        ('[severity]\nX111 = "loud"\n', '.xennet.toml:2: `severity.X111`: expected "error", "warning" or "info"'),
        ('[severity]\nX9 = "info"\n', ".xennet.toml:2: `severity.X9`: unknown rule code(s): X9"),
        ('[per-file-ignores]\n"*.cfg" = ["nope"]\n', '.xennet.toml:2: `per-file-ignores."*.cfg"`: unknown rule code'),
        ('[site]\nkernal = "2.6.18"\n', ".xennet.toml:2: `site.kernal`: unknown key; did you mean `kernel`?"),
        ('[site]\nkernel = "el5xen"\n', '.xennet.toml:2: `site.kernel`: expected a kernel release such as'),
        ('[site]\nallowed-ouis = ["52:54"]\n', ".xennet.toml:2: `site.allowed-ouis`: expected a list of MAC prefixes"),
        ('[site]\nbridge-mtu = 9000\n',
         '.xennet.toml:2: `site.bridge-mtu`: expected a table such as {"xenbr0" = 9000}'),
        ('[site.bridge-mtu]\nxenbr0 = 9000\nxenbr1 = 100000\n',
         ".xennet.toml:3: `site.bridge-mtu.xenbr1`: expected an MTU from 68 to 65535, got 100000"),
    ],
)
def test_a_broken_config_is_one_line_with_file_and_line_and_exit_2(case, content, message):
    (case / ".xennet.toml").write_text(content)
    shutil.copy(FIXTURES / "pcap" / "single-tcp-syn.pcap", case)
    for command in (["lint", "broken"], ["config"], ["pcap", "single-tcp-syn.pcap"], ["bundle", "broken"]):
        result = run(*command)
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"xennet: {message}")


def test_a_broken_pyproject_names_its_line(case):
    (case / "pyproject.toml").write_text('[tool.xennet]\nselect = ["X1"\nignore = []\n')
    result = run("lint", "broken")
    assert result.exit_code == 2
    assert result.stderr.startswith("xennet: pyproject.toml:3: invalid TOML")


def test_pyproject_named_with_config_needs_the_table(case):
    (case / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = run("lint", "--config", "pyproject.toml", "broken")
    assert (result.exit_code, result.stderr) == (2, "xennet: pyproject.toml: no [tool.xennet] table\n")
