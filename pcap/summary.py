"""What is known about every packet of a port after streaming it, in constant memory per port:
counts, the frame-size histogram, fragments, the largest IP packet, the time span, VLAN tagging and
the source MACs seen (each with its packet count and first frame)."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

# Frame-size histogram bin edges (wire length in bytes); the last bin is everything from 9019 up.
SIZE_BINS = (0, 64, 128, 256, 512, 1024, 1519, 1523, 9019)
MAX_TAGS = 4  # decode.MAX_VLAN_TAGS
VLAN_IDS = 4096


@dataclass(frozen=True)
class Seen:
    """How often a value (a MAC, a VLAN id) was seen on a port, and the first frame carrying it."""

    packets: int
    first_frame: int


@dataclass
class PortSummary:
    packets: int = 0
    bytes: int = 0  # wire lengths
    frame_sizes: np.ndarray = field(default_factory=lambda: np.zeros(len(SIZE_BINS), dtype=np.int64))
    fragments: int = 0
    largest_ip: int = 0  # traffic.packet_size of the biggest IP packet (BIG TCP's length 0 counted)
    first_ns: int = 0
    last_ns: int = 0
    vlan_tags: dict[int, Seen] = field(default_factory=dict)  # number of tags (0: untagged) -> packets
    vlan_ids: dict[int, Seen] = field(default_factory=dict)  # outer VLAN id -> packets
    sources: dict[int, Seen] = field(default_factory=dict)  # Ethernet source MAC (48-bit) -> packets
    # Tallies (count, first frame) by tag count and by VLAN id while chunks are added; see finish().
    _tags: np.ndarray = field(default_factory=lambda: np.zeros((MAX_TAGS + 1, 2), dtype=np.int64), repr=False)
    _vlans: np.ndarray = field(default_factory=lambda: np.zeros((VLAN_IDS, 2), dtype=np.int64), repr=False)

    def add(self, chunk: np.ndarray, size: np.ndarray, fragment: np.ndarray) -> None:
        """Count one chunk of packet-table rows; `size` is traffic.packet_size of each row."""
        if not len(chunk):
            return
        wirelen = chunk["wirelen"].astype(np.int64)
        self.packets += len(chunk)
        self.bytes += int(wirelen.sum())
        bins = np.searchsorted(SIZE_BINS, wirelen, side="right") - 1
        self.frame_sizes += np.bincount(bins, minlength=len(SIZE_BINS))
        self.fragments += int(fragment.sum())
        ip = chunk["ip_version"] > 0
        if ip.any():
            self.largest_ip = max(self.largest_ip, int(size[ip].max()))
        times = chunk["time_ns"]
        self.first_ns = int(times[0]) if self.packets == len(chunk) else self.first_ns
        self.last_ns = max(self.last_ns, int(times.max()))
        _tally(self._tags, chunk["vlan_count"], chunk["frame"])
        tagged = chunk["vlan_count"] > 0
        if tagged.any():
            _tally(self._vlans, chunk["vlan_outer"][tagged], chunk["frame"][tagged])

    def finish(self, eth_src: np.ndarray, frames: np.ndarray) -> None:
        """Fill the dicts once every chunk was added: the VLAN tallies, and the source MACs of all
        the port's packets (one sort of the whole column costs less than one per chunk)."""
        self.vlan_tags = _seen(self._tags)
        self.vlan_ids = _seen(self._vlans)
        ethernet = eth_src != 0
        unique, first, number = np.unique(eth_src[ethernet], return_index=True, return_counts=True)
        first_frames = frames[ethernet][first]
        self.sources = {int(mac): Seen(int(count), int(frame))
                        for mac, count, frame in zip(unique.tolist(), number.tolist(), first_frames.tolist(),
                                                     strict=True)}

    def frame_size_counts(self) -> dict[str, int]:
        """The histogram with bin labels ("0-63", ..., "9019+")."""
        labels = [f"{low}-{high - 1}" for low, high in pairwise(SIZE_BINS)] + [f"{SIZE_BINS[-1]}+"]
        return dict(zip(labels, (int(c) for c in self.frame_sizes), strict=True))


def _tally(tally: np.ndarray, values: np.ndarray, frames: np.ndarray) -> None:
    """Add `values` (small non-negative integers) to `tally`: column 0 counts, column 1 the first
    frame of each value (0 while unseen)."""
    values = values.astype(np.int64)
    tally[:, 0] += np.bincount(values, minlength=len(tally))
    first = np.full(len(tally), np.iinfo(np.int64).max)
    np.minimum.at(first, values, frames.astype(np.int64))
    tally[:, 1] = np.where((tally[:, 1] == 0) & (first < np.iinfo(np.int64).max), first, tally[:, 1])


def _seen(tally: np.ndarray) -> dict[int, Seen]:
    return {int(value): Seen(int(tally[value, 0]), int(tally[value, 1])) for value in np.flatnonzero(tally[:, 0])}
