"""End to end on the support-bundle-shaped host trees of fixtures/hosts: `xennet lint DOM0 GUESTS...`
reports each mismatch once, at the line to change, with the other side in `related`, and nothing
on a consistent host."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from conftest import FIXTURES
from xennet.cli import main

HOSTS = FIXTURES / "hosts"

# scenario -> [(rule, severity, file:line relative to the scenario, [related file:line ...])]
EXPECTED = {
    "clean": [],
    "mac-mismatch": [
        ("N110", "error", "guest-app01/etc/sysconfig/network-scripts/ifcfg-eth0:2",
         ["dom0/etc/xen/app01.cfg:8", "guest-app01/sos_commands/networking/ip_address:6"]),
    ],
    "missing-bridge": [
        ("N101", "error", "dom0/etc/xen/backup01.cfg:6", ["dom0/sos_commands/networking/brctl_show:2"]),
    ],
    "vif-no-bridge": [
        ("N104", "error", "dom0/etc/xen/mail01:6",
         ["dom0/sos_commands/networking/ip_address:15", "dom0/sos_commands/networking/brctl_show:2"]),
    ],
    "mtu-mismatch": [
        ("N131", "warning", "dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1:7",
         ["dom0/sos_commands/networking/ip_address:19"]),
        ("N134", "warning", "dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1:7",
         ["dom0/sos_commands/networking/ip_address:13"]),
        ("N132", "warning", "dom0/sos_commands/networking/ip_address:19",
         ["dom0/sos_commands/networking/ip_address:7"]),
        ("N133", "error", "guest-nfs01/etc/sysconfig/network-scripts/ifcfg-eth1:8",
         ["dom0/sos_commands/networking/ip_address:19", "dom0/etc/xen/nfs01.cfg:9"]),
    ],
    "vlan-bridge-nf": [
        ("N170", "error", "dom0/sos_commands/kernel/sysctl_-a:7", [
            "guest3/etc/sysconfig/network-scripts/ifcfg-eth0.3:1",
            "guest3/sos_commands/networking/ip_address:6",
            "guest4/etc/sysconfig/network-scripts/ifcfg-eth0.3:1",
            "guest4/sos_commands/networking/ip_address:6",
            "dom0/sos_commands/kernel/sysctl_-a:9",
            "dom0/sos_commands/kernel/lsmod:5",
            "dom0/sos_commands/networking/ip_address:11",
            "dom0/sos_commands/kernel/uname_-a:1",
        ]),
    ],
}


def trees(scenario: str) -> list[str]:
    """dom0 first, then the guests, as a user names them."""
    folders = sorted(p.name for p in (HOSTS / scenario).iterdir())
    folders.remove("dom0")
    return [str(HOSTS / scenario / name) for name in ["dom0", *folders]]


def short(location: dict, scenario: str) -> str:
    path = location["path"].removeprefix(str(HOSTS / scenario) + "/")
    return f"{path}:{location['line']}"


@pytest.mark.parametrize("scenario", sorted(EXPECTED))
def test_scenario_findings(scenario):
    result = CliRunner().invoke(main, ["lint", "--format", "json", "--fail-on", "warning", *trees(scenario)])
    findings = json.loads(result.output)["findings"]
    found = [
        (f["rule_id"], f["severity"], short(f["location"], scenario), [short(r, scenario) for r in f["related"]])
        for f in findings
    ]
    assert found == EXPECTED[scenario]
    assert result.exit_code == (1 if EXPECTED[scenario] else 0)


def test_field_report_message_names_every_side():
    result = CliRunner().invoke(main, ["lint", *trees("vlan-bridge-nf")])
    assert "bridge xenbr0 passes guest VLAN traffic (guest3 eth0.3, VLAN 3; guest4 eth0.3, VLAN 3)" in result.output
    assert "net.bridge.bridge-nf-call-iptables = 1, sysctl_-a:7" in result.output
    assert "kernel 2.6.18-128.el5xen forwards reassembled fragments without refragmenting them" in result.output


def test_every_scenario_is_covered():
    assert sorted(p.name for p in HOSTS.iterdir()) == sorted(EXPECTED)


def test_readme_shows_the_real_field_report_output():
    readme = (FIXTURES.parent / "README.md").read_text()
    result = CliRunner().invoke(main, ["lint", *trees("vlan-bridge-nf")])
    assert result.output.replace(str(FIXTURES.parent) + "/", "") in readme
