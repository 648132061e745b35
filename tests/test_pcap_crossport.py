"""Rules comparing the ports of one bridge: frames lost between ports (P120), datagrams refragmented
(P111) or fragmented (P112) between them; the matching and MAC learning behind them."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np

from conftest import FIXTURES, lint_files, write_files
from xennet.lint.runner import lint_paths
from xennet.pcap.craft import (
    ARP_REQUEST,
    GUEST_A,
    GUEST_B,
    arp_frame,
    fragments,
    icmp_frame,
    ipv4_frame,
    latin1,
    pcap_bytes,
)
from xennet.pcap.crossport import NOWHERE, deliveries, mac_homes, nearest
from xennet.pcap.load import CaptureOptions, load_captures
from xennet.registry import select_rules

START = 1_700_000_000.0
CROSSING = 0.0001  # how long the bridge takes to forward a frame in these captures
GATEWAY = "00:16:3e:00:00:63"
MTU_TEXT = "MTU 1500 (assumed, no --mtu and no host model entry) + 4 bytes of VLAN slack = 1504"


def from_b(count: int, start: float = START, step: float = 1.0, to: str = GATEWAY) -> list[tuple[float, bytes]]:
    """Guest B's own traffic (by default to a gateway MAC no capture shows as a source), captured on
    its vif: B's MAC lives behind that port."""
    return [(start + i * step, ipv4_frame(100, src="192.0.2.2", dst="192.0.2.1", ip_id=500 + i, eth_src=GUEST_B,
                                          eth_dst=to)) for i in range(count)]


def capture(timed: list[tuple[float, bytes]]) -> str:
    timed = sorted(timed, key=lambda pair: pair[0])
    return latin1(pcap_bytes([frame for _, frame in timed], times=[time for time, _ in timed]))


# Every capture rule but the ICMP and ARP ones (P14x, P15x): the crafted pings and ARP requests here
# are never answered, which those rules rightly report and these tests are not about.
NOT_ICMP_ARP = ("P10", "P11", "P12", "P13", "P16")


def lint_two(tmp_path: Path, vif1: list[tuple[float, bytes]], vif2: list[tuple[float, bytes]],
             select: tuple[str, ...] = NOT_ICMP_ARP) -> list:
    return lint_files(tmp_path, {"vif1.0.pcap": capture(vif1), "vif2.0.pcap": capture(vif2)}, select).findings


def sent_by_a(sizes: list[int], start: float = START + 1) -> list[tuple[float, bytes]]:
    """Guest A's frames to B, ICMP echo requests and UDP in turn, 10 ms apart."""
    frames = [icmp_frame(size, seq=i, ip_id=i + 1) if i % 2 else ipv4_frame(size, ip_id=i + 1)
              for i, size in enumerate(sizes)]
    return [(start + i / 100, frame) for i, frame in enumerate(frames)]


def forwarded(timed: list[tuple[float, bytes]]) -> list[tuple[float, bytes]]:
    return [(time + CROSSING, frame) for time, frame in timed]


SIZES = [*range(1000, 1401, 25), 1404, 1405, 1450, 1500]  # 21 frames, the last 3 above 1404


def test_lost_above_a_size_gives_the_threshold(tmp_path):
    sent = sent_by_a(SIZES)
    delivered = [pair for pair, size in zip(sent, SIZES, strict=True) if size < 1405]
    (finding,) = lint_two(tmp_path, sent, from_b(4) + forwarded(delivered))
    assert (finding.rule_id, finding.severity.value) == ("P120", "error")
    assert finding.message == (
        "vif1.0 -> vif2.0: 3 of 21 frame(s) never left on vif2.0: every frame with IP length >= 1405 was lost,"
        f" all <= 1404 were delivered (vif2.0: {MTU_TEXT})")
    assert finding.location.path == str(tmp_path / "vif1.0.pcap")
    assert [loc.path for loc in finding.related] == [str(tmp_path / "vif2.0.pcap")]
    assert len(finding.evidence) == 4
    assert finding.evidence[0].startswith("vif1.0 frame 19 at 2023-11-14T22:13:21.180000Z: size 1405,"
                                          " 00:16:3e:00:00:01 -> 00:16:3e:00:00:02")
    assert finding.evidence[2].endswith("size 1500, 00:16:3e:00:00:01 -> 00:16:3e:00:00:02, not seen on vif2.0")
    # vif2.0 holds 2 frames of B (at 0 s and 1 s) before A's 18 delivered ones
    assert finding.evidence[3].startswith("vif1.0 frame 18 at ")
    assert finding.evidence[3].endswith("size 1404, 00:16:3e:00:00:01 -> 00:16:3e:00:00:02, left as vif2.0 frame 20")


def test_sizes_that_do_not_separate_give_both_ranges(tmp_path):
    sent = sent_by_a([1000, 1100, 1200, 1300])
    delivered = [sent[0], sent[2]]
    (finding,) = lint_two(tmp_path, sent, from_b(4) + forwarded(delivered))
    assert finding.message.endswith(
        "2 of 4 frame(s) never left on vif2.0: lost frames have IP length 1100-1300, delivered ones 1000-1200")


def test_everything_lost(tmp_path):
    (finding,) = lint_two(tmp_path, sent_by_a([1000, 1500]), from_b(4))
    assert finding.message == "vif1.0 -> vif2.0: 2 of 2 frame(s) never left on vif2.0: none was delivered" \
                              " (IP length 1000-1500)"
    assert len(finding.evidence) == 2


def test_replies_are_judged_the_other_way(tmp_path):
    """B's frames enter on vif2.0 and must leave on vif1.0, where A lives."""
    sent = sent_by_a([100, 200]) + sent_by_a([300], START + 4)
    replies = from_b(3, START + 2, 0.1, to=GUEST_A)
    (finding,) = lint_two(tmp_path, sent + forwarded(replies[:1]), forwarded(sent) + replies)
    assert finding.message.startswith("vif2.0 -> vif1.0: 2 of 3 frame(s) never left on vif1.0")
    assert finding.location.path == str(tmp_path / "vif2.0.pcap")


def test_broadcast_is_expected_on_every_bridged_port(tmp_path):
    request = (START + 2, arp_frame(ARP_REQUEST, GUEST_A, "192.0.2.1", "192.0.2.2"))
    sent = sent_by_a([100])
    (finding,) = lint_two(tmp_path, [*sent, request], from_b(4) + forwarded(sent))
    assert finding.message.startswith("vif1.0 -> vif2.0: 1 of 2 frame(s) never left on vif2.0")
    assert "size 60, 00:16:3e:00:00:01 -> ff:ff:ff:ff:ff:ff, not seen on vif2.0" in finding.evidence[0]
    assert lint_two(tmp_path, [*sent, request], from_b(4) + forwarded([*sent, request])) == []


def test_broadcast_is_not_expected_on_a_port_never_bridged_with_it(tmp_path):
    request = (START + 2, arp_frame(ARP_REQUEST, GUEST_A, "192.0.2.1", "192.0.2.2"))
    assert lint_two(tmp_path, [request], from_b(4)) == []


def test_frames_outside_the_other_capture_are_not_judged(tmp_path):
    sent = sent_by_a([1000, 1500, 1500], start=START + 1)
    late = sent_by_a([1500], start=START + 2.5)  # vif2.0 stops at START + 3: less than a window after it
    (finding,) = lint_two(tmp_path, sent + late, from_b(4) + forwarded(sent[:1]))
    assert finding.message.endswith(
        "2 of 3 frame(s) never left on vif2.0: every frame with IP length >= 1500 was lost, all <= 1000 were"
        f" delivered (vif2.0: {MTU_TEXT}); 1 more frame(s) outside the time span of vif2.0's capture were not judged")
    assert lint_two(tmp_path, late, from_b(4)) == []


def test_nothing_lost_and_single_port(tmp_path):
    sent = sent_by_a(SIZES)
    assert lint_two(tmp_path, sent, from_b(4) + forwarded(sent)) == []
    assert lint_files(tmp_path, {"vif1.0.pcap": capture(sent + from_b(2))}, ("P",)).findings == []


def test_fragmented_on_the_way_counts_as_delivered_for_p120(tmp_path):
    whole = [(START + 1, ipv4_frame(1500, ip_id=9))]
    cut = [(START + 1 + CROSSING, frame) for frame in fragments(1500, 1000, ip_id=9)]
    findings = lint_two(tmp_path, whole + sent_by_a([100], START + 1.5), from_b(4) + cut
                        + forwarded(sent_by_a([100], START + 1.5)))
    assert [f.rule_id for f in findings] == ["P112"]


def test_mac_learning():
    paths = {"vif1.0": str(FIXTURES / "pcap" / "icmp-5-pings-all-replied.pcap")}
    (port,) = load_captures([], CaptureOptions(ports=paths)).ports
    homes = mac_homes([port])
    assert (homes.port == 0).all() and len(homes.macs) == 2
    assert homes.of(np.array([0xFFFF_FFFF_FFFF], dtype=np.uint64)).tolist() == [NOWHERE]


def test_a_mac_on_two_ports_without_crossing_frames_is_not_placed(tmp_path):
    files = {"vif1.0.pcap": capture(sent_by_a([100])), "vif2.0.pcap": capture(sent_by_a([200], START + 5))}
    result = lint_files(tmp_path, files, ("P",))
    assert result.findings == []
    homes = mac_homes(result.model.captures.ports)
    assert homes.port.tolist() == [NOWHERE]


def test_nearest_finds_the_same_key_closest_in_time():
    query_key = np.array([1, 1, 2, 3], dtype=np.uint64)
    query_time = np.array([10, 20, 10, 10])
    key = np.array([1, 1, 2, 4], dtype=np.uint64)
    time = np.array([20, 5, 10, 10])
    assert nearest(query_key, query_time, key, time, after=True).tolist() == [0, 0, 2, -1]
    assert nearest(query_key, query_time, key, time, after=False).tolist() == [1, 0, 2, -1]
    assert nearest(query_key, query_time, key[:0], time[:0], after=True).tolist() == [-1, -1, -1, -1]


def test_refragmented_between_ports(tmp_path):
    vif1 = [(START + i / 1000, frame) for i, frame in enumerate(fragments(3000, 1500, ip_id=7))]
    vif2 = [(START + 0.01 + i / 1000, frame) for i, frame in enumerate(fragments(3000, 1000, ip_id=7))]
    (finding,) = lint_two(tmp_path, vif1, vif2)
    assert (finding.rule_id, finding.severity.value) == ("P111", "warning")
    assert finding.message == (
        "vif1.0 -> vif2.0: 1 datagram(s) fragmented into 1500-byte fragments on vif1.0 arrive as 996-byte"
        " fragments on vif2.0: something between the ports (dom0 conntrack defragmenting and refragmenting)"
        " rebuilt them")
    assert finding.location.path == str(tmp_path / "vif2.0.pcap")
    assert finding.evidence == ("192.0.2.1 -> 192.0.2.2 id 7 proto 17: 3 fragment(s) of up to 1500 bytes on"
                                " vif1.0 from frame 1, 4 fragment(s) of up to 996 bytes on vif2.0 from frame 1",)


def test_a_lost_fragment_is_not_refragmentation(tmp_path):
    train = fragments(4500, 1500, ip_id=7)
    vif1 = [(START + i / 1000, frame) for i, frame in enumerate(train)]
    vif2 = [(START + 0.01 + i / 1000, frame) for i, frame in enumerate(train[:1] + train[2:])]
    assert [f.rule_id for f in lint_two(tmp_path, vif1, vif2)] == ["P110"]


def test_fragmented_on_the_way_with_jumbo_mtu(tmp_path):
    paths = {"vif1.0": tmp_path / "vif1.0.pcap", "vif2.0": tmp_path / "vif2.0.pcap"}
    paths["vif1.0"].write_bytes(pcap_bytes([ipv4_frame(3000, ip_id=7)], start=START))
    paths["vif2.0"].write_bytes(pcap_bytes(fragments(3000, 1500, ip_id=7), start=START + 0.001))
    options = CaptureOptions(ports={name: str(path) for name, path in paths.items()}, mtus={"vif1.0": 9000})
    (finding,) = lint_paths([], select_rules(("P",)), captures=options).findings
    assert (finding.rule_id, finding.severity.value) == ("P112", "warning")
    assert finding.message == (
        "vif2.0: 1 datagram(s) seen whole on vif1.0 (IP length 3000) arrive here as fragments of up to 1500 bytes:"
        f" dom0 fragmented them on the way (an IP hop or netfilter refragmentation); vif2.0: {MTU_TEXT}")
    assert finding.evidence == ("192.0.2.1 -> 192.0.2.2 id 7 proto 17: whole on vif1.0 frame 1 (IP length 3000),"
                                " 3 fragment(s) of up to 1500 bytes on vif2.0 from frame 1",)


def test_reassembly_is_left_to_p102(tmp_path):
    vif1 = [(START + i / 1000, frame) for i, frame in enumerate(fragments(3000, 1500, ip_id=7))]
    findings = lint_two(tmp_path, vif1, [(START + 0.01, ipv4_frame(3000, ip_id=7))])
    assert [f.rule_id for f in findings] == ["P102"]


CORPUS = FIXTURES / "pcap" / "tcpreplay-mixed-179.pcap"
CROSSPORT_RULES = ("P111", "P112", "P120")


def test_corpus_capture_as_two_identical_ports(tmp_path):
    copy = tmp_path / "copy.pcap"
    shutil.copyfile(CORPUS, copy)
    options = CaptureOptions(ports={"vif1.0": str(CORPUS), "vif2.0": str(copy)})
    assert lint_paths([], select_rules(CROSSPORT_RULES), captures=options).findings == []


def test_corpus_capture_forwarded_between_two_ports(tmp_path):
    """The same traffic on two ports, each frame later on the port it leaves by: every other source
    MAC (in order of first appearance) lives behind vif2.0. Every judged frame was delivered."""
    (port,) = load_captures([str(CORPUS)]).ports
    sources = port.summary.sources
    behind_vif2 = set(sorted(sources, key=lambda mac: sources[mac].first_frame)[::2])
    vif1, vif2 = tmp_path / "vif1.0.pcap", tmp_path / "vif2.0.pcap"
    shutil.copyfile(CORPUS, vif1)
    vif2.write_bytes(retimed(CORPUS.read_bytes(), lambda src: -100 if src in behind_vif2 else 100))
    captures = load_captures([str(vif1), str(vif2)])
    judged = deliveries(captures)
    assert sum(len(d.rows) for d in judged) > 100
    assert all(not d.lost.any() for d in judged)
    assert lint_paths([str(vif1), str(vif2)], select_rules(CROSSPORT_RULES)).findings == []


def retimed(data: bytes, shift_us) -> bytes:
    """A little-endian microsecond Ethernet pcap with each record moved by shift_us(source MAC) µs."""
    out, at = [data[:24]], 24
    while at + 16 <= len(data):
        seconds, micros, caplen, wirelen = struct.unpack_from("<IIII", data, at)
        frame = data[at + 16:at + 16 + caplen]
        moment = seconds * 1_000_000 + micros + shift_us(int.from_bytes(frame[6:12], "big"))
        out.append(struct.pack("<IIII", moment // 1_000_000, moment % 1_000_000, caplen, wirelen) + frame)
        at += 16 + caplen
    return b"".join(out)


# --- captures that are no port of the bridge (pcap/portkind.py port_role) -------------------------


def lost_above_1404(tmp_path: Path, extra: dict[str, str], trees: tuple[str, ...] = ()) -> list:
    """test_lost_above_a_size_gives_the_threshold's vif1.0 and vif2.0, with the `extra` captures."""
    sent = sent_by_a(SIZES)
    delivered = [pair for pair, size in zip(sent, SIZES, strict=True) if size < 1405]
    files = {"vif1.0.pcap": capture(sent), "vif2.0.pcap": capture(from_b(4) + forwarded(delivered)), **extra}
    paths = write_files(tmp_path, files)
    paths = [path for path in paths if not any(path.startswith(str(tmp_path / tree)) for tree in trees)]
    return lint_paths([*paths, *(str(tmp_path / tree) for tree in trees)], select_rules(NOT_ICMP_ARP)).findings


LOST_MESSAGE = ("vif1.0 -> vif2.0: 3 of 21 frame(s) never left on vif2.0: every frame with IP length >= 1405 was"
                f" lost, all <= 1404 were delivered (vif2.0: {MTU_TEXT})")


def test_a_bridge_device_capture_does_not_hide_the_loss(tmp_path):
    """A promiscuous capture on xenbr0 sees every frame at the instant its ingress vif does: as one more
    port it made A's frames vote for neither port, and A was never placed."""
    (finding,) = lost_above_1404(tmp_path, {"xenbr0.pcap": capture(sent_by_a(SIZES))})
    assert (finding.rule_id, finding.message) == ("P120", LOST_MESSAGE)
    captures = load_captures([str(tmp_path / f"{name}.pcap") for name in ("vif1.0", "vif2.0", "xenbr0")])
    a = np.array([int(GUEST_A.replace(":", ""), 16)], dtype=np.uint64)
    assert mac_homes(captures.ports).of(a).tolist() == [NOWHERE]
    assert mac_homes(captures.compared).of(a).tolist() == [0]


def test_a_guest_side_capture_is_not_the_port_of_its_guest(tmp_path):
    """dom1's own capture (in its tree) sees A's frames before vif1.0 does: as one more port it took A's
    home, and P120 compared it with vif2.0 instead of vif1.0."""
    guest_side = capture([(time - CROSSING, frame) for time, frame in sent_by_a(SIZES)])
    xl_list = "Name   ID   Mem VCPUs\tState\tTime(s)\nDomain-0   0  1024  1  r-----  1.0\n"
    extra = {"dom0/sos_commands/xen/xl_list": xl_list, "dom1/sos_commands/general/hostname": "dom1\n",
             "dom1/eth0.pcap": guest_side}
    (finding,) = lost_above_1404(tmp_path, extra, ("dom0", "dom1"))
    assert (finding.rule_id, finding.message) == ("P120", LOST_MESSAGE)
    captures = load_captures([str(tmp_path / "dom1" / "eth0.pcap"), str(tmp_path / "vif1.0.pcap")])
    a = np.array([int(GUEST_A.replace(":", ""), 16)], dtype=np.uint64)
    assert mac_homes(captures.ports).of(a).tolist() == [0]  # taken for a port, the guest side wins A
