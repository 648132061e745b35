"""Tiny hand-made captures for rule examples and tests: pcap and pcapng bytes, Ethernet/IPv4 frames.

Only what the examples need; the checksums are left at zero (nothing in xennet verifies them).
"""

from __future__ import annotations

import ipaddress
import struct

GUEST_A = "00:16:3e:00:00:01"  # the default source MAC (Xen's OUI)
GUEST_B = "00:16:3e:00:00:02"  # the default destination MAC
BROADCAST = "ff:ff:ff:ff:ff:ff"
ETH_HEADER = b"\x00\x16\x3e\x00\x00\x02" + b"\x00\x16\x3e\x00\x00\x01" + b"\x08\x00"
ICMP, TCP, UDP = 1, 6, 17
ICMP_ECHO_REPLY, ICMP_ECHO_REQUEST, ICMP_UNREACH, ICMP_FRAG_NEEDED = 0, 8, 3, 4
ARP_REQUEST, ARP_REPLY = 1, 2
ETHERTYPE_IPV4, ETHERTYPE_ARP, TPID_8021Q, TPID_8021AD = 0x0800, 0x0806, 0x8100, 0x88A8
LINKTYPE_ETHERNET = 1


def pcap_bytes(frames: list[bytes], linktype: int = LINKTYPE_ETHERNET, start: float = 1_700_000_000.0,
               times: list[float] | None = None) -> bytes:
    """A little-endian microsecond pcap file holding `frames`, one millisecond apart from `start`, or
    at `times` (seconds since the epoch, one per frame)."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)]
    for index, frame in enumerate(frames):
        micros = round(times[index] * 1_000_000) if times is not None else int(start * 1_000_000) + index * 1000
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)))
        out.append(frame)
    return b"".join(out)


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def pcapng_bytes(frames: list[bytes], if_name: str, drops: int | None = None) -> bytes:
    """A pcapng file with one Ethernet interface named `if_name`, its frames as EPBs and, when
    `drops` is given, an interface statistics block with that isb_ifdrop."""
    end = _option(0, b"")
    blocks = [
        _block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + end),
        _block(1, struct.pack("<HHI", LINKTYPE_ETHERNET, 0, 262144) + _option(2, if_name.encode()) + end),
    ]
    for frame in frames:
        padded = frame + b"\0" * (-len(frame) % 4)
        blocks.append(_block(6, struct.pack("<IIIII", 0, 0, 0, len(frame), len(frame)) + padded))
    if drops is not None:
        blocks.append(_block(5, struct.pack("<III", 0, 0, 0) + _option(5, struct.pack("<Q", drops)) + end))
    return b"".join(blocks)


def mac_bytes(mac: str) -> bytes:
    return bytes(int(octet, 16) for octet in mac.split(":"))


def ethernet(payload: bytes, ethertype: int = ETHERTYPE_IPV4, eth_src: str = GUEST_A, eth_dst: str = GUEST_B,
             vlans: tuple[int, ...] = (), tpid: int = TPID_8021Q) -> bytes:
    """An Ethernet header (with one 802.1Q tag per VLAN id in `vlans`, outermost first; the outer
    one uses `tpid`) in front of `payload`."""
    tags = b"".join(struct.pack("!HH", tpid if i == 0 else TPID_8021Q, vid) for i, vid in enumerate(vlans))
    return mac_bytes(eth_dst) + mac_bytes(eth_src) + tags + struct.pack("!H", ethertype) + payload


def ipv4_frame(
    ip_len: int,
    src: str = "192.0.2.1",
    dst: str = "192.0.2.2",
    ip_id: int = 1,
    proto: int = UDP,
    df: bool = False,
    mf: bool = False,
    offset: int = 0,
    l4: bytes = b"",
    **link: object,
) -> bytes:
    """An Ethernet frame with an IPv4 packet of total length `ip_len` (20-byte header, then `l4`,
    then zeros); `offset` is the fragment offset in bytes (a multiple of 8); `link` goes to `ethernet`
    (eth_src, eth_dst, vlans, tpid)."""
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (offset // 8)
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, ip_len, ip_id, flags, 64, proto, 0,
        ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed,
    )
    packet = header + l4[: ip_len - len(header)]
    return ethernet(packet + b"\0" * (ip_len - len(packet)), **link)  # type: ignore[arg-type]


def icmp_frame(ip_len: int, kind: int = ICMP_ECHO_REQUEST, code: int = 0, ident: int = 1, seq: int = 1,
               mtu: int = 0, **fields: object) -> bytes:
    """An IPv4 ICMP message of IP length `ip_len`: echo request/reply with `ident` and `seq`, or
    (kind 3 code 4) a fragmentation-needed error with next-hop `mtu`. `fields` go to `ipv4_frame`."""
    rest = struct.pack("!HH", 0, mtu) if (kind, code) == (ICMP_UNREACH, ICMP_FRAG_NEEDED) else (
        struct.pack("!HH", ident, seq))
    return ipv4_frame(ip_len, proto=ICMP, l4=struct.pack("!BBH", kind, code, 0) + rest, **fields)  # type: ignore[arg-type]


def arp_frame(op: int, sha: str, spa: str, tpa: str, tha: str = "00:00:00:00:00:00", **link: object) -> bytes:
    """An Ethernet/IPv4 ARP request (op 1) or reply (op 2); the Ethernet source is `sha` and the
    destination broadcast for a request, `tha` for a reply, unless `link` says otherwise."""
    body = struct.pack("!HHBBH", 1, ETHERTYPE_IPV4, 6, 4, op) + mac_bytes(sha) + ipaddress.IPv4Address(
        spa).packed + mac_bytes(tha) + ipaddress.IPv4Address(tpa).packed
    link = {"eth_src": sha, "eth_dst": BROADCAST if op == ARP_REQUEST else tha, **link}
    return ethernet(body + b"\0" * 18, ETHERTYPE_ARP, **link)  # type: ignore[arg-type]


def fragments(datagram_len: int, mtu: int, **fields: object) -> list[bytes]:
    """The Ethernet frames of one IPv4 datagram of `datagram_len` bytes fragmented for `mtu`."""
    step = (mtu - 20) // 8 * 8
    data = datagram_len - 20
    frames = []
    for offset in range(0, data, step):
        size = min(step, data - offset)
        frames.append(ipv4_frame(20 + size, offset=offset, mf=offset + size < data, **fields))  # type: ignore[arg-type]
    return frames


def latin1(data: bytes) -> str:
    """Bytes as the latin-1 string a rule example holds (tests write it back as the same bytes)."""
    return data.decode("latin-1")
