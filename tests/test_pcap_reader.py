"""The native pcap/pcapng reader: every corpus capture, facts from fixtures/pcap/SOURCES.md, and
crafted files for each format feature and each kind of breakage."""

from __future__ import annotations

import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES
from xennet.pcap.reader import MAX_CAPLEN, open_capture, read_all

PCAP_DIR = FIXTURES / "pcap"
CAPTURES = sorted(p.name for p in PCAP_DIR.iterdir() if p.suffix in (".pcap", ".pcapng"))
LINK_TYPES = {"Ethernet": 1, "Raw IP": 101, "Raw IPv4": 228, "NFLOG": 239,
              "Linux cooked-mode capture v1": 113, "Linux cooked-mode capture v2": 276}


def _sources() -> dict[str, dict[str, str]]:
    """{file: {"packets": ..., "link type": ..., "interfaces": ...}} from SOURCES.md."""
    facts: dict[str, dict[str, str]] = {}
    for section in re.split(r"^## ", (PCAP_DIR / "SOURCES.md").read_text(), flags=re.M)[1:]:
        name, _, text = section.partition("\n")
        match = re.search(r"^- format: (.*)$", text, flags=re.M)
        if match:
            facts[name.strip()] = dict(
                part.split(": ", 1) for part in match.group(1).split("; ") if ": " in part)
    return facts


SOURCES = _sources()


def read(name: str):
    return read_all(str(PCAP_DIR / name))


# --- the corpus -------------------------------------------------------------------------------------


def test_sources_cover_the_corpus():
    assert set(CAPTURES) == set(SOURCES)


@pytest.mark.parametrize("name", CAPTURES)
def test_corpus_file_matches_sources(name):
    table, ports, problem, _ = read(name)
    facts = SOURCES[name]
    assert len(table) == int(facts["packets"])
    assert len(ports) == int(facts["interfaces"])
    if facts["link type"] in LINK_TYPES:
        assert {p.link_type for p in ports} == {LINK_TYPES[facts["link type"]]}
    assert (problem is None) == (name != "corrupt-pcapng-shb-option-too-long.pcapng")
    assert np.all(table["caplen"] <= MAX_CAPLEN)
    assert np.all(np.diff(table["frame"].astype(np.int64)) > 0)


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
@pytest.mark.parametrize("name", ["tcpreplay-mixed-179.pcap", "pcapng-all-block-types.pcapng",
                                  "sll2-b.pcap", "truncated-record-snaplen1.pcap"])
def test_frame_numbers_match_tshark(name):
    out = subprocess.run(["tshark", "-r", str(PCAP_DIR / name), "-T", "fields", "-e", "frame.number",
                          "-e", "frame.cap_len"], capture_output=True, text=True, check=True).stdout
    frames = {int(n): int(c) for n, c in (line.split("\t") for line in out.splitlines())}
    table = read(name)[0]
    assert {int(r["frame"]): int(r["caplen"]) for r in table}.items() <= frames.items()
    if name.endswith(".pcap"):  # pcapng custom blocks are frames in Wireshark but have no row
        assert len(table) == len(frames)


def test_qinq_8021ad():
    table = read("qinq-8021ad-arp.pcap")[0]
    assert table["vlan_count"].tolist() == [2, 2]
    assert table["vlan_outer"].tolist() == [200, 200]
    assert table["vlan_inner"].tolist() == [2001, 2001]
    assert table["ethertype"].tolist() == [0x0806, 0x0806]
    assert table["arp_op"].tolist() == [1, 2]


def test_qinq_double_8021q():
    table = read("qinq-8021q-double-tag.pcap")[0]
    assert set(zip(table["vlan_outer"].tolist(), table["vlan_inner"].tolist(), strict=True)) == {(13, 10)}
    assert table["arp_op"].tolist() == [0, 0, 0, 0, 1]


def test_single_tag_vlans():
    table = read("rpvst-trunk-vlan-native5.pcap")[0]
    assert int((table["vlan_count"] == 1).sum()) == 7
    assert np.all(table["vlan_inner"] == -1)
    http = read("http-vlan-1518B.pcap")[0]
    assert np.all(http["vlan_count"] == 1) and np.all(http["ethertype"] == 0x0800)
    assert int(http["wirelen"].max()) == 1518


def test_ipv4_fragments():
    syn = read("ipv4-frag-tcp-syn.pcap")[0]
    assert syn["frag_offset"].tolist() == [0, 24]
    assert syn["mf"].tolist() == [True, False]
    assert syn["sport"].tolist() == [12345, 0]  # ports only in the first fragment
    df = read("ipv4-frag-tcp-df-incomplete.pcap")[0]
    assert df["frag_offset"].tolist() == [0, 1480, 2960, 4440, 5920]
    assert np.all(df["mf"]) and np.all(df["df"])
    assert len(set(df["ip_id"].tolist())) == 1
    raw = read("rawip228-ipv4-frag-tcp-syn.pcap")[0]
    assert raw["frag_offset"].tolist() == [0, 8, 16]
    assert np.all(raw["ip_version"] == 4) and np.all(raw["ethertype"] == 0)


def test_ipv6_fragments():
    table = read("vlan-ipv6-frag-tcp.pcap")[0]
    assert table["frag_offset"].tolist() == [0, 440, 880]
    assert table["mf"].tolist() == [True, True, False]
    assert np.all(table["proto"] == 6) and np.all(table["ip_id"] == 2782083629)
    assert table["sport"].tolist() == [12345, 0, 0]
    assert not np.any(table["df"])
    atomic = read("ipv6-atomic-fragments-http.pcap")[0]
    assert np.all(atomic["frag_offset"] == 0) and not np.any(atomic["mf"])
    assert int((atomic["sport"] == 80).sum()) > 0


def test_big_tcp_and_jumbogram_ip_len_zero():
    for name, version in (("bigtcp-ipv4-80kB-totlen0.pcap", 4), ("bigtcp-ipv6-80kB-plen0.pcap", 6)):
        table = read(name)[0]
        assert table["ip_version"].tolist() == [version]
        assert table["ip_len"].tolist() == [0]
        assert table["proto"].tolist() == [6]
        assert int(table["wirelen"][0]) > 80000
    jumbo = read("ipv6-jumbogram-65590B-echo.pcap")[0]
    assert jumbo[["ip_len", "proto", "icmp_type"]].tolist() == [(0, 58, 128)]


def test_icmp_mtus():
    pmtud = read("pmtud-icmp-frag-needed-smtp.pcap")[0]
    needed = pmtud[(pmtud["icmp_type"] == 3) & (pmtud["icmp_code"] == 4)]
    assert len(needed) > 0 and set(needed["icmp_mtu"].tolist()) == {1492}
    assert np.all(pmtud["icmp_mtu"][pmtud["icmp_type"] != 3] == 0)
    too_big = read("icmpv6-packet-too-big.pcap")[0]
    assert too_big[["icmp_type", "icmp_code", "icmp_mtu"]].tolist() == [(2, 0, 1280)]


def test_icmp_echo():
    table = read("icmp-5-pings-all-replied.pcap")[0]
    assert table["icmp_type"].tolist() == [8, 0] * 5
    assert len(set(table["icmp_id"].tolist())) == 1
    assert sorted(set(table["icmp_seq"].tolist())) == sorted(set(table["icmp_seq"][::2].tolist()))


def test_arp_fields():
    table = read("arp-who-has-reply.pcap")[0]
    request, reply = table
    assert (request["arp_op"], reply["arp_op"]) == (1, 2)
    assert request["arp_spa"] == 0x0A000002 and request["arp_tpa"] == 0x0A000001
    assert reply["arp_sha"] == 0xF8EDA5C0A4F1 and reply["arp_tha"] == request["arp_sha"]
    assert request["eth_dst"] == 0xFFFFFFFFFFFF


def test_truncated_marks():
    assert read("truncated-ipv4-header.pcap")[0]["truncated"].tolist() == [True]
    assert read("truncated-ipv6-header.pcap")[0]["truncated"].tolist() == [True]
    cut = read("truncated-record-snaplen1.pcap")[0]  # caplen 8 > snaplen 1: accepted, as Wireshark does
    assert cut[["caplen", "wirelen", "truncated", "eth_dst", "eth_src"]].tolist() == [(8, 78, True, 0x002688E78D81, 0)]
    asan = read("corrupt-ipv6-frag-asan.pcap")[0]
    assert asan[["caplen", "wirelen", "truncated"]].tolist() == [(60, 262144, True)]
    snap68 = read("snaplen68-truncated-tcp.pcap")[0]
    assert np.all(snap68["caplen"] <= 68) and np.all(snap68["caplen"] < snap68["wirelen"])
    # only the SYN's 40-byte TCP header (options) is cut, as tshark says ("TCP truncated")
    assert snap68["frame"][snap68["truncated"]].tolist() == [1] and np.all(snap68["sport"] > 0)
    esp = read("truncated-esp-snaplen46.pcap")[0]
    assert esp[["caplen", "wirelen", "proto", "mf", "truncated"]].tolist() == [(46, 65613, 17, True, False)]


def test_link_types():
    v4 = read("linktype-raw101-ipv4.pcap")[0]
    v6 = read("linktype-raw101-ipv6.pcap")[0]
    assert v4[["ip_version", "ethertype", "eth_src"]].tolist() == [(4, 0, 0)]
    assert v6["ip_version"].tolist() == [6]
    sll = read("sll-nanosecond-tcp-handshake.pcap")[0]
    assert sll["tcp_flags"].tolist() == [0x02, 0x12, 0x10]
    assert sll["time_ns"].tolist()[0] == 1418145369924505488  # nanosecond magic
    sll2 = read("sll2-b.pcap")[0]
    assert np.all(sll2["ethertype"] == 0x0800) and np.all(sll2["proto"] == 6)
    nflog = read("nflog-239.pcap")[0]  # the packet is the NFULA_PAYLOAD TLV
    assert nflog[["ip_version", "proto", "sport", "ethertype", "eth_src"]].tolist() == [(4, 17, 53, 0, 0)] * 4
    null = read("pcapng-2idb-ether-and-null.pcapng")
    assert [p.link_type for p in null[1]] == [1, 0]
    assert np.all(null[0]["ip_version"][null[0]["port"] == 1] == 4)


def test_pcapng_interfaces_and_statistics():
    table, ports, _, _ = read("pcapng-2-interfaces-linux-windows.pcapng")
    assert ports[0].name == "eth0" and ports[1].name.startswith("\\Device\\NPF_{")
    assert np.bincount(table["port"]).tolist() == [2, 4]
    table, ports, _, stats = read("pcapng-all-block-types.pcapng")
    assert table["frame"].tolist() == [2, 4, 5, 6, 7]  # custom blocks take frame numbers 1, 3 and 8
    assert stats.skipped_blocks == 6
    assert stats.capture_drops == {0: 1, 2: 10}
    assert [p.snaplen for p in read("pcapng-2idb-different-snaplen.pcapng")[1]] == [96, 128]
    options = read("pcapng-2idb-all-options.pcapng")[0]
    assert options["time_ns"].tolist()[0] == 1340954905298858  # tshark: 1340954.905298858


def test_pcapng_simple_packet_blocks():
    spb = read("pcapng-spb-only.pcapng")[0]
    assert np.all(spb["time_ns"] == 0) and np.all(spb["caplen"] == spb["wirelen"])
    mixed = read("pcapng-spb-epb-snaplen-mix.pcapng")[0]
    assert mixed[["caplen", "wirelen"]].tolist() == [(314, 314), (315, 342), (314, 314), (315, 342)]


def test_corrupt_files():
    table, ports, problem, _ = read("corrupt-pcapng-shb-option-too-long.pcapng")
    assert len(table) == 0 and ports == []
    assert (problem.offset, problem.packet) == (24, 1)
    assert "byte offset 24" in problem.message and "packet 1" in problem.message
    arp = read("corrupt-arp-origlen-gt-snaplen.pcap")[0]
    assert arp[["caplen", "wirelen", "vlan_outer"]].tolist() == [(64, 262144, 0x3030 & 0xFFF)]
    empty, ports, problem, _ = read("empty.pcapng")
    assert len(empty) == 0 and len(ports) == 1 and problem is None


# --- crafted files ----------------------------------------------------------------------------------

MAC_A, MAC_B = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")


def ether(payload: bytes, ethertype: int = 0x0800, tags: tuple[tuple[int, int], ...] = ()) -> bytes:
    header = MAC_B + MAC_A
    for tpid, vid in tags:
        header += struct.pack(">HH", tpid, vid)
    return header + struct.pack(">H", ethertype) + payload


def ipv4(payload: bytes, proto: int, flags_offset: int = 0, options: bytes = b"", length: int | None = None) -> bytes:
    ihl = (20 + len(options)) // 4
    total = 20 + len(options) + len(payload) if length is None else length
    return struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, flags_offset, 64, proto, 0,
                       bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + options + payload


def ipv6(payload: bytes, next_header: int, plen: int | None = None) -> bytes:
    src, dst = bytes.fromhex("fe80" + "00" * 13 + "01"), bytes.fromhex("2001" + "0d" * 13 + "02")
    length = len(payload) if plen is None else plen
    return struct.pack(">IHBB", 0x60000000, length, next_header, 33) + src + dst + payload


def tcp(sport: int = 1000, dport: int = 80, flags: int = 0x02, header: int = 20) -> bytes:
    return struct.pack(">HHIIBBHHH", sport, dport, 1, 0, (header // 4) << 4, flags, 0, 0, 0) + b"\x01" * (header - 20)


def pcap(records: list[bytes], order: str = "<", nanoseconds: bool = False, link_type: int = 1,
         times: list[tuple[int, int]] | None = None, wirelens: list[int] | None = None) -> bytes:
    magic = 0xA1B23C4D if nanoseconds else 0xA1B2C3D4
    out = struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, link_type)
    for i, data in enumerate(records):
        seconds, fraction = times[i] if times else (1_700_000_000 + i, 5)
        wirelen = wirelens[i] if wirelens else len(data)
        out += struct.pack(order + "IIII", seconds, fraction, len(data), wirelen) + data
    return out


def block(order: str, kind: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    return struct.pack(order + "II", kind, len(body) + 12) + body + struct.pack(order + "I", len(body) + 12)


def options(order: str, *items: tuple[int, bytes]) -> bytes:
    out = b""
    for code, value in items:
        out += struct.pack(order + "HH", code, len(value)) + value + b"\0" * (-len(value) % 4)
    return out + struct.pack(order + "HH", 0, 0)


def shb(order: str) -> bytes:
    return block(order, 0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1))


def idb(order: str, name: str, link_type: int = 1, snaplen: int = 0, *extra: tuple[int, bytes]) -> bytes:
    return block(order, 1, struct.pack(order + "HHI", link_type, 0, snaplen)
                 + options(order, (2, name.encode()), *extra))


def epb(order: str, interface: int, timestamp: int, data: bytes, wirelen: int | None = None) -> bytes:
    return block(order, 6, struct.pack(order + "IIIII", interface, timestamp >> 32, timestamp & 0xFFFFFFFF,
                                       len(data), len(data) if wirelen is None else wirelen) + data)


def write(tmp_path: Path, data: bytes, name: str = "crafted.pcap") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


FRAME = ether(ipv4(tcp(), 6))


@pytest.mark.parametrize("order", ["<", ">"])
@pytest.mark.parametrize("nanoseconds", [False, True])
def test_each_pcap_magic(tmp_path, order, nanoseconds):
    data = pcap([FRAME, FRAME], order, nanoseconds, times=[(10, 999_999), (11, 0)])
    table, ports, problem, _ = read_all(write(tmp_path, data))
    assert problem is None and [p.link_type for p in ports] == [1] and ports[0].snaplen == 65535
    unit = 1 if nanoseconds else 1000
    assert table["time_ns"].tolist() == [10 * 10**9 + 999_999 * unit, 11 * 10**9]
    assert table["frame"].tolist() == [1, 2]
    assert table[["sport", "dport", "tcp_flags", "proto", "ttl"]].tolist() == [(1000, 80, 2, 6, 64)] * 2
    assert table["ip_src_lo"][0] == 0xFFFF_0A00_0001 and table["ip_src_hi"][0] == 0


def test_other_link_types_get_only_frame_columns(tmp_path):
    table, ports, problem, _ = read_all(write(tmp_path, pcap([FRAME], link_type=147)))
    assert problem is None and ports[0].link_type == 147
    assert table[["frame", "caplen", "eth_dst", "ethertype", "ip_version", "icmp_type", "truncated"]].tolist() == [
        (1, len(FRAME), 0, 0, 0, -1, False)]


@pytest.mark.parametrize(("nanoseconds", "fraction"), [(False, 1_000_000), (True, 1_000_000_000)])
def test_timestamp_fraction_out_of_range(tmp_path, nanoseconds, fraction):
    data = pcap([FRAME, FRAME], nanoseconds=nanoseconds, times=[(1, 0), (2, fraction)])
    table, _, problem, _ = read_all(write(tmp_path, data))
    assert len(table) == 1 and (problem.offset, problem.packet) == (24 + 16 + len(FRAME), 2)
    assert "timestamp" in problem.message


def test_record_cut_in_the_middle(tmp_path):
    data = pcap([FRAME, FRAME, FRAME])[:-10]
    table, _, problem, _ = read_all(write(tmp_path, data))
    assert table["frame"].tolist() == [1, 2]
    assert (problem.offset, problem.packet) == (24 + 2 * (16 + len(FRAME)), 3)
    assert "cut short" in problem.message
    table, _, problem, _ = read_all(write(tmp_path, pcap([FRAME])[:24 + 7]))
    assert len(table) == 0 and (problem.offset, problem.packet) == (24, 1)


def test_impossible_lengths_and_magic(tmp_path):
    huge = bytearray(pcap([FRAME, FRAME]))
    struct.pack_into("<I", huge, 24 + 16 + len(FRAME) + 8, MAX_CAPLEN + 1)
    table, _, problem, _ = read_all(write(tmp_path, bytes(huge)))
    assert len(table) == 1 and problem.packet == 2 and "captured length" in problem.message
    table, ports, problem, _ = read_all(write(tmp_path, b"GIF89a" + b"\0" * 40))
    assert len(table) == 0 and ports == [] and (problem.offset, problem.packet) == (0, 1)
    assert read_all(write(tmp_path, b""))[2].message.startswith("empty file")
    assert "header cut short" in read_all(write(tmp_path, pcap([])[:20]))[2].message


def test_unreadable_path_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        open_capture(str(tmp_path / "missing.pcap"))
    with pytest.raises(OSError):
        open_capture(str(tmp_path))


def test_chunks_are_bounded_and_complete(tmp_path):
    path = write(tmp_path, pcap([FRAME] * 5))
    capture = open_capture(path, chunk_packets=2)
    sizes = [len(chunk) for chunk in capture.chunks]
    assert sizes == [2, 2, 1] and capture.problem is None
    assert np.concatenate(list(open_capture(path, 2).chunks)).tolist() == read_all(path)[0].tolist()


def test_pcapng_sections_of_different_byte_order(tmp_path):
    data = (shb("<") + idb("<", "vif1.0") + epb("<", 0, 1_000_000, FRAME)
            + shb(">") + idb(">", "vif2.0", 1, 128) + epb(">", 0, 2_000_000, FRAME, 1000))
    table, ports, problem, stats = read_all(write(tmp_path, data, "two.pcapng"))
    assert problem is None and stats.skipped_blocks == 0
    assert [(p.name, p.snaplen) for p in ports] == [("vif1.0", 0), ("vif2.0", 128)]
    assert table["port"].tolist() == [0, 1]
    assert table["time_ns"].tolist() == [10**9, 2 * 10**9]  # default resolution: microseconds
    assert table["wirelen"].tolist() == [len(FRAME), 1000]
    assert table["sport"].tolist() == [1000, 1000]


@pytest.mark.parametrize(("resolution", "timestamp", "expected_ns"), [
    (bytes([9]), 1_500_000_000_123, 1_500_000_000_123),
    (bytes([3]), 1_500, 1_500_000_000),
    (bytes([0x80 | 20]), 3 << 19, 1_500_000_000),  # 2^-20 s units: 1.5 s
    (bytes([0x80 | 30]), 1, 0),  # under a nanosecond: rounded down as Wireshark does
])
def test_pcapng_if_tsresol_and_tsoffset(tmp_path, resolution, timestamp, expected_ns):
    offset = struct.pack("<q", 100)
    data = shb("<") + idb("<", "eth0", 1, 0, (9, resolution), (14, offset)) + epb("<", 0, timestamp, FRAME)
    table = read_all(write(tmp_path, data, "resol.pcapng"))[0]
    assert table["time_ns"].tolist() == [expected_ns + 100 * 10**9]


def test_pcapng_timestamp_out_of_range(tmp_path):
    data = shb("<") + idb("<", "eth0", 1, 0, (9, bytes([0]))) + epb("<", 0, 2**63, FRAME)
    table, _, problem, _ = read_all(write(tmp_path, data, "far.pcapng"))
    assert len(table) == 0 and problem.packet == 1 and "timestamp" in problem.message


def test_pcapng_isb_spb_and_unknown_blocks(tmp_path):
    isb = block("<", 5, struct.pack("<III", 1, 0, 0) + options("<", (5, struct.pack("<Q", 42))))
    spb = block("<", 3, struct.pack("<I", len(FRAME)) + FRAME)
    long_spb = block("<", 3, struct.pack("<I", 5000) + FRAME + b"\xee" * 6)  # caplen: the snaplen
    data = (shb("<") + idb("<", "eth0", 1, 60) + idb("<", "eth1") + block("<", 0x12345, b"abcd")
            + spb + isb + long_spb + block("<", 0x0BAD, b"\0" * 8) + epb("<", 1, 7, FRAME))
    table, _, problem, stats = read_all(write(tmp_path, data, "blocks.pcapng"))
    assert problem is None
    assert stats.skipped_blocks == 2 and stats.capture_drops == {1: 42}
    assert table["frame"].tolist() == [1, 2, 4]  # the custom block is frame 3, as in Wireshark
    assert table[["port", "caplen", "wirelen", "time_ns"]].tolist() == [
        (0, len(FRAME), len(FRAME), 0), (0, 60, 5000, 0), (1, len(FRAME), len(FRAME), 7000)]
    assert table["sport"].tolist() == [1000, 1000, 1000]


@pytest.mark.parametrize(("mangle", "message"), [
    (lambda d: d[:-4] + struct.pack("<I", 999), "trailing length"),
    (lambda d: d[:-4], "cut short"),
    (lambda d: d[:-len(epb("<", 0, 0, FRAME))] + struct.pack("<II", 6, 13) + b"\0" * 20, "block length"),
    (lambda d: d[:-len(epb("<", 0, 0, FRAME))] + epb("<", 3, 0, FRAME), "undeclared interface"),
])
def test_broken_pcapng(tmp_path, mangle, message):
    good = shb("<") + idb("<", "eth0") + epb("<", 0, 0, FRAME) + epb("<", 0, 0, FRAME)
    table, _, problem, _ = read_all(write(tmp_path, mangle(good), "broken.pcapng"))
    assert len(table) == 1 and problem.packet == 2 and message in problem.message
    assert problem.offset >= len(good) - len(epb("<", 0, 0, FRAME))


def test_decoding_vlans_ip_options_and_icmp(tmp_path):
    triple = ether(ipv4(tcp(), 6), 0x0800, ((0x88A8, 100), (0x8100, 0x2000 | 200), (0x9100, 300)))
    options_frame = ether(ipv4(struct.pack(">BBHHH", 8, 0, 0, 7, 9), 1, 0x4000, options=b"\x01" * 8))
    frag_needed = ether(ipv4(struct.pack(">BBHHH", 3, 4, 0, 0, 1400), 1))
    arp = ether(struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, MAC_A, bytes([10, 0, 0, 1]),
                            MAC_B, bytes([10, 0, 0, 2])), 0x0806, ((0x8100, 5),))
    table = read_all(write(tmp_path, pcap([triple, options_frame, frag_needed, arp])))[0]
    tags = table[["vlan_count", "vlan_outer", "vlan_inner", "ethertype", "sport"]].tolist()
    assert tags[0] == (3, 100, 300, 0x0800, 1000)
    assert table[["df", "icmp_type", "icmp_id", "icmp_seq", "icmp_mtu"]].tolist()[1] == (True, 8, 7, 9, 0)
    assert table[["icmp_type", "icmp_code", "icmp_mtu"]].tolist()[2] == (3, 4, 1400)
    assert table[["arp_op", "arp_sha", "arp_spa", "arp_tha", "arp_tpa", "vlan_outer"]].tolist()[3] == (
        2, 0x020000000001, 0x0A000001, 0x020000000002, 0x0A000002, 5)
    assert table["eth_src"][0] == 0x020000000001 and table["eth_dst"][0] == 0x020000000002
    assert np.all(table["icmp_type"][[0, 3]] == -1) and not np.any(table["truncated"])


def test_decoding_ipv6_extension_headers(tmp_path):
    udp = struct.pack(">HHHH", 53, 5353, 8, 0)
    hop = bytes([43, 0]) + b"\x01\x04\0\0\0\0"
    routing = bytes([60, 1]) + b"\0" * 14
    dest = bytes([44, 0]) + b"\x01\x04\0\0\0\0"
    first = ipv6(hop + routing + dest + struct.pack(">BBHI", 17, 0, 0x0001, 77) + udp, 0)
    later = ipv6(struct.pack(">BBHI", 17, 0, 0x0100, 77) + b"\0" * 8, 44)
    echo = ipv6(struct.pack(">BBHHH", 128, 0, 0, 3, 4), 58, plen=0)
    table = read_all(write(tmp_path, pcap([ether(p, 0x86DD) for p in (first, later, echo)])))[0]
    assert table[["proto", "frag_offset", "mf", "ip_id", "sport", "dport"]].tolist() == [
        (17, 0, True, 77, 53, 5353), (17, 256, False, 77, 0, 0), (58, 0, False, 0, 0, 0)]
    assert table["ip_len"].tolist() == [40 + len(first) - 40, 40 + 16, 0]
    assert table[["icmp_type", "icmp_id", "icmp_seq", "ttl"]].tolist()[2] == (128, 3, 4, 33)
    assert table["ip_src_hi"][0] == 0xFE80_0000_0000_0000 and table["ip_dst_lo"][0] == 0x0D0D_0D0D_0D0D_0D02


def test_truncated_inside_headers(tmp_path):
    full = ether(ipv4(tcp(header=32), 6))
    frames = [full[:14 + 20 + 10], full[:14 + 20 + 24], full[:10], ether(ipv6(b"", 59), 0x86DD)[:14 + 30], full]
    table = read_all(write(tmp_path, pcap(frames, wirelens=[len(full)] * 5)))[0]
    assert table["truncated"].tolist() == [True, True, True, True, False]
    assert table["sport"].tolist()[:2] == [1000, 1000]  # fields already captured are kept
    assert table[["eth_dst", "eth_src", "ethertype", "ip_version"]].tolist()[2] == (0x020000000002, 0, 0, 0)
    assert table[["ip_version", "ip_src_hi"]].tolist()[3] == (6, 0xFE80_0000_0000_0000)


def test_mangled_corpus_files_never_raise(tmp_path):
    """Seeded byte flips, cuts and insertions in small corpus files: a table and maybe a problem, never
    an exception; the problem always comes after the last row."""
    rng = random.Random(7)
    small = [PCAP_DIR / name for name in CAPTURES if (PCAP_DIR / name).stat().st_size < 8000]
    for _ in range(300):
        data = bytearray(rng.choice(small).read_bytes())
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(data))
            choice = rng.random()
            if choice < 0.6:
                data[at] = rng.randrange(256)
            elif choice < 0.8:
                del data[at:]
            else:
                data[at:at] = rng.randbytes(rng.randint(1, 8))
            if not data:
                break
        table, _, problem, _ = read_all(write(tmp_path, bytes(data), "mangled.bin"))
        if problem is not None and len(table):
            assert problem.packet > int(table["frame"][-1])


# --- streaming: windows and chunks ------------------------------------------------------------------


def _read_streamed(path: Path, chunk_packets: int, window_bytes: int):
    capture = open_capture(str(path), chunk_packets=chunk_packets, window_bytes=window_bytes)
    chunks = list(capture.chunks)
    return chunks, capture


@pytest.mark.parametrize("name", CAPTURES)
@pytest.mark.parametrize(("chunk_packets", "window_bytes"), [(1, 1), (7, 333), (3, 4096)])
def test_small_windows_and_chunks_read_the_same_table(name, chunk_packets, window_bytes):
    """Records and blocks cut by the window edge, chunks flushed when the window moves: the rows,
    the problem (message and byte offset) and the statistics do not depend on either size."""
    whole, ports, problem, stats = read(name)
    chunks, capture = _read_streamed(PCAP_DIR / name, chunk_packets, window_bytes)
    assert all(0 < len(chunk) <= chunk_packets for chunk in chunks)
    streamed = np.concatenate(chunks) if chunks else whole[:0]
    assert streamed.tobytes() == whole.tobytes()
    assert (capture.ports, capture.problem, capture.stats) == (ports, problem, stats)


def test_position_reaches_the_end_of_the_file():
    path = PCAP_DIR / "tcpreplay-mixed-179.pcap"
    chunks, capture = _read_streamed(path, 50, 1 << 20)
    assert len(chunks) == 4
    assert capture.position == path.stat().st_size


def test_linux_cooked_ifindex_and_pkttype():
    sll2 = read("sll2-b.pcap")[0]
    assert sll2["ifindex"].tolist() == [2] * 5
    assert sll2["pkttype"].tolist() == [4, 0, 4, 4, 0]  # outgoing, to us
    sll = read("sll-nanosecond-tcp-handshake.pcap")[0]
    assert sll["ifindex"].tolist() == [-1] * 3  # SLL v1 has no interface index
    assert sll["pkttype"].tolist() == [4, 0, 4]
    ethernet = read("single-tcp-syn.pcap")[0]
    assert ethernet["ifindex"].tolist() == [-1] and ethernet["pkttype"].tolist() == [-1]
