"""Vectorized header decoding: fills the packet table columns of a chunk of captured frames with
numpy array operations, one step per header layer (no per-packet Python code).

Every field is read through `_Frames.uint`, which gathers the bytes of one field for all frames at
once (frame start + per-frame position) and yields 0 where the field is not fully captured; a row
whose captured bytes end inside a header it needs is marked `truncated` and decoding of that row
stops at that header (fields already read, including the captured fields of the cut header, stay).
"""

from __future__ import annotations

import numpy as np

from .table import empty

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = (12, 14, 101)  # DLT_RAW on most systems / OpenBSD, LINKTYPE_RAW
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL = 113
LINKTYPE_LINUX_SLL2 = 276
LINKTYPE_NFLOG = 239

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_ARP = 0x0806
ETHERTYPE_IPV6 = 0x86DD
VLAN_TPIDS = (0x8100, 0x88A8, 0x9100)
MAX_VLAN_TAGS = 4
MAX_IPV6_EXTENSIONS = 8
IEEE_802_3_MAX_LEN = 1500  # a type/length field up to this value is an 802.3 length, not an ethertype

IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_FRAGMENT, IPV6_AH, IPV6_DEST_OPTS = 0, 43, 44, 51, 60
PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_ICMPV6 = 1, 6, 17, 58
ICMP_WITH_ID_SEQ = (0, 8, 13, 14, 15, 16, 17, 18)  # echo, timestamp, info and mask request/reply
ICMP_UNREACH, ICMP_FRAG_NEEDED = 3, 4
ICMPV6_PACKET_TOO_BIG, ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY = 2, 128, 129
NULL_AF_INET = 2
NULL_AF_INET6 = (10, 24, 28, 30)  # Linux, NetBSD/OpenBSD, FreeBSD, macOS
AF_INET, AF_INET6 = 2, 10  # Linux values (NFLOG)
NFULA_PAYLOAD = 9
MAX_NFLOG_TLVS = 16
IPV4_MAPPED = np.uint64(0xFFFF_0000_0000)
# Linux cooked header fields: link type -> (column, offset, width); a field not captured stays -1.
_SLL_FIELDS = {
    LINKTYPE_LINUX_SLL: (("pkttype", 0, 2),),
    LINKTYPE_LINUX_SLL2: (("ifindex", 4, 4), ("pkttype", 10, 1)),
}


class _Frames:
    """The captured bytes of a chunk of frames inside one flat buffer."""

    def __init__(self, buf: np.ndarray, start: np.ndarray, caplen: np.ndarray) -> None:
        self.buf = buf
        self.start = start.astype(np.int64)
        self.caplen = caplen.astype(np.int64)
        self._views: dict[int, np.ndarray] = {1: buf}

    def has(self, pos: np.ndarray, width: int | np.ndarray) -> np.ndarray:
        """Rows whose bytes [pos, pos + width) were captured."""
        return pos + width <= self.caplen

    def uint(self, pos: np.ndarray, width: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Big-endian unsigned field of `width` bytes at `pos` in each frame (of `rows` only, when
        given), 0 where not captured or not asked for. One gather from `_view`; a 6-byte field (a
        MAC) is the low 48 bits of the 8 bytes ending with it, which a captured frame always has in
        the buffer (a record or block header is in front of it)."""
        if rows is None:
            index = np.flatnonzero(self.has(pos, width))
        else:
            index = np.flatnonzero(rows)
            index = index[pos[index] + width <= self.caplen[index]]
        at = self.start[index] + pos[index]
        value = np.zeros(len(pos), dtype=np.uint64)
        if width == 6:
            value[index] = self._view(8)[at - 2] & np.uint64(0xFFFF_FFFF_FFFF)
        else:
            value[index] = self._view(width)[at]
        return value

    def fields(self, pos: np.ndarray, span: int, layout: tuple[tuple[int, int], ...],
               rows: np.ndarray) -> list[np.ndarray]:
        """Several fields, (offset, width) each, inside the `span` bytes (2, 4 or 8) at `pos`: one
        gather for the rows that captured the whole span, one per field for the rows that did not
        (a header cut by the snap length keeps the fields that were captured)."""
        whole = rows & self.has(pos, span)
        word = self.uint(pos, span, whole)
        partial = rows & ~whole
        cut = bool(partial.any())
        values = []
        for offset, width in layout:
            value = (word >> np.uint64(8 * (span - offset - width))) & np.uint64((1 << 8 * width) - 1)
            if cut:
                value |= self.uint(pos + offset, width, partial)
            values.append(value)
        return values

    def _view(self, width: int) -> np.ndarray:
        """The buffer as big-endian integers of `width` bytes starting at every byte: element i is
        the integer in bytes [i, i + width) (an overlapping view, nothing is copied)."""
        if width not in self._views:
            count = max(len(self.buf) - width + 1, 0)
            self._views[width] = np.ndarray((count,), dtype=f">u{width}", buffer=self.buf, strides=(1,))
        return self._views[width]


def decode(buf: np.ndarray, start: np.ndarray, caplen: np.ndarray, link_type: np.ndarray) -> np.ndarray:
    """Table rows for frames whose bytes are `buf[start:start + caplen]`, captured with `link_type`;
    only the header columns are set (frame, port, time and lengths are the caller's)."""
    table = empty(len(start))
    frames = _Frames(buf, start, caplen)
    pos = np.zeros(len(start), dtype=np.int64)
    ethertype = np.zeros(len(start), dtype=np.uint64)
    version = np.zeros(len(start), dtype=np.uint64)  # IP version the link layer announces
    linked = np.zeros(len(start), dtype=bool)  # rows whose link header carries an ethertype

    kinds = set(np.unique(link_type).tolist())  # one per file: skip the layers of the others
    eth = link_type == LINKTYPE_ETHERNET
    _need(table, eth, frames.has(pos, 14))
    table["eth_dst"] = frames.uint(pos, 6, eth)
    eth_src, link_ethertype = frames.fields(pos + 6, 8, ((0, 6), (6, 2)), eth)
    table["eth_src"] = eth_src
    ok = eth & frames.has(pos, 14)
    ethertype[ok] = link_ethertype[ok]
    pos[ok] = 14
    linked |= ok

    for kind, header, type_at in ((LINKTYPE_LINUX_SLL, 16, 14), (LINKTYPE_LINUX_SLL2, 20, 0)):
        if kind not in kinds:
            continue
        rows = link_type == kind
        _need(table, rows, frames.has(pos, header))
        for column, at, width in _SLL_FIELDS[kind]:
            _set(table, column, rows & frames.has(pos + at, width), frames.uint(pos + at, width, rows))
        ok = rows & frames.has(pos, header)
        ethertype[ok] = frames.uint(pos + type_at, 2, rows)[ok]
        pos[ok] = header
        linked |= ok

    if kinds & {*LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6, LINKTYPE_NULL, LINKTYPE_NFLOG}:
        raw = np.isin(link_type, LINKTYPE_RAW)
        version[raw] = frames.uint(pos, 1, raw)[raw] >> np.uint64(4)
        version[link_type == LINKTYPE_IPV4] = 4
        version[link_type == LINKTYPE_IPV6] = 6
        _null(table, frames, link_type == LINKTYPE_NULL, pos, version)
        _nflog(table, frames, link_type == LINKTYPE_NFLOG, pos, version)

    _vlan_tags(table, frames, linked, pos, ethertype)
    ethertype[linked & (ethertype <= IEEE_802_3_MAX_LEN)] = 0
    table["ethertype"] = ethertype
    version[linked & (ethertype == ETHERTYPE_IPV4)] = 4
    version[linked & (ethertype == ETHERTYPE_IPV6)] = 6

    arp = linked & (ethertype == ETHERTYPE_ARP)
    if arp.any():
        _arp(table, frames, arp, pos)
    l4 = _ipv4(table, frames, version == 4, pos)
    l4 |= _ipv6(table, frames, version == 6, pos)
    _transport(table, frames, l4, pos)
    return table


def _need(table: np.ndarray, rows: np.ndarray, captured: np.ndarray) -> None:
    table["truncated"] |= rows & ~captured


def _null(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray, version: np.ndarray) -> None:
    """BSD loopback: a 4-byte address family in the byte order of the capturing host."""
    _need(table, rows, frames.has(pos, 4))
    family = frames.uint(pos, 4, rows).astype(np.uint32)
    family = np.where(family > 0xFFFF, family.byteswap(), family)
    rows = rows & frames.has(pos, 4)
    version[rows & (family == NULL_AF_INET)] = 4
    version[rows & np.isin(family, NULL_AF_INET6)] = 6
    pos[rows] = 4


def _nflog(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray, version: np.ndarray) -> None:
    """Linux NFLOG: a 4-byte header (address family first), then TLVs whose length and type are in
    the byte order of the capturing host (little-endian here); the packet is the NFULA_PAYLOAD value."""
    _need(table, rows, frames.has(pos, 4))
    family = frames.uint(pos, 1)
    walking = rows & frames.has(pos, 4)
    at = pos + 4
    for _ in range(MAX_NFLOG_TLVS):
        _need(table, walking, frames.has(at, 4) | (at >= frames.caplen))
        walking &= frames.has(at, 4)
        if not walking.any():
            break
        length = _little_endian_16(frames.uint(at, 2))
        payload = walking & ((_little_endian_16(frames.uint(at + 2, 2)) & 0x7FFF) == NFULA_PAYLOAD)
        version[payload & (family == AF_INET)] = 4
        version[payload & (family == AF_INET6)] = 6
        pos[payload] = at[payload] + 4
        walking &= ~payload & (length >= 4)
        at = np.where(walking, at + (length + 3) // 4 * 4, at)


def _little_endian_16(value: np.ndarray) -> np.ndarray:
    return ((value & 0xFF) << 8 | value >> 8).astype(np.int64)


def _vlan_tags(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray, ethertype: np.ndarray) -> None:
    """802.1Q/802.1ad tags: the first is `vlan_outer`, the innermost `vlan_inner`."""
    count = np.zeros(len(pos), dtype=np.uint8)
    for _ in range(MAX_VLAN_TAGS):
        tagged = rows & np.isin(ethertype, VLAN_TPIDS)
        if not tagged.any():
            break
        _need(table, tagged, frames.has(pos, 4))
        tagged &= frames.has(pos, 4)
        vid = (frames.uint(pos, 2, tagged) & np.uint64(0x0FFF)).astype(np.int32)
        table["vlan_outer"] = np.where(tagged & (count == 0), vid, table["vlan_outer"])
        table["vlan_inner"] = np.where(tagged & (count > 0), vid, table["vlan_inner"])
        ethertype[tagged] = frames.uint(pos + 2, 2, tagged)[tagged]
        count[tagged] += 1
        pos[tagged] += 4
        rows = tagged
    table["vlan_count"] = count


def _arp(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray) -> None:
    """ARP: the opcode always; addresses only for Ethernet/IPv4 ARP (hardware 6 and protocol 4 bytes)."""
    _need(table, rows, frames.has(pos, 8))
    table["arp_op"] = np.where(rows, frames.uint(pos + 6, 2, rows), 0)
    hlen = frames.uint(pos + 4, 1, rows).astype(np.int64)
    plen = frames.uint(pos + 5, 1, rows).astype(np.int64)
    rows = rows & frames.has(pos, 8)
    _need(table, rows, frames.has(pos, 8 + 2 * (hlen + plen)))
    rows &= (hlen == 6) & (plen == 4)
    table["arp_sha"] = np.where(rows, frames.uint(pos + 8, 6, rows), 0)
    table["arp_spa"] = np.where(rows, frames.uint(pos + 14, 4, rows), 0)
    table["arp_tha"] = np.where(rows, frames.uint(pos + 18, 6, rows), 0)
    table["arp_tpa"] = np.where(rows, frames.uint(pos + 24, 4, rows), 0)


def _ipv4(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """IPv4 header at `pos`; moves `pos` past it and returns the rows whose L4 header follows."""
    table["ip_version"][rows & frames.has(pos, 1)] = 4
    version_ihl, ip_len, ip_id, flags = frames.fields(pos, 8, ((0, 1), (2, 2), (4, 2), (6, 2)), rows)
    ttl, proto, src = frames.fields(pos + 8, 8, ((0, 1), (1, 1), (4, 4)), rows)
    ihl = (version_ihl & np.uint64(0x0F)).astype(np.int64) * 4
    _need(table, rows, frames.has(pos, np.maximum(ihl, 20)))
    _set(table, "ip_len", rows, ip_len)
    _set(table, "ip_id", rows, ip_id)
    _set(table, "df", rows, flags & np.uint64(0x4000))
    _set(table, "mf", rows, flags & np.uint64(0x2000))
    _set(table, "frag_offset", rows, (flags & np.uint64(0x1FFF)) * np.uint64(8))
    _set(table, "ttl", rows, ttl)
    _set(table, "proto", rows, proto)
    for column, at, addr in (("ip_src_lo", 12, src), ("ip_dst_lo", 16, frames.uint(pos + 16, 4, rows))):
        _set(table, column, rows & frames.has(pos + at, 4), addr | IPV4_MAPPED)
    l4 = rows & (ihl >= 20) & frames.has(pos, np.maximum(ihl, 20)) & (table["frag_offset"] == 0)
    pos[l4] += ihl[l4]
    return l4


def _ipv6(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """IPv6 header and extension headers at `pos`; moves `pos` to the upper-layer header and returns
    the rows whose L4 header follows (not a non-first fragment)."""
    table["ip_version"][rows & frames.has(pos, 1)] = 6
    _need(table, rows, frames.has(pos, 40))
    payload, proto, hop_limit = frames.fields(pos + 4, 4, ((0, 2), (2, 1), (3, 1)), rows)
    _set(table, "ip_len", rows & frames.has(pos + 4, 2) & (payload > 0), payload + np.uint64(40))
    _set(table, "ttl", rows, hop_limit)
    for column, at in (("ip_src_hi", 8), ("ip_src_lo", 16), ("ip_dst_hi", 24), ("ip_dst_lo", 32)):
        _set(table, column, rows, frames.uint(pos + at, 8, rows))
    _set(table, "proto", rows, proto)
    rows = rows & frames.has(pos, 40)
    pos[rows] += 40
    for _ in range(MAX_IPV6_EXTENSIONS):
        options = rows & np.isin(proto, (IPV6_HOP_BY_HOP, IPV6_ROUTING, IPV6_DEST_OPTS, IPV6_AH))
        fragment = rows & (proto == IPV6_FRAGMENT)
        either = options | fragment
        if not either.any():
            break
        length = frames.uint(pos + 1, 1, either).astype(np.int64)  # 0 when not captured: the 8-byte minimum
        size = np.where(proto == IPV6_AH, (length + 2) * 4, (length + 1) * 8)
        size[fragment] = 8
        _need(table, either, frames.has(pos, size))
        field = frames.uint(pos + 2, 2, either)
        _set(table, "frag_offset", fragment, field & np.uint64(0xFFF8))
        _set(table, "mf", fragment, field & np.uint64(1))
        _set(table, "ip_id", fragment, frames.uint(pos + 4, 4, either))
        walked = either & frames.has(pos, size)
        proto = np.where(walked, frames.uint(pos, 1, either), proto)
        _set(table, "proto", walked, proto)
        pos[walked] += size[walked]
        later_fragment = walked & fragment & ((field & np.uint64(0xFFF8)) != 0)
        rows &= (~either | walked) & ~later_fragment
    return rows & (table["frag_offset"] == 0)


def _transport(table: np.ndarray, frames: _Frames, rows: np.ndarray, pos: np.ndarray) -> None:
    """TCP/UDP ports and flags, ICMP/ICMPv6 type, code, echo id/seq and MTU of the L4 header at `pos`."""
    proto = table["proto"]
    tcp = rows & (proto == PROTO_TCP)
    udp = rows & (proto == PROTO_UDP)
    offset_byte, offset_flags = frames.fields(pos + 12, 2, ((0, 1), (0, 2)), tcp)
    tcp_header = (offset_byte >> np.uint64(4)).astype(np.int64) * 4
    _need(table, tcp, frames.has(pos, np.maximum(tcp_header, 20)))
    _need(table, udp, frames.has(pos, 8))
    sport, dport = frames.fields(pos, 4, ((0, 2), (2, 2)), tcp | udp)
    _set(table, "sport", tcp | udp, sport)
    _set(table, "dport", tcp | udp, dport)
    _set(table, "tcp_flags", tcp, offset_flags & np.uint64(0x0FFF))

    icmp = rows & (proto == PROTO_ICMP) & (table["ip_version"] == 4)
    icmp6 = rows & (proto == PROTO_ICMPV6) & (table["ip_version"] == 6)
    either = icmp | icmp6
    _need(table, either, frames.has(pos, 8))
    kind, code = frames.fields(pos, 2, ((0, 1), (1, 1)), either)
    _set(table, "icmp_type", either & frames.has(pos, 1), kind)
    _set(table, "icmp_code", either & frames.has(pos + 1, 1), code)
    echo = (icmp & np.isin(kind, ICMP_WITH_ID_SEQ)) | (icmp6 & np.isin(kind, (ICMPV6_ECHO_REQUEST, ICMPV6_ECHO_REPLY)))
    frag_needed = icmp & (kind == ICMP_UNREACH) & (code == ICMP_FRAG_NEEDED)
    too_big = icmp6 & (kind == ICMPV6_PACKET_TOO_BIG)
    # The second word of the header: echo id and sequence, or the frag-needed / packet-too-big MTU.
    ident, low16, word = frames.fields(pos + 4, 4, ((0, 2), (2, 2), (0, 4)), echo | frag_needed | too_big)
    _set(table, "icmp_id", echo, ident)
    _set(table, "icmp_seq", echo, low16)
    _set(table, "icmp_mtu", frag_needed, low16)
    _set(table, "icmp_mtu", too_big, word)


def _set(table: np.ndarray, column: str, rows: np.ndarray, values: np.ndarray) -> None:
    """Set `column` on `rows` (`values` is 0 where the field was not captured, which is also the
    column's "absent" value except for the ICMP type/code, whose callers narrow `rows`)."""
    np.copyto(table[column], values, casting="unsafe", where=rows)
