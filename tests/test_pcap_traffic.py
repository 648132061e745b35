"""What the loader keeps of each port while streaming: the summary (counts, VLAN tags, source MACs),
the notable rows, and traffic rows whose fingerprint follows a packet across ports."""

from __future__ import annotations

import pytest

from conftest import FIXTURES
from xennet.pcap.craft import GUEST_A, GUEST_B, arp_frame, fragments, icmp_frame, ipv4_frame, pcap_bytes
from xennet.pcap.load import CaptureOptions, load_captures
from xennet.pcap.summary import Seen

PCAP = FIXTURES / "pcap"
MAC_C8 = 0xC8BCC896D2A0
MAC_00 = 0x0010DB88D2EF


def load(tmp_path, files: dict[str, list[bytes]], **options) -> dict:
    for name, frames in files.items():
        (tmp_path / name).write_bytes(pcap_bytes(frames))
    captures = load_captures([str(tmp_path / name) for name in files], CaptureOptions(**options))
    return {port.name: port for port in captures.ports}


@pytest.mark.parametrize("chunk", [1, 5, 8192])
def test_summary_of_a_vlan_capture_does_not_depend_on_chunks(monkeypatch, chunk):
    from xennet.pcap import reader

    monkeypatch.setattr(reader.open_capture, "__defaults__", (chunk, reader.WINDOW_BYTES))
    (port,) = load_captures([str(PCAP / "vlan-collisions.pcap")]).ports
    summary = port.summary
    assert (summary.packets, summary.bytes) == (42, 18429)  # file size 19125 - 24 - 42 * 16 record headers
    assert summary.vlan_tags == {0: Seen(14, 1), 1: Seen(14, 2), 2: Seen(14, 6)}
    assert summary.vlan_ids == {10: Seen(14, 6), 42: Seen(14, 2)}
    assert summary.sources == {MAC_00: Seen(21, 3), MAC_C8: Seen(21, 1)}
    assert len(port.traffic) == 42
    assert port.traffic["frame"].tolist() == list(range(1, 43))


def test_notable_rows_are_fragments_oversize_icmp_and_arp(tmp_path):
    frames = [ipv4_frame(100), ipv4_frame(1504), ipv4_frame(1505), *fragments(3000, 1500, ip_id=9),
              icmp_frame(84), arp_frame(1, GUEST_A, "198.18.0.1", "198.18.0.2")]
    port = load(tmp_path, {"vif1.0.pcap": frames})["vif1.0"]
    assert port.notable["frame"].tolist() == [3, 4, 5, 6, 7, 8]
    assert port.summary.fragments == 3
    assert port.summary.largest_ip == 1505


def test_a_packet_has_the_same_fingerprint_tagged_or_not_and_another_mac(tmp_path):
    ports = load(tmp_path, {
        "vif1.0.pcap": [ipv4_frame(500, ip_id=5), ipv4_frame(500, ip_id=6)],
        "eth0.pcap": [ipv4_frame(500, ip_id=5, vlans=(10,), eth_src=GUEST_B, eth_dst=GUEST_A)],
    })
    vif, uplink = ports["vif1.0"].traffic, ports["eth0"].traffic
    assert vif["fingerprint"][0] == uplink["fingerprint"][0]
    assert vif["fingerprint"][1] != uplink["fingerprint"][0]
    assert vif["size"].tolist() == uplink["size"].tolist()[:1] * 2


def test_fragments_share_their_datagram_key(tmp_path):
    whole = ipv4_frame(3000, ip_id=9)
    pieces = fragments(3000, 1500, ip_id=9)
    other = ipv4_frame(3000, ip_id=10)
    traffic = load(tmp_path, {"vif1.0.pcap": [whole, *pieces, other]}, mtus={"vif1.0": 9000})["vif1.0"].traffic
    assert len(set(traffic["datagram"][:4].tolist())) == 1
    assert traffic["datagram"][4] != traffic["datagram"][0]
    assert traffic["fragment"].tolist() == [False, True, True, True, False]
    assert len(set(traffic["fingerprint"].tolist())) == 5


def test_frames_without_ip_have_no_datagram_key(tmp_path):
    traffic = load(tmp_path, {"vif1.0.pcap": [arp_frame(1, GUEST_A, "198.18.0.1", "198.18.0.2"),
                                              icmp_frame(84, src="198.18.0.1")]})["vif1.0"].traffic
    assert traffic["datagram"][0] == 0 and traffic["datagram"][1] != 0
    assert traffic["size"].tolist() == [60, 84]  # ARP: the frame without tags; IP: the IP length
