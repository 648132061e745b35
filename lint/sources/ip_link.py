"""`ip addr` and `ip link` in their forms: plain, -d (details), -s / -s -s (counters), -o (one line
per interface or per address) and -j (JSON); one InterfaceRecord per interface.

The text forms print one block per interface (iproute2's print_linkinfo, print_addrinfo and the
link statistics):

    5: eth0.3@eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue master xenbr0 state UP
        link/ether 52:54:00:12:34:56 brd ff:ff:ff:ff:ff:ff promiscuity 0 ...
        vlan protocol 802.1Q id 3 <REORDER_HDR> ...        -d: the link kind and its options, then
        bridge_slave state forwarding priority 32 ...       the port kind ("KIND_slave") if a port
        inet 10.0.3.1/24 brd 10.0.3.255 scope global eth0.3
           valid_lft forever preferred_lft forever
        RX: bytes  packets  errors  dropped overrun mcast    -s; the column names changed between
        1113685    2244     0       0       0       0         iproute2 versions ("missed" for
        TX: bytes  packets  errors  dropped carrier collsns   "overrun"), -s -s adds the
        550754     1407     0       0       0       0         "RX errors:" and "TX errors:" blocks

`ip -o` joins the lines of a block with "\\"; `ip -o addr` prints one line per address
("2: eth0    inet 10.0.0.5/24 ...") and no link lines. `ip -j` prints a JSON list of objects
(ifname, mtu, linkinfo.info_kind, addr_info, stats64, ...); json gives no positions, so each value
is located by its key inside its interface's object.

The records are "ip-addr" when the output lists addresses, "ip-link" otherwise. `options` holds
ifindex, flags (as printed: "BROADCAST,MULTICAST,UP"), info_kind / info_slave_kind (the link kinds
of -d, "bridge" for a bridge port as in JSON), the bridge options (stp_state, vlan_filtering,
vlan_protocol, nf_call_iptables, nf_call_ip6tables, nf_call_arptables), vlan_protocol, bond_mode,
tun_type, and port_state / mii_status of a port.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from xennet.findings import Location

from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ._text import JsonListReader, Line, Reader, flags_state, mac_address, read_link_values, word_set, xen_kind

_HEADER = re.compile(r"(?P<index>\d+):\s+(?P<name>[^\s:@]+)(?:@(?P<parent>[^\s:]+))?:\s+<(?P<flags>[^>]*)>")
_ADDRESS_HEADER = re.compile(r"(?P<index>\d+):\s+(?P<name>[^\s:@]+)\s+(?=inet6?\s)")  # ip -o addr
_LINK = re.compile(r"\s*link/(?P<type>\S+)")
_ADDRESS = re.compile(
    r"\s*inet6?\s+(?P<local>[^\s/]+)(?P<prefix>/\d+)?(?:\s+peer\s+[^\s/]+(?P<peer_prefix>/\d+))?(?=\s|$)"
)
_COUNTER_HEADER = re.compile(r"\s*(?P<block>[RT]X(?: errors)?):")
_NUMBERS = re.compile(r"\s*\d+(?:\s+\d+)*\s*")
_DETAIL = re.compile(r"\s+(?P<kind>[a-z][a-z0-9_]*)(?=\s|$)")
# Lines that say nothing kept here: address lifetimes, alternative names, aliases, SR-IOV VFs.
_SKIPPED = word_set("valid_lft altname alias vf")
# "@if5": the peer is in another network namespace and ip prints its index, not a name.
_NO_PARENT = re.compile(r"NONE|if\d+")
_HAS_ADDRESSES = re.compile(r'(?:^|\\)\s*inet6?\s|^\d+:\s+\S+\s+inet6?\s|"addr_info"\s*:', re.MULTILINE)
_LOOKS_LIKE = re.compile(
    r"^\d+:\s+[^\s:@]+(?:@[^\s:]+)?:\s+<[^>]*>.*\sqdisc\s"  # a link header (`bridge link` prints no qdisc)
    r"|(?:^|\\)\s*link/\S+"  # a link line, also inside an `ip -o link` line
    r"|^\d+:\s+[^\s:@]+\s+inet6?\s",  # ip -o addr
    re.MULTILINE,
)
_JSON_KEYS = re.compile(r'"(?:link_type|addr_info|operstate)"\s*:')

_COUNTERS = {
    "RX": {
        "bytes": "rx_bytes",
        "packets": "rx_packets",
        "errors": "rx_errors",
        "dropped": "rx_dropped",
        "overrun": "rx_over_errors",
        "missed": "rx_missed_errors",
        "mcast": "multicast",
        "compressed": "rx_compressed",
        "nohandler": "rx_nohandler",
        "otherhost": "rx_otherhost_dropped",
    },
    "RX errors": {
        "length": "rx_length_errors",
        "crc": "rx_crc_errors",
        "frame": "rx_frame_errors",
        "fifo": "rx_fifo_errors",
        "missed": "rx_missed_errors",
        "overrun": "rx_over_errors",
        "nohandler": "rx_nohandler",
        "otherhost": "rx_otherhost_dropped",
    },
    "TX": {
        "bytes": "tx_bytes",
        "packets": "tx_packets",
        "errors": "tx_errors",
        "dropped": "tx_dropped",
        "carrier": "tx_carrier_errors",
        "collsns": "collisions",
        "compressed": "tx_compressed",
    },
    "TX errors": {
        "aborted": "tx_aborted_errors",
        "fifo": "tx_fifo_errors",
        "window": "tx_window_errors",
        "heartbeat": "tx_heartbeat_errors",
        "heartbt": "tx_heartbeat_errors",
        "transns": "carrier_changes",
    },
}
_UNPREFIXED_COUNTERS = word_set("multicast collisions carrier_changes")  # JSON keys that are kernel names

_KINDS = {"bridge": "bridge", "vlan": "vlan", "bond": "bond", "team": "team", "veth": "veth"}
_TUNNELS = word_set("vxlan geneve gre gretap ip6gre ip6gretap ipip sit ip6tnl vti vti6 erspan ip6erspan bareudp")
_BRIDGE_OPTIONS = word_set(
    "stp_state vlan_filtering vlan_protocol nf_call_iptables nf_call_ip6tables nf_call_arptables"
)
# The printed (and JSON) names of the link kind's options that are kept, and their option names.
_LINK_OPTIONS = {
    "bridge": {key: key for key in _BRIDGE_OPTIONS},
    "vlan": {"protocol": "vlan_protocol"},
    "bond": {"mode": "bond_mode"},
    "tun": {"type": "tun_type"},
}
_PORT_OPTIONS = {"state": "port_state", "mii_status": "mii_status"}


def looks_like(text: str) -> bool:
    """True for any of the `ip addr` / `ip link` outputs above."""
    if text.lstrip().startswith("["):
        return _JSON_KEYS.search(text) is not None
    return _LOOKS_LIKE.search(text) is not None


def parse_ip_link(text: str, path: str) -> HostFacts:
    """One record per interface of any of the outputs above; one "unrecognized" problem for other text."""
    reader = Reader(path, text)
    if not looks_like(text):
        return reader.finish(HostFacts(), "ip", understood=False)
    source = "ip-addr" if _HAS_ADDRESSES.search(text) else "ip-link"
    if text.lstrip().startswith("["):
        records = _JsonReader(reader, source).read()
    else:
        records = _TextReader(reader, source).read()
    return reader.finish(HostFacts(interfaces=records), "ip", understood=bool(records))




def _link_kind(record: InterfaceRecord, kind: Fact[str], data: dict[str, Fact[str]]) -> None:
    """What -d says of the device itself: "vlan protocol 802.1Q id 3", "bridge ... nf_call_iptables 1"."""
    record.options["info_kind"] = kind
    tun_type = data["type"].value if "type" in data else None
    if kind.value == "tun":
        value = "tap" if tun_type == "tap" else "tunnel"
    else:
        value = "tunnel" if kind.value in _TUNNELS else _KINDS.get(kind.value, "other")
    record.kind = Fact(value, kind.location)
    vlan_id = data.get("id")
    if kind.value == "vlan" and vlan_id and vlan_id.value.isdigit():
        record.vlan_id = Fact(int(vlan_id.value), vlan_id.location)
    for key, option in _LINK_OPTIONS.get(kind.value, {}).items():
        if key in data:
            record.options[option] = data[key]


def _port_kind(record: InterfaceRecord, kind: Fact[str], data: dict[str, Fact[str]]) -> None:
    """What -d says of the device as a port of its master: "bridge_slave state forwarding ..."."""
    record.options["info_slave_kind"] = kind
    for key, option in _PORT_OPTIONS.items():
        if key in data:
            record.options[option] = data[key]


def _pieces(lines: list[Line]) -> Iterator[Line]:
    """The lines, with `ip -o` lines cut where ip joined its lines with "\\"."""
    for line in lines:
        start = 0
        for piece in line.text.split("\\"):
            yield Line(line.number, piece, start)
            start += len(piece) + 1


class _TextReader:
    def __init__(self, reader: Reader, source: str) -> None:
        self.reader = reader
        self.source = source
        self.found: dict[str, InterfaceRecord] = {}
        self.current: InterfaceRecord | None = None
        self.details: int | None = None  # detail lines read right after the link line, else None
        self.waiting: tuple[Line, str, list[tuple[int, str]]] | None = None  # a counter header
        self.unknown_columns: set[tuple[str, str]] = set()

    def read(self) -> list[InterfaceRecord]:
        for line in _pieces(self.reader.whole_lines()):
            if line.text.strip():
                self._read(line)
        if self.waiting:
            self.reader.cut_short("output ends after a counter header")
        elif self.current and "rx_packets" in self.current.counters and "tx_packets" not in self.current.counters:
            self.reader.cut_short(f"output ends before the TX counters of {self.current.name}")
        return list(self.found.values())

    def _read(self, line: Line) -> None:
        if self.waiting:
            header, self.waiting = self.waiting, None
            if _NUMBERS.fullmatch(line.text):
                self._counters(*header, line)
                return
            self.reader.problem("syntax", "counter header without a line of numbers", self.reader.at(header[0]))
        after_link, self.details = self.details, None
        if match := _HEADER.match(line.text):
            self._header(line, match)
        elif match := _ADDRESS_HEADER.match(line.text):
            self.current = self._record(line, match)
            self._address(line, match.end())
        elif self.current is None:
            self.reader.bad_line(line, "ip")
        elif match := _LINK.match(line.text):
            self._link(line, match)
            self.details = 0
        elif after_link is not None and after_link < 2 and self._is_detail(line):
            self._detail(line)
            self.details = after_link + 1
        elif _ADDRESS.match(line.text):
            self._address(line, 0)
        elif match := _COUNTER_HEADER.match(line.text):
            self.waiting = (line, match["block"], line.words(match.end()))
        elif line.text.split()[0] not in _SKIPPED:
            self.reader.bad_line(line, "ip")

    def _record(self, line: Line, match: re.Match[str]) -> InterfaceRecord:
        """The record of the interface named in `match` (`ip -o addr` names it once per address)."""
        name = match["name"]
        if name not in self.found:
            record = InterfaceRecord(name, self.source, self.reader.at(line, match.start("name")))
            record.options["ifindex"] = self.reader.fact(match["index"], line, match.start("index"))
            kind = xen_kind(name)
            if kind:
                record.kind = Fact(kind, record.location)
            self.found[name] = record
        return self.found[name]

    def _header(self, line: Line, match: re.Match[str]) -> None:
        self.current = record = self._record(line, match)
        at = self.reader.fact
        parent = match["parent"]
        if parent and not _NO_PARENT.fullmatch(parent):
            record.parent = at(parent, line, match.start("parent"))
        flags = match["flags"]
        record.options["flags"] = at(flags, line, match.start("flags"))
        values = read_link_values(self.reader, record, line, match.end())
        if "state" in values:
            record.state = at(values["state"][1].lower(), line, values["state"][0])
        else:
            record.state = at(flags_state(flags.split(",")), line, match.start("flags"))

    def _link(self, line: Line, match: re.Match[str]) -> None:
        assert self.current is not None
        if match["type"] == "loopback":
            self.current.kind = self.reader.fact("loopback", line, match.start("type"))
        address = line.words(match.end())[:1]
        mac = mac_address(address[0][1]) if match["type"] == "ether" and address else None
        if mac:
            self.current.mac = self.reader.fact(mac, line, address[0][0])

    def _is_detail(self, line: Line) -> bool:
        match = _DETAIL.match(line.text)
        return match is not None and match["kind"] not in _SKIPPED | {"inet", "inet6"}

    def _detail(self, line: Line) -> None:
        assert self.current is not None
        (index, kind), *_ = line.words()
        data = {key: self.reader.fact(value, line, at) for key, (at, value) in line.values(index).items()}
        if kind.endswith("_slave"):
            _port_kind(self.current, self.reader.fact(kind.removesuffix("_slave"), line, index), data)
        else:
            _link_kind(self.current, self.reader.fact(kind, line, index), data)

    def _address(self, line: Line, start: int) -> None:
        assert self.current is not None
        match = _ADDRESS.match(line.text, start)
        prefix = match and (match["prefix"] or match["peer_prefix"])
        if not match or not prefix:
            self.reader.bad_line(line, "ip")
            return
        self.current.addresses.append(self.reader.fact(match["local"] + prefix, line, match.start("local")))

    def _counters(self, header: Line, block: str, names: list[tuple[int, str]], line: Line) -> None:
        assert self.current is not None
        for index, name in names:
            if name not in _COUNTERS[block] and (block, name) not in self.unknown_columns:
                self.unknown_columns.add((block, name))
                self.reader.problem("syntax", f"unknown {block} column {name!r}", self.reader.at(header, index))
        values = line.words()
        if len(values) != len(names):  # which number is whose is unknown: none is kept
            kind = "truncated" if line.number >= self.reader.last else "syntax"
            message = f"{len(values)} numbers under {len(names)} {block} columns"
            self.reader.problem(kind, message, self.reader.at(line))
            return
        for (_, name), (index, value) in zip(names, values, strict=True):
            if name in _COUNTERS[block]:
                self.current.counters[_COUNTERS[block][name]] = self.reader.fact(int(value), line, index)


class _JsonReader(JsonListReader):
    """`ip -j` output: one record per interface object."""

    def _record(self, item: dict[str, Any], start: int, end: int) -> InterfaceRecord | None:
        def at(*keys: str) -> Location:
            return self.reader.at_offset(self._find(start, end, *keys))

        name = item.get("ifname")
        if not isinstance(name, str):
            self.reader.problem("syntax", "JSON: an interface without ifname", self.reader.at_offset(start))
            return None
        record = InterfaceRecord(name, self.source, at("ifname"))
        kind = xen_kind(name)
        if kind:
            record.kind = Fact(kind, record.location)
        if "ifindex" in item:
            record.options["ifindex"] = Fact(str(item["ifindex"]), at("ifindex"))
        flags = [str(flag) for flag in item["flags"]] if isinstance(item.get("flags"), list) else []
        record.options["flags"] = Fact(",".join(flags), at("flags"))
        if isinstance(item.get("operstate"), str):
            record.state = Fact(item["operstate"].lower(), at("operstate"))
        else:
            record.state = Fact(flags_state(flags), at("flags"))
        if isinstance(item.get("mtu"), int):
            record.mtu = Fact(item["mtu"], at("mtu"))
        if isinstance(item.get("master"), str):
            record.master = Fact(item["master"], at("master"))
        if isinstance(item.get("link"), str):
            record.parent = Fact(item["link"], at("link"))
        if item.get("link_type") == "loopback":
            record.kind = Fact("loopback", at("link_type"))
        mac = mac_address(str(item.get("address"))) if item.get("link_type") == "ether" else None
        if mac:
            record.mac = Fact(mac, at("address"))
        self._linkinfo(record, item.get("linkinfo"), start, end)
        self._addresses(record, item.get("addr_info"), start, end)
        self._counters(record, item, start, end)
        return record

    def _linkinfo(self, record: InterfaceRecord, info: object, start: int, end: int) -> None:
        if not isinstance(info, dict):
            return
        base = self._find(start, end, "linkinfo")
        for kind_key, data_key, apply in (
            ("info_kind", "info_data", _link_kind),
            ("info_slave_kind", "info_slave_data", _port_kind),
        ):
            if isinstance(info.get(kind_key), str):
                kind = Fact(info[kind_key], self.reader.at_offset(self._find(base, end, kind_key)))
                apply(record, kind, self._data(info.get(data_key), self._find(base, end, data_key), end))

    def _data(self, data: object, start: int, end: int) -> dict[str, Fact[str]]:
        """The text of the scalar values of an info_data object, located."""
        if not isinstance(data, dict):
            return {}
        return {
            key: Fact(str(value), self.reader.at_offset(self._find(start, end, key)))
            for key, value in data.items()
            if isinstance(value, (str, int)) and not isinstance(value, bool)
        }

    def _addresses(self, record: InterfaceRecord, entries: object, start: int, end: int) -> None:
        position = self._find(start, end, "addr_info")
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and "local" in entry and isinstance(entry.get("prefixlen"), int):
                position = self._find(position, end, "local")
                address = f"{entry['local']}/{entry['prefixlen']}"
                record.addresses.append(Fact(address, self.reader.at_offset(position)))

    def _counters(self, record: InterfaceRecord, item: dict[str, Any], start: int, end: int) -> None:
        key = "stats64" if "stats64" in item else "stats"
        stats = item.get(key)
        if not isinstance(stats, dict):
            return
        for direction in ("rx", "tx"):
            counters = stats.get(direction)
            base = self._find(start, end, key, direction)
            for name, value in counters.items() if isinstance(counters, dict) else ():
                if isinstance(value, int) and not isinstance(value, bool):
                    counter = name if name in _UNPREFIXED_COUNTERS else f"{direction}_{name}"
                    record.counters[counter] = Fact(value, self.reader.at_offset(self._find(base, end, name)))
