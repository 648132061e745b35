"""Tiny hand-made captures for rule examples and tests: pcap and pcapng bytes, Ethernet/IPv4 frames.

Only what the examples need; the checksums are left at zero (nothing in xennet verifies them).
"""

from __future__ import annotations

import ipaddress
import struct

ETH_HEADER = b"\x00\x16\x3e\x00\x00\x02" + b"\x00\x16\x3e\x00\x00\x01" + b"\x08\x00"
UDP, TCP = 17, 6
LINKTYPE_ETHERNET = 1


def pcap_bytes(frames: list[bytes], linktype: int = LINKTYPE_ETHERNET, start: float = 1_700_000_000.0) -> bytes:
    """A little-endian microsecond pcap file holding `frames`, one millisecond apart."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)]
    for index, frame in enumerate(frames):
        micros = int(start * 1_000_000) + index * 1000
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


def ipv4_frame(
    ip_len: int,
    src: str = "192.0.2.1",
    dst: str = "192.0.2.2",
    ip_id: int = 1,
    proto: int = UDP,
    df: bool = False,
    mf: bool = False,
    offset: int = 0,
) -> bytes:
    """An Ethernet frame with an IPv4 packet of total length `ip_len` (20-byte header, zero payload);
    `offset` is the fragment offset in bytes (a multiple of 8)."""
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | (offset // 8)
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, ip_len, ip_id, flags, 64, proto, 0,
        ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed,
    )
    return ETH_HEADER + header + b"\0" * (ip_len - len(header))


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
