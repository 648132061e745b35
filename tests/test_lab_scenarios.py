"""End-to-end scenarios of issue 6: a real Linux bridge in network namespaces (tests/lab) produces
captures and a support bundle, and xennet must find what the lab broke.

xennet reads dom0's and the guests' bundles (written by `xennet collect` in each namespace) with the
captures of the vifs (vif1.0, vif2.0); the capture of the bridge device (xenbr0) is judged in a run
of its own, so that each scenario shows what it adds, and the guests' own captures (dom1-eth0,
dom2-eth0) are read directly. Given all together, xenbr0 and the guests' captures take no part in
the comparison of bridge ports (test_guest_captures_are_not_bridge_ports,
test_vlan_loss_between_ports: both were product bugs the lab found).

Every ping is followed by a 56-byte one: xennet judges a frame lost between ports only while the
egress capture shows traffic a second later, and a pcap file does not say when capturing stopped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lab import BRIDGE, Lab, missing_requirements
from lab.bundle import collecting, dom0_bundle, guest_bundle

from xennet.findings import Finding, Severity
from xennet.lint.runner import lint_paths
from xennet.pcap.captures import CapturedPort
from xennet.pcap.load import load_captures
from xennet.registry import select_rules

DOM0_PORTS = ("vif1.0", "vif2.0", BRIDGE)
DST = "198.18.0.2"
VLAN = 3
VLAN_DST = f"198.19.{VLAN}.2"


@dataclass
class Outcome:
    """What a scenario did and what xennet said about it."""

    replies: dict[int, int]  # ping payload size -> replies
    findings: list[Finding]  # top level: root causes nest the findings they explain
    bridge_findings: list[Finding]  # the bundle with the xenbr0 capture alone
    captures: dict[str, Path]  # port -> capture file, guests' eth0 included
    trees: list[Path]  # dom0, then the guests
    vif2_tx_dropped: int = 0

    def top(self, rule_id: str) -> list[Finding]:
        return [finding for finding in self.findings if finding.rule_id == rule_id]

    def all(self) -> Iterator[Finding]:
        """Every finding, the explained ones included."""
        stack = list(self.findings)
        while stack:
            finding = stack.pop(0)
            yield finding
            stack.extend(finding.explains)

    def rule_ids(self, severity: Severity | None = None, bridge: bool = False) -> list[str]:
        """Top-level rule IDs, sorted, of one severity or all; of the xenbr0 run when `bridge`."""
        findings = self.bridge_findings if bridge else self.findings
        return sorted(f.rule_id for f in findings if severity is None or f.severity == severity)

    def port(self, name: str) -> CapturedPort:
        return load_captures([str(self.captures[name])]).ports[0]


@pytest.fixture
def run_lab(tmp_path: Path) -> Iterator[Callable[..., Outcome]]:
    """Build a lab with the given options, run `traffic(lab)` (which returns {size: replies}) while
    capturing on every port, snapshot the bundles and let xennet judge them. Skips without root or
    the lab's commands; the lab is always removed (Lab's context manager)."""
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)

    def run(traffic: Callable[[Lab], dict[int, int]], **options: object) -> Outcome:
        with Lab(workdir=tmp_path, **options) as lab:  # type: ignore[arg-type]
            with lab.capture(tmp_path / "captures") as captures:
                replies = traffic(lab)
            trees = [dom0_bundle(lab, tmp_path / "dom0")]
            trees += [guest_bundle(lab, guest.name, tmp_path / guest.name) for guest in lab.guests]
            dropped = lab.counters("dom0", "vif2.0")["tx_dropped"]
        vifs = judge(trees, [captures["vif1.0"], captures["vif2.0"]])
        return Outcome(replies, vifs, judge(trees, [captures[BRIDGE]]), captures, trees, dropped)

    yield run


def judge(trees: list[Path], captures: list[Path]) -> list[Finding]:
    result = lint_paths([str(path) for path in [*trees, *captures]], select_rules(()))
    return result.findings


def pings(destination: str, sizes: list[int], df: bool) -> Callable[[Lab], dict[int, int]]:
    """Traffic: dom1 pings `destination` with each size, then with 56 bytes (see the module docstring)."""
    def traffic(lab: Lab) -> dict[int, int]:
        replies = lab.ping("dom1", destination, sizes, df=df)
        assert lab.ping("dom1", destination, [56]) == {56: 3}
        return replies
    return traffic


def explained(finding: Finding) -> list[str]:
    """The distinct rule IDs a root cause explains. Distinct: how many P140 a run gives varies (one per
    unanswered ping size, sometimes one fewer; not understood yet, see the lab report)."""
    return sorted({f.rule_id for f in finding.explains})


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.message for f in findings]
    return findings[0]


# --- 1. baseline ---------------------------------------------------------------------------------


def test_baseline_has_no_findings(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, [56, 1472, 1473, 3000], df=False))
    assert outcome.replies == {56: 3, 1472: 3, 1473: 3, 3000: 3}
    assert [f"{f.rule_id} {f.message}" for f in outcome.findings + outcome.bridge_findings] == []


# --- 2. a smaller egress vif MTU ------------------------------------------------------------------


THRESHOLD_SIZES = [1376, 1377, 1472]  # IP length 1404 (MTU 1400 + 4 bytes of slack), 1405, 1500
# 6 lost: 3 pings of IP length 1405 and 3 of 1500. The total varies with ARP (a re-probe is a frame
# without IP length: the message then says "size").
LOST_AT_1405 = re.compile(
    r"vif1\.0 -> vif2\.0: 6 of \d+ frame\(s\) never left on vif2\.0: every frame with (IP length|size) >= 1405"
    r" was lost, all <= 1404 were delivered \(vif2\.0: MTU 1400 \(host model\)"
)


def test_egress_vif_mtu_drops_frames_between_ports(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, THRESHOLD_SIZES, df=True), port_mtus={"vif2.0": 1400})
    assert outcome.replies == {1376: 3, 1377: 0, 1472: 0}
    root = only(outcome.top("C102"))
    assert explained(root) == ["N132", "P120", "P140"]
    lost = only([f for f in root.explains if f.rule_id == "P120"])
    assert LOST_AT_1405.match(lost.message), lost.message
    mismatch = only([f for f in root.explains if f.rule_id == "N132"])
    assert "(vif1.0 1500, vif2.0 1400)" in mismatch.message
    # dom2's eth0 (1500) is above its vif (1400): its replies above 1404 bytes would die too.
    assert "eth0 of guest dom2 has MTU 1500" in only(outcome.top("N133")).message
    assert outcome.rule_ids(Severity.ERROR) == ["C102", "N133"]
    # xenbr0's own MTU is the smallest port's: not a hop, so no PMTU black hole is judged on it.
    assert outcome.rule_ids(bridge=True) == ["C102", "N133", "P104"]


def test_guest_captures_are_not_bridge_ports(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, THRESHOLD_SIZES, df=True), port_mtus={"vif2.0": 1400})
    findings = judge(outcome.trees, list(outcome.captures.values()))
    root = only([f for f in findings if f.rule_id == "C102"])
    assert any(f.rule_id == "P120" and LOST_AT_1405.match(f.message) for f in root.explains)


# --- 3. a guest MTU below its vif's ----------------------------------------------------------------


def test_guest_mtu_below_vif_drops_in_the_guest(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, THRESHOLD_SIZES, df=True), guest_mtus={"dom2": 1400})
    assert outcome.replies == {1376: 3, 1377: 0, 1472: 0}
    # The bridge delivers every frame to vif2.0; the veth drops those above dom2's MTU + 18 bytes.
    assert outcome.port("vif2.0").summary.largest_ip == 1500
    assert outcome.port("dom2-eth0").summary.largest_ip == 1404
    assert outcome.vif2_tx_dropped == 6
    root = only(outcome.top("C105"))
    assert root.message.startswith("the guest behind vif2.0 refuses frames its vif delivers: vif1.0: 198.18.0.1 ->"
                                   " 198.18.0.2: 6 of ")
    assert "answered up to IP length 1404, none from 1405 up (P140); vif2.0 dropped 6 of " in root.message
    assert explained(root) == ["N135", "N180", "P140"]  # the pings are judged on vif1.0, their target is dom2
    below = only([f for f in root.explains if f.rule_id == "N135"])
    assert below.message.startswith("eth0 of guest dom2 has MTU 1400 (ip_-j_-d_-s_link:1), below the MTU 1500 of"
                                    " its vif vif2.0 in dom0")
    drops = only([f for f in root.explains if f.rule_id == "N180"])
    assert "toward the guest (TX)" in drops.message
    assert outcome.rule_ids() == ["C105"]
    assert "P120" not in {f.rule_id for f in outcome.all()}  # nothing is lost inside the bridge


# --- 4. bridge netfilter with conntrack ---------------------------------------------------------------


FRAGMENT_SIZES = [56, 1472, 1473, 3000]


def test_bridge_nf_reassembly_is_not_a_vif_fault(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, FRAGMENT_SIZES, df=False), bridge_nf=True, conntrack=True)
    assert outcome.replies == {56: 3, 1472: 3, 1473: 3, 3000: 3}
    bridge = only([f for f in outcome.bridge_findings if f.rule_id == "P104"])
    assert bridge.message.startswith("xenbr0 is a bridge: 6 packet(s) up to 3028 bytes")
    assert outcome.port(BRIDGE).summary.fragments == 0
    assert outcome.port("vif1.0").summary.largest_ip == 1500
    # What bridge netfilter does here, from the bundle: info, as this kernel refragments.
    setting = only(outcome.top("N170"))
    assert setting.severity is Severity.INFO
    assert "(net.bridge.bridge-nf-call-iptables = 1, sysctl_-a:" in setting.message
    assert "-m conntrack (iptables-save:" in setting.message
    assert "refragments them before they leave the bridge" in setting.message
    assert outcome.rule_ids() == ["N170"]  # no P112/P102 on the vifs: the bridge device's view is not a hop
    assert outcome.rule_ids(bridge=True) == ["N170", "P104"]


# --- 5. bridge netfilter with conntrack and a smaller egress MTU --------------------------------------


def test_bridge_nf_drops_whole_datagrams(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(DST, [1372, 1373, *FRAGMENT_SIZES[1:]], df=False),
                      bridge_nf=True, conntrack=True, port_mtus={"vif2.0": 1400})
    # br_netfilter refragments at the egress MTU what fits its largest fragment, drops the rest whole.
    assert outcome.replies == {1372: 3, 1373: 3, 1472: 0, 1473: 0, 3000: 0}
    assert outcome.port("vif1.0").summary.fragments == 3 * 2 + 3 * 3  # 1473: 2 fragments, 3000: 3
    # Requests reach dom2 in fragments of at most 1400 bytes; dom2 (MTU 1500) answers 1373 unfragmented.
    assert outcome.port("vif2.0").summary.largest_ip == 1401
    root = only(outcome.top("C101"))
    assert explained(root) == ["N132", "N170", "P120", "P140"]
    assert "net.bridge.bridge-nf-call-iptables = 1" in root.message
    assert "does not fit vif2.0's MTU 1400" in root.message
    assert "answered up to IP length 1401, none from 1500 up (P140)" in root.message
    assert "C102" not in outcome.rule_ids()


# --- 6. offloads ------------------------------------------------------------------------------------


def test_offload_superframes_are_not_errors(run_lab: Callable[..., Outcome]) -> None:
    def transfer(lab: Lab) -> dict[int, int]:
        return {4_000_000: lab.tcp_transfer("dom1", "dom2", 4_000_000)}

    outcome = run_lab(transfer, offloads=True)
    assert outcome.replies == {4_000_000: 4_000_000}
    assert outcome.rule_ids() == ["P101", "P101"]
    assert outcome.rule_ids(bridge=True) == ["P101"]
    assert sorted(f.message.split(":")[0] for f in outcome.findings + outcome.bridge_findings) == sorted(DOM0_PORTS)
    assert all(outcome.port(port).summary.largest_ip > 10_000 for port in DOM0_PORTS)


# --- 7. VLAN-tagged guest traffic --------------------------------------------------------------------


def test_vlan_tagged_traffic(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(VLAN_DST, THRESHOLD_SIZES, df=True), vlan=VLAN,
                      port_mtus={"vif2.0": 1400}, guest_mtus={"dom2": 1400})
    assert outcome.replies == {1376: 3, 1377: 0, 1472: 0}
    assert set(outcome.port("vif1.0").summary.vlan_ids) == {VLAN}
    assert "P161" not in {f.rule_id for f in outcome.all()}  # the guests' eth0.3 explains the tags
    root = only(outcome.top("C102"))
    assert explained(root) == ["N132", "P120", "P140"]
    lost = only([f for f in root.explains if f.rule_id == "P120"])
    assert LOST_AT_1405.match(lost.message), lost.message
    assert outcome.rule_ids() == ["C102"]


def test_vlan_loss_between_ports(run_lab: Callable[..., Outcome]) -> None:
    outcome = run_lab(pings(VLAN_DST, THRESHOLD_SIZES, df=True), vlan=VLAN,
                      port_mtus={"vif2.0": 1400}, guest_mtus={"dom2": 1400})
    findings = judge(outcome.trees, [outcome.captures[port] for port in DOM0_PORTS])
    root = only([f for f in findings if f.rule_id == "C102"])
    assert any(f.rule_id == "P120" and LOST_AT_1405.match(f.message) for f in root.explains)


# --- xennet collect's own captures ----------------------------------------------------------------


def test_collect_bundle_with_its_captures_gives_the_diagnosis(tmp_path: Path) -> None:
    """`xennet collect --capture` in dom0 while the lab's own tcpdumps run: the bundle alone (no Xen
    facts added, no other capture) holds the same frames as the lab's captures and gives the same root
    cause as scenario 2."""
    reason = missing_requirements()
    if reason:
        pytest.skip(reason)
    archive = tmp_path / "dom0.tar.gz"
    options = ("--capture", "8s", "--ports", "vif*", "--snaplen", "65535")
    with (
        Lab(workdir=tmp_path, port_mtus={"vif2.0": 1400}) as lab,
        lab.capture(tmp_path / "captures") as captures,
        collecting(lab, "dom0", archive, ("vif1.0", "vif2.0"), *options),
    ):
        replies = pings(DST, THRESHOLD_SIZES, df=True)(lab)
    assert replies == {1376: 3, 1377: 0, 1472: 0}
    result = lint_paths([str(archive)], select_rules(()))
    ports = {port.name: port for port in result.model.captures.ports}
    assert sorted(ports) == ["vif1.0", "vif2.0"]
    for name, largest in (("vif1.0", 1500), ("vif2.0", 1404)):  # the collector saw what the lab's tcpdump saw
        lab_port = load_captures([str(captures[name])]).ports[0]
        assert lab_port.summary.largest_ip == ports[name].summary.largest_ip == largest
        assert _echo_frames(ports[name]) == _echo_frames(lab_port) > 0, name
    root = only([f for f in result.findings if f.rule_id == "C102"])
    assert explained(root) == ["N132", "P120", "P140"]
    lost = only([f for f in root.explains if f.rule_id == "P120"])
    assert LOST_AT_1405.match(lost.message), lost.message


def _echo_frames(port: CapturedPort) -> int:
    """ICMP frames on the port (echo requests and replies, fragments included)."""
    notable = port.notable
    return int(((notable["ip_version"] == 4) & (notable["proto"] == 1)).sum())
