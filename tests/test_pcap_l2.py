"""Layer-2 capture rules: a guest sending from a MAC other than its vif's mac= (P160), VLAN tags on
ports that should be untagged (P161), and stacked tags (P162). Corpus captures named as a guest's
vif and as an uplink; crafted dom0 trees (xl list, domain config, brctl show, ifcfg) with captures
inside them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, write_files
from xennet.lint.runner import lint_paths
from xennet.pcap.craft import BROADCAST, arp_frame, ipv4_frame, latin1, pcap_bytes
from xennet.pcap.load import CaptureOptions
from xennet.registry import select_rules

PCAP = FIXTURES / "pcap"
L2_RULES = ("P160", "P161", "P162")
CONFIGURED, USED = "00:16:3e:aa:bb:cc", "00:16:3e:aa:bb:dd"
PEER, OTHER_PEER = "00:1e:c9:4d:2a:01", "00:1e:c9:4d:2a:02"
XL_LIST = (
    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n"
    "web                                          3  1024     1     -b----      40.0\n"
)
WEB_CFG = "etc/xen/web.cfg"


def lint_port(name: str, port: str) -> list:
    """Lint the corpus capture `name` as the capture of `port`, with the layer-2 rules only."""
    options = CaptureOptions(ports={port: str(PCAP / name)})
    return lint_paths([], select_rules(L2_RULES), captures=options).findings


def lint_tree(root: Path, files: dict[str, str], rules: tuple[str, ...] = L2_RULES) -> list:
    write_files(root, files)
    return lint_paths([str(root)], select_rules(rules)).findings


def dom0(vif: str = f"mac={CONFIGURED},bridge=xenbr0", **captures: bytes) -> dict[str, str]:
    """A dom0 tree running domain `web` as domid 3, with `captures` {port: pcap bytes} in it."""
    files = {
        WEB_CFG: f'name = "web"\nmemory = 512\nvif = [ "{vif}" ]\n',
        "sos_commands/xen/xl_list": XL_LIST,
    }
    files.update({f"{port}.pcap": latin1(data) for port, data in captures.items()})
    return files


def frames(*pairs: tuple[str, str]) -> list[bytes]:
    return [ipv4_frame(100, eth_src=src, eth_dst=dst) for src, dst in pairs]


# --- P161 / P162 on corpus captures ---------------------------------------------------------------


@pytest.mark.parametrize(("name", "tagged", "stacked"), [
    ("qinq-8021ad-arp.pcap", "2 of 2 frame(s) are tagged (VLAN 200: 2 frame(s), first frame 1)",
     "2 of 2 frame(s) carry more than 1 VLAN tag(s) (2 tags: 2 frame(s), first frame 1)"),
    ("qinq-8021q-double-tag.pcap", "5 of 5 frame(s) are tagged (VLAN 13: 5 frame(s), first frame 1)",
     "5 of 5 frame(s) carry more than 1 VLAN tag(s) (2 tags: 5 frame(s), first frame 1)"),
    ("vlan-icmp-pair.pcap", "1 of 2 frame(s) are tagged (VLAN 200: 1 frame(s), first frame 1)",
     "1 of 2 frame(s) carry more than 1 VLAN tag(s) (3 tags: 1 frame(s), first frame 1)"),
])
def test_tags_on_a_guest_vif(name, tagged, stacked):
    p161, p162 = lint_port(name, "vif1.0")
    assert (p161.rule_id, p161.severity.value, p162.rule_id, p162.severity.value) == (
        "P161", "warning", "P162", "warning")
    assert p161.message.startswith("vif1.0 is a guest's port") and tagged in p161.message
    assert p162.message.startswith("vif1.0: ") and stacked in p162.message
    assert p161.location.path == str(PCAP / name)


@pytest.mark.parametrize("name", ["qinq-8021ad-arp.pcap", "qinq-8021q-double-tag.pcap"])
def test_qinq_on_an_uplink_is_fine(name):
    assert lint_port(name, "eth0") == []


def test_three_tags_are_too_many_anywhere():
    (finding,) = lint_port("vlan-icmp-pair.pcap", "eth0")
    assert finding.rule_id == "P162"
    assert "1 of 2 frame(s) carry more than 2 VLAN tag(s) (3 tags: 1 frame(s), first frame 1)" in finding.message
    assert "QinQ's two" in finding.message


def test_tap_port_of_an_hvm_guest_is_a_guest_port():
    assert [f.rule_id for f in lint_port("qinq-8021q-double-tag.pcap", "tap3.0")] == ["P161", "P162"]


def test_untagged_vif_is_fine(tmp_path):
    assert lint_tree(tmp_path, {"vif1.0.pcap": latin1(pcap_bytes(frames((USED, PEER))))}) == []


# --- P161: tags that are meant ----------------------------------------------------------------------


def test_vif_with_vlan_key_may_carry_tags(tmp_path):
    tagged = pcap_bytes([ipv4_frame(100, vlans=(10,))])
    files = dom0(vif=f"mac={CONFIGURED},bridge=xenbr0,vlan=10p/20", **{"vif3.0": tagged})
    assert lint_tree(tmp_path / "dom0", files, ("P161",)) == []


def test_vlans_of_the_guest_itself_are_meant(tmp_path):
    tagged = pcap_bytes([ipv4_frame(100, vlans=(10,), eth_src=CONFIGURED), ipv4_frame(100, vlans=(20,))])
    write_files(tmp_path / "dom0", dom0(**{"vif3.0": tagged}))
    write_files(tmp_path / "web", {
        "etc/sysconfig/network-scripts/ifcfg-eth0": f"DEVICE=eth0\nHWADDR={CONFIGURED}\nONBOOT=yes\n",
        "etc/sysconfig/network-scripts/ifcfg-eth0.10": "DEVICE=eth0.10\nVLAN=yes\nONBOOT=yes\n",
    })
    (finding,) = lint_paths([str(tmp_path / "dom0"), str(tmp_path / "web")], select_rules(("P161",))).findings
    assert "vif3.0 (vif 0 of web)" in finding.message
    assert "1 of 2 frame(s) are tagged (VLAN 20: 1 frame(s), first frame 2)" in finding.message
    assert finding.related[0].path.endswith(WEB_CFG)


# --- P161: a bridge built on a VLAN interface ---------------------------------------------------------

BRCTL_SHOW = (
    "bridge name\tbridge id\t\tSTP enabled\tinterfaces\n"
    "xenbr0\t\t8000.001ec94d2a01\tno\t\teth0\n"
    "xenbr10\t\t8000.001ec94d2a01\tno\t\teth0.10\n"
    "\t\t\t\t\t\t\tvif3.0\n"
)
VLAN_IFCFG = "DEVICE=eth0.10\nVLAN=yes\nBRIDGE=xenbr10\nONBOOT=yes\n"


def bridges_tree(**captures: bytes) -> dict[str, str]:
    return {
        "sos_commands/networking/brctl_show": BRCTL_SHOW,
        "etc/sysconfig/network-scripts/ifcfg-eth0.10": VLAN_IFCFG,
        **{f"{port}.pcap": latin1(data) for port, data in captures.items()},
    }


def test_tags_on_a_bridge_built_on_a_vlan_interface(tmp_path):
    tagged = pcap_bytes([ipv4_frame(100), ipv4_frame(100, vlans=(10,)), ipv4_frame(100, vlans=(10,))])
    (finding,) = lint_tree(tmp_path / "dom0", bridges_tree(xenbr10=tagged))
    assert finding.rule_id == "P161"
    assert finding.message.startswith("bridge xenbr10 has the VLAN interface eth0.10 as a port (brctl_show:")
    assert "2 of 3 frame(s) are tagged (VLAN 10: 2 frame(s), first frame 2)" in finding.message
    assert finding.related[0].path.endswith("brctl_show")


def test_tags_on_a_bridge_on_a_plain_nic_are_fine(tmp_path):
    tagged = pcap_bytes([ipv4_frame(100, vlans=(10,))])
    assert lint_tree(tmp_path / "dom0", bridges_tree(xenbr0=tagged)) == []


# --- P160: the guest's source MAC ---------------------------------------------------------------------


def test_guest_sending_from_another_mac(tmp_path):
    capture = pcap_bytes(frames((USED, PEER), (USED, OTHER_PEER), (PEER, USED), (USED, PEER)))
    (finding,) = lint_tree(tmp_path / "dom0", dom0(**{"vif3.0": capture}))
    assert (finding.rule_id, finding.severity.value) == ("P160", "error")
    assert finding.message.startswith(
        f"vif3.0 (vif 0 of web): the guest sends from {USED} (3 frame(s), first frame 1), never from its"
        f" configured mac={CONFIGURED} (web.cfg:3)"
    )
    assert finding.location.path.endswith("vif3.0.pcap")
    assert (finding.related[0].path, finding.related[0].line) == (str(tmp_path / "dom0" / WEB_CFG), 3)


def test_guest_using_its_configured_mac_is_fine(tmp_path):
    capture = pcap_bytes(frames((CONFIGURED, PEER), (CONFIGURED, OTHER_PEER), (PEER, CONFIGURED), (USED, PEER)))
    assert lint_tree(tmp_path / "dom0", dom0(**{"vif3.0": capture})) == []


def test_silent_guest_is_not_blamed_for_what_it_receives(tmp_path):
    """Broadcasts and flooded unicast from others: their sources are not the guest's."""
    broadcasts = [arp_frame(1, PEER, "192.0.2.1", f"192.0.2.{n}") for n in range(2, 5)]
    flooded = frames((PEER, OTHER_PEER), (PEER, "00:1e:c9:4d:2a:03"))
    capture = pcap_bytes([*broadcasts, *flooded, ipv4_frame(100, eth_src=OTHER_PEER, eth_dst=BROADCAST)])
    assert lint_tree(tmp_path / "dom0", dom0(**{"vif3.0": capture})) == []


def test_one_conversation_with_an_unknown_peer_is_ambiguous(tmp_path):
    capture = pcap_bytes(frames((USED, PEER), (PEER, USED)))
    assert lint_tree(tmp_path / "dom0", dom0(**{"vif3.0": capture})) == []


def test_a_peer_known_from_dom0_settles_it(tmp_path):
    ip_address = (
        "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN\n"
        "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
        "2: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP\n"
        f"    link/ether {PEER} brd ff:ff:ff:ff:ff:ff\n"
    )
    files = dom0(**{"vif3.0": pcap_bytes(frames((USED, PEER), (PEER, USED)))})
    files["sos_commands/networking/ip_address"] = ip_address
    (finding,) = lint_tree(tmp_path / "dom0", files, ("P160",))
    assert f"sends from {USED} (1 frame(s), first frame 1)" in finding.message


def test_a_capture_of_the_uplink_settles_it(tmp_path):
    """The peer's frames enter the bridge on eth0 (seen there first): the peer lives behind eth0."""
    out = ipv4_frame(100, eth_src=USED, eth_dst=PEER, ip_id=1)
    back = ipv4_frame(100, src="192.0.2.2", dst="192.0.2.1", ip_id=2, eth_src=PEER, eth_dst=USED)
    vif = pcap_bytes([out, back], times=[100.000, 100.010])
    uplink = pcap_bytes([out, back], times=[100.001, 100.009])
    (finding,) = lint_tree(tmp_path / "dom0", dom0(**{"vif3.0": vif, "eth0": uplink}), ("P160",))
    assert finding.message.startswith(f"vif3.0 (vif 0 of web): the guest sends from {USED}")


def test_no_domain_id_no_judgement(tmp_path):
    files = dom0(**{"vif3.0": pcap_bytes(frames((USED, PEER), (USED, OTHER_PEER), (PEER, USED)))})
    del files["sos_commands/xen/xl_list"]
    assert lint_tree(tmp_path / "dom0", files) == []


def test_vif_without_mac_no_judgement(tmp_path):
    capture = pcap_bytes(frames((USED, PEER), (USED, OTHER_PEER), (PEER, USED)))
    assert lint_tree(tmp_path / "dom0", dom0(vif="bridge=xenbr0", **{"vif3.0": capture})) == []


def test_another_guests_mac_is_not_blamed(tmp_path):
    files = dom0(**{"vif3.0": pcap_bytes(frames((USED, PEER), (USED, OTHER_PEER), (PEER, USED)))})
    files["etc/xen/db.cfg"] = f'name = "db"\nmemory = 512\nvif = [ "mac={USED},bridge=xenbr0" ]\n'
    assert lint_tree(tmp_path / "dom0", files) == []
