"""Per-packet facts computed while streaming a port: the IP packet size, whether a packet is notable
(kept whole for the detectors), and a fingerprint that is the same on every port a packet crosses."""

from __future__ import annotations

import numpy as np

from .captures import TRAFFIC_DTYPE
from .fragments import is_fragment

LINKTYPE_ETHERNET = 1
# Link-layer header in front of the IP header, per link type (Ethernet's VLAN tags added per row).
LINK_HEADER = {1: 14, 12: 0, 14: 0, 101: 0, 228: 0, 229: 0, 113: 16, 276: 20}
PROTO_ICMP, PROTO_ICMPV6 = 1, 58

# Columns a bridge leaves alone (no TTL: a router decrements it; no MACs or VLAN tags: a router
# rewrites the MACs and a trunk port adds the tag the access port does not carry).
_IP_IDENTITY = ("ip_version", "ip_src_hi", "ip_src_lo", "ip_dst_hi", "ip_dst_lo", "ip_len", "ip_id", "mf",
                "frag_offset", "proto", "sport", "dport", "tcp_flags", "icmp_type", "icmp_code", "icmp_id",
                "icmp_seq")
_DATAGRAM_IDENTITY = ("ip_version", "ip_src_hi", "ip_src_lo", "ip_dst_hi", "ip_dst_lo", "ip_id", "proto")
_FRAME_IDENTITY = ("eth_src", "eth_dst", "ethertype", "arp_op", "arp_sha", "arp_spa", "arp_tha", "arp_tpa")
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


def is_notable(table: np.ndarray, size: np.ndarray, limit: int) -> np.ndarray:
    """Rows the detectors need whole: fragments, IP packets above `limit` or without a length field,
    ICMP/ICMPv6 and ARP."""
    ip = table["ip_version"] > 0
    icmp = ((table["ip_version"] == 4) & (table["proto"] == PROTO_ICMP)) | (
        (table["ip_version"] == 6) & (table["proto"] == PROTO_ICMPV6))
    return (is_fragment(table) | (ip & ((size > limit) | (table["ip_len"] == 0))) | icmp
            | (table["arp_op"] > 0))


def fingerprint(table: np.ndarray) -> np.ndarray:
    """A 64-bit hash of the columns a bridge does not change: IP header identity and L4 ports/ICMP
    ids for IP packets, MACs, ethertype and ARP fields (plus the length) for the rest."""
    ip = table["ip_version"] > 0
    size = table["wirelen"].astype(np.uint64) - np.uint64(4) * table["vlan_count"].astype(np.uint64)
    value = np.where(ip, np.uint64(1), size)
    with np.errstate(over="ignore"):
        for name in _IP_IDENTITY:
            value = _mix(value, np.where(ip, table[name].astype(np.uint64), np.uint64(0)))
        for name in _FRAME_IDENTITY:
            value = _mix(value, np.where(ip, np.uint64(0), table[name].astype(np.uint64)))
    return value


def datagram_key(table: np.ndarray) -> np.ndarray:
    """A 64-bit hash of (IP version, source, destination, IP id, protocol): the same for a datagram
    and each of its fragments, wherever it is fragmented; 0 for frames without IP."""
    value = np.full(len(table), np.uint64(2))
    with np.errstate(over="ignore"):
        for name in _DATAGRAM_IDENTITY:
            value = _mix(value, table[name].astype(np.uint64))
    return np.where(table["ip_version"] > 0, value | np.uint64(1), np.uint64(0))


def _mix(value: np.ndarray, column: np.ndarray) -> np.ndarray:
    """One round of a multiply-xorshift hash (splitmix64's finalizer over value ^ column)."""
    value = (value ^ column) * _MIX
    return value ^ (value >> np.uint64(31))


def traffic_rows(table: np.ndarray, size: np.ndarray) -> np.ndarray:
    rows = np.empty(len(table), dtype=TRAFFIC_DTYPE)
    rows["frame"] = table["frame"]
    rows["time_ns"] = table["time_ns"]
    rows["fingerprint"] = fingerprint(table)
    rows["datagram"] = datagram_key(table)
    rows["eth_src"] = table["eth_src"]
    rows["eth_dst"] = table["eth_dst"]
    rows["size"] = size
    rows["fragment"] = is_fragment(table)
    return rows
