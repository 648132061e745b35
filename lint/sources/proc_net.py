"""Per-interface kernel tables and ethtool reports:

- /proc/net/dev: the counters of every interface ("proc-net-dev" records);
- /proc/net/vlan/config: each VLAN device, its id and raw device ("proc-vlan");
- `ethtool -k IFACE` (also the "Offload parameters for" form of old ethtool): the offload features,
  and `ethtool -i IFACE`: the driver ("ethtool").

/proc/net/dev reads

    Inter-|   Receive                                                |  Transmit
     face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop ...
      eth0: 4016716 31263937    0    0    0     0          0         0 3224386 27497305    0    0 ...

and its columns come from the header. Older kernels (2.6.18 of RHEL 5's Xen dom0 among them)
printed "%6s:%8lu", so a byte count of eight digits or more follows the colon without a space
("eth0:4016716398"). jc's proc_net_dev parser splits on spaces, takes the bytes for part of the
name and shifts every counter by one column, so it is not used. The kernel sums some counters into one column: "drop" is
rx_dropped + rx_missed_errors, "frame" the length, overrun, CRC and frame errors, "carrier" the
carrier, aborted, window and heartbeat errors; they get the name of the first (rx_dropped,
rx_frame_errors, tx_carrier_errors) as net-tools does.

/proc/net/vlan/config reads "eth0.3         | 3  | eth0" after two header lines. ethtool prints
"Features for eth0:" and then "feature: on|off [fixed]" (sub-features indented); jc's ethtool
parser reads neither -k nor -i. `ethtool -i` does not name the interface: it is taken from the file
name sosreport gives it (ethtool_-i_eth0).
"""

from __future__ import annotations

import os
import re

from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ._text import Line, Reader

_DEV_TITLE = re.compile(r"\s*Inter-\|")
_DEV_HEADER = re.compile(r"\s*face\s*\|(?P<rx>[^|]*)\|(?P<tx>.*)")
_DEV_ROW = re.compile(r"\s*(?P<name>[^\s:]+):")
_DEV_DEFAULT = (  # the columns of every kernel since 2.2, for rows without a header above them
    " face |bytes packets errs drop fifo frame compressed multicast"
    "|bytes packets errs drop fifo colls carrier compressed"
)
_DEV_COUNTERS = {
    "rx": {
        "bytes": "rx_bytes",
        "packets": "rx_packets",
        "errs": "rx_errors",
        "drop": "rx_dropped",
        "fifo": "rx_fifo_errors",
        "frame": "rx_frame_errors",
        "compressed": "rx_compressed",
        "multicast": "multicast",
    },
    "tx": {
        "bytes": "tx_bytes",
        "packets": "tx_packets",
        "errs": "tx_errors",
        "drop": "tx_dropped",
        "fifo": "tx_fifo_errors",
        "colls": "collisions",
        "carrier": "tx_carrier_errors",
        "compressed": "tx_compressed",
    },
}

_VLAN_HEADER = re.compile(r"VLAN Dev name\s*\|\s*VLAN ID\s*$|Name-Type:\s*\S+\s*$")
_VLAN_ROW = re.compile(r"(?P<name>\S+)\s*\|\s*(?P<id>\d+)\s*\|\s*(?P<parent>\S+)\s*$")

_FEATURES = re.compile(r"(?:Features|Offload parameters) for (?P<name>\S+?):\s*$")
_FEATURE = re.compile(r"\s*(?P<feature>[a-z0-9][a-z0-9_ -]*?):\s+(?P<value>on|off)\b(?:\s+\[[^\]]*\])?\s*$")
# What ethtool says when a driver cannot report a feature (old ethtool printed it to stdout).
_ETHTOOL_MESSAGE = re.compile(r"Cannot get .*|no offload info available\s*")
_DRIVER = re.compile(
    r"(?P<key>driver|version|firmware-version|expansion-rom-version|bus-info|supports-[a-z-]+):"
    r"(?:\s+(?P<value>.*?))?\s*$"
)
_DRIVER_OPTIONS = {
    "driver": "driver",
    "version": "driver_version",
    "firmware-version": "firmware_version",
    "bus-info": "bus_info",
}
_SOSREPORT_NAME = re.compile(r"ethtool_-[a-zA-Z]_(?P<name>.+)")


def looks_like(text: str) -> bool:
    """True for /proc/net/dev, /proc/net/vlan/config, `ethtool -k` and `ethtool -i` outputs."""
    return _format(text) is not None


def parse_proc_net(text: str, path: str) -> HostFacts:
    """The records of whichever of the outputs above `text` is."""
    parse = {"dev": parse_proc_net_dev, "vlan": parse_proc_vlan, "ethtool": parse_ethtool}.get(_format(text) or "")
    return parse(text, path) if parse else _unrecognized(text, path, "/proc/net or ethtool")


def _unrecognized(text: str, path: str, what: str) -> HostFacts:
    return Reader(path, text).finish(HostFacts(), what, understood=False)


def _format(text: str) -> str | None:
    lines = text.split("\n")
    if any(_DEV_TITLE.match(line) or _DEV_HEADER.match(line) for line in lines):
        return "dev"
    if any(_VLAN_HEADER.match(line) for line in lines):
        return "vlan"
    first = next((line for line in lines if line.strip()), "")
    if any(_FEATURES.match(line) for line in lines) or first.startswith("driver:"):
        return "ethtool"
    return None


def parse_proc_net_dev(text: str, path: str) -> HostFacts:
    """One "proc-net-dev" record per row, with the counters of the columns the header names."""
    if _format(text) != "dev":
        return _unrecognized(text, path, "/proc/net/dev")
    reader = Reader(path, text)
    columns = _dev_columns(reader, Line(0, _DEV_DEFAULT))
    records = []
    for line in reader.whole_lines():
        if not line.text.strip() or _DEV_TITLE.match(line.text):
            continue
        if _DEV_HEADER.match(line.text):
            columns = _dev_columns(reader, line)
        elif match := _DEV_ROW.match(line.text):
            record = InterfaceRecord(match["name"], "proc-net-dev", reader.at(line, match.start("name")))
            _dev_counters(reader, record, line, match.end(), columns)
            records.append(record)
        else:
            reader.bad_line(line, "/proc/net/dev")
    return reader.finish(HostFacts(interfaces=records), "/proc/net/dev", understood=True)


def _dev_columns(reader: Reader, line: Line) -> list[str | None]:
    """The counter of each column of the header "face |RX COLUMNS|TX COLUMNS" (None: unknown)."""
    match = _DEV_HEADER.match(line.text)
    assert match is not None
    columns: list[str | None] = []
    for direction in ("rx", "tx"):
        for index, name in line.words(match.start(direction), match.end(direction)):
            columns.append(_DEV_COUNTERS[direction].get(name))
            if columns[-1] is None:
                reader.problem("syntax", f"unknown {direction.upper()} column {name!r}", reader.at(line, index))
    return columns


def _dev_counters(reader: Reader, record: InterfaceRecord, line: Line, start: int, columns: list[str | None]) -> None:
    """The counters of a row; none if the row does not have a number under each column."""
    values = line.words(start)
    if len(values) != len(columns) or not all(value.isdigit() for _, value in values):
        kind = "truncated" if line.number >= reader.last else "syntax"
        message = f"{record.name}: {len(values)} values, the header has {len(columns)} columns"
        reader.problem(kind, message, reader.at(line))
        return
    for counter, (index, value) in zip(columns, values, strict=True):
        if counter:
            record.counters[counter] = reader.fact(int(value), line, index)


def parse_proc_vlan(text: str, path: str) -> HostFacts:
    """One "proc-vlan" record per VLAN device: kind "vlan", vlan_id and parent."""
    if _format(text) != "vlan":
        return _unrecognized(text, path, "/proc/net/vlan/config")
    reader = Reader(path, text)
    records = []
    for line in reader.whole_lines():
        if not line.text.strip() or _VLAN_HEADER.match(line.text):
            continue
        match = _VLAN_ROW.match(line.text)
        if not match:
            reader.bad_line(line, "/proc/net/vlan/config")
            continue
        record = InterfaceRecord(match["name"], "proc-vlan", reader.at(line, match.start("name")))
        record.kind = Fact("vlan", record.location)
        record.vlan_id = reader.fact(int(match["id"]), line, match.start("id"))
        record.parent = reader.fact(match["parent"], line, match.start("parent"))
        records.append(record)
    return reader.finish(HostFacts(interfaces=records), "/proc/net/vlan/config", understood=True)


def parse_ethtool(text: str, path: str) -> HostFacts:
    """An "ethtool" record per interface: offloads from -k, driver options from -i."""
    if _format(text) != "ethtool":
        return _unrecognized(text, path, "ethtool")
    reader = Reader(path, text)
    named = _SOSREPORT_NAME.fullmatch(os.path.basename(path))
    records: list[InterfaceRecord] = []
    for line in reader.whole_lines():
        if not line.text.strip() or _ETHTOOL_MESSAGE.fullmatch(line.text.strip()):
            continue
        if match := _FEATURES.match(line.text):
            records.append(InterfaceRecord(match["name"], "ethtool", reader.at(line, match.start("name"))))
            continue
        feature, driver = _FEATURE.match(line.text), _DRIVER.match(line.text)
        if (feature or driver) and not records:
            if not named:
                message = "ethtool output that names no interface (sosreport names the file ethtool_-i_IFACE)"
                reader.problem("incomplete", message, reader.at(line))
                break
            records.append(InterfaceRecord(named["name"], "ethtool", reader.at(line)))
        if feature:
            value = reader.fact(feature["value"] == "on", line, feature.start("value"))
            records[-1].offloads[feature["feature"].replace(" ", "-")] = value
        elif driver and driver["key"] in _DRIVER_OPTIONS and driver["value"]:
            option = _DRIVER_OPTIONS[driver["key"]]
            records[-1].options[option] = reader.fact(driver["value"], line, driver.start("value"))
        elif not driver:
            reader.bad_line(line, "ethtool")
    return reader.finish(HostFacts(interfaces=records), "ethtool", understood=True)
