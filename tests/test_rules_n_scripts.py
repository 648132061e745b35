"""The network-script rules (N150-N154) on dom0 trees written under tmp_path: xend-config.sxp's
network-script with arguments, network-bridge wrapper scripts (lint/sources/network_script.py),
vif scripts, ip_forward settings; rule id, file:line:column, message, related locations, and the
cases each rule leaves alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import write_files
from xennet.findings import Severity
from xennet.lint.runner import lint_paths
from xennet.registry import select_rules

XEND = "etc/xen/xend-config.sxp"
XL_CONF = "etc/xen/xl.conf"
WRAPPER = "etc/xen/scripts/my-bridges"
SYSCTL_A = "sos_commands/kernel/sysctl_-a"
SYSCTL_CONF = "etc/sysctl.conf"
IP_ADDRESS = "sos_commands/networking/ip_address"
ROUTE = "sos_commands/networking/route_-n"
BRCTL = "sos_commands/networking/brctl_show"
IFCFG = "etc/sysconfig/network-scripts/ifcfg-"
WEB = "etc/xen/web.cfg"
ROUTED_WEB = 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,ip=198.18.0.20,script=vif-route" ]\n'
BRIDGED_WEB = 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge={bridge}" ]\n'
IFCFG_ETH0 = {"etc/sysconfig/network-scripts/ifcfg-eth0": "DEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\n"}


def xend(network_script: str, vif_script: str = "vif-bridge") -> str:
    return f"(xend-relocation-server no)\n(network-script '{network_script}')\n(vif-script {vif_script})\n"


def wrapper(*calls: str) -> str:
    lines = "".join(f'"$dir/{call}\n' for call in calls)
    return f'#!/bin/sh\ndir=$(dirname "$0")\n{lines}'


TWO_BRIDGES = wrapper(
    'network-bridge" "$@" netdev=eth0 bridge=xenbr0', 'network-bridge" "$@" netdev=eth1 bridge=xenbr1'
)


def link(index: int, name: str, mac: str, inet: str = "") -> str:
    text = (
        f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
        f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n"
    )
    return text + (f"    inet {inet} brd 198.18.0.255 scope global {name}\n" if inet else "")


LO = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "    inet 127.0.0.1/8 scope host lo\n"
)
TWO_NICS = LO + link(2, "eth0", "00:16:3e:4d:2a:10", "198.18.0.10/24") + link(3, "eth1", "00:16:3e:4d:2a:11")
ONE_NIC = LO + link(2, "eth0", "00:16:3e:4d:2a:10", "198.18.0.10/24")
XEN3_LAYOUT = (
    LO
    + link(2, "peth0", "fe:ff:ff:ff:ff:ff")
    + link(3, "eth0", "00:16:3e:4d:2a:10", "198.18.0.10/24")
    + link(4, "eth1", "00:16:3e:4d:2a:11")
    + link(5, "xenbr0", "fe:ff:ff:ff:ff:ff")
)


def routes(device: str = "eth0") -> str:
    return (
        "Kernel IP routing table\n"
        "Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n"
        f"198.18.0.0      0.0.0.0         255.255.255.0   U     0      0        0 {device}\n"
        f"0.0.0.0         198.18.0.1      0.0.0.0         UG    0      0        0 {device}\n"
    )


def sysctl_a(forward: int) -> str:
    return f"net.ipv4.ip_forward = {forward}\nnet.ipv4.conf.all.rp_filter = 1\nnet.ipv4.ipfrag_time = 30\n"


def run(tmp_path: Path, files: dict[str, str], rule: str):
    folder = tmp_path / "dom0"
    write_files(folder, files)
    return lint_paths([str(folder)], select_rules((rule,))).findings


def where(finding) -> tuple[str, int, int]:
    location = finding.location
    return Path(location.path).name, location.line, location.column


def related(finding) -> list[tuple[str, int]]:
    return [(Path(location.path).name, location.line) for location in finding.related]


# --- N150 routed-without-ip-forward -----------------------------------------------------------------


def test_n150_vif_route_with_running_ip_forward_0(tmp_path):
    (finding,) = run(tmp_path, {WEB: ROUTED_WEB, SYSCTL_A: sysctl_a(0)}, "N150")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("sysctl_-a", 1, 1)
    assert finding.message == (
        "dom0 routes guest traffic (script=vif-route on vif 0 of web, web.cfg:2), but the running kernel has"
        " net.ipv4.ip_forward = 0 (sysctl_-a:1): dom0 drops every packet it should forward"
    )
    assert related(finding) == [("web.cfg", 2)]


def test_n150_network_route_ran_but_forwarding_is_off_again(tmp_path):
    files = {
        XEND: xend("network-route", "vif-route"),
        WEB: ROUTED_WEB,
        SYSCTL_A: sysctl_a(0),
        SYSCTL_CONF: "# Controls IP packet forwarding\nnet.ipv4.ip_forward = 0\n",
    }
    (finding,) = run(tmp_path, files, "N150")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("sysctl_-a", 1, 1)
    assert "network-route run by xend, xend-config.sxp:2" in finding.message
    assert "vif-script" not in finding.message  # web's own script= wins over xend's default
    assert (
        "(network-script 'network-route') (xend-config.sxp:2) sets it to 1 when xend starts, so something set it"
        " back to 0 afterwards (sysctl.conf:2 sets 0; `sysctl -p` or a network restart applies it)"
    ) in finding.message
    assert ("sysctl.conf", 2) in related(finding)


def test_n150_boot_setting_0_with_network_route_is_a_warning(tmp_path):
    files = {XEND: xend("network-route", "vif-route"), SYSCTL_A: sysctl_a(1), SYSCTL_CONF: "net.ipv4.ip_forward = 0\n"}
    (finding,) = run(tmp_path, files, "N150")
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("sysctl.conf", 1, 1)
    boot = "sysctl.conf:1 sets net.ipv4.ip_forward = 0 at boot; the running kernel has 1 (sysctl_-a:1)"
    assert boot in finding.message
    assert "turns forwarding on at every xend start, but any later `sysctl -p`" in finding.message


def test_n150_boot_setting_0_without_network_route_is_an_error(tmp_path):
    files = {XEND: xend("network-bridge"), WEB: ROUTED_WEB, SYSCTL_CONF: "net.ipv4.ip_forward = 0\n"}
    (finding,) = run(tmp_path, files, "N150")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("sysctl.conf", 1, 1)
    assert finding.message.endswith(
        "nothing turns forwarding on again, so routed guests lose the network at every boot"
    )


def test_n150_xl_default_vif_nat(tmp_path):
    files = {
        XL_CONF: 'vif.default.script = "vif-nat"\n',
        WEB: 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01" ]\n',
        SYSCTL_A: sysctl_a(0),
    }
    (finding,) = run(tmp_path, files, "N150")
    assert "vif.default.script = vif-nat, xl.conf:1" in finding.message
    assert related(finding) == [("xl.conf", 1)]


def test_n150_network_nat_from_a_wrapper(tmp_path):
    files = {XEND: xend("my-bridges"), WRAPPER: wrapper('network-nat" "$@" netdev=eth0'), SYSCTL_A: sysctl_a(0)}
    (finding,) = run(tmp_path, files, "N150")
    assert "network-nat run by xend, my-bridges:3" in finding.message
    assert "network-nat call (my-bridges:3) sets it to 1 when xend starts" in finding.message


@pytest.mark.parametrize(
    "files",
    [
        {WEB: ROUTED_WEB, SYSCTL_A: sysctl_a(1)},
        {WEB: BRIDGED_WEB.format(bridge="xenbr0"), SYSCTL_A: sysctl_a(0)},
        {WEB: ROUTED_WEB},
        {XEND: xend("network-bridge"), SYSCTL_A: sysctl_a(0)},
    ],
    ids=["forwarding-on", "bridged", "no-sysctl", "bridged-xend"],
)
def test_n150_not_when_forwarding_or_nothing_routes(tmp_path, files):
    assert run(tmp_path, files, "N150") == []


# --- N151 network-bridge-netdev-not-default-route ----------------------------------------------------


def test_n151_xend_netdev_off_the_default_route(tmp_path):
    files = {XEND: xend("network-bridge netdev=eth1"), IP_ADDRESS: TWO_NICS, ROUTE: routes("eth0")}
    (finding,) = run(tmp_path, files, "N151")
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("xend-config.sxp", 2, 1)
    assert finding.message == (
        "(network-script 'network-bridge netdev=eth1') (xend-config.sxp:2) bridges netdev=eth1, but dom0's"
        " default route leaves through eth0 via 198.18.0.1 (route_-n:4) and no network-bridge call bridges eth0:"
        " guests on this bridge get eth1's network, not the one dom0 routes through"
    )
    assert related(finding) == [("route_-n", 4)]


def test_n151_wrapper_points_at_the_netdev_argument(tmp_path):
    script = wrapper('network-bridge" "$@" vifnum=1 netdev=eth1 bridge=xenbr1')
    files = {XEND: xend("my-bridges"), WRAPPER: script, IP_ADDRESS: TWO_NICS, ROUTE: routes("eth0")}
    (finding,) = run(tmp_path, files, "N151")
    assert where(finding) == ("my-bridges", 3, 37)
    assert finding.message.startswith("network-bridge call (my-bridges:3) bridges netdev=eth1")


@pytest.mark.parametrize(
    ("files"),
    [
        {XEND: xend("network-bridge netdev=eth1"), IP_ADDRESS: ONE_NIC, ROUTE: routes("eth0")},
        {XEND: xend("network-bridge netdev=eth0"), IP_ADDRESS: XEN3_LAYOUT, ROUTE: routes("eth0")},
        {XEND: xend("network-bridge"), IP_ADDRESS: TWO_NICS, ROUTE: routes("eth0")},
        {XEND: xend("network-bridge netdev=eth1"), IP_ADDRESS: TWO_NICS},
        {
            XEND: xend("my-bridges"),
            WRAPPER: TWO_BRIDGES,
            IP_ADDRESS: TWO_NICS,
            ROUTE: routes("eth0"),
        },
        {XEND: xend("network-bridge netdev=eth1 bridge=xenbr1"), IP_ADDRESS: TWO_NICS, ROUTE: routes("xenbr1")},
    ],
    ids=["one-nic", "xen3-renamed", "no-netdev", "no-routes", "wrapper-covers", "route-via-bridge"],
)
def test_n151_not_when_the_default_nic_is_bridged_or_unknown(tmp_path, files):
    assert run(tmp_path, files, "N151") == []


# --- N152 network-bridge-netdev-missing --------------------------------------------------------------


def test_n152_netdev_names_a_missing_nic(tmp_path):
    files = {XEND: xend("network-bridge netdev=eth2"), IP_ADDRESS: TWO_NICS}
    (finding,) = run(tmp_path, files, "N152")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("xend-config.sxp", 2, 1)
    assert finding.message == (
        "(network-script 'network-bridge netdev=eth2') (xend-config.sxp:2) names netdev=eth2, which this host"
        " does not have (nor peth2): its NICs are eth0, eth1 (ip_address:4); network-bridge has no NIC to put"
        " into the bridge, so guests on it reach nothing beyond dom0"
    )
    assert related(finding) == [("ip_address", 4), ("ip_address", 7)]


def test_n152_in_a_wrapper(tmp_path):
    script = wrapper('network-bridge" "$@" netdev=eth0 bridge=xenbr0', 'network-bridge" "$@" netdev=em2 bridge=xenbr1')
    (finding,) = run(tmp_path, {XEND: xend("my-bridges"), WRAPPER: script, IP_ADDRESS: TWO_NICS}, "N152")
    assert where(finding) == ("my-bridges", 4, 28)


@pytest.mark.parametrize(
    "files",
    [
        {XEND: xend("network-bridge netdev=eth0"), IP_ADDRESS: LO + link(2, "peth0", "fe:ff:ff:ff:ff:ff")},
        {XEND: xend("network-bridge netdev=eth2")},
        {XEND: xend("network-bridge netdev=eth2"), IFCFG + "eth0": "DEVICE=eth0\nONBOOT=yes\n"},
        {
            XEND: xend("network-bridge"),
            WRAPPER: wrapper('network-bridge" "$@" netdev=eth2'),
            IP_ADDRESS: TWO_NICS,
        },
    ],
    ids=["renamed-peth0", "no-interfaces", "config-only", "unused-wrapper"],
)
def test_n152_not_for_renamed_nics_or_without_running_interfaces(tmp_path, files):
    assert run(tmp_path, files, "N152") == []


# --- N153 network-bridge-duplicate -------------------------------------------------------------------


def test_n153_same_nic_twice(tmp_path):
    script = wrapper(
        'network-bridge" "$@" vifnum=0 netdev=eth0 bridge=xenbr0',
        'network-bridge" "$@" vifnum=1 netdev=eth0 bridge=xenbr1',
    )
    (finding,) = run(tmp_path, {XEND: xend("my-bridges"), WRAPPER: script}, "N153")
    assert finding.severity is Severity.ERROR
    assert where(finding) == ("my-bridges", 4, 37)
    assert finding.message == (
        "network-bridge call (my-bridges:4) claims netdev=eth0, the NIC that network-bridge call (my-bridges:3)"
        " already claims: the second run finds the NIC already taken by the first bridge, so one of the two"
        " bridges has no uplink"
    )
    assert related(finding) == [("my-bridges", 3)]


def test_n153_same_bridge_twice_and_renamed_nic(tmp_path):
    script = wrapper(
        'network-bridge" "$@" netdev=eth0 bridge=xenbr0',
        'network-bridge" "$@" netdev=eth1 bridge=xenbr0',
        'network-bridge" "$@" netdev=peth0 bridge=xenbr2',
    )
    findings = run(tmp_path, {WRAPPER: script}, "N153")
    assert [(where(f)[1], f.message.split(" already claims")[0]) for f in findings] == [
        (4, "network-bridge call (my-bridges:4) claims bridge=xenbr0, the bridge that network-bridge call"
            " (my-bridges:3)"),
        (5, "network-bridge call (my-bridges:5) claims netdev=peth0, the NIC that network-bridge call"
            " (my-bridges:3)"),
    ]
    assert "joins eth0's and eth1's networks" in findings[0].message
    assert "(as netdev=eth0)" in findings[1].message


@pytest.mark.parametrize(
    "files",
    [
        {WRAPPER: TWO_BRIDGES},
        {XEND: xend("network-bridge"), WRAPPER: wrapper('network-bridge" netdev=eth0', 'network-bridge" netdev=eth0')},
        {WRAPPER: wrapper('network-bridge" netdev=eth0 bridge=null', 'network-bridge" netdev=eth1 bridge=null')},
    ],
    ids=["distinct", "wrapper-not-run", "bridge-null"],
)
def test_n153_not_for_distinct_or_unused_calls(tmp_path, files):
    assert run(tmp_path, files, "N153") == []


# --- N154 vif-bridge-not-created ---------------------------------------------------------------------

MAKES_XENBR0 = xend("network-bridge netdev=eth0 bridge=xenbr0")


def test_n154_vif_bridge_nobody_creates(tmp_path):
    files = {**IFCFG_ETH0, XEND: MAKES_XENBR0, WEB: BRIDGED_WEB.format(bridge="xenbr1")}
    (finding,) = run(tmp_path, files, "N154")
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("web.cfg", 2, 32)
    assert finding.message == (
        "vif 0 of web names bridge `xenbr1` (web.cfg:2), but dom0's bridges come from xend's network-script"
        " `network-bridge` (xend-config.sxp:2), which makes xenbr0, and no ifcfg or interfaces file defines"
        " xenbr1: vif-bridge will not find it when the guest starts"
    )
    assert related(finding) == [("xend-config.sxp", 2)]


def test_n154_bridge_made_by_hand_exists_now(tmp_path):
    brctl = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\nxenbr1\t\t8000.feffffffffff\tno\t\tvif3.0\n"
    files = {**IFCFG_ETH0, XEND: xend("network-route"), WEB: BRIDGED_WEB.format(bridge="xenbr1"), BRCTL: brctl}
    (finding,) = run(tmp_path, files, "N154")
    assert "`network-route` (xend-config.sxp:2), which makes no bridge at all" in finding.message
    assert finding.message.endswith("it exists now (brctl_show:2) but nothing recreates it after a reboot")


@pytest.mark.parametrize(
    "files",
    [
        {**IFCFG_ETH0, XEND: MAKES_XENBR0, WEB: BRIDGED_WEB.format(bridge="xenbr0")},
        {
            **IFCFG_ETH0,
            XEND: xend("network-bridge"),
            WEB: BRIDGED_WEB.format(bridge="xenbr1"),
            IFCFG + "xenbr1": "DEVICE=xenbr1\nTYPE=Bridge\nONBOOT=yes\n",
        },
        {
            **IFCFG_ETH0,
            XEND: xend("my-bridges"),
            WRAPPER: TWO_BRIDGES,
            WEB: BRIDGED_WEB.format(bridge="xenbr1"),
        },
        {**IFCFG_ETH0, XEND: xend("network-bridge vifnum=1"), WEB: BRIDGED_WEB.format(bridge="xenbr1")},
        {**IFCFG_ETH0, XEND: "(vif-script vif-bridge)\n", WEB: BRIDGED_WEB.format(bridge="xenbr1")},
        {**IFCFG_ETH0, XEND: xend("my-bridges"), WEB: BRIDGED_WEB.format(bridge="xenbr1")},
        {
            **IFCFG_ETH0,
            XEND: xend("my-bridges"),
            WRAPPER: wrapper('network-bridge" "$@" netdev=eth0 bridge=xenbr0') + "for n in 1 2; do\n  :\ndone\n",
            WEB: BRIDGED_WEB.format(bridge="xenbr1"),
        },
    ],
    ids=["made", "ifcfg", "wrapper-makes-it", "vifnum-default", "no-network-script", "wrapper-absent",
         "wrapper-unmodelled"],
)
def test_n154_not_when_something_creates_it_or_the_tree_cannot_tell(tmp_path, files):
    assert run(tmp_path, files, "N154") == []


def test_n154_not_when_the_tree_has_no_network_configuration(tmp_path):
    files = {XEND: xend("network-bridge netdev=eth0 bridge=xenbr0"), WEB: BRIDGED_WEB.format(bridge="xenbr1")}
    assert run(tmp_path, files, "N154") == []
