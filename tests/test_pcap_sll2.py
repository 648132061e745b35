"""Linux cooked captures v2 (`tcpdump -i any`): the ifindex and pkttype columns and one port per
interface index, named through the dom0 host model's `ip link` when it knows the index."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES
from xennet.lint.runner import lint_paths
from xennet.pcap.captures import CapturedPort
from xennet.pcap.craft import ipv4_frame, mac_bytes, pcap_bytes
from xennet.pcap.load import CaptureOptions, load_captures
from xennet.pcap.reader import read_all
from xennet.registry import select_rules

LINKTYPE_LINUX_SLL2 = 276
ARPHRD_ETHER = 1
PACKET_HOST, PACKET_OUTGOING = 0, 4
ENGINES = ["native", pytest.param("tshark", marks=pytest.mark.skipif(shutil.which("tshark") is None,
                                                                     reason="tshark not installed"))]


def sll2(ifindex: int, pkttype: int, ip_len: int = 60) -> bytes:
    """An SLL2 frame: protocol, reserved, ifindex, ARPHRD type, packet type, address length and an
    8-byte address field, then an IPv4 packet of total length `ip_len`."""
    header = struct.pack("!HHiHBB8s", 0x0800, 0, ifindex, ARPHRD_ETHER, pkttype, 6, mac_bytes("00:16:3e:00:00:01"))
    return header + ipv4_frame(ip_len)[14:]


def ip_link(*interfaces: tuple[int, str, int]) -> str:
    """`ip -d link` output for (ifindex, name, mtu) interfaces."""
    return "".join(
        f"{index}: {name}: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu {mtu} qdisc noqueue state UP mode DEFAULT\n"
        f"    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff promiscuity 1 minmtu 68 maxmtu 65535\n"
        for index, name, mtu in interfaces
    )


def dom0_ports(tree: Path) -> list[CapturedPort]:
    """The capture ports of a dom0 tree, read with its host model."""
    captures = lint_paths([str(tree)], select_rules(("P",))).model.captures
    assert captures is not None
    return captures.ports


def read_frames(folder: Path, frames: list[bytes]) -> np.ndarray:
    """The packet table of an SLL2 capture of `frames` written into `folder`."""
    path = folder / "crafted.pcap"
    path.write_bytes(pcap_bytes(frames, LINKTYPE_LINUX_SLL2))
    table, _, problem, _ = read_all(str(path))
    assert problem is None
    return table


def counts(ports: list[CapturedPort]) -> list[tuple[str, int]]:
    return [(port.name, port.summary.packets) for port in ports]


@pytest.mark.parametrize("engine", ENGINES)
def test_corpus_file_is_a_port_per_ifindex(engine):
    ports = load_captures([str(FIXTURES / "pcap" / "sll2-b.pcap")], CaptureOptions(engine=engine)).ports
    assert counts(ports) == [("sll2-b@if2", 5)]


def test_corpus_ifindex_named_by_the_host_model(tmp_path):
    shutil.copy(FIXTURES / "pcap" / "sll2-b.pcap", tmp_path / "any.pcap")
    (tmp_path / "ip_-d_link").write_text(ip_link((1, "lo", 65536), (2, "eth0", 9000)))
    (port,) = dom0_ports(tmp_path)
    assert (port.name, port.summary.packets) == ("eth0", 5)
    assert (port.mtu.value, port.mtu.origin) == (9000, "host model")


def test_crafted_columns(tmp_path):
    frames = [sll2(7, PACKET_OUTGOING), sll2(3, PACKET_HOST), sll2(7, PACKET_HOST), sll2(3, PACKET_OUTGOING)]
    table = read_frames(tmp_path, frames)
    assert table["ifindex"].tolist() == [7, 3, 7, 3]
    assert table["pkttype"].tolist() == [4, 0, 0, 4]
    assert table["ethertype"].tolist() == [0x0800] * 4 and table["ip_version"].tolist() == [4] * 4


def test_cut_header_keeps_the_captured_fields(tmp_path):
    """6 bytes end before the ifindex, 9 bytes before the packet type: what is missing stays -1."""
    frame = sll2(7, PACKET_OUTGOING)
    table = read_frames(tmp_path, [frame[:6], frame[:9]])
    assert table["ifindex"].tolist() == [-1, 7]
    assert table["pkttype"].tolist() == [-1, -1]
    assert table["truncated"].tolist() == [True, True]


@pytest.mark.parametrize("engine", ENGINES)
def test_crafted_ports_in_order_of_first_appearance(tmp_path, engine):
    path = tmp_path / "any.pcap"
    path.write_bytes(pcap_bytes([sll2(7, PACKET_OUTGOING), sll2(3, PACKET_HOST), sll2(7, PACKET_HOST)],
                                LINKTYPE_LINUX_SLL2))
    ports = load_captures([str(path)], CaptureOptions(engine=engine)).ports
    assert counts(ports) == [("any@if7", 2), ("any@if3", 1)]
    assert [port.traffic["frame"].tolist() for port in ports] == [[1, 3], [2]]


def test_cut_ifindex_stays_on_the_file_port(tmp_path):
    path = tmp_path / "any.pcap"
    path.write_bytes(pcap_bytes([sll2(7, PACKET_HOST), sll2(7, PACKET_HOST)[:6]], LINKTYPE_LINUX_SLL2))
    assert counts(load_captures([str(path)]).ports) == [("any@if7", 1), ("any", 1)]


def test_crafted_ports_named_by_the_host_model(tmp_path):
    (tmp_path / "any.pcap").write_bytes(pcap_bytes(
        [sll2(7, PACKET_OUTGOING, 1400), sll2(3, PACKET_HOST), sll2(3, PACKET_OUTGOING)], LINKTYPE_LINUX_SLL2))
    (tmp_path / "ip_-d_link").write_text(ip_link((3, "vif1.0", 1400)))
    ports = dom0_ports(tmp_path)
    assert counts(ports) == [("any@if7", 1), ("vif1.0", 2)]
    assert [(port.mtu.value, port.mtu.origin) for port in ports] == [(1500, "assumed"), (1400, "host model")]
