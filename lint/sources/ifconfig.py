"""`ifconfig -a` (net-tools) in its two formats; one "ifconfig" record per interface.

Before net-tools 2.0 (the dom0s of RHEL 5/6 and older Debian):

    eth0      Link encap:Ethernet  HWaddr 00:16:3E:12:34:56
              inet addr:10.1.1.5  Bcast:10.1.1.255  Mask:255.255.255.0
              inet6 addr: fe80::216:3eff:fe12:3456/64 Scope:Link
              UP BROADCAST RUNNING MULTICAST  MTU:1500  Metric:1
              RX packets:36 errors:0 dropped:0 overruns:0 frame:0
              TX packets:152 errors:0 dropped:0 overruns:0 carrier:0
              collisions:0 txqueuelen:1000
              RX bytes:5602 (5.6 KB)  TX bytes:13935 (13.9 KB)

From net-tools 2.0 on:

    eth0: flags=4163<UP,BROADCAST,RUNNING,MULTICAST>  mtu 1500
            inet 10.1.1.5  netmask 255.255.255.0  broadcast 10.1.1.255
            inet6 fe80::216:3eff:fe12:3456  prefixlen 64  scopeid 0x20<link>
            ether 00:16:3e:12:34:56  txqueuelen 1000  (Ethernet)
            RX packets 36  bytes 5602 (5.6 KB)
            RX errors 0  dropped 0  overruns 0  frame 0
            TX packets 152  bytes 13935 (13.9 KB)
            TX errors 0  dropped 0 overruns 0  carrier 0  collisions 0

A block starts at a line that is not indented. Counters get the kernel's names for what net-tools
prints: "overruns" is rx_fifo_errors / tx_fifo_errors, "frame" rx_frame_errors, "carrier"
tx_carrier_errors. The state is "up" or "down" after the UP flag; options["flags"] holds the flags
comma-separated, as ip prints them.

jc's ifconfig parser is not used: on the old format it keeps the flags as one string
("UP BROADCAST RUNNING MULTICAST "), drops the IPv6 addresses of scope Global and the IPv4 addresses
with a P-t-P peer, and reads an UNSPEC hardware address as "00"; and it has no positions.
"""

from __future__ import annotations

import ipaddress
import re

from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ._text import Line, Reader, flags_state, mac_address, xen_kind

_NEW_HEADER = re.compile(r"(?P<name>\S+?):\s+flags=\d+<(?P<flags>[^>]*)>")
_OLD_HEADER = re.compile(r"(?P<name>\S+)\s+Link encap:")
_MTU = re.compile(r"\b(?:mtu |MTU:)(?P<mtu>\d+)")
_MAC = re.compile(r"\b(?:HWaddr|ether)\s+(?P<mac>\S+)")
_INET = re.compile(r"\binet (?:addr:)?(?P<address>\d+\.\d+\.\d+\.\d+)")
_MASK = re.compile(r"\b(?:Mask:|netmask )(?P<mask>\d+\.\d+\.\d+\.\d+)")
_INET6 = re.compile(r"\binet6 (?:addr: ?)?(?P<address>[0-9A-Fa-f:.]+)(?:/(?P<prefix>\d+))?")
_PREFIXLEN = re.compile(r"\bprefixlen (?P<prefix>\d+)")
_OLD_FLAGS = re.compile(r"\s+(?P<flags>[A-Z][A-Z0-9_-]*(?: [A-Z][A-Z0-9_-]*)*)\s+MTU:")
_LOOPBACK = re.compile(r"Link encap:Local Loopback|^\s+loop\s")
_COUNTER = re.compile(r"\b(?P<direction>[RT]X)\b|\b(?P<name>[a-z]+)[: ](?P<value>\d+)\b")
_IGNORED = re.compile(r"\s+(?:Interrupt|Base address|Memory|DMA chan|device|unspec|infiniband)\b")
_LOOKS_LIKE = re.compile(r"^\S+?:\s+flags=\d+<[^>]*>.*\smtu \d+|^\S+\s+Link encap:", re.MULTILINE)

_COUNTERS = {
    ("RX", "packets"): "rx_packets",
    ("RX", "bytes"): "rx_bytes",
    ("RX", "errors"): "rx_errors",
    ("RX", "dropped"): "rx_dropped",
    ("RX", "overruns"): "rx_fifo_errors",
    ("RX", "frame"): "rx_frame_errors",
    ("RX", "compressed"): "rx_compressed",
    ("TX", "packets"): "tx_packets",
    ("TX", "bytes"): "tx_bytes",
    ("TX", "errors"): "tx_errors",
    ("TX", "dropped"): "tx_dropped",
    ("TX", "overruns"): "tx_fifo_errors",
    ("TX", "carrier"): "tx_carrier_errors",
    ("TX", "collisions"): "collisions",
    ("TX", "compressed"): "tx_compressed",
    ("", "collisions"): "collisions",  # the old format prints it on a line of its own
}


def looks_like(text: str) -> bool:
    """True for either ifconfig format."""
    return _LOOKS_LIKE.search(text) is not None


def parse_ifconfig(text: str, path: str) -> HostFacts:
    """One record per interface block; one "unrecognized" problem for other text."""
    reader = Reader(path, text)
    if not looks_like(text):
        return reader.finish(HostFacts(), "ifconfig", understood=False)
    records: list[InterfaceRecord] = []
    current: InterfaceRecord | None = None
    for line in reader.whole_lines():
        if not line.text.strip():
            continue
        if line.text[0].isspace():
            if current is None or not (_read(reader, current, line, 0) or _IGNORED.match(line.text)):
                reader.bad_line(line, "ifconfig")
        elif header := _NEW_HEADER.match(line.text) or _OLD_HEADER.match(line.text):
            current = _header(reader, line, header)
            records.append(current)
            _read(reader, current, line, header.end())
        else:
            current = None
            reader.bad_line(line, "ifconfig")
    if current and "tx_packets" not in current.counters:
        reader.cut_short(f"output ends inside the block of {current.name}: it has no TX counters")
    return reader.finish(HostFacts(interfaces=records), "ifconfig", bool(records))


def _header(reader: Reader, line: Line, match: re.Match[str]) -> InterfaceRecord:
    record = InterfaceRecord(match["name"], "ifconfig", reader.at(line, match.start("name")))
    kind = xen_kind(record.name)
    if kind:
        record.kind = Fact(kind, record.location)
    if "flags" in match.groupdict():
        _flags(reader, record, line, match.start("flags"), match["flags"].split(","))
    return record


def _flags(reader: Reader, record: InterfaceRecord, line: Line, index: int, flags: list[str]) -> None:
    record.options["flags"] = reader.fact(",".join(flags), line, index)
    record.state = reader.fact(flags_state(flags), line, index)
    if "LOOPBACK" in flags:
        record.kind = reader.fact("loopback", line, index)


def _read(reader: Reader, record: InterfaceRecord, line: Line, start: int) -> bool:
    """Read what `line` says of the interface from `start` on; False if it says nothing known."""
    text = line.text
    found = _counters(reader, record, line, start)
    if match := _MTU.search(text, start):
        record.mtu, found = reader.fact(int(match["mtu"]), line, match.start("mtu")), True
    if match := _MAC.search(text, start):
        found = True  # an UNSPEC or infiniband hardware address is not a MAC: nothing to keep
        mac = mac_address(match["mac"])
        if mac:
            record.mac = reader.fact(mac, line, match.start("mac"))
    if match := _INET.search(text, start):
        found = _inet(reader, record, line, match) or found
    if match := _INET6.search(text, start):
        prefixlen = _PREFIXLEN.search(text)
        prefix = match["prefix"] or (prefixlen and prefixlen["prefix"])
        if prefix:
            record.addresses.append(reader.fact(f"{match['address']}/{prefix}", line, match.start("address")))
            found = True
    if match := _OLD_FLAGS.match(text):
        _flags(reader, record, line, match.start("flags"), match["flags"].split())
        found = True
    if _LOOPBACK.search(text):
        record.kind, found = reader.fact("loopback", line, 0), True
    return found


def _inet(reader: Reader, record: InterfaceRecord, line: Line, match: re.Match[str]) -> bool:
    """An IPv4 address with the prefix length of its netmask; False if the mask is missing or wrong."""
    mask = _MASK.search(line.text, match.end())
    try:
        prefix = ipaddress.IPv4Network(f"0.0.0.0/{mask['mask']}").prefixlen if mask else None
    except ValueError:
        prefix = None
    if prefix is not None:
        record.addresses.append(reader.fact(f"{match['address']}/{prefix}", line, match.start("address")))
    return prefix is not None


def _counters(reader: Reader, record: InterfaceRecord, line: Line, start: int) -> bool:
    """The counters of "RX packets:36 errors:0 ..." or "RX packets 36  bytes 5602 ...": the words
    after RX or TX."""
    direction = ""
    found = False
    for match in _COUNTER.finditer(line.text, start):
        if match["direction"]:
            direction = match["direction"]
        elif counter := _COUNTERS.get((direction, match["name"])):
            record.counters[counter] = reader.fact(int(match["value"]), line, match.start("value"))
            found = True
    return found
