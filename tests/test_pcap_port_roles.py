"""Port roles (pcap/portkind.py port_role): which captures are ports of a dom0 bridge and are compared
with each other, which are the bridge device (rule P104 only) or the guest side of a vif (per-port
rules, against the guest interface's MTU), and how the port table says so."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import write_files
from xennet.lint.runner import LintResult, lint_paths
from xennet.pcap.captures import BRIDGE_DEVICE, BRIDGE_PORT, GUEST_SIDE, UNKNOWN, CaptureSet
from xennet.pcap.craft import GUEST_A, GUEST_B, UDP, fragments, ipv4_frame, latin1, pcap_bytes
from xennet.pcap.load import load_captures
from xennet.pcap.refragment import fragmented_on_the_way
from xennet.registry import select_rules
from xennet.report import ports_report

START = 1_700_000_000.0


def ip_address(interfaces: list[tuple[str, int, str, str | None]]) -> str:
    """`ip address` output: (name, mtu, mac, master) per interface."""
    lines = []
    for index, (name, mtu, mac, master) in enumerate(interfaces, start=1):
        enslaved = f" master {master}" if master else ""
        lines.append(f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {mtu} qdisc noqueue{enslaved} state UP\n"
                     f"    link/ether {mac} brd ff:ff:ff:ff:ff:ff\n")
    return "".join(lines)


def host_trees(bridge_mtu: int = 1500, vif2_mtu: int = 1500, guest_mtu: int = 1400) -> dict[str, str]:
    """dom0 (xenbr0 with vif1.0 and vif2.0; eth0 on no bridge) running dom1 and dom2, and dom1's tree
    (its eth0: `guest_mtu`)."""
    backend = "fe:ff:ff:ff:ff:ff"
    xl_list = ("Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
               "Domain-0                                     0  1024     1     r-----      10.0\n"
               "dom1                                         1   512     1     -b----       1.0\n"
               "dom2                                         2   512     1     -b----       1.0\n")
    return {
        "dom0/sos_commands/networking/ip_address": ip_address([
            ("eth0", 1500, "00:1e:c9:4d:2a:10", None), ("xenbr0", bridge_mtu, backend, None),
            ("vif1.0", 1500, backend, "xenbr0"), ("vif2.0", vif2_mtu, backend, "xenbr0"),
        ]),
        "dom0/sos_commands/xen/xl_list": xl_list,
        "dom0/etc/xen/dom1.cfg": f'name = "dom1"\nmemory = 512\nvif = [ "mac={GUEST_A},bridge=xenbr0" ]\n',
        "dom0/etc/xen/dom2.cfg": f'name = "dom2"\nmemory = 512\nvif = [ "mac={GUEST_B},bridge=xenbr0" ]\n',
        "dom1/sos_commands/networking/ip_address": ip_address([("eth0", guest_mtu, GUEST_A, None)]),
        "dom1/sos_commands/general/hostname": "dom1\n",
    }


def timed(pairs: list[tuple[float, bytes]]) -> str:
    pairs = sorted(pairs, key=lambda pair: pair[0])
    return latin1(pcap_bytes([frame for _, frame in pairs], times=[time for time, _ in pairs]))


def lint_case(folder: Path, captures: dict[str, str], select: tuple[str, ...] = ("P",), **trees: int) -> LintResult:
    """The dom0 and dom1 trees (host_trees(**trees)) with `captures` (paths relative to `folder`)."""
    write_files(folder, host_trees(**trees))
    paths = write_files(folder, captures)
    return lint_paths([str(folder / "dom0"), str(folder / "dom1"), *paths], select_rules(select))


def roles(result: LintResult) -> dict[str, tuple[str, bool, str]]:
    """Per capture file (its name without .pcap, inside its folder): role, compared, MTU."""
    assert result.model.captures is not None
    return {f"{Path(port.path).parent.name}/{Path(port.path).stem}": (
        port.role.kind, port.role.compared, f"{port.mtu.value} ({port.mtu.origin})")
        for port in result.model.captures.ports}


# --- how roles are decided ------------------------------------------------------------------------


def test_roles_from_the_host_model(tmp_path):
    empty = latin1(pcap_bytes([]))
    names = ("vif1.0", "xenbr0", "dom1-eth0", "eth0", "vif7.0", "dom9-eth0", "mystery", "dom1/eth0")
    result = lint_case(tmp_path / "case", {f"{name}.pcap": empty for name in names})
    assert roles(result) == {
        "case/vif1.0": (BRIDGE_PORT, True, "1500 (host model)"),
        "case/xenbr0": (BRIDGE_DEVICE, False, "1500 (host model)"),
        # the guest's own interface gives the MTU
        "case/dom1-eth0": (GUEST_SIDE, False, "1400 (host model)"),
        "case/eth0": (UNKNOWN, False, "1500 (host model)"),  # dom0's, on no bridge
        "case/vif7.0": (BRIDGE_PORT, True, "1500 (assumed)"),  # Xen's naming, not in the model (yet)
        "case/dom9-eth0": (UNKNOWN, False, "1500 (assumed)"),  # no guest dom9
        "case/mystery": (UNKNOWN, False, "1500 (assumed)"),
        "dom1/eth0": (GUEST_SIDE, False, "1400 (host model)"),  # dom1's eth0, not dom0's
    }
    tmp_path /= "case"
    (inside,) = [port for port in result.model.captures.ports if Path(port.path).parent.name == "dom1"]
    assert (inside.path, inside.name) == (str(tmp_path / "dom1" / "eth0.pcap"), "eth0")
    assert (inside.role.kind, inside.role.why, inside.mtu.value) == (
        GUEST_SIDE, f"the file is in guest tree {tmp_path / 'dom1'}", 1400)
    named = result.model.captures.port("dom1-eth0")
    assert named is not None and named.role.why == "named after guest dom1 and its eth0"


def test_roles_by_name_without_a_model(tmp_path):
    empty = latin1(pcap_bytes([]))
    names = ("vif1.0", "tap2.0", "vif3.0-emu", "xenbr0", "virbr0", "peth0", "bond0", "dom1-eth0", "capture")
    paths = write_files(tmp_path, {f"{name}.pcap": empty for name in names})
    ports = load_captures(paths).ports
    assert [(port.name, port.role.kind, port.role.compared) for port in ports] == [
        ("vif1.0", BRIDGE_PORT, True), ("tap2.0", BRIDGE_PORT, True), ("vif3.0-emu", BRIDGE_PORT, True),
        ("xenbr0", BRIDGE_DEVICE, False), ("virbr0", BRIDGE_DEVICE, False), ("peth0", BRIDGE_PORT, True),
        ("bond0", BRIDGE_PORT, True),
        # without a model nothing says what these are: compared, as `xennet pcap a.pcap b.pcap` always did
        ("dom1-eth0", UNKNOWN, True), ("capture", UNKNOWN, True),
    ]


# --- what each role is judged by ------------------------------------------------------------------


def test_guest_side_is_judged_against_the_guest_mtu(tmp_path):
    """1450 bytes fit dom0's 1500 but not dom1's eth0 (1400): P103 on the guest side, with its MTU."""
    result = lint_case(tmp_path, {"dom1-eth0.pcap": latin1(pcap_bytes([ipv4_frame(1450)]))})
    (finding,) = result.findings
    assert (finding.rule_id, finding.message) == (
        "P103", "dom1-eth0: 1 IP packet(s) up to 1450 bytes, above MTU 1400 (host model) + 4 bytes of VLAN slack"
                " = 1404")


def test_bridge_device_above_every_port_mtu_was_reassembled(tmp_path):
    result = lint_case(tmp_path, {"xenbr0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=9)]))})
    (finding,) = result.findings
    assert (finding.rule_id, finding.message) == (
        "P104", "xenbr0 is a bridge: 1 packet(s) up to 3000 bytes, above MTU 1500 (host model) + 4 bytes of VLAN"
                " slack = 1504; they are above the MTU of every port of xenbr0 (at most 1500, host model): no port"
                " carried them whole, bridge netfilter (br_netfilter with conntrack) reassembled them: the bridge"
                " device shows the reassembled datagrams, not what crossed the ports")


BRIDGE_MTU_ONLY = ("above the bridge device's MTU only, which is not a hop's MTU: frames forwarded between ports are"
                   " compared with the ports' MTUs, not the bridge's")


def test_bridge_device_mtu_is_not_a_hop_and_p142_skips_it(tmp_path):
    """The scenario of a smaller egress vif (1400): the bridge takes the smallest port MTU, DF packets of
    1500 bytes still fit vif1.0. Nothing was reassembled, and the bridge device is no PMTUD hop."""
    big = [ipv4_frame(1500, proto=UDP, df=True, ip_id=i) for i in range(3)]
    files = {"xenbr0.pcap": latin1(pcap_bytes(big))}
    (finding,) = lint_case(tmp_path, files, bridge_mtu=1400, vif2_mtu=1400).findings
    assert (finding.rule_id, finding.message) == (
        "P104", "xenbr0 is a bridge: 3 packet(s) up to 1500 bytes, above MTU 1400 (host model) + 4 bytes of VLAN"
                f" slack = 1404; they are {BRIDGE_MTU_ONLY}")
    # the same packets on a port of MTU 1400 are a PMTUD black hole
    files = {"vif2.0.pcap": files["xenbr0.pcap"]}
    assert [f.rule_id for f in lint_case(tmp_path / "vif", files, vif2_mtu=1400).findings] == ["P103", "P142"]


def test_bridge_device_oversize_of_mixed_origin(tmp_path):
    """One datagram crossed vif1.0 as fragments, one fits a port, one fits none."""
    bridge = [ipv4_frame(3000, ip_id=7), ipv4_frame(1500, ip_id=8), ipv4_frame(2000, ip_id=9)]
    files = {"vif1.0.pcap": latin1(pcap_bytes(fragments(3000, 1500, ip_id=7))),
             "xenbr0.pcap": latin1(pcap_bytes(bridge, start=START + 0.001))}
    (finding,) = lint_case(tmp_path, files, bridge_mtu=1400, vif2_mtu=1400).findings
    assert finding.rule_id == "P104"
    assert finding.message.split("; ")[1:] == [
        "1 was captured as fragments on vif1.0: bridge netfilter (br_netfilter with conntrack) reassembled them:"
        " the bridge device shows the reassembled datagrams, not what crossed the ports",
        "1 is above the MTU of every port of xenbr0 (at most 1500, host model): no port carried them whole, bridge"
        " netfilter (br_netfilter with conntrack) reassembled them: the bridge device shows the reassembled"
        " datagrams, not what crossed the ports",
        f"1 is {BRIDGE_MTU_ONLY}",
    ]
    assert len(finding.evidence) == 3


def test_bridge_device_is_not_an_earlier_hop_for_p112(tmp_path):
    """With bridge netfilter the bridge device shows the datagram whole (1501 bytes: it fits the bridge's
    MTU + 4), at the instant its first fragment enters on vif1.0, and before its refragmented copy leaves
    on vif2.0: neither vif fragmented anything."""
    train = fragments(1501, 1500, ip_id=7)
    files = {"vif1.0.pcap": timed([(START + i / 1000, frame) for i, frame in enumerate(train)]),
             "vif2.0.pcap": timed([(START + 0.01 + i / 1000, frame) for i, frame in enumerate(train)]),
             "xenbr0.pcap": timed([(START, ipv4_frame(1501, ip_id=7))])}
    result = lint_case(tmp_path, files)
    assert result.findings == []
    # taken for one more port, the bridge device would be the hop before both vifs
    captures = result.model.captures
    every_port = CaptureSet([replace(port, role=replace(port.role, compared=True)) for port in captures.ports])
    assert [(found.whole.name, found.fragmented.port.name) for found in fragmented_on_the_way(every_port)] == [
        ("xenbr0", "vif1.0"), ("xenbr0", "vif2.0")]


# --- the port table says what was left out ---------------------------------------------------------


def test_port_table_and_json_give_the_role(tmp_path):
    empty = latin1(pcap_bytes([]))
    result = lint_case(tmp_path, {f"{name}.pcap": empty for name in ("vif1.0", "xenbr0", "dom1-eth0")})
    ports = result.model.captures.ports
    lines = ports_report.render_text(ports).splitlines()
    assert lines[0].split() == ["port", "role", "file", "packets", "bytes", "largest", "IP", "fragments", "MTU"]
    assert [re.split(r"\s{2,}", line)[0:2] for line in lines[1:4]] == [["vif1.0", "bridge port"],
                                                             ["xenbr0", "bridge device"],
                                                             ["dom1-eth0", "guest side"]]
    assert lines[4:] == ["not compared with the other ports (P102, P111, P112, P120, P160): xenbr0 (bridge device:"
                         " a bridge in dom0's host model), dom1-eth0 (guest side: named after guest dom1 and its eth0)"]
    document = json.loads(ports_report.render_json('{"findings": []}', ports))
    assert [(port["port"], port["role"], port["compared"]) for port in document["ports"]] == [
        ("vif1.0", BRIDGE_PORT, True), ("xenbr0", BRIDGE_DEVICE, False), ("dom1-eth0", GUEST_SIDE, False)]
    # every port compared, or a single port: no such line
    assert len(ports_report.render_text(ports[:1]).splitlines()) == 2


# --- on real kernel traffic ------------------------------------------------------------------------


@pytest.fixture
def lab_setup():
    from lab import missing_requirements

    reason = missing_requirements()
    if reason:
        pytest.skip(reason)


def record(tmp_path: Path, sizes: list[int], df: bool, **options: object) -> tuple[list[str], dict[str, Path]]:
    """dom1 pings dom2 with `sizes` (then 56 bytes) in a lab built with `options`, captured on every
    port; returns the host trees (what the roles need: dom0's `ip -d address`, each guest's
    `ip address` and hostname) and the capture files."""
    from lab import Lab, run

    with Lab(workdir=tmp_path, **options) as lab:  # type: ignore[arg-type]
        with lab.capture(tmp_path / "captures") as captures:
            lab.ping("dom1", "198.18.0.2", sizes, df=df)
            lab.ping("dom1", "198.18.0.2", [56])
        trees = {"dom0/sos_commands/networking/ip_-d_address": run("ip", "-d", "address", namespace=lab.dom0)}
        for guest in lab.guests:
            trees[f"{guest.name}/sos_commands/networking/ip_address"] = run(
                "ip", "address", namespace=lab.namespace(guest.name))
            trees[f"{guest.name}/sos_commands/general/hostname"] = f"{guest.name}\n"
    write_files(tmp_path, trees)
    return [str(tmp_path / role) for role in ("dom0", *(guest.name for guest in lab.guests))], captures


def test_lab_bridge_nf_reassembly_is_the_bridge_device_view(tmp_path, lab_setup):
    trees, captures = record(tmp_path, [1473, 3000], df=False, bridge_nf=True, conntrack=True)
    result = lint_paths([*trees, *map(str, captures.values())], select_rules(("P",)))
    assert {port: role[:2] for port, role in roles(result).items()} == {
        "captures/vif1.0": (BRIDGE_PORT, True), "captures/vif2.0": (BRIDGE_PORT, True),
        "captures/xenbr0": (BRIDGE_DEVICE, False), "captures/dom1-eth0": (GUEST_SIDE, False),
        "captures/dom2-eth0": (GUEST_SIDE, False)}
    rule_ids = [f.rule_id for f in result.findings]
    assert not {"P102", "P111", "P112", "P120"} & set(rule_ids), [f.message for f in result.findings]
    (bridge,) = [f for f in result.findings if f.rule_id == "P104"]
    assert bridge.message.startswith("xenbr0 is a bridge: ")
    assert "; they were captured as fragments on vif1.0, vif2.0, dom1-eth0, dom2-eth0: bridge netfilter" in (
        bridge.message)


def test_lab_bridge_mtu_is_not_the_egress_mtu(tmp_path, lab_setup):
    trees, captures = record(tmp_path, [1472], df=True, port_mtus={"vif2.0": 1400})
    # the pings die on vif2.0 (P140 says so); the bridge device is neither a PMTUD hop (P142) nor too small
    result = lint_paths([*trees, str(captures["xenbr0"])], select_rules(("P10", "P142")))
    (bridge,) = result.findings
    assert (bridge.rule_id, bridge.message) == (
        "P104", "xenbr0 is a bridge: 3 packet(s) up to 1500 bytes, above MTU 1400 (host model) + 4 bytes of VLAN"
                f" slack = 1404; they are {BRIDGE_MTU_ONLY}")
