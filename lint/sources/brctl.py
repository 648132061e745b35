"""Bridges and their ports: `brctl show` (bridge-utils) and `bridge link` (iproute2).

`brctl show` prints a header, then a row per bridge with its first port, and a line per further
port (tabs; copies often have spaces; a long name pushes the columns; a bridge without ports has
an empty last column):

    bridge name     bridge id               STP enabled     interfaces
    xenbr0          8000.feffffffffff       no              vif1.0
                                                            vif2.0

The bridge id is the bridge priority and the bridge's own MAC address, so it gives the bridge record
its `mac`. A port record's master is located at the port's line: that line makes it a port.

`bridge link` prints a line per port; iproute2 3.x printed the operational state before the colon:

    2: vif1.0 state UP : <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 100
    2: vif1.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 master xenbr0 state forwarding priority 32 cost 100

"state forwarding" is the port's STP state, kept as options["port_state"] (as `ip -d link` gives it);
`bridge -d link` adds indented lines of port flags, which are skipped. `bridge -j [-d] link` (what
`xennet collect` stores) prints the same as a JSON list, one object per port; there "link" is the
bridge, not a lower device, and "state" the STP state:

    [{"ifindex":3,"link":"xenbr0","ifname":"vif1.0","flags":["BROADCAST","UP"],"mtu":1500,
      "master":"xenbr0","state":"forwarding","priority":32,"cost":2}]
"""

from __future__ import annotations

import re
from typing import Any

from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ._text import JsonListReader, Line, Reader, flags_state, read_link_values

_SHOW_HEADER = re.compile(r"bridge name\s+bridge id\s+STP enabled\s+interfaces\s*$")
_BRIDGE = re.compile(
    r"(?P<name>\S+)\s+(?P<id>[0-9a-fA-F]{4}\.(?P<address>[0-9a-fA-F]{12}))\s+(?P<stp>yes|no)(?:\s+(?P<port>\S+))?\s*$"
)
_PORT = re.compile(r"\s+(?P<port>\S+)\s*$")
_LINK = re.compile(
    r"(?P<index>\d+):\s+(?P<name>[^\s:@]+)(?:@[^\s:]+)?"
    r"(?:\s+state\s+(?P<operstate>\S+)\s*(?:@[^\s:]+)?)?\s*:\s+<(?P<flags>[^>]*)>"
)


_JSON_PORT = re.compile(r'"ifname"\s*:.*"master"\s*:', re.DOTALL)
_JSON_NOT_PORT = re.compile(r'"(?:operstate|link_type|addr_info)"\s*:')  # `ip -j link/addr` objects


def looks_like(text: str) -> bool:
    """True for `brctl show`, `bridge link` and `bridge -j link` outputs."""
    if text.lstrip().startswith("["):
        return _JSON_PORT.search(text) is not None and _JSON_NOT_PORT.search(text) is None
    return _is_show(text) or _is_bridge_link(text)


def parse_brctl(text: str, path: str) -> HostFacts:
    """The bridges and ports of `brctl show`, `bridge link` or `bridge -j link`, whichever `text` is."""
    if text.lstrip().startswith("["):
        reader = Reader(path, text)
        return reader.finish(HostFacts(interfaces=_BridgeJsonReader(reader, "bridge-link").read()), "bridge -j link",
                             understood=True)
    if _is_bridge_link(text) and not _is_show(text):
        return parse_bridge_link(text, path)
    return parse_brctl_show(text, path)


def _is_show(text: str) -> bool:
    return any(_SHOW_HEADER.match(line.strip()) for line in text.split("\n"))


def _is_bridge_link(text: str) -> bool:
    return any(_port_line(line) for line in text.split("\n"))


def _port_line(text: str) -> re.Match[str] | None:
    """A `bridge link` line; the header of an `ip link` block looks alike but names a qdisc."""
    match = _LINK.match(text)
    return match if match and " qdisc " not in text else None


def parse_brctl_show(text: str, path: str) -> HostFacts:
    """One "brctl" record per bridge (kind "bridge", its ports, mac, bridge_id, stp_enabled) and per port."""
    reader = Reader(path, text)
    records: list[InterfaceRecord] = []
    bridge: InterfaceRecord | None = None
    understood = False
    for line in reader.whole_lines():
        if not line.text.strip():
            continue
        if _SHOW_HEADER.match(line.text.strip()):
            understood, bridge = True, None
        elif match := _BRIDGE.match(line.text):
            bridge = _bridge(reader, line, match)
            records.append(bridge)
            if match["port"]:
                records.append(_port(reader, bridge, line, match.start("port")))
        elif bridge and (match := _PORT.match(line.text)):
            records.append(_port(reader, bridge, line, match.start("port")))
        else:
            reader.bad_line(line, "brctl show")
    return reader.finish(HostFacts(interfaces=records), "brctl show", understood or bool(records))


def _bridge(reader: Reader, line: Line, match: re.Match[str]) -> InterfaceRecord:
    record = InterfaceRecord(match["name"], "brctl", reader.at(line, match.start("name")))
    record.kind = Fact("bridge", record.location)
    address = match["address"].lower()
    mac = ":".join(address[i : i + 2] for i in range(0, 12, 2))
    record.mac = reader.fact(mac, line, match.start("address"))
    record.options["bridge_id"] = reader.fact(match["id"], line, match.start("id"))
    record.options["stp_enabled"] = reader.fact(match["stp"], line, match.start("stp"))
    return record


def _port(reader: Reader, bridge: InterfaceRecord, line: Line, index: int) -> InterfaceRecord:
    name = line.text[index:].strip()
    bridge.ports.append(reader.fact(name, line, index))
    record = InterfaceRecord(name, "brctl", reader.at(line, index))
    record.master = Fact(bridge.name, record.location)
    return record


def parse_bridge_link(text: str, path: str) -> HostFacts:
    """One "bridge-link" record per port: master, mtu, state, flags, ifindex and port_state."""
    reader = Reader(path, text)
    records: list[InterfaceRecord] = []
    for line in reader.whole_lines():
        if not line.text.strip():
            continue
        if match := _port_line(line.text):
            records.append(_link_port(reader, line, match))
        elif not (records and line.text[0].isspace()):  # indented: a `bridge -d link` line of the port
            reader.bad_line(line, "bridge link")
    return reader.finish(HostFacts(interfaces=records), "bridge link", bool(records))


def _link_port(reader: Reader, line: Line, match: re.Match[str]) -> InterfaceRecord:
    at = reader.fact
    record = InterfaceRecord(match["name"], "bridge-link", reader.at(line, match.start("name")))
    record.options["ifindex"] = at(match["index"], line, match.start("index"))
    record.options["flags"] = at(match["flags"], line, match.start("flags"))
    if match["operstate"]:
        record.state = at(match["operstate"].lower(), line, match.start("operstate"))
    else:
        record.state = at(flags_state(match["flags"].split(",")), line, match.start("flags"))
    values = read_link_values(reader, record, line, match.end())
    if "state" in values:
        record.options["port_state"] = at(values["state"][1], line, values["state"][0])
    return record


class _BridgeJsonReader(JsonListReader):
    """`bridge -j link`: one "bridge-link" record per port object (an empty list: no ports)."""

    def _record(self, item: dict[str, Any], start: int, end: int) -> InterfaceRecord | None:
        def at(key: str) -> Fact[str]:
            return Fact(str(item[key]), self.reader.at_offset(self._find(start, end, key)))

        if not isinstance(item.get("ifname"), str):
            self.reader.problem("syntax", "JSON: a port without ifname", self.reader.at_offset(start))
            return None
        record = InterfaceRecord(item["ifname"], self.source, at("ifname").location)
        flags = [str(flag) for flag in item["flags"]] if isinstance(item.get("flags"), list) else []
        record.options["flags"] = Fact(",".join(flags), self.reader.at_offset(self._find(start, end, "flags")))
        record.state = Fact(flags_state(flags), record.options["flags"].location)
        if "ifindex" in item:
            record.options["ifindex"] = at("ifindex")
        if isinstance(item.get("mtu"), int):
            record.mtu = Fact(item["mtu"], at("mtu").location)
        if isinstance(item.get("master"), str):
            record.master = at("master")
        if isinstance(item.get("state"), str):
            record.options["port_state"] = at("state")
        return record
