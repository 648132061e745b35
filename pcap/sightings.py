"""Rows of interest gathered from every captured port, and grouping by multi-column keys: what the
detectors that look across ports (ICMP, ARP) share. Whole-column numpy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .captures import CaptureSet
from .table import PACKET_DTYPE
from .traffic import hash_rows, packet_size

# A request this close to the end of the capture may have been answered after it ended.
REPLY_GRACE_NS = 1_000_000_000


@dataclass(frozen=True)
class Sightings:
    """Notable rows gathered from several ports, in time order: each row, the index of its port in
    `CaptureSet.ports` and its IP packet size (traffic.packet_size)."""

    rows: np.ndarray
    port: np.ndarray
    size: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, index: np.ndarray) -> Sightings:
        return Sightings(self.rows[index], self.port[index], self.size[index])


def gather(captures: CaptureSet, select: Callable[[np.ndarray], np.ndarray]) -> Sightings:
    """The notable rows of every port for which `select(table)` is true, sorted by time."""
    rows, ports, sizes = [], [], []
    for index, port in enumerate(captures.ports):
        mask = select(port.notable)
        rows.append(port.notable[mask])
        ports.append(np.full(int(mask.sum()), index, dtype=np.int64))
        sizes.append(packet_size(port.notable, port.link_type)[mask])
    if not rows:
        return Sightings(np.zeros(0, dtype=PACKET_DTYPE), np.zeros(0, np.int64), np.zeros(0, np.int64))
    joined = Sightings(np.concatenate(rows), np.concatenate(ports), np.concatenate(sizes))
    return joined.take(np.argsort(joined.rows["time_ns"], kind="stable"))


def capture_end(captures: CaptureSet) -> int:
    """The time of the last packet on any port (ns), 0 without packets."""
    return max((int(port.traffic["time_ns"].max()) for port in captures.ports if len(port.traffic)), default=0)


def key_ids(keys: np.ndarray) -> np.ndarray:
    """A dense id per row of the 2-D array `keys`, equal for equal rows. Rows are told apart by a
    64-bit hash (traffic.hash_rows): two different keys share an id with a probability of about
    n**2 / 2**65, nothing a capture comes near; one sort of the hashes is far cheaper than sorting
    the rows (np.unique(axis=0) or a lexsort over the columns)."""
    if not len(keys):
        return np.zeros(0, dtype=np.int64)
    _, ids = np.unique(hash_rows(keys), return_inverse=True)
    return ids.ravel()


def rows_in(keys: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Per row of the 2-D array `keys`, whether the same row is in `other`."""
    ids = key_ids(np.concatenate([keys, other]))
    return np.isin(ids[: len(keys)], ids[len(keys):])


def first_rows(keys: np.ndarray) -> np.ndarray:
    """The index of the first row of each distinct row of `keys`, ascending."""
    _, first = np.unique(key_ids(keys), return_index=True)
    return np.sort(first)


def groups_of(keys: np.ndarray) -> list[np.ndarray]:
    """The row indices of each distinct row of the 2-D array `keys`, in order of first appearance;
    each group's indices ascending."""
    if not len(keys):
        return []
    ids = key_ids(keys)
    order = np.argsort(ids, kind="stable")
    bounds = np.searchsorted(ids[order], np.arange(int(ids.max()) + 2))
    first = order[bounds[:-1]]
    return [order[bounds[g]:bounds[g + 1]] for g in np.argsort(first)]
