"""`netstat -i` (net-tools): the interface table with MTUs and packet/drop counters.

    Kernel Interface table
    Iface      MTU Met   RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg
    eth0      1500   0    4711      0      3      0     2131      0      0      0 BMRU

Older net-tools print a `Met` column, newer ones do not; the columns are read from the header.
RX-OVR/TX-OVR are the kernel's FIFO errors. Source "netstat-i".
"""

from __future__ import annotations

import re

from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ._text import Line, Reader

SOURCE = "netstat-i"
_HEADER = re.compile(
    r"^Iface\s+MTU\s+(?:Met\s+)?RX-OK\s+RX-ERR\s+RX-DRP\s+RX-OVR\s+TX-OK\s+TX-ERR\s+TX-DRP\s+TX-OVR\s+Flg\s*$"
)
_COUNTERS = {
    "RX-OK": "rx_packets", "RX-ERR": "rx_errors", "RX-DRP": "rx_dropped", "RX-OVR": "rx_fifo_errors",
    "TX-OK": "tx_packets", "TX-ERR": "tx_errors", "TX-DRP": "tx_dropped", "TX-OVR": "tx_fifo_errors",
}


def looks_like(text: str) -> bool:
    return any(_HEADER.match(line) for line in text.split("\n")[:3])


def parse_netstat_i(text: str, path: str) -> HostFacts:
    reader = Reader(path, text)
    columns: list[str] = []
    records: list[InterfaceRecord] = []
    for line in reader.whole_lines():
        if not line.text.strip() or line.text.startswith("Kernel Interface table"):
            continue
        if _HEADER.match(line.text):
            columns = [word for _, word in line.words()]
        elif columns:
            record = _row(reader, line, columns)
            if record is not None:
                records.append(record)
        else:
            reader.bad_line(line, "netstat -i")
    return reader.finish(HostFacts(interfaces=records), "netstat -i", understood=bool(columns))


def _row(reader: Reader, line: Line, columns: list[str]) -> InterfaceRecord | None:
    words = line.words()
    numbers = words[1:-1] if len(words) == len(columns) else []
    if not numbers or not all(word.isdigit() for _, word in numbers):
        kind = "truncated" if line.number >= reader.last else "syntax"
        reader.problem(kind, f"a row with {len(words)} values under {len(columns)} columns", reader.at(line))
        return None
    (name_index, name), *_, (flags_index, flags) = words
    record = InterfaceRecord(name, SOURCE, reader.at(line, name_index))
    for (index, word), column in zip(numbers, columns[1:-1], strict=True):
        if column == "MTU":
            record.mtu = reader.fact(int(word), line, index)
        elif column in _COUNTERS:
            record.counters[_COUNTERS[column]] = reader.fact(int(word), line, index)
    record.options["flags"] = Fact(flags, reader.at(line, flags_index))
    return record
