"""The bridge netfilter rules (N160, N170, N171) on the vlan-bridge-nf scenario and on host trees
written under tmp_path with sosreport names; and the kernel-release and refragmentation helpers
they rest on (lint/kernel.py, lint/netfilter.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, write_files
from xennet.findings import Severity
from xennet.lint.kernel import parse_release
from xennet.lint.netfilter import Refrag, refragments
from xennet.lint.runner import lint_paths
from xennet.registry import select_rules

SCENARIO = FIXTURES / "hosts" / "vlan-bridge-nf"
SYSCTL = "sos_commands/kernel/sysctl_-a"
UNAME = "sos_commands/kernel/uname_-a"
LSMOD = "sos_commands/kernel/lsmod"
IP_ADDRESS = "sos_commands/networking/ip_address"
IP_D_LINK = "sos_commands/networking/ip_-d_link"
BRCTL = "sos_commands/networking/brctl_show"
NETSTAT = "sos_commands/networking/netstat_-s"
XM_LIST = "sos_commands/xen/xm_list"
GUEST_CFG = 'name = "guest3"\nvif = [ "mac=00:16:3e:00:03:01,bridge=xenbr0" ]\n'
XM_LIST_TEXT = (
    "Name                                      ID Mem(MiB) VCPUs State   Time(s)\n"
    "Domain-0                                   0     3456     4 r-----   2113.1\n"
    "guest3                                     3      511     1 -b----     91.2\n"
)
BRCTL_HEADER = "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
BRCTL_TEXT = BRCTL_HEADER + "xenbr0\t\t8000.feffffffffff\tno\t\tvif3.0\n\t\t\t\t\t\t\tpeth0\n"
LSMOD_HEADER = "Module                  Size  Used by\n"
LSMOD_CONNTRACK = (
    "Module                  Size  Used by\n"
    "xt_physdev             35985  1\n"
    "xt_state               35265  1\n"
    "ip_conntrack           92005  1 xt_state\n"
    "bridge                 88689  0\n"
)
LSMOD_PLAIN = LSMOD_HEADER + "xt_physdev             35985  1\nbridge                 88689  0\n"
GUEST_IP = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 16436 qdisc noqueue \n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "    inet 127.0.0.1/8 scope host lo\n"
    "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast qlen 1000\n"
    "    link/ether 00:16:3e:00:03:01 brd ff:ff:ff:ff:ff:ff\n"
)
GUEST_VLAN = (
    "3: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
    "    link/ether 00:16:3e:00:03:01 brd ff:ff:ff:ff:ff:ff\n"
    "    inet 198.18.3.3/24 brd 198.18.3.255 scope global eth0.3\n"
)


def uname(release: str) -> str:
    return f"Linux dom0.example.net {release} #1 SMP Wed Dec 17 12:01:40 EST 2008 x86_64 x86_64 x86_64 GNU/Linux\n"


def sysctl_a(call: int = 1, vlan: int | None = 1, forward: int = 0) -> str:
    lines = [f"net.ipv4.ip_forward = {forward}", "net.ipv4.ipfrag_time = 30",
             f"net.bridge.bridge-nf-call-iptables = {call}"]
    if vlan is not None:
        lines.append(f"net.bridge.bridge-nf-filter-vlan-tagged = {vlan}")
    return "\n".join(lines) + "\n"


def dom0_files(release: str | None = "2.6.18-128.el5xen", call: int = 1, vlan: int | None = 1,
               lsmod: str | None = LSMOD_CONNTRACK) -> dict[str, str]:
    files = {"etc/xen/guest3": GUEST_CFG, XM_LIST: XM_LIST_TEXT, BRCTL: BRCTL_TEXT, SYSCTL: sysctl_a(call, vlan)}
    if release is not None:
        files[UNAME] = uname(release)
    if lsmod is not None:
        files[LSMOD] = lsmod
    return files


def tree(tmp_path: Path, name: str, files: dict[str, str]) -> str:
    folder = tmp_path / name
    write_files(folder, files)
    return str(folder)


def run(rule: str, *trees: str | Path):
    return lint_paths([str(t) for t in trees], select_rules((rule,))).findings


def where(finding) -> tuple[str, int]:
    return Path(finding.location.path).name, finding.location.line


def related(finding) -> list[tuple[str, str, int]]:
    return [(Path(loc.path).parent.name, Path(loc.path).name, loc.line) for loc in finding.related]


def vlan_guest(tmp_path: Path, **dom0) -> list:
    dom0_tree = tree(tmp_path, "dom0", dom0_files(**dom0))
    guest = tree(tmp_path, "guest3", {IP_ADDRESS: GUEST_IP + GUEST_VLAN})
    return run("N170", dom0_tree, guest)


# --- kernel releases and refragmentation -------------------------------------------------------------


def test_parse_release_keeps_numbers_and_local_part():
    release = parse_release("2.6.18-128.el5xen")
    assert release is not None and release.numbers == (2, 6, 18) and release.local == "-128.el5xen"
    assert release.xen_flavour and release.series == (2, 6, 18)
    assert parse_release("2.6.16.6").numbers == (2, 6, 16, 6)  # type: ignore[union-attr]
    assert parse_release("not a release") is None


def test_releases_compare_by_padded_numbers():
    assert parse_release("2.6.16").before(2, 6, 16, 6)  # type: ignore[union-attr]
    assert parse_release("2.6.16.6").at_least(2, 6, 16, 6)  # type: ignore[union-attr]
    assert parse_release("3.10.0-1160.el7.x86_64").at_least(2, 6, 33)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("release", "tagged", "verdict"),
    [
        ("2.6.15", False, Refrag.FIXED),
        ("2.6.16", False, Refrag.BROKEN),
        ("2.6.16.5", False, Refrag.BROKEN),
        ("2.6.16.6", False, Refrag.FIXED),
        ("2.6.16.6", True, Refrag.BROKEN),
        ("2.6.18-128.el5xen", True, Refrag.BROKEN),
        ("2.6.18-128.el5xen", False, Refrag.FIXED),
        ("2.6.24", True, Refrag.UNKNOWN),
        ("3.10.0-1160.el7", True, Refrag.FIXED),
        ("6.1.0", True, Refrag.FIXED),
        (None, True, Refrag.UNKNOWN),
    ],
)
def test_refragmentation_by_kernel(release, tagged, verdict):
    assert refragments(parse_release(release) if release else None, tagged) is verdict


# --- N170 bridge-nf-fragments -----------------------------------------------------------------------


def test_n170_on_the_field_report_scenario():
    (finding,) = run("N170", SCENARIO / "dom0", SCENARIO / "guest3", SCENARIO / "guest4")
    assert finding.severity is Severity.ERROR
    assert str(finding.location.path) == str(SCENARIO / "dom0" / SYSCTL) and finding.location.line == 7
    assert finding.message.startswith(
        "bridge xenbr0 passes guest VLAN traffic (guest3 eth0.3, VLAN 3; guest4 eth0.3, VLAN 3) to iptables"
        " (net.bridge.bridge-nf-call-iptables = 1, sysctl_-a:7)"
    )
    assert "net.bridge.bridge-nf-filter-vlan-tagged = 1 (sysctl_-a:9)" in finding.message
    assert "ip_conntrack is loaded (lsmod:5)" in finding.message
    assert finding.message.endswith(
        "kernel 2.6.18-128.el5xen forwards reassembled fragments without refragmenting them,"
        " so packets above the MTU are dropped on the egress vif"
    )
    assert related(finding) == [
        ("network-scripts", "ifcfg-eth0.3", 1),
        ("networking", "ip_address", 6),
        ("network-scripts", "ifcfg-eth0.3", 1),
        ("networking", "ip_address", 6),
        ("kernel", "sysctl_-a", 9),
        ("kernel", "lsmod", 5),
        ("networking", "ip_address", 11),
        ("kernel", "uname_-a", 1),
    ]
    assert "guest3" in finding.related[0].path and "guest4" in finding.related[2].path
    assert "sysctl -w net.bridge.bridge-nf-call-iptables=0" in finding.fix and "ip -d link show xenbr0" in finding.fix


@pytest.mark.parametrize(
    ("release", "severity", "kernel_words"),
    [
        ("2.6.16", Severity.ERROR, "kernel 2.6.16 forwards reassembled fragments without refragmenting them"),
        ("2.6.16.6", Severity.ERROR, "kernel 2.6.16.6 forwards reassembled fragments without refragmenting them"),
        ("2.6.18-128.el5xen", Severity.ERROR, "kernel 2.6.18-128.el5xen forwards reassembled fragments"),
        ("2.6.24", Severity.WARNING, "whether kernel 2.6.24 refragments them is not known"),
        ("3.10.0-1160.el7", Severity.INFO, "kernel 3.10.0-1160.el7 refragments them before they leave the bridge"),
        ("6.1.0", Severity.INFO, "kernel 6.1.0 refragments them"),
        (None, Severity.WARNING, "the tree does not show the kernel release"),
    ],
)
def test_n170_severity_follows_the_kernel_for_vlan_traffic(tmp_path, release, severity, kernel_words):
    (finding,) = vlan_guest(tmp_path, release=release)
    assert finding.severity is severity
    assert kernel_words in finding.message
    assert where(finding) == ("sysctl_-a", 3)


@pytest.mark.parametrize(
    ("release", "severity"),
    [("2.6.16", Severity.ERROR), ("2.6.16.6", Severity.INFO), ("2.6.18-128.el5xen", Severity.INFO),
     ("6.1.0", Severity.INFO), (None, Severity.WARNING)],
)
def test_n170_untagged_fragments_from_netstat(tmp_path, release, severity):
    netstat = "Ip:\n    4122 total packets received\n    87 reassemblies required\n    29 packets reassembled ok\n"
    dom0 = tree(tmp_path, "dom0", {**dom0_files(release=release), NETSTAT: netstat})
    (finding,) = run("N170", dom0)
    assert finding.severity is severity
    assert "bridge xenbr0 passes IPv4 to iptables" in finding.message
    assert "netstat -s: 87 reassemblies required, netstat_-s:3" in finding.message
    assert ("netstat_-s", 3) in [(Path(loc.path).name, loc.line) for loc in finding.related]


def test_n170_dom0_vlan_behind_vif0(tmp_path):
    dom0_ip = (
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
        "3: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \n"
        "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
    )
    brctl = BRCTL_HEADER + "xenbr0\t\t8000.feffffffffff\tno\t\tvif0.0\n\t\t\t\t\t\t\tpeth0\n"
    files = {**dom0_files(), BRCTL: brctl, IP_ADDRESS: dom0_ip}
    (finding,) = run("N170", tree(tmp_path, "dom0", files))
    assert finding.severity is Severity.ERROR
    assert "passes dom0's VLAN traffic (dom0 eth0.3, VLAN 3, through vif0.0)" in finding.message
    assert finding.message.endswith("dropped on the egress port")


def test_n170_lsmod_without_conntrack_lowers_to_warning(tmp_path):
    (finding,) = vlan_guest(tmp_path, lsmod=LSMOD_PLAIN)
    assert finding.severity is Severity.WARNING
    assert "lsmod (lsmod) shows no conntrack module: fragments are reassembled only if conntrack is built in" in (
        finding.message
    )


def test_n170_without_lsmod_keeps_the_error_and_says_so(tmp_path):
    (finding,) = vlan_guest(tmp_path, lsmod=None)
    assert finding.severity is Severity.ERROR
    assert "the tree has no lsmod" in finding.message


def test_n170_not_without_vlan_or_fragments(tmp_path):
    dom0 = tree(tmp_path, "dom0", dom0_files())
    guest = tree(tmp_path, "guest3", {IP_ADDRESS: GUEST_IP})
    assert run("N170", dom0, guest) == []


def test_n170_not_when_the_sysctl_is_0(tmp_path):
    assert vlan_guest(tmp_path, call=0) == []


def test_n170_not_for_tagged_traffic_on_2_6_18_with_vlan_filter_off(tmp_path):
    assert vlan_guest(tmp_path, vlan=0) == []


def test_n170_without_vlan_filter_setting_does_not_claim_it(tmp_path):
    (finding,) = vlan_guest(tmp_path, vlan=None)
    assert "bridge-nf-filter-vlan-tagged" not in finding.message


# --- N171 bridge-nf-per-bridge-option -----------------------------------------------------------------


def ip_d_link(nf_call: int) -> str:
    return (
        "5: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default"
        " qlen 1000\n"
        "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n"
        "    bridge forward_delay 0 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768"
        f" vlan_filtering 0 vlan_protocol 802.1Q nf_call_iptables {nf_call} nf_call_ip6tables 0"
        " nf_call_arptables 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1\n"
    )


def test_n171_bridge_option_on_with_sysctl_off(tmp_path):
    dom0 = tree(tmp_path, "dom0", {IP_D_LINK: ip_d_link(1), SYSCTL: sysctl_a(call=0)})
    (finding,) = run("N171", dom0)
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("ip_-d_link", 3)
    assert finding.message.startswith(
        "bridge xenbr0 has its own nf_call_iptables 1 (ip_-d_link:3) while net.bridge.bridge-nf-call-iptables = 0"
        " (sysctl_-a:3)"
    )
    assert related(finding) == [("kernel", "sysctl_-a", 3)]
    assert "ip link set dev xenbr0 type bridge nf_call_iptables 0" in finding.fix


@pytest.mark.parametrize(("nf_call", "call"), [(0, 0), (1, 1)])
def test_n171_not_when_consistent_or_sysctl_on(tmp_path, nf_call, call):
    dom0 = tree(tmp_path, "dom0", {IP_D_LINK: ip_d_link(nf_call), SYSCTL: sysctl_a(call=call)})
    assert run("N171", dom0) == []


def test_n171_not_without_ip_d_link(tmp_path):
    assert run("N171", tree(tmp_path, "dom0", {BRCTL: BRCTL_TEXT, SYSCTL: sysctl_a(call=0)})) == []


# --- N160 antispoof-without-bridge-nf -----------------------------------------------------------------

SPOOF_CFG = 'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0,ip=198.18.0.20" ]\n'


def test_n160_sysctl_off(tmp_path):
    dom0 = tree(tmp_path, "dom0", {"etc/xen/web.cfg": SPOOF_CFG, SYSCTL: sysctl_a(call=0)})
    (finding,) = run("N160", dom0)
    assert finding.severity is Severity.WARNING
    assert where(finding) == ("sysctl_-a", 3)
    assert finding.message.startswith(
        "a vif with ip= (vif 0 of web: ip=198.18.0.20) relies on vif-bridge's iptables antispoofing, but"
        " net.bridge.bridge-nf-call-iptables = 0 (sysctl_-a:3)"
    )
    assert [(Path(loc.path).name, loc.line, loc.column) for loc in finding.related] == [("web.cfg", 2, 46)]


@pytest.mark.parametrize(
    "cfg",
    [
        'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,ip=198.18.0.20,script=vif-route" ]\n',
        'name = "web"\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n',
    ],
)
def test_n160_not_for_routed_vifs_or_without_ip(tmp_path, cfg):
    assert run("N160", tree(tmp_path, "dom0", {"etc/xen/web.cfg": cfg, SYSCTL: sysctl_a(call=0)})) == []


def test_n160_not_when_the_sysctl_is_on(tmp_path):
    assert run("N160", tree(tmp_path, "dom0", {"etc/xen/web.cfg": SPOOF_CFG, SYSCTL: sysctl_a(call=1)})) == []


def test_n160_not_when_the_bridge_calls_iptables_itself(tmp_path):
    files = {"etc/xen/web.cfg": SPOOF_CFG, SYSCTL: sysctl_a(call=0), IP_D_LINK: ip_d_link(1)}
    assert run("N160", tree(tmp_path, "dom0", files)) == []


def test_n160_br_netfilter_not_loaded_on_a_new_kernel(tmp_path):
    files = {
        "etc/xen/web.cfg": SPOOF_CFG,
        SYSCTL: "net.ipv4.ip_forward = 0\nnet.ipv4.ipfrag_time = 30\n",
        UNAME: uname("4.19.0-21-amd64"),
        LSMOD: LSMOD_HEADER + "bridge                188416  0\nstp                    16384  1 bridge\n",
    }
    (finding,) = run("N160", tree(tmp_path, "dom0", files))
    assert where(finding) == ("web.cfg", 2)
    reason = "br_netfilter is not loaded (lsmod lists no br_netfilter, sysctl_-a has no net.bridge keys"
    assert reason in finding.message
    assert {Path(loc.path).name for loc in finding.related} == {"lsmod", "sysctl_-a"}


def test_n160_not_when_br_netfilter_is_loaded_or_the_tree_cannot_tell(tmp_path):
    lsmod = LSMOD_HEADER + "br_netfilter           24576  0\nbridge                188416  1 br_netfilter\n"
    files = {"etc/xen/web.cfg": SPOOF_CFG, SYSCTL: "net.ipv4.ip_forward = 0\n", UNAME: uname("4.19.0"), LSMOD: lsmod}
    assert run("N160", tree(tmp_path, "loaded", files)) == []
    assert run("N160", tree(tmp_path, "bare", {"etc/xen/web.cfg": SPOOF_CFG})) == []


# --- N170 with the rulesets: conntrack hooks a namespace only for a rule that uses it ----------------

IPTABLES_SAVE = "sos_commands/firewall_tables/iptables-save"
CURRENT = "6.18.0"
IP_PORTS = (
    "2: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc noqueue state UP\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
    "3: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master xenbr0 state UP\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
    "4: peth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400 qdisc noqueue master xenbr0 state UP\n"
    "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
)


def recorded(name: str) -> str:
    return (FIXTURES / "cmd-output" / name).read_text()


def test_n170_a_conntrack_rule_is_the_evidence_on_a_current_kernel(tmp_path):
    files = {**dom0_files(release=CURRENT, lsmod=None), IPTABLES_SAVE: recorded("lab-iptables-save-conntrack-nat.txt")}
    (finding,) = run("N170", tree(tmp_path, "dom0", files))
    assert (finding.severity, where(finding), finding.subject) == (Severity.INFO, ("sysctl_-a", 3), "xenbr0")
    assert finding.message == (
        "bridge xenbr0 passes IPv4 to iptables (net.bridge.bridge-nf-call-iptables = 1, sysctl_-a:3); the filter"
        " FORWARD rule using -m conntrack (iptables-save:6) makes conntrack track the bridged packets, so fragments"
        " are reassembled on the bridge; kernel 6.18.0 refragments them before they leave the bridge, so this"
        " costs reassembly work only")
    assert ("firewall_tables", "iptables-save", 6) in related(finding)


def test_n170_ports_of_different_mtus_make_the_refragmenting_kernel_a_warning(tmp_path):
    files = {**dom0_files(release=CURRENT, lsmod=None), IPTABLES_SAVE: recorded("lab-iptables-save-conntrack-nat.txt"),
             IP_ADDRESS: IP_PORTS}
    (finding,) = run("N170", tree(tmp_path, "dom0", files))
    assert finding.severity is Severity.WARNING
    assert finding.message.endswith(
        "kernel 6.18.0 refragments them no larger than their largest original fragment, and the bridge's ports"
        " differ in MTU: a datagram that arrives in fragments larger than 1400 bytes is dropped whole on peth0"
        " (MTU 1400, ip_address:5), its small last fragment included")
    assert ("networking", "ip_address", 5) in related(finding)


def test_n170_rulesets_without_conntrack_on_a_current_kernel_say_nothing_is_reassembled(tmp_path):
    lsmod = LSMOD_HEADER + "nf_conntrack          188416  1\nbridge                 88689  0\n"
    files = {**dom0_files(release=CURRENT, lsmod=lsmod), IPTABLES_SAVE: recorded("lab-iptables-save-physdev.txt")}
    guest = tree(tmp_path, "guest3", {IP_ADDRESS: GUEST_IP + GUEST_VLAN})
    (finding,) = run("N170", tree(tmp_path, "dom0", files), guest)
    assert finding.severity is Severity.INFO
    assert finding.message.endswith(
        "; no rule in the rulesets (iptables-save) uses conntrack (nf_conntrack is loaded, lsmod:2, which is not"
        " enough): kernel 6.18.0 hooks conntrack and its defragmenter into a network namespace only for a ruleset"
        " that uses them, so fragments are not reassembled on the bridge")


def test_n170_the_same_rulesets_on_an_old_kernel_leave_lsmod_the_evidence(tmp_path):
    files = {**dom0_files(), IPTABLES_SAVE: recorded("lab-iptables-save-physdev.txt")}
    guest = tree(tmp_path, "guest3", {IP_ADDRESS: GUEST_IP + GUEST_VLAN})
    (finding,) = run("N170", tree(tmp_path, "dom0", files), guest)
    assert finding.severity is Severity.ERROR
    assert "ip_conntrack is loaded (lsmod:4), so fragments are reassembled on the bridge" in finding.message


def test_n170_not_for_a_ruleset_without_conntrack_and_no_other_evidence(tmp_path):
    files = {**dom0_files(release=CURRENT, lsmod=None), IPTABLES_SAVE: recorded("lab-iptables-save-physdev.txt")}
    assert run("N170", tree(tmp_path, "dom0", files)) == []
