"""ifcfg parser: every ifcfg file of the corpus, bash's quoting and assignment rules, kinds, VLANs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facts_helpers import options, span, value
from xennet.findings import Location
from xennet.lint.sources.ifcfg import looks_like, parse_ifcfg

IFCFG = Path(__file__).resolve().parent.parent / "fixtures" / "ifcfg"
FIXTURES = IFCFG.parent


def parse(name: str):
    path = IFCFG / name
    facts = parse_ifcfg(path.read_text(encoding="utf-8"), str(path))
    [record] = facts.interfaces
    return facts, record


def parse_text(text: str, path: str = "etc/sysconfig/network-scripts/ifcfg-eth0"):
    facts = parse_ifcfg(text, path)
    [record] = facts.interfaces
    return facts, record





def problems(facts) -> list[tuple[str, int, int]]:
    return [(problem.kind, problem.location.line, problem.location.column) for problem in facts.problems]


# name, kind, addresses, (kind, line, column) of each problem
CORPUS = {
    "insights-ifcfg-bond0": ("bond0", "bond", ["10.11.96.172/22"], []),
    "insights-ifcfg-double-equals": ("=eno2", None, [], [("syntax", 1, 8)]),
    "insights-ifcfg-spaces-around-equals": (
        "spaces-around-equals",
        None,
        [],
        [("syntax", 1, 1), ("syntax", 3, 1), ("syntax", 5, 1)],
    ),
    "insights-ifcfg-team-port-json": ("eth0", None, [], []),
    "insights-ifcfg-team1": ("team1", "team", ["192.168.0.1/22"], []),
    "nm-ifcfg-eth0.9-vlan-only-device": ("eth0.9", "vlan", [], []),
    "nm-ifcfg-test-bridge-component": ("eth0", None, [], []),
    "nm-ifcfg-test-bridge-main": ("br0", "bridge", [], []),
    "nm-ifcfg-test-misc-variables": ("eth0", None, [], []),
    "nm-ifcfg-test-variables-corner-cases-1": ("eth0", None, [], [("syntax", 5, 6), ("syntax", 8, 6)]),
    "nm-ifcfg-test-vlan-interface": ("vlan43", "vlan", ["192.168.43.149/24"], []),
    "nm-ifcfg-test-vlan-physdev": ("vlan0.3", "vlan", [], []),
    "wicked-redhat-host2-ifcfg-br0": ("br0", "bridge", [], []),
    "wicked-redhat-host2-ifcfg-eth0": ("eth0", None, [], []),
    "wicked-suse-host2-ifcfg-br0": ("br0", "bridge", [], []),
    "wicked-suse-host2-ifcfg-eth0": ("eth0", None, ["0.0.0.0/32"], []),
    "wicked-suse-host3-ifcfg-bond0": ("bond0", None, ["192.168.50.7/24"], []),
}


@pytest.mark.parametrize("name", sorted(p.name for p in IFCFG.iterdir()))
def test_every_corpus_file_parses(name):
    facts, record = parse(name)
    expected_name, kind, addresses, expected_problems = CORPUS[name]
    assert record.name == expected_name
    assert record.source == "ifcfg"
    assert value(record.kind) == kind
    assert [address.value for address in record.addresses] == addresses
    assert problems(facts) == expected_problems
    assert looks_like((IFCFG / name).read_text(encoding="utf-8"))
    for fact in [record.kind, *record.addresses, *record.ports, *record.options.values()]:
        assert fact is None or fact.location.path == str(IFCFG / name)


def test_rhel_bond_master_with_bonding_opts_only():
    _, record = parse("insights-ifcfg-bond0")
    assert span(record.kind) == (8, 14, 8, 79)  # initscripts take BONDING_OPTS as the mark of a master
    assert span(record.addresses[0]) == (2, 8, 2, 20)  # the IPADDR value; NETMASK gives the /22
    assert options(record) == {
        "BOOTPROTO": "none",
        "ONBOOT": "yes",
        "USERCTL": "no",
        "IPV6INIT": "no",
        "BONDING_OPTS": "mode=1 primary=eth1 arp_interval=1000 arp_ip_target=+10.11.96.1",
    }
    assert record.location == Location(str(IFCFG / "insights-ifcfg-bond0"), 1, 8, 1, 13)


def test_double_equals_keeps_the_second_equals_as_bash_does():
    facts, record = parse("insights-ifcfg-double-equals")
    [problem] = facts.problems
    assert "'=eno2'" in problem.message
    assert span(problem) == (1, 8, 1, 13)
    assert (value(record.master), span(record.master)) == ("team1", (6, 13, 6, 18))
    assert options(record)["DEVICETYPE"] == "TeamPort"
    assert json.loads(options(record)["TEAM_PORT_CONFIG"]) == {"prio": 100}


def test_spaces_around_equals_set_nothing():
    facts, record = parse("insights-ifcfg-spaces-around-equals")
    assert options(record) == {"BOOTPROTO": "dhcp"}  # TYPE, IPV4_FAILURE_FATAL and NAME stay unset
    assert all("stays unset" in problem.message for problem in facts.problems)
    assert "IPV4_FAILURE_FATAL" in facts.problems[1].message
    assert record.location.line == 0  # no DEVICE: the name comes from the file name


def test_team_port_json_in_double_quotes_with_escapes():
    _, record = parse("insights-ifcfg-team-port-json")
    config = record.options["TEAM_PORT_CONFIG"]
    assert json.loads(config.value) == {"prio": -10, "sticky": True, "link_watch": {"name": "ethtool"}}
    assert span(config) == (1, 18, 1, 94)
    assert (value(record.master), span(record.master)) == ("heartbeat", (6, 13, 6, 22))
    assert options(record)["NAME"] == "eth0"  # NAME is a label, not the device
    assert record.kind is None  # DEVICETYPE=TeamPort says whose port, not what kind of device
    assert record.location.line == 4


def test_team_master():
    _, record = parse("insights-ifcfg-team1")
    assert span(record.kind) == (2, 12, 2, 16)
    assert span(record.addresses[0]) == (5, 8, 5, 19)
    assert json.loads(options(record)["TEAM_CONFIG"])["runner"]["name"] == "lacp"


def test_vlan_parent_and_id_from_the_device_name():
    _, record = parse("nm-ifcfg-eth0.9-vlan-only-device")
    assert span(record.kind) == (1, 6, 1, 9)
    assert (value(record.parent), span(record.parent)) == ("eth0", (3, 8, 3, 12))
    assert (value(record.vlan_id), span(record.vlan_id)) == (9, (3, 13, 3, 14))
    assert options(record) == {"VLAN": "yes", "TYPE": "Vlan"}


def test_vlan_with_physdev_and_vlan_plus_vid_name():
    _, record = parse("nm-ifcfg-test-vlan-interface")
    assert (value(record.parent), span(record.parent)) == ("eth9", (4, 9, 4, 13))
    assert (value(record.vlan_id), span(record.vlan_id)) == (43, (3, 12, 3, 14))  # from "vlan43"
    assert span(record.addresses[0]) == (11, 8, 11, 22)
    assert options(record)["VLAN_EGRESS_PRIORITY_MAP"] == "12:3,14:7,3:1"
    assert options(record)["BOOTPROTO"] == "static"


def test_physdev_and_vlan_id_win_over_the_name():
    _, record = parse("nm-ifcfg-test-vlan-physdev")
    assert (value(record.parent), span(record.parent)) == ("eth0", (4, 9, 4, 13))  # not "vlan0"
    assert (value(record.vlan_id), span(record.vlan_id)) == (3, (5, 9, 5, 10))


def test_bridge_port_and_bridge_master():
    _, port = parse("nm-ifcfg-test-bridge-component")
    assert (value(port.mac), span(port.mac)) == ("00:22:15:59:62:97", (2, 8, 2, 25))
    assert (value(port.master), span(port.master)) == ("br0", (4, 8, 4, 11))
    assert port.kind is None
    assert options(port) == {"ONBOOT": "no", "BRIDGING_OPTS": "priority=28 hairpin_mode=1 path_cost=100"}
    _, bridge = parse("nm-ifcfg-test-bridge-main")
    assert span(bridge.kind) == (3, 6, 3, 12)
    assert (value(bridge.mac), span(bridge.mac)) == ("00:16:41:11:22:33", (8, 9, 8, 26))  # MACADDR alone
    assert "MACADDR" not in bridge.options
    assert options(bridge)["STP"] == "on"


def test_misc_variables_are_options():
    _, record = parse("nm-ifcfg-test-misc-variables")
    assert record.mac is None
    assert options(record)["HWADDR_BLACKLIST"].split()[2] == "XX:aa:invalid"
    assert options(record)["AUTOCONNECT_RETRIES"] == "100"


def test_unterminated_quotes_are_reported_and_the_good_lines_kept():
    facts, record = parse("nm-ifcfg-test-variables-corner-cases-1")
    double, single = facts.problems
    assert "double quote" in double.message and "single quote" in single.message
    assert "NetworkManager skips only this line" in double.hint
    assert (value(record.mac), span(record.mac)) == ("00:16:41:11:22:33", (2, 8, 2, 25))
    assert record.options == {}  # NAME=" and ZONE=' set nothing


def test_quoted_values_and_their_locations():
    _, br0 = parse("wicked-redhat-host2-ifcfg-br0")
    assert br0.location.line == 2 and (br0.location.column, br0.location.end_column) == (8, 13)  # "br0"
    assert span(br0.kind) == (5, 6, 5, 14)
    assert options(br0) == {"ONBOOT": "yes", "BOOTPROTO": "dhcp", "TYPE": "Bridge", "DELAY": "0"}
    _, eth0 = parse("wicked-redhat-host2-ifcfg-eth0")
    assert (value(eth0.mac), value(eth0.master)) == ("00:1c:c0:89:dd:01", "br0")
    assert span(eth0.master) == (5, 8, 5, 11)


def test_suse_bridge_with_ports_and_empty_values_dropped():
    _, record = parse("wicked-suse-host2-ifcfg-br0")
    assert record.location == Location(str(IFCFG / "wicked-suse-host2-ifcfg-br0"))
    assert span(record.kind) == (2, 8, 2, 13)
    [port] = record.ports
    assert (port.value, span(port)) == ("eth0", (4, 15, 4, 19))  # inside the quotes
    assert record.mtu is None and record.addresses == []  # MTU='' and IPADDR='' are unset
    assert options(record) == {
        "BOOTPROTO": "dhcp",
        "BRIDGE": "yes",
        "BRIDGE_FORWARDDELAY": "0",
        "BRIDGE_STP": "off",
        "STARTMODE": "onboot",
        "USERCONTROL": "no",
    }


def test_suse_port_with_address_and_prefix():
    _, record = parse("wicked-suse-host2-ifcfg-eth0")
    assert span(record.addresses[0]) == (4, 8, 4, 20)
    assert options(record)["NAME"] == "82566DM-2 Gigabit Network Connection"
    assert options(record)["STARTMODE"] == "auto"


def test_suse_bond_without_bonding_master_keeps_its_slaves():
    _, record = parse("wicked-suse-host3-ifcfg-bond0")
    assert record.kind is None  # wicked and YaST want BONDING_MASTER='yes'
    assert [(port.value, span(port)) for port in record.ports] == [
        ("eth0", (4, 17, 4, 21)),
        ("eth1", (5, 17, 5, 21)),
    ]
    assert options(record)["BONDING_MODULE_OPTS"].startswith("mode=active-backup")


# --- bash's quoting and assignment rules


def test_quoting():
    text = (
        "A1='a b'\n"
        'A2="a\\"b"\n'
        "A3=a\\ b\n"
        "A4='it'\\''s'\n"
        'A5="x\\ny $HOME"\n'
        "A6=a#b # comment\n"
        'A7="two\n'
        'lines"\n'
        "A8=one\\\n"
        "two\n"
        'A9=""\n'
    )
    facts, record = parse_text(text)
    assert facts.problems == []
    assert options(record) == {
        "A1": "a b",
        "A2": 'a"b',
        "A3": "a b",
        "A4": "it's",
        "A5": "x\\ny $HOME",
        "A6": "a#b",
        "A7": "two\nlines",
        "A8": "onetwo",
    }
    assert span(record.options["A1"]) == (1, 4, 1, 9)
    assert span(record.options["A7"]) == (7, 4, 8, 7)


def test_export_and_semicolons():
    facts, record = parse_text("export DEVICE=eth1 MTU=9000\nexport PATH\nONBOOT=yes; BOOTPROTO=dhcp\n")
    assert facts.problems == []
    assert (record.name, value(record.mtu)) == ("eth1", 9000)
    assert span(record.mtu) == (1, 24, 1, 28)
    assert options(record) == {"ONBOOT": "yes", "BOOTPROTO": "dhcp"}


def test_double_equals_inline():
    facts, record = parse_text("DEVICE==eth1\n")
    assert record.name == "=eth1"
    assert problems(facts) == [("syntax", 1, 8)]


def test_blanks_around_equals_inline():
    facts, record = parse_text(" MTU = 1500 \nHWADDR= 00:16:3e:00:00:01\n")
    assert record.mtu is None and record.mac is None
    first, second = facts.problems
    assert span(first) == (1, 2, 1, 5) and "MTU stays unset" in first.message
    assert span(second) == (2, 9, 2, 26) and "HWADDR stays unset" in second.hint


def test_append_assignment_and_later_assignments_win():
    _, record = parse_text('BONDING_OPTS="mode=1"\nBONDING_OPTS+=" miimon=100"\nMTU=1500\nMTU=9000\n')
    assert options(record)["BONDING_OPTS"] == "mode=1 miimon=100"
    assert (value(record.mtu), span(record.mtu)) == (9000, (4, 5, 4, 9))


def test_shell_operators_are_not_read():
    facts, record = parse_text("ONBOOT=yes && BOOTPROTO=dhcp\nMTU=1500\n")
    assert problems(facts) == [("unsupported", 1, 12)]
    assert options(record) == {} and value(record.mtu) == 1500


def test_commands_set_nothing():
    facts, record = parse_text("echo hello\nMTU=1500\n")
    assert problems(facts) == [("syntax", 1, 1)]
    assert value(record.mtu) == 1500


def test_windows_line_ends_reported_once_and_ignored():
    facts, record = parse_text("DEVICE=eth0\r\nMTU=1500\r\n\r\n")
    assert problems(facts) == [("syntax", 1, 12)]
    assert (record.name, value(record.mtu)) == ("eth0", 1500)


def test_unterminated_quote_inline():
    facts, record = parse_text("DEVICE=eth0\nNAME='oops\nMTU=9000\n")
    assert problems(facts) == [("syntax", 2, 6)]
    assert (record.name, value(record.mtu)) == ("eth0", 9000)
    assert "NAME" not in record.options


def test_file_ending_in_backslash():
    _, record = parse_text("DEVICE=eth0\\")
    assert record.name == "eth0"


# --- what the variables mean


def test_zero_padded_vlan_id():
    _, record = parse_text("VLAN=yes\nDEVICE=eth0.0003\n")
    assert (value(record.kind), value(record.parent), value(record.vlan_id)) == ("vlan", "eth0", 3)
    assert span(record.vlan_id) == (2, 13, 2, 17)


def test_suse_vlan_named_by_the_file():
    path = "etc/sysconfig/network/ifcfg-vlan0012"
    _, record = parse_text("ETHERDEVICE='eth1'\nSTARTMODE=auto\n", path)
    assert (record.name, value(record.kind), value(record.parent), value(record.vlan_id)) == (
        "vlan0012",
        "vlan",
        "eth1",
        12,
    )
    assert span(record.parent) == (1, 13, 1, 19)  # the value as written, quotes included
    assert record.vlan_id.location == Location(path)
    _, explicit = parse_text("ETHERDEVICE=eth1\nVLAN_ID=7\n", path)
    assert value(explicit.vlan_id) == 7
    _, dotted = parse_text("ETHERDEVICE=eth1\n", "ifcfg-eth1.5")
    assert (dotted.name, value(dotted.vlan_id)) == ("eth1.5", 5)


def test_physdev_and_vlan_id_without_vlan_yes():
    _, record = parse_text("DEVICE=tagged\nPHYSDEV=eth2\nVLAN_ID=100\n")
    assert (value(record.kind), value(record.parent), value(record.vlan_id)) == ("vlan", "eth2", 100)


def test_indexed_and_suse_addresses():
    text = (
        "IPADDR0=192.0.2.10\nPREFIX0=24\n"
        "IPADDR1=198.51.100.7\nNETMASK1=255.255.255.128\n"
        "IPADDR_b=10.1.2.3\n"
        "IPADDR_c='172.16.1.1'\n"
        "IPADDR_d=2001:db8::1/48\n"
        "IPV6ADDR=2001:db8:1::5\n"
        "IPV6ADDR_SECONDARIES='2001:db8:2::5/56 2001:db8:3::5/80'\n"
        "IPADDR9=not-an-address\n"
        "GATEWAY=192.0.2.1\n"
    )
    _, record = parse_text(text)
    assert [address.value for address in record.addresses] == [
        "192.0.2.10/24",
        "198.51.100.7/25",
        "10.1.2.3/8",  # no prefix: the classful netmask, as ipcalc gives it
        "172.16.1.1/16",
        "2001:db8::1/48",
        "2001:db8:1::5/64",
        "2001:db8:2::5/56",
        "2001:db8:3::5/80",
    ]
    assert span(record.addresses[-1]) == (9, 40, 9, 56)
    assert (value(record.gateway), span(record.gateway)) == ("192.0.2.1", (11, 9, 11, 18))
    assert options(record) == {"IPADDR9": "not-an-address"}


def test_macs():
    _, both = parse_text("HWADDR=00:1C:C0:89:DD:01\nMACADDR=52:54:00:12:34:56\n")
    assert value(both.mac) == "00:1c:c0:89:dd:01"
    assert options(both) == {"MACADDR": "52:54:00:12:34:56"}
    _, bad = parse_text("HWADDR=00-1c-c0-89-dd-01\n")
    assert bad.mac is None and options(bad) == {"HWADDR": "00-1c-c0-89-dd-01"}
    _, suse = parse_text("LLADDR='52:54:00:AB:CD:EF'\n")
    assert value(suse.mac) == "52:54:00:ab:cd:ef"


def test_bond_slave_needs_slave_yes():
    _, slave = parse_text("DEVICE=eth1\nMASTER=bond0\nSLAVE=yes\n")
    assert (value(slave.master), span(slave.master)) == ("bond0", (2, 8, 2, 13))
    _, stray = parse_text("DEVICE=eth1\nMASTER=bond0\n")
    assert stray.master is None and options(stray) == {"MASTER": "bond0"}


def test_kinds_from_type_and_names():
    assert value(parse_text("TYPE=Ethernet\n")[1].kind) == "phys"
    assert value(parse_text("TYPE=InfiniBand\n")[1].kind) == "other"
    assert value(parse_text("BONDING_MASTER=yes\nBONDING_SLAVE0=eth0\n")[1].kind) == "bond"
    assert value(parse_text("DEVICE=lo\nIPADDR=127.0.0.1\n")[1].kind) == "loopback"
    assert value(parse_text("TUNNEL=tap\n")[1].kind) == "tap"
    assert parse_text("MTU=abc\n")[1].mtu is None


def test_name_from_the_file_name():
    assert parse_text("ONBOOT=yes\n", "/etc/sysconfig/network-scripts/ifcfg-em1")[1].name == "em1"
    assert parse_text("ONBOOT=yes\n", "somefile")[1].name == "somefile"


def test_looks_like():
    assert looks_like("DEVICE=eth0\nONBOOT=yes\n")
    assert looks_like("# comment\nexport BOOTPROTO=dhcp\n")
    assert not looks_like("")
    assert not looks_like("# DEVICE=eth0\n")
    for other in ("xl/xen-xlexample.pvlinux.cfg", "interfaces/ifupdown2-docs-examples-interfaces"):
        assert not looks_like((FIXTURES / other).read_text(encoding="utf-8"))
    assert not looks_like("#!/bin/sh\nDEVICE=eth0\necho up\nip link set eth0 up\nexit 0\n")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("DEVICE=IPADR_01.:/'\"\\ \t\n\r#;&|()$`=xyz")))
def test_shell_like_noise_never_raises(text):
    facts = parse_ifcfg(text, "ifcfg-fuzz")
    assert len(facts.interfaces) == 1
    looks_like(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    text = data.decode("latin-1")
    assert len(parse_ifcfg(text, "ifcfg-fuzz").interfaces) == 1
    looks_like(text)


def test_huge_numbers_are_not_numbers():
    _, record = parse_text("VLAN=yes\nDEVICE=eth0." + "9" * 5000 + "\nMTU=" + "1" * 5000 + "\n")
    assert record.vlan_id is None and record.mtu is None
    assert len(options(record)["MTU"]) == 5000
