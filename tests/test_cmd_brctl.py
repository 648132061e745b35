"""`brctl show` and `bridge link`: the corpus files, Xen dom0 samples, bad input."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from facts_helpers import by_name, printed, where
from xennet.lint.hostfacts import HostFacts
from xennet.lint.sources import ip_link
from xennet.lint.sources.brctl import looks_like, parse_brctl, parse_brctl_show, parse_bridge_link

CMD = FIXTURES / "cmd-output"


def parse_file(name: str) -> HostFacts:
    path = CMD / name
    return parse_brctl(path.read_text(), str(path))





# A Xen 3 dom0 (bridge-utils 1.1): xenbr0 holds only netback vifs and the renamed physical NIC, so
# it took the lowest MAC of its ports, fe:ff:ff:ff:ff:ff; xenbr1 has no ports; a long name pushes
# the columns.
BRCTL_SHOW_DOM0 = (
    "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
    "xenbr0\t\t8000.feffffffffff\tno\t\tvif4.0\n"
    "\t\t\t\t\t\t\tvif3.0\n"
    "\t\t\t\t\t\t\tpeth0\n"
    "\t\t\t\t\t\t\tvif0.0\n"
    "xenbr1\t\t8000.000000000000\tno\t\t\n"
    "xenbr-storage\t\t8000.001ec9b32211\tyes\t\tpeth1\n"
)

BRIDGE_LINK_OLD = """\
2: peth0 state UP : <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 4
6: vif1.0 state UP : <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 100
7: vif1.0-emu state UNKNOWN : <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state disabled priority 32 \
cost 100
"""

BRIDGE_LINK_D = """\
2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 4
    hairpin off guard off root_block off fastleave off learning on flood on mcast_flood on neigh_suppress off \
vlan_tunnel off isolated off
4: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr3 state forwarding priority 32 cost 100
    hairpin off guard off root_block off fastleave off learning on flood on mcast_flood on neigh_suppress off \
vlan_tunnel off isolated off
6: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state blocking priority 32 cost 100
    hairpin off guard off root_block off fastleave off learning on flood on mcast_flood on neigh_suppress off \
vlan_tunnel off isolated off
"""


def test_insights_brctl_show_tabs():
    facts = parse_file("insights-brctl-show-tabs.txt")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["br0", "em1", "vnet0", "vnet1", "virbr9", "virbr9-nic"]
    assert {record.source for record in facts.interfaces} == {"brctl"}
    bridge = records["br0"]
    assert (bridge.kind.value, where(bridge)) == ("bridge", (2, 1))
    assert [(port.value, where(port)) for port in bridge.ports] == [
        ("em1", (2, 28)),
        ("vnet0", (3, 8)),
        ("vnet1", (4, 8)),
    ]
    assert (bridge.mac.value, where(bridge.mac)) == ("20:47:47:8a:a2:e8", (2, 11))
    assert bridge.options["bridge_id"].value == "8000.2047478aa2e8"
    assert bridge.options["stp_enabled"].value == "no"
    assert (records["vnet1"].master.value, where(records["vnet1"].master)) == ("br0", (4, 8))
    assert records["em1"].master.value == "br0"
    assert records["virbr9"].options["stp_enabled"].value == "yes"
    assert [port.value for port in records["virbr9"].ports] == ["virbr9-nic"]
    assert records["virbr9-nic"].master.value == "virbr9"


def test_insights_brctl_show_no_bridges():
    facts = parse_file("insights-brctl-show-no-bridges.txt")
    assert facts.interfaces == []
    assert facts.problems == []


def test_dom0_brctl_show():
    facts = parse_brctl_show(BRCTL_SHOW_DOM0, "brctl_show")
    assert facts.problems == []
    records = by_name(facts)
    xenbr0 = records["xenbr0"]
    assert xenbr0.mac.value == "fe:ff:ff:ff:ff:ff"
    assert [port.value for port in xenbr0.ports] == ["vif4.0", "vif3.0", "peth0", "vif0.0"]
    assert records["peth0"].master.value == "xenbr0"
    assert records["xenbr1"].ports == []
    storage = records["xenbr-storage"]
    assert [port.value for port in storage.ports] == ["peth1"]
    assert records["peth1"].master.value == "xenbr-storage"
    assert storage.options["stp_enabled"].value == "yes"


def test_brctl_show_with_spaces():
    text = BRCTL_SHOW_DOM0.expandtabs()
    facts = parse_brctl(text, "brctl_show")
    assert facts.problems == []
    assert [port.value for port in by_name(facts)["xenbr0"].ports] == ["vif4.0", "vif3.0", "peth0", "vif0.0"]
    assert where(by_name(facts)["vif3.0"]) == (3, 57)


def test_bridge_link_old_iproute2():
    facts = parse_brctl(BRIDGE_LINK_OLD, "bridge_link")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["peth0", "vif1.0", "vif1.0-emu"]
    assert {record.source for record in facts.interfaces} == {"bridge-link"}
    vif = records["vif1.0"]
    assert (vif.master.value, vif.master.location.line) == ("xenbr0", 2)
    assert printed(BRIDGE_LINK_OLD, vif.master).startswith("xenbr0 state forwarding")
    assert vif.state.value == "up"
    assert printed(BRIDGE_LINK_OLD, vif.state).startswith("UP : <")
    assert vif.options["port_state"].value == "forwarding"
    assert printed(BRIDGE_LINK_OLD, vif.options["port_state"]).startswith("forwarding priority")
    assert vif.mtu.value == 1500
    assert vif.options["ifindex"].value == "6"
    emulated = records["vif1.0-emu"]
    assert emulated.state.value == "unknown"
    assert emulated.options["port_state"].value == "disabled"


def test_bridge_d_link_new_iproute2():
    facts = parse_bridge_link(BRIDGE_LINK_D, "bridge_-d_link")
    assert facts.problems == []
    records = by_name(facts)
    assert list(records) == ["eth0", "eth0.3", "vif1.0"]
    assert records["eth0.3"].master.value == "xenbr3"
    assert records["vif1.0"].options["port_state"].value == "blocking"
    assert records["vif1.0"].state.value == "up"  # from the UP flag: this form prints no operational state
    assert records["vif1.0"].location.line == 5


def test_truncated_and_unknown_lines():
    text = BRCTL_SHOW_DOM0 + "xenbr2\t\t8000.0016"
    facts = parse_brctl(text, "brctl_show")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 8)]
    assert len(by_name(facts)) == 8
    text = BRCTL_SHOW_DOM0.replace("xenbr1\t", "can't get info Operation not supported\nxenbr1\t")
    facts = parse_brctl(text, "brctl_show")
    assert [(p.kind, p.location.line) for p in facts.problems] == [("syntax", 6)]
    assert "xenbr1" in by_name(facts)
    facts = parse_brctl(BRIDGE_LINK_OLD[:150], "bridge_link")  # "... mtu 15": a cut value is not kept
    assert list(by_name(facts)) == ["peth0"]
    assert [(p.kind, p.location.line) for p in facts.problems] == [("truncated", 2)]


def test_mixed_brctl_show_and_bridge_link():
    facts = parse_brctl(BRIDGE_LINK_OLD + BRCTL_SHOW_DOM0, "brctl_show")
    assert len(facts.interfaces) == 8
    assert {record.source for record in facts.interfaces} == {"brctl"}
    (problem,) = facts.problems
    assert (problem.kind, problem.location.line, problem.location.end_line) == ("syntax", 1, 3)


def test_another_kind_of_file_under_the_brctl_name():
    text = (CMD / "insights-ip-s-link.txt").read_text()
    for parse in (parse_brctl, parse_brctl_show, parse_bridge_link):
        facts = parse(text, "sos_commands/networking/brctl_show")
        assert facts.interfaces == []
        assert [(p.kind, p.location.line) for p in facts.problems] == [("unrecognized", 1)]


def test_looks_like_inline_samples():
    assert looks_like(BRCTL_SHOW_DOM0)
    assert looks_like(BRCTL_SHOW_DOM0.expandtabs())
    assert looks_like(BRIDGE_LINK_OLD)
    assert looks_like(BRIDGE_LINK_D)
    ip_link_line = "6: vif1.0: <BROADCAST,MULTICAST,UP> mtu 1500 qdisc mq master xenbr0 state UP mode DEFAULT qlen 32\n"
    assert not looks_like(ip_link_line)


SAMPLES = {"dom0": BRCTL_SHOW_DOM0, "old": BRIDGE_LINK_OLD, "-d": BRIDGE_LINK_D} | {
    name: (CMD / name).read_text() for name in ("insights-brctl-show-tabs.txt", "insights-brctl-show-no-bridges.txt")
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_cut_parses_without_raising(name):
    text = SAMPLES[name]
    for end in range(len(text)):
        facts = parse_brctl(text[:end], "brctl")
        assert {problem.kind for problem in facts.problems} <= {"syntax", "truncated", "unrecognized"}


def test_bridge_json_link_of_a_real_kernel():
    """`bridge -j -d link` as `xennet collect` stores it, recorded on Linux 6.18 (iproute2 6.1): one
    port per object, "link" the veth peer or the bridge (ignored), "state" the STP state."""
    path = FIXTURES / "cmd-output" / "lab-bridge-j-d-link.json"
    text = path.read_text()
    assert looks_like(text) and not ip_link.looks_like(text)
    facts = parse_brctl(text, str(path))
    assert facts.problems == []
    ports = {r.name: (r.source, r.master.value, r.mtu.value, r.options["port_state"].value) for r in facts.interfaces}
    assert ports == {"vif1.0": ("bridge-link", "xenbr0", 1500, "disabled"),
                     "vif2.0": ("bridge-link", "xenbr0", 1400, "disabled")}
    vif2 = facts.interfaces[1]
    assert (vif2.mtu.location.line, vif2.master.location.line) == (1, 1)
    assert text[vif2.master.location.column - 1:].startswith('"xenbr0"')


def test_bridge_json_without_ports_and_cut_short():
    assert parse_brctl("[]\n", "bridge_-j_-d_link").problems == []
    cut = parse_brctl('[{"ifindex":3,"ifname":"vif1.0","mtu":1500,"master":"xenbr0"},{"ifindex":4,"ifn', "b")
    assert [r.name for r in cut.interfaces] == ["vif1.0"]
    assert [(p.kind, p.location.line) for p in cut.problems] == [("truncated", 1)]
