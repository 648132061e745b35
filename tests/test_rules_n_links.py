"""The VLAN, MTU and address rules (N120-N142) on host trees written under tmp_path with sosreport
names: rule id, file:line:column, message, related locations, and the cases each rule leaves alone.
"""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES, write_files
from facts_helpers import at, related, spot
from xennet.findings import Severity
from xennet.lint.rules.n133_mtu_guest_above_vif import EXAMPLE_TREES
from xennet.lint.runner import lint_paths
from xennet.registry import find_rule, select_rules

IFCFG = "etc/sysconfig/network-scripts/ifcfg-"
IP_D_ADDRESS = "sos_commands/networking/ip_-d_address"
IP_ADDRESS = "sos_commands/networking/ip_address"
INTERFACES = "etc/network/interfaces"
LO = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 numtxqueues 1 numrxqueues 1\n"
    "    inet 127.0.0.1/8 scope host lo\n"
    "       valid_lft forever preferred_lft forever\n"
)


def link(index: int, name: str, mtu: int = 1500, mac: str = "00:16:3e:00:03:01", master: str = "",
         details: str = "", inet: str = "") -> str:
    """One interface block as `ip -d address` prints it."""
    flags = "BROADCAST,MULTICAST,UP,LOWER_UP"
    master_text = f" master {master}" if master else ""
    text = (
        f"{index}: {name}: <{flags}> mtu {mtu} qdisc noqueue{master_text} state UP group default qlen 1000\n"
        f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff promiscuity 0 \n"
    )
    if details:
        text += f"    {details} numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n"
    if inet:
        text += f"    inet {inet} scope global {name.split('@')[0]}\n       valid_lft forever preferred_lft forever\n"
    return text


def mtu_of(name: str, output: str, interface: str) -> tuple[str, int, int]:
    """Where the MTU of `interface` is printed in an ip output."""
    header = output.index(f": {interface}: <") if f": {interface}: <" in output else output.index(f": {interface}@")
    return spot(name, output[: output.index("mtu ", header) + 4] + "#", "#")


def tree(tmp_path: Path, name: str, files: dict[str, str]) -> str:
    folder = tmp_path / name
    write_files(folder, files)
    return str(folder)


def run(rule: str, *trees: str):
    return lint_paths(list(trees), select_rules((rule,))).findings





def ifcfg(device: str, *lines: str) -> str:
    return "\n".join((f"DEVICE={device}", "BOOTPROTO=none", "ONBOOT=yes", *lines)) + "\n"


def vlan_ifcfg(device: str, *lines: str) -> str:
    return ifcfg(device, "VLAN=yes", *lines)


# --- N120 vlan-parent-missing -------------------------------------------------------------------


def test_n120_parent_from_the_name_is_missing_from_the_running_interfaces(tmp_path):
    ip = LO + link(2, "eth0")
    vlan = vlan_ifcfg("eth1.5")
    host = tree(tmp_path, "guest", {IP_D_ADDRESS: ip, IFCFG + "eth1.5": vlan})
    (finding,) = run("N120", host)
    assert finding.rule_id == "N120" and finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth1.5", vlan, "eth1.5")
    assert finding.message == (
        "VLAN eth1.5 of guest is on `eth1` (ifcfg-eth1.5:1), but no source describes an interface eth1 on that"
        " host (it has eth0, lo): the VLAN device cannot be created"
    )
    assert [Path(loc.path).name for loc in finding.related] == ["ip_-d_address"]


def test_n120_physdev_and_vlan_raw_device(tmp_path):
    vlan = vlan_ifcfg("vlan5", "PHYSDEV=eth9")
    stanza = "auto eth0\niface eth0 inet manual\n\niface vlan7 inet manual\n    vlan-raw-device bond0\n"
    host = tree(tmp_path, "host", {IP_D_ADDRESS: LO + link(2, "eth0"), IFCFG + "vlan5": vlan, INTERFACES: stanza})
    findings = run("N120", host)
    assert [at(f) for f in findings] == [
        spot("interfaces", stanza, "bond0"),
        spot("ifcfg-vlan5", vlan, "eth9"),
    ]
    assert "`bond0`" in findings[0].message and "`eth9`" in findings[1].message


def test_n120_configs_only_judge_by_the_other_configs(tmp_path):
    host = tree(tmp_path, "host", {IFCFG + "eth0": ifcfg("eth0"), IFCFG + "eth1.5": vlan_ifcfg("eth1.5")})
    (finding,) = run("N120", host)
    assert [Path(loc.path).name for loc in finding.related] == ["ifcfg-eth0"]


def test_n120_silent_without_other_interface_facts_or_with_the_parent(tmp_path):
    alone = tree(tmp_path, "alone", {IFCFG + "eth0.3": vlan_ifcfg("eth0.3")})
    assert run("N120", alone) == []
    ip = LO + link(2, "eth0") + link(3, "eth0.3@eth0", details="vlan protocol 802.1Q id 3 <REORDER_HDR>")
    present = tree(tmp_path, "present", {IP_D_ADDRESS: ip, IFCFG + "eth0.3": vlan_ifcfg("eth0.3")})
    assert run("N120", present) == []


# --- N121 vlan-id-out-of-range ------------------------------------------------------------------


def test_n121_name_and_vlan_id_outside_the_range(tmp_path):
    high = vlan_ifcfg("eth0.4095")
    zero = "iface lan0 inet manual\n    vlan-raw-device eth0\n    vlan-id 0\n"
    host = tree(tmp_path, "host", {IFCFG + "eth0.4095": high, INTERFACES: zero})
    findings = run("N121", host)
    assert [at(f) for f in findings] == [("interfaces", 3, 13), spot("ifcfg-eth0.4095", high, "4095")]
    assert findings[0].message.startswith("VLAN lan0 of host has VLAN ID 0 (interfaces:3): ID 0 marks priority-tagged")
    assert "ID 4095 is reserved by 802.1Q and the kernel refuses it" in findings[1].message
    assert all(f.severity is Severity.ERROR for f in findings)


def test_n121_twelve_bits(tmp_path):
    host = tree(tmp_path, "host", {IFCFG + "vlan5000": vlan_ifcfg("vlan5000", "PHYSDEV=eth0")})
    (finding,) = run("N121", host)
    assert "VLAN ID 5000" in finding.message and "4094 is the highest" in finding.message


def test_n121_padded_and_edge_ids_are_fine(tmp_path):
    host = tree(
        tmp_path,
        "host",
        {IFCFG + "eth0.0003": vlan_ifcfg("eth0.0003"), IFCFG + "eth0.4094": vlan_ifcfg("eth0.4094"),
         IFCFG + "eth0.1": vlan_ifcfg("eth0.1")},
    )
    assert run("N121", host) == []


# --- N122 vlan-name-id-mismatch -----------------------------------------------------------------


def test_n122_vlan_id_against_the_name(tmp_path):
    text = vlan_ifcfg("eth0.3", "VLAN_ID=4")
    (finding,) = run("N122", tree(tmp_path, "guest", {IFCFG + "eth0.3": text}))
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth0.3", text, "4")
    assert related(finding) == [spot("ifcfg-eth0.3", text, "eth0.3")]
    assert finding.message == (
        "VLAN eth0.3 of guest: the name says VLAN 3, but ifcfg-eth0.3:5 makes it VLAN 4: frames leave with"
        " tag 4, not 3"
    )


def test_n122_vlan_raw_device_against_the_name(tmp_path):
    stanza = "auto eth0.30\niface eth0.30 inet manual\n    vlan-raw-device eth1\n"
    (finding,) = run("N122", tree(tmp_path, "host", {INTERFACES: stanza}))
    assert at(finding) == spot("interfaces", stanza, "eth1")
    assert related(finding) == [spot("interfaces", stanza, "eth0.30", 2)]
    assert "the name says it is on eth0, but interfaces:3 puts it on `eth1`" in finding.message


def test_n122_running_vlan_under_a_misleading_name(tmp_path):
    ip = LO + link(2, "eth1") + link(3, "eth0.30@eth1", details="vlan protocol 802.1Q id 31 <REORDER_HDR>")
    findings = run("N122", tree(tmp_path, "host", {IP_D_ADDRESS: ip}))
    assert [at(f) for f in findings] == [spot("ip_-d_address", ip, "eth1", 2), spot("ip_-d_address", ip, "31")]


def test_n122_config_mismatch_wins_over_the_running_one(tmp_path):
    ip = LO + link(2, "eth0") + link(3, "eth0.3@eth0", details="vlan protocol 802.1Q id 4 <REORDER_HDR>")
    text = vlan_ifcfg("eth0.3", "VLAN_ID=4")
    findings = run("N122", tree(tmp_path, "host", {IP_D_ADDRESS: ip, IFCFG + "eth0.3": text}))
    assert [at(f) for f in findings] == [spot("ifcfg-eth0.3", text, "4")]


def test_n122_padded_names_and_agreeing_settings_are_fine(tmp_path):
    files = {
        IFCFG + "eth0.0003": vlan_ifcfg("eth0.0003", "VLAN_ID=3", "PHYSDEV=eth0"),
        IFCFG + "vlan0042": vlan_ifcfg("vlan0042", "VLAN_ID=42", "PHYSDEV=eth0"),
        IFCFG + "dmz": vlan_ifcfg("dmz", "VLAN_ID=7", "PHYSDEV=eth0"),
        INTERFACES: "iface eth1.0201 inet manual\n    vlan-raw-device eth1\n    vlan-id 201\n",
    }
    assert run("N122", tree(tmp_path, "host", files)) == []


# --- N123 vlan-duplicate ------------------------------------------------------------------------


def test_n123_two_names_for_one_vlan(tmp_path):
    dotted, plus_vid = vlan_ifcfg("eth0.3"), vlan_ifcfg("vlan3", "PHYSDEV=eth0")
    host = tree(tmp_path, "host", {IFCFG + "eth0.3": dotted, IFCFG + "vlan3": plus_vid})
    (finding,) = run("N123", host)
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-vlan3", plus_vid, "3")
    assert related(finding) == [spot("ifcfg-eth0.3", dotted, "3")]
    assert finding.message.startswith(
        "vlan3 of host is VLAN 3 on eth0 (ifcfg-vlan3:1), as eth0.3 is (ifcfg-eth0.3:1): the kernel refuses"
    )


def test_n123_the_running_device_owns_the_vlan(tmp_path):
    ip = LO + link(2, "eth0") + link(3, "vlan3@eth0", details="vlan protocol 802.1Q id 3 <REORDER_HDR>")
    text = vlan_ifcfg("eth0.3")
    (finding,) = run("N123", tree(tmp_path, "host", {IP_D_ADDRESS: ip, IFCFG + "eth0.3": text}))
    assert at(finding) == spot("ifcfg-eth0.3", text, "3")
    assert related(finding) == [spot("ip_-d_address", ip, "3 <")]


def test_n123_same_id_on_two_parents_is_fine(tmp_path):
    files = {IFCFG + "eth0.3": vlan_ifcfg("eth0.3"), IFCFG + "eth1.3": vlan_ifcfg("eth1.3")}
    assert run("N123", tree(tmp_path, "host", files)) == []


# --- N130 mtu-vlan-above-parent -----------------------------------------------------------------


def test_n130_configured_vlan_mtu_above_the_running_parent(tmp_path):
    ip = LO + link(2, "eth0") + link(3, "eth0.3@eth0", details="vlan protocol 802.1Q id 3 <REORDER_HDR>")
    text = vlan_ifcfg("eth0.3", "MTU=9000")
    (finding,) = run("N130", tree(tmp_path, "guest", {IP_D_ADDRESS: ip, IFCFG + "eth0.3": text}))
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth0.3", text, "9000")
    assert related(finding) == [mtu_of("ip_-d_address", ip, "eth0")]
    assert finding.message == (
        "VLAN eth0.3 of guest has MTU 9000 (ifcfg-eth0.3:5), above the MTU 1500 of its parent eth0"
        " (ip_-d_address:5): the kernel refuses it and the VLAN stays at 1500 at most"
    )


def test_n130_equal_mtus_are_fine(tmp_path):
    files = {IFCFG + "eth0": ifcfg("eth0", "MTU=9000"), IFCFG + "eth0.3": vlan_ifcfg("eth0.3", "MTU=9000")}
    assert run("N130", tree(tmp_path, "host", files)) == []


# --- N131 mtu-bridge-above-port / N132 mtu-bridge-ports-differ -----------------------------------


def bridge_output(bridge: int, *ports: tuple[str, int]) -> str:
    text = LO + link(2, "xenbr0", bridge, mac="fe:ff:ff:ff:ff:ff", details="bridge forward_delay 0 stp_state 0")
    for index, (name, mtu) in enumerate(ports, 3):
        port = "bridge_slave state forwarding"
        text += link(index, name, mtu, mac="fe:ff:ff:ff:ff:ff", master="xenbr0", details=port)
    return text


def test_n131_configured_bridge_mtu_above_its_ports(tmp_path):
    ip = bridge_output(1500, ("peth0", 9000), ("vif3.0", 1500), ("vif4.0", 1500))
    text = ifcfg("xenbr0", "TYPE=Bridge", "MTU=9000")
    (finding,) = run("N131", tree(tmp_path, "dom0", {IP_D_ADDRESS: ip, IFCFG + "xenbr0": text}))
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("ifcfg-xenbr0", text, "9000")
    assert related(finding) == [mtu_of("ip_-d_address", ip, "vif3.0"), mtu_of("ip_-d_address", ip, "vif4.0")]
    assert finding.message == (
        "bridge xenbr0 of dom0 has MTU 9000 (ifcfg-xenbr0:5), above the MTU of its ports vif3.0 1500"
        " (ip_-d_address:11), vif4.0 1500 (ip_-d_address:14): frames larger than that are dropped silently"
        " where the bridge sends them out of the port"
    )


def test_n131_bridge_at_its_ports_mtu_is_fine(tmp_path):
    ip = bridge_output(1500, ("peth0", 1500), ("vif3.0", 1500))
    assert run("N131", tree(tmp_path, "dom0", {IP_D_ADDRESS: ip})) == []


def test_n132_a_vif_left_at_the_old_mtu(tmp_path):
    ip = bridge_output(9000, ("peth0", 9000), ("vif3.0", 1500), ("vif4.0", 9000))
    (finding,) = run("N132", tree(tmp_path, "dom0", {IP_D_ADDRESS: ip}))
    assert finding.severity is Severity.WARNING
    assert at(finding) == mtu_of("ip_-d_address", ip, "vif3.0")
    assert related(finding) == [mtu_of("ip_-d_address", ip, "peth0"), mtu_of("ip_-d_address", ip, "vif4.0")]
    assert finding.message == (
        "the ports of bridge xenbr0 of dom0 have different MTUs (peth0 9000, vif3.0 1500, vif4.0 9000): vif3.0"
        " has 1500 (ip_-d_address:11) instead of 9000; the bridge works at 1500 and frames too large for a"
        " port are dropped silently there"
    )


def test_n132_a_tie_goes_to_the_configured_bridge_mtu_then_to_the_larger(tmp_path):
    ip = bridge_output(1500, ("peth0", 1500), ("vif3.0", 9000))
    configured = {IP_D_ADDRESS: ip, IFCFG + "xenbr0": ifcfg("xenbr0", "TYPE=Bridge", "MTU=1500")}
    (finding,) = run("N132", tree(tmp_path, "configured", configured))
    assert at(finding) == mtu_of("ip_-d_address", ip, "vif3.0")
    (finding,) = run("N132", tree(tmp_path, "running", {IP_D_ADDRESS: ip}))
    assert at(finding) == mtu_of("ip_-d_address", ip, "peth0")


def test_n132_ports_with_one_mtu_are_fine(tmp_path):
    ip = bridge_output(9000, ("peth0", 9000), ("vif3.0", 9000), ("vif4.0", 9000))
    assert run("N132", tree(tmp_path, "dom0", {IP_D_ADDRESS: ip})) == []


# --- N133 mtu-guest-above-vif -------------------------------------------------------------------

XM_LIST = (
    "Name                                      ID Mem(MiB) VCPUs State   Time(s)\n"
    "Domain-0                                   0     3456     4 r-----   2113.1\n"
    "guest3                                     3      511     1 -b----     91.2\n"
)


def dom0_files(vif_mtu: int) -> dict[str, str]:
    return {
        "etc/xen/guest3": 'name = "guest3"\nmemory = 512\nvif = [ "mac=00:16:3e:00:03:01,bridge=xenbr0" ]\n',
        "sos_commands/xen/xm_list": XM_LIST,
        IP_D_ADDRESS: bridge_output(vif_mtu, ("peth0", vif_mtu), ("vif3.0", vif_mtu)),
    }


def guest_files(mtu: int) -> dict[str, str]:
    ip = (
        LO
        + link(2, "eth0", mtu)
        + link(3, "eth0.3@eth0", mtu, details="vlan protocol 802.1Q id 3 <REORDER_HDR>", inet="198.18.3.3/24")
    )
    return {
        IFCFG + "eth0": ifcfg("eth0", "HWADDR=00:16:3E:00:03:01", f"MTU={mtu}"),
        IFCFG + "eth0.3": vlan_ifcfg("eth0.3", f"MTU={mtu}"),
        IP_D_ADDRESS: ip,
    }


def test_n133_guest_nic_above_its_vif(tmp_path):
    dom0 = tree(tmp_path, "dom0", dom0_files(1500))
    guest = tree(tmp_path, "guest3", guest_files(9000))
    (finding,) = run("N133", dom0, guest)
    assert finding.severity is Severity.ERROR
    text = guest_files(9000)[IFCFG + "eth0"]
    assert at(finding) == spot("ifcfg-eth0", text, "9000")
    ip = dom0_files(1500)[IP_D_ADDRESS]
    config = dom0_files(1500)["etc/xen/guest3"]
    assert related(finding) == [mtu_of("ip_-d_address", ip, "vif3.0"), spot("guest3", config, "mac=")]
    assert finding.message == (
        "eth0 of guest guest3 has MTU 9000 (ifcfg-eth0:5), above the MTU 1500 of its vif vif3.0 in dom0"
        " (ip_-d_address:11, vif 0 of guest3): frames above 1500 bytes to or from the guest are dropped"
    )


def test_n133_equal_mtus_and_unjoined_guests_are_fine(tmp_path):
    dom0 = tree(tmp_path, "dom0", dom0_files(9000))
    assert run("N133", dom0, tree(tmp_path, "guest3", guest_files(9000))) == []
    other = guest_files(9000)
    other[IFCFG + "eth0"] = other[IFCFG + "eth0"].replace("00:16:3E:00:03:01", "00:16:3E:00:09:09")
    other[IP_D_ADDRESS] = other[IP_D_ADDRESS].replace("00:16:3e:00:03:01", "00:16:3e:00:09:09")
    assert run("N133", tree(tmp_path, "small", dom0_files(1500)), tree(tmp_path, "stranger", other)) == []


def test_n133_documented_examples_as_two_trees(tmp_path):
    rule = find_rule("N133")
    bad, good = tmp_path / "bad", tmp_path / "good"
    write_files(bad, rule.bad)
    write_files(good, rule.good)
    assert [f.rule_id for f in run("N133", *(str(bad / name) for name in EXAMPLE_TREES))] == ["N133"]
    assert run("N133", *(str(good / name) for name in EXAMPLE_TREES)) == []
    good_findings = lint_paths([str(good / name) for name in EXAMPLE_TREES], select_rules(LINK_RULES)).findings
    assert good_findings == []


# --- N134 mtu-sources-disagree ------------------------------------------------------------------


def test_n134_configured_mtu_not_running(tmp_path):
    text = ifcfg("eth0", "MTU=9000")
    ip = LO + link(2, "eth0")
    (finding,) = run("N134", tree(tmp_path, "host", {IFCFG + "eth0": text, IP_D_ADDRESS: ip}))
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("ifcfg-eth0", text, "9000")
    assert related(finding) == [mtu_of("ip_-d_address", ip, "eth0")]
    assert finding.message == (
        "eth0 of host: ifcfg-eth0:4 gives MTU 9000, but ip_-d_address:5 shows 1500: the configured MTU is not"
        " the running one (not applied, or changed by hand since)"
    )


def test_n134_agreeing_sources_are_fine(tmp_path):
    files = {IFCFG + "eth0": ifcfg("eth0", "MTU=1500"), IP_D_ADDRESS: LO + link(2, "eth0")}
    assert run("N134", tree(tmp_path, "host", files)) == []


# --- N140 gateway-outside-subnet ----------------------------------------------------------------


def test_n140_ifcfg_gateway_outside_the_subnet(tmp_path):
    text = ifcfg("eth0", "IPADDR=198.18.0.10", "NETMASK=255.255.255.0", "GATEWAY=198.18.1.1")
    (finding,) = run("N140", tree(tmp_path, "host", {IFCFG + "eth0": text}))
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth0", text, "198.18.1.1")
    assert related(finding) == [spot("ifcfg-eth0", text, "198.18.0.10")]
    assert finding.message == (
        "eth0 of host: gateway 198.18.1.1 (ifcfg-eth0:6) is outside its subnet 198.18.0.0/24 (of 198.18.0.10):"
        " the kernel cannot reach it directly, so there is no route through it"
    )


def test_n140_interfaces_gateway_and_running_addresses(tmp_path):
    stanza = "auto eth0\niface eth0 inet dhcp\n    gateway 198.18.9.1\n"
    ip = LO + link(2, "eth0", inet="198.18.0.10/24")
    (finding,) = run("N140", tree(tmp_path, "host", {INTERFACES: stanza, IP_D_ADDRESS: ip}))
    assert at(finding) == spot("interfaces", stanza, "198.18.9.1")
    assert related(finding) == [spot("ip_-d_address", ip, "198.18.0.10")]


def test_n140_silent_inside_the_subnet_without_addresses_or_point_to_point(tmp_path):
    files = {
        IFCFG + "eth0": ifcfg("eth0", "IPADDR=198.18.0.10", "PREFIX=24", "GATEWAY=198.18.0.1"),
        IFCFG + "eth1": ifcfg("eth1", "BOOTPROTO=dhcp", "GATEWAY=198.18.7.1"),
        INTERFACES: "iface eth2 inet static\n    address 198.18.5.2/32\n    pointopoint 198.18.6.1\n"
        "    gateway 198.18.6.1\n\niface eth3 inet6 static\n    address 2001:db8::2/64\n    gateway fe80::1\n",
    }
    assert run("N140", tree(tmp_path, "host", files)) == []


# --- N141 address-duplicate ---------------------------------------------------------------------


def test_n141_two_ifcfg_files_with_one_address(tmp_path):
    first = ifcfg("eth0", "IPADDR=198.18.0.10", "PREFIX=24")
    second = ifcfg("eth1", "IPADDR=198.18.0.10", "PREFIX=25")
    (finding,) = run("N141", tree(tmp_path, "host", {IFCFG + "eth0": first, IFCFG + "eth1": second}))
    assert finding.severity is Severity.ERROR
    assert at(finding) == spot("ifcfg-eth1", second, "198.18.0.10")
    assert related(finding) == [spot("ifcfg-eth0", first, "198.18.0.10")]
    assert finding.message == (
        "198.18.0.10 is on eth1 of host (ifcfg-eth1:4) and on eth0 of host (ifcfg-eth0:4): the address is in use"
        " twice"
    )


def test_n141_the_same_address_on_dom0_and_a_guest(tmp_path):
    dom0_ip = LO + link(2, "eth0", mac="00:1e:c9:4d:2a:10", inet="198.18.0.10/24")
    guest_ip = LO + link(2, "eth0", inet="198.18.0.10/24")
    dom0 = tree(tmp_path, "dom0", {IP_D_ADDRESS: dom0_ip})
    guest = tree(tmp_path, "guest3", {IP_D_ADDRESS: guest_ip, "sos_commands/general/hostname": "guest3\n"})
    (finding,) = run("N141", dom0, guest)
    assert Path(finding.location.path).parent.parent.parent.name == "guest3"
    assert "198.18.0.10 is on eth0 of guest3 (ip_-d_address:7) and on eth0 of dom0" in finding.message
    assert Path(finding.related[0].path).parent.parent.parent.name == "dom0"


def test_n141_ipv6_compared_as_addresses(tmp_path):
    stanza = (
        "iface eth0 inet6 static\n    address 2001:db8::1/64\n\n"
        "iface eth1 inet6 static\n    address 2001:0db8:0::0001/64\n"
    )
    (finding,) = run("N141", tree(tmp_path, "host", {INTERFACES: stanza}))
    assert at(finding) == spot("interfaces", stanza, "2001:0db8")


def test_n141_leaves_alone_loopback_moved_addresses_aliases_and_link_local(tmp_path):
    dom0_ip = (
        LO
        + link(2, "xenbr0", mac="00:1e:c9:4d:2a:10", inet="198.18.0.10/24")
        + link(3, "eth0", mac="00:1e:c9:4d:2a:10", inet="198.18.0.11/24")
    ).replace("    inet 198.18.0.11/24 scope global eth0\n", "    inet 198.18.0.11/24 scope global eth0\n"
              "    inet6 fe80::216:3eff:fe00:301/64 scope link \n")
    ifconfig = (
        "eth0:1    Link encap:Ethernet  HWaddr 00:1E:C9:4D:2A:10  \n"
        "          inet addr:198.18.0.11  Bcast:198.18.0.255  Mask:255.255.255.0\n"
        "          UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1\n"
        "          Interrupt:16 \n\n"
    )
    guest_ip = LO + link(2, "eth0", inet="198.18.3.3/24").replace(
        "       valid_lft", "    inet6 fe80::216:3eff:fe00:301/64 scope link \n       valid_lft"
    )
    dom0 = tree(
        tmp_path,
        "dom0",
        {
            IFCFG + "eth0": ifcfg("eth0", "IPADDR=198.18.0.10", "PREFIX=24"),
            IP_D_ADDRESS: dom0_ip,
            "sos_commands/networking/ifconfig_-a": ifconfig,
        },
    )
    guest = tree(tmp_path, "guest3", {IP_D_ADDRESS: guest_ip})
    assert run("N141", dom0, guest) == []


# --- N142 address-on-bridge-port ----------------------------------------------------------------


def test_n142_ipaddr_left_on_the_port(tmp_path):
    port = ifcfg("eth0", "BRIDGE=xenbr0", "IPADDR=198.18.0.10", "PREFIX=24")
    bridge = ifcfg("xenbr0", "TYPE=Bridge")
    (finding,) = run("N142", tree(tmp_path, "dom0", {IFCFG + "eth0": port, IFCFG + "xenbr0": bridge}))
    assert finding.severity is Severity.WARNING
    assert at(finding) == spot("ifcfg-eth0", port, "198.18.0.10")
    assert related(finding) == [spot("ifcfg-eth0", port, "xenbr0")]
    assert finding.message == (
        "eth0 of dom0 has address 198.18.0.10/24 (ifcfg-eth0:5) but is a port of bridge xenbr0 (ifcfg-eth0:4):"
        " traffic to it is not delivered reliably; the address belongs on xenbr0"
    )


def test_n142_running_address_on_a_port(tmp_path):
    ip = bridge_output(1500, ("peth0", 1500)).replace(
        "state forwarding numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n",
        "state forwarding numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n"
        "    inet 198.18.0.10/24 scope global peth0\n",
    )
    (finding,) = run("N142", tree(tmp_path, "dom0", {IP_D_ADDRESS: ip}))
    assert at(finding) == spot("ip_-d_address", ip, "198.18.0.10")
    assert related(finding) == [spot("ip_-d_address", ip, "xenbr0", 2)]


def test_n142_link_local_on_ports_and_addresses_on_the_bridge_are_fine(tmp_path):
    ip = (
        bridge_output(1500, ("peth0", 1500)).replace(
            "state forwarding numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n",
            "state forwarding numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 \n"
            "    inet6 fe80::fcff:ffff:feff:ffff/64 scope link \n",
        )
    )
    files = {IP_D_ADDRESS: ip, IFCFG + "xenbr0": ifcfg("xenbr0", "TYPE=Bridge", "IPADDR=198.18.0.10", "PREFIX=24")}
    assert run("N142", tree(tmp_path, "dom0", files)) == []


# --- every rule on a consistent tree ------------------------------------------------------------

LINK_RULES = ("N120", "N121", "N122", "N123", "N130", "N131", "N132", "N133", "N134", "N140", "N141", "N142")


def test_mtu_mismatch_fixture_finds_the_vif_left_at_1500():
    hosts = FIXTURES / "hosts" / "mtu-mismatch"
    findings = lint_paths([str(hosts / "dom0"), str(hosts / "guest-nfs01")], select_rules(LINK_RULES)).findings
    found = {(f.rule_id, str(Path(f.location.path).relative_to(hosts)), f.location.line) for f in findings}
    assert found == {
        ("N131", "dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1", 7),
        ("N134", "dom0/etc/sysconfig/network-scripts/ifcfg-xenbr1", 7),
        ("N132", "dom0/sos_commands/networking/ip_address", 19),
        ("N133", "guest-nfs01/etc/sysconfig/network-scripts/ifcfg-eth1", 8),
    }


def test_consistent_vlan_bridge_tree_is_clean():
    hosts = FIXTURES / "hosts" / "vlan-bridge-nf"
    trees = [str(hosts / "dom0"), str(hosts / "guest3"), str(hosts / "guest4")]
    assert lint_paths(trees, select_rules(LINK_RULES)).findings == []


def test_consistent_inline_tree_is_clean(tmp_path):
    dom0 = tree(tmp_path, "dom0", dom0_files(1500))
    guest = tree(tmp_path, "guest3", guest_files(1500))
    assert lint_paths([dom0, guest], select_rules(LINK_RULES)).findings == []


def test_n141_default_nat_bridges_of_two_hosts_are_no_conflict(tmp_path):
    bridge = LO + link(2, "virbr0", mac="52:54:00:6b:1a:01", inet="192.168.122.1/24")
    dom0 = tree(tmp_path, "dom0", {IP_D_ADDRESS: bridge})
    guest = tree(tmp_path, "guest3", {IP_D_ADDRESS: bridge.replace("52:54:00:6b:1a:01", "52:54:00:6b:1a:02")})
    assert run("N141", dom0, guest) == []
    twice = bridge + link(3, "eth1", inet="192.168.122.1/24")
    (finding,) = run("N141", tree(tmp_path, "one", {IP_D_ADDRESS: twice}))
    assert finding.message.startswith("192.168.122.1 is on virbr0 of one (ip_-d_address:7) and on eth1 of one")
