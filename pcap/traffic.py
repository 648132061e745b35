"""Per-packet facts computed while streaming a port: the IP packet size, whether a packet is notable
(kept whole for the detectors), and a fingerprint that is the same on every port a packet crosses."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .captures import TRAFFIC_DTYPE

LINKTYPE_ETHERNET = 1
# Link-layer header in front of the IP header, per link type (Ethernet's VLAN tags added per row).
LINK_HEADER = {1: 14, 12: 0, 14: 0, 101: 0, 228: 0, 229: 0, 113: 16, 276: 20}
PROTO_ICMP, PROTO_ICMPV6 = 1, 58

# A packet's identity is made of columns a bridge leaves alone (no TTL: a router decrements it; no
# MACs or VLAN tags for IP: a router rewrites the MACs and a trunk port adds the tag the access port
# does not carry), packed into 64-bit words: (column, bit shift) each.
_IP_WORDS = (
    (("ip_version", 0), ("proto", 8), ("mf", 16), ("tcp_flags", 24), ("frag_offset", 40)),
    (("ip_len", 0), ("ip_id", 32)),
    (("sport", 0), ("dport", 16), ("icmp_type", 32), ("icmp_code", 48)),
    (("icmp_id", 0), ("icmp_seq", 16)),
    (("ip_src_hi", 0),), (("ip_src_lo", 0),), (("ip_dst_hi", 0),), (("ip_dst_lo", 0),),
)
_DATAGRAM_WORDS = (
    (("ip_version", 0), ("proto", 8), ("ip_id", 32)),
    (("ip_src_hi", 0),), (("ip_src_lo", 0),), (("ip_dst_hi", 0),), (("ip_dst_lo", 0),),
)
# Frames without IP (these columns are 0 in IP rows except the MACs and the ethertype).
_FRAME_WORDS = (
    (("arp_op", 0), ("arp_spa", 16)),
    (("arp_sha", 0),), (("arp_tha", 0),), (("arp_tpa", 0),),
)
_LINK_WORDS = ((("eth_src", 0), ("ethertype", 48)), (("eth_dst", 0),))
_MIX = np.uint64(0x9E3779B97F4A7C15)


def packet_size(table: np.ndarray, link_type: int) -> np.ndarray:
    """IP packet size per row: the length field, else (0: BIG TCP, jumbograms) what the frame holds;
    for frames without IP the frame length without its VLAN tags."""
    tags = 4 * table["vlan_count"].astype(np.int64)
    header = LINK_HEADER.get(link_type, 0) + (tags if link_type == LINKTYPE_ETHERNET else 0)
    wirelen = table["wirelen"].astype(np.int64)
    from_frame = np.maximum(wirelen - header, 0)
    size = np.where(table["ip_len"] > 0, table["ip_len"].astype(np.int64), from_frame)
    return np.where(table["ip_version"] > 0, size, wirelen - tags)


def is_notable(table: np.ndarray, size: np.ndarray, fragment: np.ndarray, limit: int) -> np.ndarray:
    """Rows the detectors need whole: fragments (`fragment`), IP packets above `limit` or without a
    length field, ICMP/ICMPv6 and ARP."""
    ip = table["ip_version"] > 0
    icmp = ((table["ip_version"] == 4) & (table["proto"] == PROTO_ICMP)) | (
        (table["ip_version"] == 6) & (table["proto"] == PROTO_ICMPV6))
    return (fragment | (ip & ((size > limit) | (table["ip_len"] == 0))) | icmp
            | (table["arp_op"] > 0))


def fingerprint(table: np.ndarray) -> np.ndarray:
    """A 64-bit hash of the columns a bridge does not change: IP header identity and L4 ports/ICMP
    ids for IP packets, MACs, ethertype, ARP fields and the untagged length for the rest."""
    ip = table["ip_version"] > 0
    size = table["wirelen"].astype(np.uint64) - np.uint64(4) * table["vlan_count"].astype(np.uint64)
    value = np.where(ip, np.uint64(1), size)
    for word in _words(table, _IP_WORDS + _FRAME_WORDS):
        value = _mix(value, word)
    for word in _words(table, _LINK_WORDS):
        value = _mix(value, np.where(ip, np.uint64(0), word))
    return value


def datagram_key(table: np.ndarray) -> np.ndarray:
    """A 64-bit hash of (IP version, source, destination, IP id, protocol): the same for a datagram
    and each of its fragments, wherever it is fragmented; 0 for frames without IP."""
    value = np.full(len(table), np.uint64(2))
    for word in _words(table, _DATAGRAM_WORDS):
        value = _mix(value, word)
    return np.where(table["ip_version"] > 0, value | np.uint64(1), np.uint64(0))


def hash_rows(keys: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each row of the 2-D integer array `keys`."""
    value = np.full(len(keys), np.uint64(3))
    for column in keys.T:
        value = _mix(value, column.astype(np.uint64))
    return value


def _words(table: np.ndarray, layout: tuple[tuple[tuple[str, int], ...], ...]) -> Iterator[np.ndarray]:
    for word in layout:
        value = np.zeros(len(table), dtype=np.uint64)
        for name, shift in word:
            column = table[name].astype(np.uint64)  # -1 (absent ICMP type/code) wraps: a constant
            value |= column << np.uint64(shift) if shift else column
        yield value


def _mix(value: np.ndarray, column: np.ndarray) -> np.ndarray:
    """One round of a multiply-xorshift hash (splitmix64's finalizer over value ^ column)."""
    with np.errstate(over="ignore"):
        value = (value ^ column) * _MIX
    return value ^ (value >> np.uint64(31))


def traffic_rows(table: np.ndarray, size: np.ndarray, fragment: np.ndarray) -> np.ndarray:
    rows = np.empty(len(table), dtype=TRAFFIC_DTYPE)
    rows["frame"] = table["frame"]
    rows["time_ns"] = table["time_ns"]
    rows["fingerprint"] = fingerprint(table)
    rows["datagram"] = datagram_key(table)
    rows["eth_src"] = table["eth_src"]
    rows["eth_dst"] = table["eth_dst"]
    rows["size"] = size
    rows["fragment"] = fragment
    return rows
