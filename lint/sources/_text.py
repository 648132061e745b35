"""What the command-output parsers share: numbered lines, the positions of words, problems.

Command outputs are tables and `key value` lists, so every parser works line by line and needs the
same three things: where a value is printed (a Location with line and column), the words after
keywords, and a way to say that a line could not be read without losing the rest of the file.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from xennet.findings import Location

from ..facts import ParseProblem
from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ..mac import normalize_mac, parse_mac

T = TypeVar("T")

_WORD = re.compile(r"\S+")
TIMEOUT_MARKER = "** timeout **"
_XEN_VIF = re.compile(r"vif\d+\.\d+")
# qemu's tap for the emulated NIC of an HVM guest; the hotplug script renames it vifDOMID.DEVID-emu.
_XEN_TAP = re.compile(r"tap\d+\.\d+|vif\d+\.\d+-emu")


def word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True)
class Line:
    """A line of a file, or a piece of one (`ip -o` joins the lines of an interface with "\\")."""

    number: int
    text: str
    offset: int = 0  # where `text` starts in the line of the file

    def words(self, start: int = 0, end: int | None = None) -> list[tuple[int, str]]:
        """(index in `text`, word) for each word between `start` and `end`."""
        found = _WORD.finditer(self.text, start, len(self.text) if end is None else end)
        return [(match.start(), match.group()) for match in found]

    def values(self, start: int = 0) -> dict[str, tuple[int, str]]:
        """Each word mapped to the word after it, with that word's index: "mtu 1500 qdisc noop" gives
        {"mtu": (i, "1500"), "1500": (j, "qdisc"), ...}. The first occurrence of a word wins."""
        found = self.words(start)
        pairs: dict[str, tuple[int, str]] = {}
        for (_, key), value in itertools.pairwise(found):
            pairs.setdefault(key, value)
        return pairs


class Reader:
    """One file being parsed: its lines, where things are in it, and what could not be read."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.lines = [Line(number, line.rstrip("\r")) for number, line in enumerate(text.split("\n"), 1)]
        self.problems: list[ParseProblem] = []
        self._drop_timeout_marker()
        self.last = max((line.number for line in self.lines if line.text.strip()), default=0)
        self.cut: Line | None = None  # the last line, if whole_lines() found it cut
        self._starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def _drop_timeout_marker(self) -> None:
        """xen-bugtool ends the output of a command it killed at its time limit with a line
        `** timeout **` (run_proc_group in xen-bugtool of xenserver/status-report): that line is no
        output of the command, and the lines above it are all there is."""
        last = next((line for line in reversed(self.lines) if line.text.strip()), None)
        if last is None or last.text.strip() != TIMEOUT_MARKER:
            return
        self.lines[last.number - 1] = Line(last.number, "")
        self.problem("truncated", "the command was stopped at xen-bugtool's time limit (`** timeout **`): its "
                     "output is incomplete", self.at(last))

    def whole_lines(self) -> list[Line]:
        """The lines without a last line that the output was cut in: commands print whole lines, so
        text that does not end with a newline was cut, and its values ("mtu 15" of "mtu 1500") are not
        to be trusted. `finish` reports that line as truncated."""
        if not self.lines[-1].text.strip():
            return self.lines
        self.cut = self.lines[-1]
        return self.lines[:-1]

    def at(self, line: Line, index: int | None = None) -> Location:
        """The line, and the column of `line.text[index]` if index is given."""
        if index is None:
            return Location(self.path, line.number)
        return Location(self.path, line.number, line.offset + index + 1)

    def at_offset(self, offset: int) -> Location:
        """The line and column of a character of the whole text (for JSON, which is one string)."""
        number = bisect.bisect_right(self._starts, offset)
        return Location(self.path, number, offset - self._starts[number - 1] + 1)

    def fact(self, value: T, line: Line, index: int) -> Fact[T]:
        return Fact(value, self.at(line, index))

    def problem(self, kind: str, message: str, location: Location) -> None:
        self.problems.append(ParseProblem(kind, message, location))

    def bad_line(self, line: Line, what: str) -> None:
        """A line that is not `what` output. On the last line of the file it is "truncated" (outputs
        are cut at the end); other runs of unreadable lines make one "syntax" problem."""
        if line.number >= self.last:
            self.problem("truncated", f"output ends in an incomplete line: {_quote(line.text)}", self.at(line))
            return
        previous = self.problems[-1] if self.problems else None
        if previous and previous.kind == "syntax" and _last_line(previous.location) == line.number - 1:
            self.problems[-1] = replace(previous, location=replace(previous.location, end_line=line.number))
            return
        self.problem("syntax", f"not {what} output: {_quote(line.text)}", self.at(line))

    def cut_short(self, message: str) -> None:
        """The output ends where something is still missing: a "truncated" problem on the last line,
        unless one is there already."""
        if not self.cut and not (self.problems and _last_line(self.problems[-1].location) >= self.last):
            self.problem("truncated", message, Location(self.path, self.last))

    def finish(self, facts: HostFacts, what: str, understood: bool) -> HostFacts:
        """`facts` with the problems found; a file in which nothing was understood gets one
        "unrecognized" problem instead of one per line."""
        if self.cut:
            self.bad_line(self.cut, what)
        if not understood and self.last:
            first = next(line for line in self.lines if line.text.strip())
            self.problems = [ParseProblem("unrecognized", f"not {what} output", self.at(first))]
        facts.problems.extend(self.problems)
        return facts


def _quote(text: str) -> str:
    text = text.strip()
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _last_line(location: Location) -> int:
    return location.end_line or location.line


def flags_state(flags: list[str]) -> str:
    """The state of an interface whose output prints no operational state (ifconfig, iproute2 before
    operstates): "up" if it has the administrative UP flag, else "down"."""
    return "up" if "UP" in flags else "down"


def read_link_values(reader: Reader, record: InterfaceRecord, line: Line, start: int) -> dict[str, tuple[int, str]]:
    """The mtu and master of an iproute2 link line ("<FLAGS> mtu 1500 ... master xenbr0 ...") from
    `start` on into `record`; the line's values for the rest."""
    values = line.values(start)
    if "mtu" in values and values["mtu"][1].isdigit():
        record.mtu = reader.fact(int(values["mtu"][1]), line, values["mtu"][0])
    if "master" in values:
        record.master = reader.fact(values["master"][1], line, values["master"][0])
    return values


def mac_address(text: str) -> str | None:
    """Lower-case aa:bb:cc:dd:ee:ff, or None if `text` is not a MAC address."""
    octets = parse_mac(text)
    return normalize_mac(octets) if octets else None


def xen_kind(name: str) -> str | None:
    """The kind Xen's names give: "vif" for netback's vifDOMID.DEVID, "tap" for an HVM guest's
    emulated NIC (tapD.N, renamed vifD.N-emu by the hotplug script); None for other names. The name
    is the only sign of them in outputs that do not print the link kind."""
    if _XEN_VIF.fullmatch(name):
        return "vif"
    if _XEN_TAP.fullmatch(name):
        return "tap"
    return None


class JsonListReader:
    """A JSON list of objects (`ip -j`, `bridge -j`) read object by object, so that a cut list still
    gives its first objects; each value is located by its key inside its object (json gives no
    positions). Subclasses turn an object into a record with `_record`."""

    def __init__(self, reader: Reader, source: str) -> None:
        self.reader = reader
        self.text = reader.text
        self.source = source

    def read(self) -> list[InterfaceRecord]:
        records = []
        for start, end, item in self._objects():
            if isinstance(item, dict) and item:  # ip -j prints {} for the interfaces a filter drops
                record = self._record(item, start, end)
                if record:
                    records.append(record)
        return records

    def _record(self, item: dict[str, Any], start: int, end: int) -> InterfaceRecord | None:
        raise NotImplementedError

    def _objects(self) -> Iterator[tuple[int, int, Any]]:
        decoder = json.JSONDecoder()
        text = self.text
        position = self._skip(text.index("[") + 1)
        while position < len(text) and text[position] != "]":
            try:
                item, end = decoder.raw_decode(text, position)
            except json.JSONDecodeError as error:
                self._error(error.pos, error.msg)
                return
            yield position, end, item
            position = self._skip(end)
            if text.startswith(",", position):
                position = self._skip(position + 1)
            elif not text.startswith("]", position):
                self._error(position, "expected ',' or ']'")
                return
        if position >= len(text):
            self._error(position, "the list is not closed")
        elif text[position + 1 :].strip():
            self._error(self._skip(position + 1), "text after the JSON list")

    def _skip(self, position: int) -> int:
        while position < len(self.text) and self.text[position].isspace():
            position += 1
        return position

    def _error(self, position: int, message: str) -> None:
        kind = "syntax" if self.text.rstrip().endswith("]") else "truncated"
        self.reader.problem(kind, f"JSON: {message}", self.reader.at_offset(min(position, len(self.text))))

    def _find(self, start: int, end: int, *keys: str) -> int:
        """Where the value of the first key is, then the second key after it, ...; `start` if not found."""
        position = start
        for key in keys:
            match = re.compile(rf'"{re.escape(key)}"\s*:\s*').search(self.text, position, end)
            if not match:
                return start
            position = match.end()
        return position
