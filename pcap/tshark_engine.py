"""The tshark backend (`--engine tshark`): fills the packet table of pcap/table.py from tshark's PDML
output through pyshark. It is slow (about 2 ms a packet) but independent of the native reader, which
makes it the oracle the native reader is tested against.

tshark decodes far past what the table holds (tunnels, ICMP-quoted headers, payloads). Each packet's
top-level protocols are walked in order and the walk stops at the first layer the table does not
define, so only the outermost link, IP and transport headers are read. Within a layer the first
value of a repeated field is taken, except where the layer nests more headers of its own: the IPv6
next header is the last of the extension-header chain, and ICMP fields are taken at their offset in
the outer ICMP header (an error message quotes another one). Nothing is reassembled (_PREFS).
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import shutil
import subprocess
from collections.abc import Callable

import numpy as np
import pyshark
from pyshark.capture.capture import TSharkCrashException
from pyshark.packet.layers.base import BaseLayer
from pyshark.packet.packet import Packet

from xennet.pcap.table import CaptureProblem, CaptureStats, Port, empty

# Keep tshark from reassembling anything: every row is one captured frame.
_PREFS = {
    "ip.defragment": "FALSE",
    "ipv6.defragment": "FALSE",
    "tcp.desegment_tcp_streams": "FALSE",
    "tcp.analyze_sequence_numbers": "FALSE",
    "udp.try_heuristic_first": "FALSE",
}

# tshark ends a packet whose header runs past the captured bytes, the frame or the IP fragment with
# one of these pseudo-protocols; the protocol that ran out of bytes is the last of frame.protocols.
_CUT_SHORT = frozenset({"_ws.short", "_ws.malformed", "_ws.unreassembled"})
# The protocols whose headers the row needs (tags may repeat; the others count only as the outermost).
_TAG_PROTOCOLS = frozenset({"vlan", "ieee8021ad"})
_NEEDED = _TAG_PROTOCOLS | {
    "eth",
    "sll",
    "null",
    "raw",
    "arp",
    "ip",
    "ipv6",
    "ipv6.hopopts",
    "ipv6.dstopts",
    "ipv6.routing",
    "ipv6.fraghdr",
    "tcp",
    "udp",
    "icmp",
    "icmpv6",
}
# tshark nests IPv6 extension headers inside the ipv6 layer; their next-header fields, in chain order by position.
_IPV6_NEXT_HEADERS = ("ipv6.hopopts.nxt", "ipv6.dstopts.nxt", "ipv6.routing.nxt", "ipv6.fraghdr.nxt")
# VLAN-like tags: layer -> (id field, ethertype field)
_TAGS = {"vlan": ("vlan.id", "vlan.etype"), "ieee8021ad": ("ieee8021ad.id", "ieee8021ah.etype")}
# Link layers carrying the next ethertype: layer -> ethertype field.
_LINKS = {"eth": "eth.type", "sll": "sll.etype"}
_HEADERLESS_LINKS = frozenset({"raw", "null", "nflog"})
_PORTS = {"tcp": ("tcp.srcport", "tcp.dstport"), "udp": ("udp.srcport", "udp.dstport")}
# (column, field, offset in the ICMP header)
_ICMP_FIELDS = {
    "icmp": (
        ("icmp_type", "icmp.type", 0),
        ("icmp_code", "icmp.code", 1),
        ("icmp_id", "icmp.ident", 4),
        ("icmp_seq", "icmp.seq", 6),
        ("icmp_mtu", "icmp.mtu", 6),
    ),
    "icmpv6": (
        ("icmp_type", "icmpv6.type", 0),
        ("icmp_code", "icmpv6.code", 1),
        ("icmp_id", "icmpv6.echo.identifier", 4),
        ("icmp_seq", "icmpv6.echo.sequence_number", 6),
        ("icmp_mtu", "icmpv6.mtu", 4),
    ),
}

# capinfos names link types by their Wireshark encapsulation; Port.link_type is the pcap LINKTYPE_ value.
_LINKTYPES = {
    "null": 0,
    "ether": 1,
    "rawip": 101,
    "linux-sll": 113,
    "nflog": 239,
    "rawip4": 228,
    "rawip6": 229,
    "linux-sll2": 276,
}
_INTERFACE = re.compile(r"^Interface #(\d+) info:$")

Row = np.void


def read_all_tshark(path: str) -> tuple[np.ndarray, list[Port], CaptureProblem | None, CaptureStats]:
    """Read every packet of a pcap/pcapng file with tshark: (table, ports, problem, stats).

    `problem` is set when Wireshark's file reader finds the file damaged; its byte offset is unknown
    (-1). `stats` stays empty: tshark does not expose pcapng ISB counters or skipped blocks."""
    tshark = shutil.which("tshark")
    if tshark is None:
        raise FileNotFoundError("tshark not found: the tshark engine needs it (apt-get install tshark)")
    # An event loop of its own, closed afterwards: pyshark otherwise leaves the default loop with its
    # signal wakeup pipe installed, which overflows (BlockingIOError) when child processes end later.
    loop = asyncio.new_event_loop()
    try:
        rows = _read_rows(pyshark.FileCapture(path, keep_packets=False, override_prefs=_PREFS, tshark_path=tshark,
                                              eventloop=loop))
    finally:
        loop.close()
    table = empty(len(rows))
    for index, fill in enumerate(rows):
        fill(table[index])
    ports, damage = _capinfos(path)
    problem = None if damage is None else CaptureProblem(damage, -1, len(rows) + 1)
    return table, ports, problem, CaptureStats()


def _read_rows(capture: pyshark.FileCapture) -> list[Callable[[Row], None]]:
    """The row writers of every packet tshark could read; pcapng custom blocks (numbered as frames
    by Wireshark) are not packets and are left out."""
    rows = []
    try:
        for packet in capture:
            if packet.frame_info.get_field("frame.cb_pen") is None:
                rows.append(_row(packet))
    except TSharkCrashException:
        pass  # a damaged file: tshark exits with an error after its last good packet (see _capinfos)
    finally:
        try:
            capture.close()
        except TSharkCrashException:
            # pyshark keeps the exited tshark as "running" and would raise again when collected.
            capture._running_processes.clear()
    return rows


def _capinfos(path: str) -> tuple[list[Port], str | None]:
    """The capture's interfaces (pyshark does not expose interface description blocks) and the
    complaint of Wireshark's file reader if the file is damaged. A pcap file's port is named after the file."""
    result = subprocess.run(["capinfos", "-t", "-I", path], capture_output=True, check=False)
    stdout = result.stdout.decode(errors="replace")  # not text=True: it would turn a "\r\n" in a name into "\n"
    pcapng = "pcapng" in stdout.partition("File type:")[2].partition("\n")[0]
    ports: list[dict[str, str]] = []
    key = ""
    for line in stdout.split("\n"):
        if _INTERFACE.match(line.strip()):
            ports.append({} if pcapng else {"Name": os.path.basename(path)})
        elif ports and line.startswith(" ") and " = " in line:
            key, _, value = line.lstrip().partition(" = ")
            ports[-1][key] = value
        elif ports and key and line:  # a multi-line value (interface name with a newline)
            ports[-1][key] += "\n" + line
    damage = " ".join(result.stderr.decode(errors="replace").split()) if result.returncode else None
    return [_port(info) for info in ports], damage


def _port(info: dict[str, str]) -> Port:
    encap = re.search(r"\(\d+ - ([\w-]+)\)", info.get("Encapsulation", ""))
    link_type = _LINKTYPES.get(encap.group(1), -1) if encap else -1
    return Port(info.get("Name", ""), link_type, int(info.get("Capture length", "0")))


def _row(packet: Packet) -> Callable[[Row], None]:
    """Decode one packet into a closure that writes its row (rows are allocated once the count is known)."""
    values: dict[str, int | bool] = {
        "frame": int(packet.number),
        "port": int(packet.frame_info.get_field("frame.interface_id") or 0),
        "time_ns": _time_ns(packet.sniff_timestamp),
        "caplen": int(packet.captured_length),
        "wirelen": int(packet.length),
    }
    protocols = str(packet.frame_info.get_field("frame.protocols")).split(":")
    _decode_layers(packet.layers, protocols, values)

    def fill(row: Row) -> None:
        for name, value in values.items():
            row[name] = value

    return fill


def _time_ns(epoch: str) -> int:
    """Exact nanoseconds from tshark's decimal epoch string (a float would lose them)."""
    seconds, _, fraction = epoch.partition(".")
    return int(seconds) * 1_000_000_000 + int((fraction + "000000000")[:9])


def _cut_in_needed_header(protocols: list[str]) -> bool:
    last = protocols[-1]
    return last in _NEEDED and (last in _TAG_PROTOCOLS or last not in protocols[:-1])


def _decode_layers(layers: list[BaseLayer], protocols: list[str], values: dict[str, int | bool]) -> None:
    """Walk the top-level layers: link and tags, then one IP or ARP, then one transport header.
    `protocols` is frame.protocols: every dissector entered, including one that threw before adding its layer."""
    stage = "link"
    for layer in layers:
        name = layer.layer_name
        if name in _CUT_SHORT:
            values["truncated"] = stage != "done" and _cut_in_needed_header(protocols)
            return
        if stage == "link" and _decode_link(layer, values):
            continue
        if stage == "link" and name in ("ip", "ipv6"):
            (_decode_ipv4 if name == "ip" else _decode_ipv6)(layer, values)
            stage = "ip"
        elif stage == "link" and name == "arp":
            _decode_arp(layer, values)
            stage = "arp"
        elif stage == "ip" and name in ("tcp", "udp", "icmp", "icmpv6"):
            _decode_transport(layer, values)
            stage = "transport"
        else:
            stage = "done"


def _first(layer: BaseLayer, name: str) -> str | None:
    field = layer.get_field(name)
    return None if field is None else str(field.main_field.show)


def _int(layer: BaseLayer, name: str) -> int | None:
    show = _first(layer, name)
    return None if show is None else int(show, 0)


def _raw(layer: BaseLayer, name: str) -> int | None:
    """The field's bytes as a big-endian number (tshark's `show` may be a substituted value)."""
    field = layer.get_field(name)
    return None if field is None else int(field.main_field.raw_value, 16)


def _put(values: dict[str, int | bool], key: str, layer: BaseLayer, name: str) -> None:
    value = _int(layer, name)
    if value is not None:
        values[key] = value


def _mac(layer: BaseLayer, name: str) -> int | None:
    show = _first(layer, name)
    return None if show is None else int(show.replace(":", ""), 16)


def _decode_link(layer: BaseLayer, values: dict[str, int | bool]) -> bool:
    """Ethernet, SLL, headerless link types and VLAN tags; False when `layer` is none of them."""
    name = layer.layer_name
    if name == "eth":
        for key, field in (("eth_src", "eth.src"), ("eth_dst", "eth.dst")):
            mac = _mac(layer, field)
            if mac is not None:
                values[key] = mac
    if name == "sll":
        _put(values, "ifindex", layer, "sll.ifindex")
        _put(values, "pkttype", layer, "sll.pkttype")
    if name in _LINKS:
        _put(values, "ethertype", layer, _LINKS[name])
        return True
    if name in _TAGS:
        id_field, type_field = _TAGS[name]
        count = int(values.get("vlan_count", 0)) + 1
        values["vlan_count"] = count
        _put(values, "vlan_outer" if count == 1 else "vlan_inner", layer, id_field)
        values["ethertype"] = _int(layer, type_field) or 0  # an 802.3 length instead of a type: 0
        return True
    return name in _HEADERLESS_LINKS


def _address(layer: BaseLayer, name: str) -> tuple[int, int] | None:
    show = _first(layer, name)
    if show is None:
        return None
    address = ipaddress.ip_address(show)
    if address.version == 4:
        address = ipaddress.IPv6Address("::ffff:" + show)
    packed = int(address)
    return packed >> 64, packed & 0xFFFF_FFFF_FFFF_FFFF


def _put_addresses(values: dict[str, int | bool], layer: BaseLayer, prefix: str) -> None:
    for key, field in (("ip_src", prefix + ".src"), ("ip_dst", prefix + ".dst")):
        halves = _address(layer, field)
        if halves is not None:
            values[key + "_hi"], values[key + "_lo"] = halves


def _decode_ipv4(layer: BaseLayer, values: dict[str, int | bool]) -> None:
    values["ip_version"] = 4
    _put_addresses(values, layer, "ip")
    total_length = _raw(layer, "ip.len")  # shown as the frame size when the field is 0 (TSO)
    if total_length is not None:
        values["ip_len"] = total_length
    for key, field in (("ip_id", "ip.id"), ("proto", "ip.proto"), ("ttl", "ip.ttl")):
        _put(values, key, layer, field)
    offset = _int(layer, "ip.frag_offset")  # in 8-byte units
    if offset is not None:
        values["frag_offset"] = offset * 8
    for key, field in (("df", "ip.flags.df"), ("mf", "ip.flags.mf")):
        flag = _int(layer, field)
        if flag is not None:
            values[key] = bool(flag)


def _decode_ipv6(layer: BaseLayer, values: dict[str, int | bool]) -> None:
    values["ip_version"] = 6
    _put_addresses(values, layer, "ipv6")
    payload = _int(layer, "ipv6.plen")
    if payload:
        values["ip_len"] = payload + 40
    _put(values, "ttl", layer, "ipv6.hlim")
    next_headers = [layer.get_field(name) for name in ("ipv6.nxt", *_IPV6_NEXT_HEADERS)]
    chain = [field for container in next_headers if container is not None for field in container.all_fields]
    if chain:
        values["proto"] = int(max(chain, key=lambda field: int(field.pos)).show)
    if layer.get_field("ipv6.fraghdr.ident") is not None:
        _put(values, "ip_id", layer, "ipv6.fraghdr.ident")
        values["frag_offset"] = (_int(layer, "ipv6.fraghdr.offset") or 0) * 8  # in 8-byte units
        values["mf"] = _int(layer, "ipv6.fraghdr.more") == 1


def _decode_transport(layer: BaseLayer, values: dict[str, int | bool]) -> None:
    name = layer.layer_name
    if name in _PORTS:
        _put(values, "sport", layer, _PORTS[name][0])
        _put(values, "dport", layer, _PORTS[name][1])
        if name == "tcp":
            _put(values, "tcp_flags", layer, "tcp.flags")
        return
    kind = layer.get_field(name + ".type")
    if kind is None:
        return
    # An ICMP error's quoted headers are in the same layer: take only the fields of the outer header.
    start = int(kind.main_field.pos)
    for key, field, offset in _ICMP_FIELDS[name]:
        value = _int_at(layer, field, start + offset)
        if value is not None:
            values[key] = value


def _int_at(layer: BaseLayer, name: str, pos: int) -> int | None:
    """The value of field `name` at byte `pos` of the frame."""
    container = layer.get_field(name)
    fields = [] if container is None else container.all_fields
    return next((int(field.show, 0) for field in fields if int(field.pos) == pos), None)


def _decode_arp(layer: BaseLayer, values: dict[str, int | bool]) -> None:
    """The opcode always; the addresses only for Ethernet/IPv4 ARP (6-byte hardware, 4-byte protocol)."""
    _put(values, "arp_op", layer, "arp.opcode")
    if (_int(layer, "arp.hw.size"), _int(layer, "arp.proto.size")) != (6, 4):
        return
    for key, field in (("arp_sha", "arp.src.hw_mac"), ("arp_tha", "arp.dst.hw_mac")):
        mac = _mac(layer, field)
        if mac is not None:
            values[key] = mac
    for key, field in (("arp_spa", "arp.src.proto_ipv4"), ("arp_tpa", "arp.dst.proto_ipv4")):
        show = _first(layer, field)
        if show is not None:
            values[key] = int(ipaddress.IPv4Address(show))
