"""Debian interfaces parser: every interfaces file of the corpus, stanzas, options, source lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from facts_helpers import options, span, value
from xennet.lint.sources.interfaces import looks_like, parse_interfaces, resolve_sources, source_directives

INTERFACES = Path(__file__).resolve().parent.parent / "fixtures" / "interfaces"
FIXTURES = INTERFACES.parent


def parse(name: str):
    path = INTERFACES / name
    facts = parse_interfaces(path.read_text(encoding="utf-8"), str(path))
    return facts, {record.name: record for record in facts.interfaces}


def parse_text(text: str):
    facts = parse_interfaces(text, "etc/network/interfaces")
    return facts, {record.name: record for record in facts.interfaces}





# (name, kind) of every record, in file order
CORPUS = {
    "debian-ifupdown-examples-network-interfaces": [],
    "debian-ifupdown-testcase2-multi-auto": [(f"eth{n}", None) for n in range(8)],
    "debian-ifupdown-testcase7-vlan-0-padded-bridge": [
        ("eth0", None),
        ("eth0.1", "vlan"),
        ("eth0.0201", "vlan"),
        ("br0.0201", "bridge"),
        ("br0.0202", "vlan"),
        ("tunnel", "tunnel"),
    ],
    "ifupdown2-docs-examples-interfaces": [
        ("lo", "loopback"),
        ("eth0", None),
        ("swp30", None),
        ("bond3", "bond"),
        ("bond4", "bond"),
        ("br0", "bridge"),
        ("bond3.2000", "vlan"),
        ("bond4.2000", "vlan"),
        ("br2000", "bridge"),
    ],
    "ifupdown2-test-bridge6-multiple-bridge-ports-lines.eni": [
        ("lo", "loopback"),
        ("eth0", None),
        ("mgmt", None),
        ("bridge", "bridge"),
    ],
    "ifupdown2-test-vlan-raw-device-vlan-id.eni": [
        ("eth0", None),
        ("mgmt", None),
        ("lo", "loopback"),
        ("swp_AA_", None),
        ("swp_BB_.1005", "vlan"),
        ("bond0", "bond"),
        ("vlan1007", "vlan"),
        ("dummy0", None),
    ],
    "ifupdown2-vlan-aware-bridge-basic": [("bridge", "bridge")],
}


@pytest.mark.parametrize("name", sorted(p.name for p in INTERFACES.iterdir()))
def test_every_corpus_file_parses(name):
    facts, _ = parse(name)
    assert [(record.name, value(record.kind)) for record in facts.interfaces] == CORPUS[name]
    assert facts.problems == []
    assert all(record.source == "interfaces" for record in facts.interfaces)
    assert looks_like((INTERFACES / name).read_text(encoding="utf-8"))
    assert source_directives((INTERFACES / name).read_text(encoding="utf-8"), str(INTERFACES / name)) == []


def test_example_file_is_all_comments():
    facts, records = parse("debian-ifupdown-examples-network-interfaces")
    assert records == {} and facts.problems == []


def test_multi_auto_addresses_with_netmask_after_address():
    _, records = parse("debian-ifupdown-testcase2-multi-auto")
    eth0 = records["eth0"]
    assert [address.value for address in eth0.addresses] == ["1.2.3.4/24"]
    assert span(eth0.addresses[0]) == (6, 11, 6, 18)
    assert (eth0.location.line, eth0.location.column) == (5, 7)
    assert (value(records["eth3"].options["auto"]), records["eth3"].options["auto"].location.line) == ("yes", 3)
    assert options(records["eth6"]) == {"allow-hotplug": "yes"}
    assert options(records["eth7"]) == {}  # not brought up by -a
    assert "netmask" not in eth0.options  # used by the address
    assert records["eth7"].addresses[0].value == "1.14.15.16/24"


def test_inet_and_inet6_stanzas_merge_and_padded_vlan_ids():
    _, records = parse("debian-ifupdown-testcase7-vlan-0-padded-bridge")
    eth0 = records["eth0"]
    assert [address.value for address in eth0.addresses] == ["1.2.3.4/24", "3ffe:ffff:100:f101::1/64"]
    assert [address.location.line for address in eth0.addresses] == [4, 7]
    assert options(eth0) == {"auto": "yes", "privext": "2", "accept-ra": "0", "dad-attempts": "0"}
    assert eth0.location.line == 3 and eth0.kind is None

    vlan = records["eth0.0201"]
    assert (value(vlan.parent), span(vlan.parent)) == ("eth0", (16, 7, 16, 11))
    assert (value(vlan.vlan_id), span(vlan.vlan_id)) == (201, (16, 12, 16, 16))
    assert [address.value for address in vlan.addresses] == ["192.168.0.1/25"]
    assert (value(records["eth0.1"].vlan_id), value(records["eth0.1"].parent)) == (1, "eth0")

    # bridge_ports says bridge; ifupdown still makes br0.0201 a VLAN of br0 from its name
    bridge = records["br0.0201"]
    assert span(bridge.kind) == (19, 16, 19, 25)
    assert [(port.value, span(port)) for port in bridge.ports] == [("eth0.0201", (19, 16, 19, 25))]
    assert (value(bridge.parent), value(bridge.vlan_id)) == ("br0", 201)
    assert (value(records["br0.0202"].kind), value(records["br0.0202"].vlan_id)) == ("vlan", 202)

    tunnel = records["tunnel"]
    assert span(tunnel.kind) == (21, 20, 21, 24)  # method 6to4
    assert options(tunnel) == {"auto": "yes", "local": "1.2.3.4"}


def test_ifupdown2_example():
    _, records = parse("ifupdown2-docs-examples-interfaces")
    assert span(records["lo"].kind) == (6, 15, 6, 23)
    swp30 = records["swp30"]
    assert [address.value for address in swp30.addresses] == [
        "12.0.0.4/24",
        "12.0.0.6/24",
        "2000:1000:1000:1000:3::5/128",
    ]
    assert (value(swp30.mtu), span(swp30.mtu)) == (1600, (20, 9, 20, 13))
    assert options(swp30)["alias"] == '"test network"'  # no quoting in interfaces(5)
    assert options(swp30)["link-speed"] == "1000"
    bond3 = records["bond3"]
    assert [port.value for port in bond3.ports] == ["swp1", "swp2"]
    assert span(bond3.kind) == (29, 17, 29, 26)
    assert options(bond3)["bond-xmit-hash-policy"] == "layer3+4"  # bond-xmit_hash_policy
    br0 = records["br0"]
    assert [port.value for port in br0.ports] == ["bond3", "bond4", "swp5", "swp8"]
    assert span(br0.ports[3]) == (54, 35, 54, 39)
    assert options(br0) == {"auto": "yes", "bridge-stp": "on"}
    vlan = records["bond3.2000"]
    assert (value(vlan.parent), value(vlan.vlan_id), vlan.location.line) == ("bond3", 2000, 59)
    br2000 = records["br2000"]
    assert [address.value for address in br2000.addresses] == ["2001:dad:beef::4/64"]
    assert [port.value for port in br2000.ports] == ["bond3.2000", "bond4.2000", "swp5.2000"]
    assert options(br2000)["mstpctl-portp2p"] == "bond3.2000=yes bond4.2000=yes"


def test_repeated_bridge_ports_lines_append():
    _, records = parse("ifupdown2-test-bridge6-multiple-bridge-ports-lines.eni")
    bridge = records["bridge"]
    assert [(port.value, port.location.line) for port in bridge.ports] == [
        ("swp_AA_", 17),
        ("swp_BB_", 17),
        ("swp_CC_", 18),
        ("swp_DD_", 18),
    ]
    assert span(bridge.kind) == (17, 20, 17, 35)
    assert options(bridge) == {"auto": "yes", "bridge-vlan-aware": "yes", "bridge-stp": "on"}
    assert options(records["mgmt"])["vrf-table"] == "auto"  # a keyword as a value
    assert options(records["eth0"])["vrf"] == "mgmt"


def test_vlan_raw_device_and_vlan_id():
    _, records = parse("ifupdown2-test-vlan-raw-device-vlan-id.eni")
    vlan = records["vlan1007"]
    assert (value(vlan.parent), span(vlan.parent)) == ("bond0", (30, 23, 30, 28))
    assert (value(vlan.vlan_id), span(vlan.vlan_id)) == (1007, (31, 15, 31, 19))
    assert span(vlan.kind) == (30, 23, 30, 28)
    assert [address.value for address in vlan.addresses] == ["10.132.253.15/31"]
    assert [address.value for address in records["swp_AA_"].addresses] == ["172.30.1.3/24"]  # netmask 24
    dotted = records["swp_BB_.1005"]
    assert (value(dotted.parent), value(dotted.vlan_id)) == ("swp_BB_", 1005)
    assert [port.value for port in records["bond0"].ports] == ["swp_BB_", "swp_CC_"]
    dummy = records["dummy0"]
    assert [(a.value, span(a)) for a in dummy.addresses] == [("fdca:ffee:ff12:fe06::1/64", (37, 10, 37, 35))]
    assert options(dummy)["link-type"] == "dummy"


def test_bridge_ports_with_a_glob_keep_the_list_as_written():
    _, records = parse("ifupdown2-vlan-aware-bridge-basic")
    bridge = records["bridge"]
    assert bridge.ports == []  # swp1-52 is a pattern, not a name
    assert (options(bridge)["bridge-ports"], span(bridge.options["bridge-ports"])) == ("glob swp1-52", (23, 20, 23, 32))
    assert options(bridge)["bridge-vids"] == "310 700 707 712 850 910"
    assert value(bridge.kind) == "bridge"


# --- inline cases


def test_misplaced_and_empty_options_are_reported_and_the_rest_read():
    text = "  mtu 1500\nauto eth0\n  address 10.0.0.1/8\niface eth0 inet static\n  mtu\n  mtu 9000\n"
    facts, records = parse_text(text)
    assert [(p.kind, p.location.line, p.location.column) for p in facts.problems] == [
        ("syntax", 1, 3),
        ("syntax", 3, 3),
        ("syntax", 5, 3),
    ]
    assert "misplaced option `mtu`" in facts.problems[0].message
    assert "refuses the whole file" in facts.problems[0].hint
    assert "no value" in facts.problems[2].message
    assert value(records["eth0"].mtu) == 9000 and records["eth0"].addresses == []


def test_iface_line_problems():
    facts, records = parse_text("iface\niface eth0 ipx4 static\nsource\n")
    assert [(p.message, p.location.line) for p in facts.problems] == [
        ("iface line without an interface name", 1),
        ("unknown address family `ipx4`", 2),
        ("`source` without a file name", 3),
    ]
    assert list(records) == ["eth0"]


def test_underscored_options_netmask_hwaddress_and_none():
    text = (
        "iface br0 inet static\n"
        "    bridge_ports none\n"
        "    address 192.0.2.5\n"
        "    netmask 255.255.255.0\n"
        "    gateway 192.0.2.1\n"
        "    hwaddress ether 00:16:3E:AA:BB:CC\n"
        "    bridge_stp off\n"
        "iface br0 inet6 static\n"
        "    address 2001:db8::5\n"
        "    gateway 2001:db8::1\n"
    )
    facts, records = parse_text(text)
    br0 = records["br0"]
    assert facts.problems == []
    assert (value(br0.kind), br0.ports) == ("bridge", [])
    assert [address.value for address in br0.addresses] == ["192.0.2.5/24", "2001:db8::5/128"]
    assert (value(br0.gateway), br0.gateway.location.line) == ("192.0.2.1", 5)
    assert (value(br0.mac), span(br0.mac)) == ("00:16:3e:aa:bb:cc", (6, 21, 6, 38))
    assert options(br0) == {"bridge-stp": "off", "gateway": "2001:db8::1"}  # the second gateway


def test_repeated_options_append_and_span_their_lines():
    text = "iface eth0 inet manual\n  up ip link set $IFACE up\n  post-up brctl addif xenbr0 eth0\n  up echo hi\n"
    _, records = parse_text(text)
    up = records["eth0"].options["up"]
    assert up.value == "ip link set $IFACE up\necho hi"
    assert span(up) == (2, 6, 4, 13)
    assert options(records["eth0"])["post-up"] == "brctl addif xenbr0 eth0"


def test_continuation_lines_and_comments():
    text = (
        "# comment\n"
        "   # indented comment\n"
        "iface br0 inet manual\n"
        "    bridge-ports eth0 \\\n"
        "        eth1 # not a comment\n"
        "    mtu 15\\\n"
        "00\n"
    )
    facts, records = parse_text(text)
    br0 = records["br0"]
    assert [(port.value, port.location.line) for port in br0.ports] == [
        ("eth0", 4),
        ("eth1", 5),
        ("#", 5),
        ("not", 5),
        ("a", 5),
        ("comment", 5),
    ]
    assert (value(br0.mtu), span(br0.mtu)) == (1500, (6, 9, 7, 3))
    assert facts.problems == []


def test_vlan_names_and_padded_ids():
    text = (
        "iface eth1.0042 inet manual\n"
        "iface vlan7 inet manual\n    vlan-raw-device eth2\n"
        "iface vlan8 inet manual\n"
        "iface trunk inet manual\n    vlan_raw_device eth3\n    vlan-id 0100\n"
    )
    _, records = parse_text(text)
    assert (value(records["eth1.0042"].parent), value(records["eth1.0042"].vlan_id)) == ("eth1", 42)
    assert (value(records["vlan7"].parent), value(records["vlan7"].vlan_id)) == ("eth2", 7)
    assert records["vlan8"].kind is None  # vlanN needs a raw device
    assert (value(records["trunk"].kind), value(records["trunk"].vlan_id)) == ("vlan", 100)


def test_bond_slaves_bond_master_and_mapping():
    text = (
        "mapping eth0\n    script /usr/local/sbin/map-scheme\n    map HOME eth0-home\n"
        "iface bond0 inet manual\n    bond-slaves eth0 eth1\n    slaves-note x\n"
        "iface eth0 inet manual\n    bond-master bond0\n"
        "iface swp1 inet manual\n    bridge-ports regex swp[0-9] swp9\n"
    )
    facts, records = parse_text(text)
    assert facts.problems == []
    assert [port.value for port in records["bond0"].ports] == ["eth0", "eth1"]
    assert value(records["eth0"].master) == "bond0"
    assert [port.value for port in records["swp1"].ports] == ["swp9"]
    assert options(records["swp1"])["bridge-ports"] == "regex swp[0-9] swp9"


def test_auto_only_names_get_a_record():
    _, records = parse_text("auto eth0 eth1\niface eth0 inet dhcp\n")
    assert list(records) == ["eth0", "eth1"]
    assert records["eth0"].location.line == 2 and records["eth1"].location.line == 1
    assert options(records["eth1"]) == {"auto": "yes"}


# --- source and source-directory


def test_source_directives():
    text = "source /etc/network/interfaces.d/*\nsource-directory interfaces.d\nsource-dir extra\nauto lo\n"
    directives = source_directives(text, "etc/network/interfaces")
    assert [(d.value, span(d)) for d in directives] == [
        ("source /etc/network/interfaces.d/*", (1, 1, 1, 35)),
        ("source-directory interfaces.d", (2, 1, 2, 30)),
        ("source-directory extra", (3, 1, 3, 17)),
    ]
    assert parse_text(text)[0].problems == []


def test_resolve_sources_in_a_bundle():
    path = "bundle/etc/network/interfaces"
    available = [
        path,
        "bundle/etc/network/interfaces.d/eth1",
        "bundle/etc/network/interfaces.d/br0.cfg",
        "bundle/etc/network/interfaces.d/.swp",
        "bundle/etc/network/interfaces.d/sub/eth9",
        "other/etc/network/interfaces.d/eth2",
        "bundle/etc/network/extra.d/10-bridge",
        "bundle/etc/network/extra.d/bridge.dpkg-old",
    ]
    glob = source_directives("source /etc/network/interfaces.d/*\n", path)
    assert resolve_sources(path, glob, available) == [
        "bundle/etc/network/interfaces.d/br0.cfg",
        "bundle/etc/network/interfaces.d/eth1",
    ]
    directory = source_directives("source-directory extra.d\nsource-directory /etc/network/extra.d\n", path)
    assert resolve_sources(path, directory, available) == ["bundle/etc/network/extra.d/10-bridge"]
    itself = source_directives("source-directory /etc/network\n", path)
    assert resolve_sources(path, itself, available) == []  # `interfaces` does not include itself


def test_resolve_sources_live_paths_and_flat_copies():
    live = source_directives("source /etc/network/interfaces.d/*.cfg\n", "/etc/network/interfaces")
    assert resolve_sources("/etc/network/interfaces", live, ["/etc/network/interfaces.d/a.cfg", "/tmp/a.cfg"]) == [
        "/etc/network/interfaces.d/a.cfg"
    ]
    flat = source_directives("source /etc/network/interfaces.d/*\n", "copy/interfaces")
    assert resolve_sources("copy/interfaces", flat, ["copy/interfaces.d/eth0", "elsewhere/eth0"]) == [
        "copy/interfaces.d/eth0"
    ]
    missing = source_directives("source /etc/network/nothing\n", "copy/interfaces")
    assert resolve_sources("copy/interfaces", missing, ["copy/interfaces.d/eth0"]) == []


def test_looks_like():
    assert looks_like("auto lo\niface lo inet loopback\n")
    assert looks_like("source-directory /etc/network/interfaces.d\n")
    assert looks_like("# iface eth0 inet dhcp\n")
    assert not looks_like("")
    assert not looks_like("  address 1.2.3.4\niface eth0 inet static\n")
    assert not looks_like("source /etc/profile\nexport X=1\n")
    for other in ("ifcfg/wicked-redhat-host2-ifcfg-br0", "xl/xen-xlexample.pvlinux.cfg", "xm/xen-xmexample1"):
        assert not looks_like((FIXTURES / other).read_text(encoding="utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("iface auto source-directory bridge_ports eth0.12 inet6 #\\\n\t /*.")))
def test_interfaces_like_noise_never_raises(text):
    facts = parse_interfaces(text, "interfaces")
    assert all(record.name for record in facts.interfaces)
    looks_like(text)
    resolve_sources("interfaces", source_directives(text, "interfaces"), ["a", "interfaces.d/b"])


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_random_bytes_never_raise(data):
    text = data.decode("latin-1")
    parse_interfaces(text, "interfaces")
    looks_like(text)
    resolve_sources("interfaces", source_directives(text, "interfaces"), ["a", "interfaces.d/b"])


def test_huge_numbers_are_not_numbers():
    _, records = parse_text("iface eth0." + "9" * 5000 + " inet manual\n    mtu " + "1" * 5000 + "\n")
    [record] = records.values()
    assert record.vlan_id is None and record.mtu is None and record.kind is None
