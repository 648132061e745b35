"""Root causes (family C): C101 ties bridge netfilter (N170) to the capture findings on the bridge's
ports, and the findings it explains are reported under it, in text, JSON, counts and exit codes."""

from __future__ import annotations

import json

from click.testing import CliRunner

from conftest import FIXTURES, lint_files, write_files
from xennet.cli import main
from xennet.correlate import c101_bridge_nf_drops as c101
from xennet.correlate import c102_mtu_mismatch_drops as c102
from xennet.correlate import c103_guest_mac_drift as c103
from xennet.correlate import c104_vif_unbridged_silence as c104
from xennet.correlate import c105_guest_mtu_drops as c105
from xennet.findings import flatten
from xennet.lint.rules import n170_bridge_nf_fragments as n170
from xennet.pcap.craft import fragments, ipv4_frame, latin1, pcap_bytes

MODERN_KERNEL = "Linux dom0 4.19.0-21-amd64 #1 SMP Debian 4.19.249-2 (2022-06-30) x86_64 GNU/Linux\n"


def test_root_cause_explains_the_configuration_and_the_capture(tmp_path):
    result = lint_files(tmp_path, c101.BAD)
    (root,) = result.findings  # N170 and P102 are no longer listed on their own
    assert (root.rule_id, root.severity.value, root.subject) == ("C101", "error", "xenbr0")
    assert root.message == (
        "large packets die on bridge xenbr0: vif4.0: 1 datagram(s) of up to 3000 bytes, above MTU 1500 (assumed,"
        " no --mtu and no host model entry) + 4 bytes of VLAN slack = 1504, reassembled from fragments captured on"
        " vif3.0 (P102); bridge netfilter reassembles their fragments there (N170, sysctl.conf:1) and kernel"
        " 2.6.18-128.el5xen forwards the reassembled packets whole, above the MTU, instead of refragmenting them")
    assert [(f.rule_id, f.subject) for f in root.explains] == [("N170", "xenbr0"), ("P102", "vif4.0")]
    assert root.location == root.explains[0].location  # the line to change: the sysctl
    assert str(tmp_path / "vif4.0.pcap") in {loc.path for loc in root.related}
    assert [f.rule_id for f in flatten(result.findings)] == ["C101", "N170", "P102"]


def test_selecting_only_the_root_cause_still_gathers_its_evidence(tmp_path):
    (root,) = lint_files(tmp_path, c101.BAD, select=("C101",)).findings
    assert [f.rule_id for f in root.explains] == ["N170", "P102"]


def test_no_root_cause_when_the_kernel_refragments(tmp_path):
    files = {**c101.BAD, "uname_-a": MODERN_KERNEL}
    ids = sorted(f.rule_id for f in lint_files(tmp_path, files).findings)
    assert ids == ["N170", "P102"]  # N170 is info there; P102 stays an independent finding


def test_no_root_cause_for_a_port_of_another_bridge(tmp_path):
    files = {**c101.BAD, "brctl_show": n170.BAD["brctl_show"] + "xenbr1\t\t8000.feffffffffff\tno\t\tvif4.0\n"}
    ids = sorted(f.rule_id for f in lint_files(tmp_path, files).findings)
    assert ids == ["N170", "P102"]


def test_no_root_cause_without_capture_findings(tmp_path):
    train = fragments(3000, 1500, ip_id=7)
    files = {**c101.BAD, "vif4.0.pcap": latin1(pcap_bytes(train))}
    assert [f.rule_id for f in lint_files(tmp_path, files).findings] == ["N170"]


def test_text_and_json_nest_the_explained_findings(tmp_path):
    write_files(tmp_path, c101.BAD)
    runner = CliRunner()
    text = runner.invoke(main, ["lint", "--color", "never", str(tmp_path)])
    assert text.exit_code == 1
    lines = text.output.splitlines()
    assert lines[0].startswith(f"{tmp_path}/etc/sysctl.conf:1:1: error C101 [bridge-nf-drops-reassembled]")
    assert "    explains 2 finding(s):" in lines
    assert any(line.startswith(f"      {tmp_path}/vif4.0.pcap: error P102 [reassembled-datagram]") for line in lines)
    assert "3 findings (3 errors, 0 warnings, 0 info) in 7 files." in lines
    document = json.loads(runner.invoke(main, ["lint", "--format", "json", str(tmp_path)]).output)
    (root,) = document["findings"]
    assert [f["rule_id"] for f in root["explains"]] == ["N170", "P102"]
    assert document["summary"]["counts"] == {"info": 0, "warning": 0, "error": 3}


def test_reassembled_datagram_on_a_bridge_port_without_bridge_netfilter_is_no_root_cause(tmp_path):
    files = {**c101.BAD, "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 0\n",
             "vif4.0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=7)]))}
    assert [f.rule_id for f in lint_files(tmp_path, files).findings] == ["P102"]


def test_mtu_mismatch_explains_frames_lost_between_ports(tmp_path):
    (root,) = lint_files(tmp_path, c102.BAD).findings
    assert (root.rule_id, root.subject) == ("C102", "xenbr0")
    assert root.message == (
        "frames are lost on bridge xenbr0: vif1.0 -> vif2.0: 2 of 5 frame(s) never left on vif2.0: every frame"
        " with IP length >= 2000 was lost, all <= 1500 were delivered (vif2.0: MTU 1500 (host model) + 4 bytes of"
        " VLAN slack = 1504) (P120); the bridge's ports have different MTUs (N132, ip_address:9) and the bridge"
        " drops every frame above the egress port's MTU")
    n132_finding, lost = root.explains
    assert (n132_finding.rule_id, lost.rule_id) == ("N132", "P120")
    assert "every frame with IP length >= 2000 was lost, all <= 1500 were delivered" in lost.message
    assert "(vif2.0: MTU 1500 (host model) + 4 bytes of VLAN slack = 1504)" in lost.message


def test_mtu_mismatch_without_captures_stays_a_configuration_finding(tmp_path):
    files = {name: content for name, content in c102.BAD.items() if not name.endswith(".pcap")}
    assert [f.rule_id for f in lint_files(tmp_path, files).findings] == ["N132"]


def test_frames_above_the_mtu_of_a_mismatched_port_are_explained_too(tmp_path):
    """All frames delivered, but the big ones left by vif2.0, whose MTU is 1500: P103 there."""
    files = {**c102.BAD, **{name: content for name, content in c102.GOOD.items() if name.endswith(".pcap")}}
    (root,) = lint_files(tmp_path, files).findings
    assert [(f.rule_id, f.subject) for f in root.explains] == [("N132", "xenbr0"), ("P103", "vif2.0")]


def test_guest_mac_drift_seen_on_the_wire(tmp_path):
    (root,) = lint_files(tmp_path, c103.BAD, trees=c103.EXAMPLE_TREES).findings
    assert (root.rule_id, root.subject) == ("C103", "vif3.0")
    assert [(f.rule_id, f.subject) for f in root.explains] == [("N110", "vif3.0"), ("P160", "vif3.0")]
    assert root.message.startswith("the guest behind vif3.0 sends from a MAC its vif does not configure: vif3.0"
                                   " (vif 0 of web): the guest sends from 00:16:3e:aa:bb:dd (2 frame(s)")
    assert root.message.endswith("the guest's own files show it running with that MAC (N110, ip_address:2)")
    assert root.location == root.explains[0].location
    assert root.location.path.endswith("guest/sos_commands/networking/ip_address")


def test_guest_mac_drift_on_another_vif_is_no_root_cause(tmp_path):
    files = {**c103.BAD, "dom0/vif7.0.pcap": c103.BAD["dom0/vif3.0.pcap"]}
    del files["dom0/vif3.0.pcap"]
    ids = sorted(f.rule_id for f in lint_files(tmp_path, files, trees=c103.EXAMPLE_TREES).findings)
    assert ids == ["N110"]  # vif7.0 belongs to no running domain: P160 cannot judge it


def test_unbridged_vif_explains_unanswered_arp(tmp_path):
    (root,) = lint_files(tmp_path, c104.BAD).findings
    assert (root.rule_id, root.subject) == ("C104", "vif3.0")
    assert [(f.rule_id, f.subject) for f in root.explains] == [("N104", "vif3.0"), ("P150", "vif3.0")]
    assert root.message == (
        "the guest behind vif3.0 gets no answers because its vif is on no bridge: 198.18.0.1: 2 ARP request(s)"
        " from 198.18.0.3 (00:16:3e:5a:01:02) got no reply on any port, from 2023-11-14T22:13:20.000000Z to"
        " 2023-11-14T22:13:21.000000Z (P150); dom0 shows the vif outside the bridge (N104, web.cfg:2)")


def test_unanswered_arp_on_a_bridged_vif_stays_on_its_own(tmp_path):
    assert [f.rule_id for f in lint_files(tmp_path, c104.GOOD).findings] == ["P150"]


# --- C101 on a kernel that refragments, on a bridge whose ports differ in MTU --------------------------

BRIDGE_NF_ON_CURRENT_KERNEL = {
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 1\n",
    "uname_-a": MODERN_KERNEL,
    "sos_commands/firewall_tables/iptables-save": (
        FIXTURES / "cmd-output" / "lab-iptables-save-conntrack-nat.txt").read_text(),
}


def test_bridge_nf_and_port_mtus_together_are_one_root_cause_naming_both(tmp_path):
    result = lint_files(tmp_path, {**c102.BAD, **BRIDGE_NF_ON_CURRENT_KERNEL})
    roots = [f for f in result.findings if f.rule_id.startswith("C")]
    assert [f.rule_id for f in roots] == ["C101"]  # not C102: the MTU alone does not explain the shape
    (root,) = roots
    assert root.message.startswith("large packets die on bridge xenbr0: vif1.0 -> vif2.0: ")
    assert root.message.endswith(
        "; bridge netfilter reassembles their fragments there (net.bridge.bridge-nf-call-iptables = 1: N170,"
        " sysctl.conf:1) and kernel 4.19.0-21-amd64 refragments them no larger than their largest original"
        " fragment, which does not fit vif2.0's MTU 1500 (N132, ip_address:9): every datagram that arrives in"
        " fragments above 1500 bytes is dropped whole, its last fragment included")
    assert [f.rule_id for f in root.explains] == ["N170", "N132", "P120"]
    assert root.fix.startswith(c102.FIX) and "bridge-nf-call-iptables=0" in root.fix
    assert (root.location.path.endswith("sysctl.conf"), root.location.line) == (True, 1)


def test_without_the_conntrack_rule_the_mtu_mismatch_stays_c102(tmp_path):
    files = {**c102.BAD, **BRIDGE_NF_ON_CURRENT_KERNEL,
             "sos_commands/firewall_tables/iptables-save": (
                 FIXTURES / "cmd-output" / "lab-iptables-save-physdev.txt").read_text()}
    assert [f.rule_id for f in lint_files(tmp_path, files).findings if f.rule_id.startswith("C")] == ["C102"]


# --- C105 guest-mtu-drops ----------------------------------------------------------------------------


def test_guest_mtu_below_vif_explains_the_vif_drops(tmp_path):
    result = lint_files(tmp_path, c105.BAD, trees=c105.EXAMPLE_TREES)
    (root,) = result.findings
    assert (root.rule_id, root.subject) == ("C105", "vif3.0")
    assert root.message == (
        "the guest behind vif3.0 refuses frames its vif delivers: vif3.0 dropped 412 of 20722 packets toward the"
        " guest (TX): 2.0%, above 1% (N180); the guest's NIC has a smaller MTU than the vif (N135, ifcfg-eth0:5)")
    below, drops = root.explains
    assert (below.rule_id, below.subject, below.severity.value) == ("N135", "vif3.0", "warning")
    assert below.message == (
        "eth0 of guest guest3 has MTU 1400 (ifcfg-eth0:5), below the MTU 1500 of its vif vif3.0 in dom0"
        " (ip_-s_link:1, vif 0 of guest3): the bridge delivers frames of up to 1500 bytes to the guest, and a NIC"
        " that enforces its MTU drops those above 1400 without an ICMP error (veth does, counted in vif3.0's TX"
        " drops)")
    assert (drops.rule_id, drops.subject) == ("N180", "vif3.0")


def test_vif_drops_with_matching_mtus_stay_on_their_own(tmp_path):
    result = lint_files(tmp_path, c105.GOOD, trees=c105.EXAMPLE_TREES)
    assert [f.rule_id for f in result.findings] == ["N180"]
