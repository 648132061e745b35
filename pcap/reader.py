"""The native capture reader: pcap (all four magics) and pcapng (SHB, IDB, EPB, SPB, OPB, ISB) into
packet tables, chunk by chunk.

The file is read through a sliding window of WINDOW_BYTES, memory-mapped a window at a time (memory
stays bounded by the window and the chunk, not by the file). For classic pcap one tight Python loop
finds the record offsets (the records form a chain: each one's length says where the next starts)
and everything else about the records is read with numpy; pcapng blocks are walked one by one.
Each chunk's headers are then decoded at once by `decode.decode` from the window. A broken file
never raises: reading stops at the first bad record, every packet before it is returned and
`Capture.problem` says what and where.
"""

from __future__ import annotations

import mmap
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import BinaryIO

import numpy as np

from .decode import decode
from .table import CaptureProblem, CaptureStats, Port, empty

# Wireshark's maximum packet size for ordinary link types: a bigger captured length is a broken record.
MAX_CAPLEN = 262144
MAX_BLOCK_LEN = 16 * 1024 * 1024  # Wireshark's limit on a pcapng block
WINDOW_BYTES = 8 * 1024 * 1024  # mapped at a time (a window grows to hold a bigger record or block)
NS = 10**9
_POPULATE = getattr(mmap, "MAP_POPULATE", 0)  # Linux
PCAP_RECORD_HEADER = 16

PCAP_MAGICS = {  # first four bytes -> (byte order, nanoseconds per timestamp fraction unit)
    b"\xd4\xc3\xb2\xa1": ("<", 1000),
    b"\xa1\xb2\xc3\xd4": (">", 1000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
PCAPNG_BYTE_ORDERS = {b"\x4d\x3c\x2b\x1a": "<", b"\x1a\x2b\x3c\x4d": ">"}
BLOCK_IDB, BLOCK_OPB, BLOCK_SPB, BLOCK_ISB, BLOCK_EPB = 1, 2, 3, 5, 6
# Custom blocks and systemd journal exports are frames in Wireshark: they take a frame number, but no row.
BLOCKS_NUMBERED = (0x00000BAD, 0x40000BAD, 0x00000009)
OPT_END, OPT_IF_NAME, OPT_IF_TSRESOL, OPT_IF_TSOFFSET, OPT_ISB_IFDROP = 0, 2, 9, 14, 5


@dataclass
class Capture:
    """An open capture. `chunks` yields packet tables of at most `chunk_packets` rows; `ports`,
    `stats` and `problem` are complete once `chunks` is exhausted (pcapng interfaces are learnt
    while reading), `position` is the byte offset reached. A pcap file has one port named after
    the file; a pcapng interface without if_name has the name ""."""

    ports: list[Port]
    chunks: Iterator[np.ndarray]
    problem: CaptureProblem | None = None
    stats: CaptureStats = field(default_factory=CaptureStats)
    position: int = 0


class _Broken(Exception):
    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset  # a window position: the window does not move between the raise and its handler


@dataclass
class _Interface:
    """A pcapng interface of the current section."""

    port: int
    snaplen: int
    units_per_second: int = 1_000_000
    offset_seconds: int = 0

    def time_ns(self, high: int, low: int) -> int:
        return ((high << 32) | low) * NS // self.units_per_second + self.offset_seconds * NS


def open_capture(path: str, chunk_packets: int = 16384, window_bytes: int = WINDOW_BYTES, *,
                 data: bytes | None = None) -> Capture:
    """Open a pcap or pcapng file; raises OSError only when it cannot be opened. The file stays open
    until `chunks` is exhausted or dropped. With `data` (a capture read from an archive), the capture
    is read from those bytes, one window holding them all, and `path` only names it."""
    file = open(path, "rb") if data is None else None  # noqa: SIM115 - closed by the chunk generator
    capture = Capture(ports=[], chunks=iter(()))
    name = path.rsplit("/", 1)[-1]
    capture.chunks = _Reader(capture, file, name, chunk_packets, window_bytes, data).chunks()
    return capture


def read_all(path: str) -> tuple[np.ndarray, list[Port], CaptureProblem | None, CaptureStats]:
    """The whole file as one table (convenience for tests and small files)."""
    capture = open_capture(path)
    tables = list(capture.chunks)
    table = np.concatenate(tables) if tables else empty(0)
    return table, capture.ports, capture.problem, capture.stats


class _Reader:
    """Walks the records of one file through a window, collecting one chunk of packets at a time.

    `data` is the window, a read-only mapping of part of the file from offset `base` on (mapping a
    window at a time keeps the pages of the file that count as the process's memory bounded).
    Packets are collected as window positions and flushed (decoded) before the window moves."""

    def __init__(self, capture: Capture, file: BinaryIO | None, name: str, chunk_packets: int, window_bytes: int,
                 data: bytes | None = None) -> None:
        self.capture = capture
        self.file = file
        self.name = name
        self.chunk_packets = max(1, chunk_packets)
        self.window_bytes = max(window_bytes, 1)
        self.size = len(data) if data is not None else os.fstat(file.fileno()).st_size
        self.data: mmap.mmap | bytes = data or b""
        self.base = 0  # the file offset of the window's first byte
        self.eof = self.size == 0 or data is not None
        self.packets = 0  # frame numbers used so far, including flushed chunks
        self._clear()

    def _clear(self) -> None:
        self.frame: list[int] = []
        self.start: list[int] = []
        self.caplen: list[int] = []
        self.wirelen: list[int] = []
        self.time_ns: list[int] = []
        self.port: list[int] = []

    def _window(self, pos: int, count: int) -> int:
        """Move the window so that it holds the `count` bytes at window position `pos`, when the file
        has them (check the window's length afterwards); returns that position in the moved window.
        Collected packets must be flushed first: their positions refer to the old window."""
        if pos + count <= len(self.data) or self.eof:
            return pos
        start = self.base + pos
        self.base = start - start % mmap.ALLOCATIONGRANULARITY
        length = min(self.size - self.base, max(self.window_bytes, start - self.base + count))
        # The old mapping is unmapped when its last reference (and numpy view) goes away.
        # MAP_POPULATE maps the whole window in one go: faulting it in page by page costs more than
        # decoding it.
        self.data = mmap.mmap(self.file.fileno(), length, flags=mmap.MAP_SHARED | _POPULATE, prot=mmap.PROT_READ,
                              offset=self.base)
        self.eof = self.base + length >= self.size
        return start - self.base

    def chunks(self) -> Iterator[np.ndarray]:
        try:
            try:
                self._window(0, 4)
                yield from self._pcapng() if self.data[:4] == PCAPNG_SHB else self._pcap()
            except _Broken as broken:
                offset = self.base + broken.offset
                self.capture.problem = CaptureProblem(
                    f"{broken.message} at byte offset {offset} (packet {self.packets + 1})", offset, self.packets + 1)
            if self.start:
                yield self._flush()
        finally:
            if self.file is not None:
                self.file.close()

    def _add(self, start: int, caplen: int, wirelen: int, time_ns: int, port: int) -> bool:
        """Collect one packet (`start` a window position); True when the chunk is full."""
        self.packets += 1
        self.frame.append(self.packets)
        self.start.append(start)
        self.caplen.append(caplen)
        self.wirelen.append(wirelen)
        self.time_ns.append(time_ns)
        self.port.append(port)
        return len(self.start) >= self.chunk_packets

    def _flush(self) -> np.ndarray:
        """Decode the collected packets (their positions are in the current window)."""
        port = np.array(self.port, dtype=np.uint16)
        table = self._decode(np.array(self.start, dtype=np.int64), np.array(self.caplen, dtype=np.int64), port)
        table["frame"] = self.frame
        table["time_ns"] = np.array(self.time_ns, dtype=np.int64)
        table["wirelen"] = self.wirelen
        self._clear()
        return table

    def _decode(self, start: np.ndarray, caplen: np.ndarray, port: np.ndarray) -> np.ndarray:
        """Rows for the packets at window positions `start`, with caplen and port set."""
        link_types = np.array([p.link_type for p in self.capture.ports], dtype=np.int64)
        table = decode(np.frombuffer(self.data, dtype=np.uint8), start, caplen, link_types[port])
        table["port"] = port
        table["caplen"] = caplen
        self.capture.position = self.base + (int(start[-1] + caplen[-1]) if len(start) else 0)
        return table

    def _pcap(self) -> Iterator[np.ndarray]:
        if not self.data:
            raise _Broken("empty file", 0)
        magic = bytes(self.data[:4])
        if magic not in PCAP_MAGICS:
            raise _Broken(f"not a pcap or pcapng file (magic {magic.hex()})", 0)
        order, fraction_ns = PCAP_MAGICS[magic]
        self._window(0, 24)
        if len(self.data) < 24:
            raise _Broken("pcap file header cut short", 0)
        snaplen, network = struct.unpack_from(order + "II", self.data, 16)
        self.capture.ports.append(Port(self.name, network & 0xFFFF, snaplen))
        uint32_at = struct.Struct(order + "I").unpack_from
        pos = 24
        while True:
            pos = self._window(pos, PCAP_RECORD_HEADER)
            data, size = self.data, len(self.data)
            if pos + PCAP_RECORD_HEADER > size:
                if pos < size:
                    raise _Broken("record header cut short", pos)
                return
            # The hot loop: record positions only, while whole records are in the window.
            records: list[int] = []
            append = records.append
            last = size - PCAP_RECORD_HEADER
            stopped = False  # at a record that is broken or runs past the window
            for _ in repeat(None, self.chunk_packets):
                if pos > last:
                    break
                (caplen,) = uint32_at(data, pos + 8)
                end = pos + PCAP_RECORD_HEADER + caplen
                if end > size or caplen > MAX_CAPLEN:
                    stopped = True
                    break
                append(pos)
                pos = end
            yield from self._pcap_records(records, order, fraction_ns)
            if stopped:
                (fraction,) = uint32_at(data, pos + 4)
                if fraction >= NS // fraction_ns:
                    raise _Broken(f"timestamp fraction {fraction} out of range", pos)
                if caplen > MAX_CAPLEN:
                    raise _Broken(f"impossible captured length {caplen}", pos)
                pos = self._window(pos, PCAP_RECORD_HEADER + caplen)
                if pos + PCAP_RECORD_HEADER + caplen > len(self.data):
                    held = len(self.data) - pos - PCAP_RECORD_HEADER
                    raise _Broken(f"record cut short ({caplen} bytes captured, {held} in file)", pos)

    def _pcap_records(self, records: list[int], order: str, fraction_ns: int) -> Iterator[np.ndarray]:
        """The table of the pcap records at window positions `records` (whole records, in order)."""
        if not records:
            return
        at = np.array(records, dtype=np.int64)
        buf = np.frombuffer(self.data, dtype=np.uint8)
        # The record header's four 32-bit fields, each gathered through a view of the window as
        # 32-bit integers starting at every byte.
        words = np.ndarray((len(buf) - 3,), dtype=order + "u4", buffer=buf, strides=(1,))
        seconds, fraction, caplen, wirelen = (words[at + 4 * k].astype(np.int64) for k in range(4))
        bad = np.flatnonzero(fraction >= NS // fraction_ns)
        good = int(bad[0]) if len(bad) else len(records)
        if good:
            table = self._decode(at[:good] + PCAP_RECORD_HEADER, caplen[:good], np.zeros(good, dtype=np.uint16))
            table["frame"] = np.arange(self.packets + 1, self.packets + good + 1)
            table["time_ns"] = seconds[:good] * NS + fraction[:good] * fraction_ns
            table["wirelen"] = wirelen[:good]
            self.packets += good
            yield table
        if len(bad):
            raise _Broken(f"timestamp fraction {int(fraction[good])} out of range", records[good])

    def _pcapng(self) -> Iterator[np.ndarray]:
        offset = 0
        order = "<"
        interfaces: list[_Interface] = []
        while True:
            if offset + 12 > len(self.data) and not self.eof:
                if self.start:
                    yield self._flush()
                offset = self._window(offset, 12)
            data, size = self.data, len(self.data)
            if offset >= size:
                return
            if offset + 12 > size:
                raise _Broken("block header cut short", offset)
            section = data[offset:offset + 4] == PCAPNG_SHB
            if section:
                order = PCAPNG_BYTE_ORDERS.get(bytes(data[offset + 8:offset + 12]), "")
                if not order:
                    raise _Broken("bad pcapng byte-order magic", offset + 8)
                interfaces = []
            kind, length = struct.unpack_from(order + "II", data, offset)
            if length < 12 or length % 4 or length > MAX_BLOCK_LEN:
                raise _Broken(f"bad block length {length}", offset)
            if offset + length > size and not self.eof:
                if self.start:
                    yield self._flush()
                offset = self._window(offset, length)
                data, size = self.data, len(self.data)
            if offset + length > size:
                raise _Broken(f"block cut short ({length} bytes, {size - offset} in file)", offset)
            body, end = offset + 8, offset + length - 4
            if section:  # its options are checked first, as Wireshark does
                self._section_header(order, body, end)
            if struct.unpack_from(order + "I", data, end)[0] != length:
                raise _Broken("block trailing length differs from its leading length", end)
            if not section and self._block(kind, order, body, end, interfaces):
                yield self._flush()
            offset += length

    def _block(self, kind: int, order: str, body: int, end: int, interfaces: list[_Interface]) -> bool:
        """Handle one non-SHB block; True when a packet filled the chunk."""
        if kind == BLOCK_IDB:
            interfaces.append(self._interface(order, body, end))
        elif kind in (BLOCK_EPB, BLOCK_OPB, BLOCK_SPB):
            return self._packet_block(kind, order, body, end, interfaces)
        elif kind == BLOCK_ISB:
            self._statistics(order, body, end, interfaces)
        else:
            self.capture.stats.skipped_blocks += 1
            if kind in BLOCKS_NUMBERED:
                self.packets += 1
        return False

    def _section_header(self, order: str, body: int, end: int) -> None:
        if end - body < 16:
            raise _Broken("section header block too short", body - 8)
        major = struct.unpack_from(order + "H", self.data, body + 4)[0]
        if major != 1:
            raise _Broken(f"unsupported pcapng version {major}", body + 4)
        for _ in self._options(order, body + 16, end):  # none is needed, but a broken one breaks the file
            pass

    def _interface(self, order: str, body: int, end: int) -> _Interface:
        if end - body < 8:
            raise _Broken("interface description block too short", body - 8)
        link_type, _, snaplen = struct.unpack_from(order + "HHI", self.data, body)
        interface = _Interface(port=len(self.capture.ports), snaplen=snaplen)
        name = ""
        for code, at, length in self._options(order, body + 8, end):
            if code == OPT_IF_NAME:
                name = bytes(self.data[at:at + length]).decode("utf-8", "replace").rstrip("\0")
            elif code == OPT_IF_TSRESOL and length >= 1:
                exponent = self.data[at]
                interface.units_per_second = 2 ** (exponent & 0x7F) if exponent & 0x80 else 10**exponent
            elif code == OPT_IF_TSOFFSET and length >= 8:
                interface.offset_seconds = struct.unpack_from(order + "q", self.data, at)[0]
        self.capture.ports.append(Port(name, link_type, snaplen))
        return interface

    def _packet_block(self, kind: int, order: str, body: int, end: int, interfaces: list[_Interface]) -> bool:
        """Collect the packet of an EPB, OPB or SPB; True when the chunk is full."""
        if kind == BLOCK_SPB:
            index, header = 0, 4
            if end - body < header:
                raise _Broken("simple packet block too short", body - 8)
            (wirelen,) = struct.unpack_from(order + "I", self.data, body)
        else:
            header = 20
            if end - body < header:
                raise _Broken("packet block too short", body - 8)
            layout = order + ("IIIII" if kind == BLOCK_EPB else "HHIIII")
            fields = struct.unpack_from(layout, self.data, body)
            index, high, low, caplen, wirelen = fields[0], *fields[-4:]
        if index >= len(interfaces):
            raise _Broken(f"packet on undeclared interface {index}", body)
        interface = interfaces[index]
        if kind == BLOCK_SPB:
            caplen = min(wirelen, interface.snaplen or wirelen)
            time_ns = 0
        else:
            time_ns = interface.time_ns(high, low)
            if not -(2**63) <= time_ns < 2**63:
                raise _Broken("timestamp out of range", body - 8)
        if caplen > min(MAX_CAPLEN, end - body - header):
            raise _Broken(f"impossible captured length {caplen}", body - 8)
        return self._add(body + header, caplen, wirelen, time_ns, interface.port)

    def _statistics(self, order: str, body: int, end: int, interfaces: list[_Interface]) -> None:
        if end - body < 12:
            raise _Broken("interface statistics block too short", body - 8)
        index = struct.unpack_from(order + "I", self.data, body)[0]
        for code, at, length in self._options(order, body + 12, end):
            if code == OPT_ISB_IFDROP and length >= 8 and index < len(interfaces):
                drops = struct.unpack_from(order + "Q", self.data, at)[0]
                self.capture.stats.capture_drops[interfaces[index].port] = drops

    def _options(self, order: str, offset: int, end: int) -> Iterator[tuple[int, int, int]]:
        """(code, value offset, value length) of each option in [offset, end)."""
        while offset + 4 <= end:
            code, length = struct.unpack_from(order + "HH", self.data, offset)
            if code == OPT_END:
                return
            if offset + 4 + length > end:
                raise _Broken(f"option {code} of length {length} runs past its block", offset)
            yield code, offset + 4, length
            offset += 4 + (length + 3) // 4 * 4
