"""The columnar packet table both capture engines fill: one numpy structured array per chunk of
packets, one row per captured frame, no per-packet Python objects.

Conventions (both engines must follow them exactly; the oracle test compares field by field):
- `frame` is the 1-based packet number in the file (as Wireshark numbers it); `port` indexes
  `PacketTable.ports` (pcapng interface id, else 0).
- Linux cooked captures: `ifindex` is the interface index of SLL2 (276), `pkttype` the packet type
  of SLL (113) and SLL2 (0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 outgoing); both
  -1 when absent (other link types, or not captured).
- `time_ns` is the absolute timestamp in nanoseconds since the epoch (pcapng if_tsresol/if_tsoffset applied).
- MACs are 48-bit integers (0 when the frame has no Ethernet header). VLAN ids: `vlan_count` tags
  (0x8100, 0x88a8, 0x9100), `vlan_outer`/`vlan_inner` ids, -1 when absent; `ethertype` is the
  innermost one (after the tags), 0 for raw IP link types.
- IP: `ip_version` 0/4/6; addresses as two uint64 halves of the 16-byte IPv6 form, IPv4 mapped as
  ::ffff:a.b.c.d; `ip_len` is the IPv4 total length field, or for IPv6 the payload length field + 40
  (0 when the payload length field is 0: jumbograms, BIG TCP); `ip_id` the IPv4 id or the IPv6
  fragment header id; `frag_offset` in bytes; `df`/`mf` flags (IPv6: mf from the fragment header,
  df False); `proto` the upper-layer protocol after IPv6 extension headers; `ttl` TTL / hop limit.
- L4 (first fragment or unfragmented only): `sport`/`dport` (0 when absent), `tcp_flags`; ICMP and
  ICMPv6 `icmp_type`/`icmp_code` (-1 when absent), `icmp_id`/`icmp_seq`, `icmp_mtu` (next-hop MTU of
  IPv4 frag-needed, MTU of ICMPv6 packet-too-big; 0 otherwise).
- ARP: `arp_op` (0 when not ARP), `arp_sha`/`arp_tha` (48-bit), `arp_spa`/`arp_tpa` (IPv4 as uint32).
- `truncated`: the captured bytes end inside a header the row needed (the row keeps what was read).
Only the outermost IP header is decoded (tunnels are not followed; ICMP errors' quoted headers are not).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PACKET_DTYPE = np.dtype([
    ("frame", np.uint64),
    ("port", np.uint16),
    ("ifindex", np.int32),
    ("pkttype", np.int16),
    ("time_ns", np.int64),
    ("caplen", np.uint32),
    ("wirelen", np.uint32),
    ("eth_src", np.uint64),
    ("eth_dst", np.uint64),
    ("vlan_count", np.uint8),
    ("vlan_outer", np.int32),
    ("vlan_inner", np.int32),
    ("ethertype", np.uint16),
    ("ip_version", np.uint8),
    ("ip_src_hi", np.uint64),
    ("ip_src_lo", np.uint64),
    ("ip_dst_hi", np.uint64),
    ("ip_dst_lo", np.uint64),
    ("ip_len", np.uint32),
    ("ip_id", np.uint32),
    ("df", np.bool_),
    ("mf", np.bool_),
    ("frag_offset", np.uint32),
    ("proto", np.uint8),
    ("ttl", np.uint8),
    ("sport", np.uint16),
    ("dport", np.uint16),
    ("tcp_flags", np.uint16),
    ("icmp_type", np.int16),
    ("icmp_code", np.int16),
    ("icmp_id", np.uint16),
    ("icmp_seq", np.uint16),
    ("icmp_mtu", np.uint32),
    ("arp_op", np.uint16),
    ("arp_sha", np.uint64),
    ("arp_spa", np.uint32),
    ("arp_tha", np.uint64),
    ("arp_tpa", np.uint32),
    ("truncated", np.bool_),
])


def empty(count: int) -> np.ndarray:
    """A table of `count` rows with every "absent" marker set (-1 for the SLL interface index and packet
    type, VLAN ids and ICMP type/code)."""
    table = np.zeros(count, dtype=PACKET_DTYPE)
    for name in ("ifindex", "pkttype", "vlan_outer", "vlan_inner", "icmp_type", "icmp_code"):
        table[name] = -1
    return table


@dataclass(frozen=True)
class Port:
    """A capture point: the pcapng interface (name from if_name) or the file."""

    name: str
    link_type: int
    snaplen: int


@dataclass(frozen=True)
class CaptureProblem:
    """A broken file: what is wrong, at which byte offset, after how many good packets."""

    message: str
    offset: int
    packet: int  # number of the first packet that could not be read (1-based)


@dataclass
class CaptureStats:
    """What the reader saw besides packets: interface statistics (pcapng ISB drop counters are
    capture drops, not network drops) and skipped blocks."""

    capture_drops: dict[int, int] = field(default_factory=dict)  # port -> if_drop
    skipped_blocks: int = 0
