"""IP fragments in a packet table: which rows are fragments, their train keys (src, dst, id, proto)
and which trains are incomplete, all with numpy over whole columns."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import numpy as np

from .sightings import key_ids

KEY_FIELDS = ("ip_src_hi", "ip_src_lo", "ip_dst_hi", "ip_dst_lo", "ip_id", "proto")
# The smallest header in front of fragment data: IPv4 header, IPv6 header + fragment header. Taking
# the smallest overestimates each fragment's data, so a gap found with it is certainly a gap.
MIN_HEADER = {4: 20, 6: 48}
MAX_IP_PAYLOAD = 65535  # IPv4 total length, IPv6 payload length: a longer train never reassembles


def is_fragment(table: np.ndarray) -> np.ndarray:
    return (table["ip_version"] > 0) & (table["mf"] | (table["frag_offset"] > 0))


def is_first_fragment(table: np.ndarray) -> np.ndarray:
    """Fragments at offset 0: the ones that carry the transport header (ICMP type, ports)."""
    return is_fragment(table) & (table["frag_offset"] == 0)


def _ends(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per fragment row: the end of its data within the datagram, and the datagram length it implies
    when it is the last fragment. Exact for the last fragment whatever the extension headers: IPv4
    header + offset + data is offset + ip_len; the IPv6 payload is unfragmentable part + offset +
    data = offset + ip_len - 48."""
    offset = rows["frag_offset"].astype(np.int64)
    header = np.where(rows["ip_version"] == 4, MIN_HEADER[4], MIN_HEADER[6])
    ip_len = rows["ip_len"].astype(np.int64)
    end = offset + np.maximum(ip_len - header, 0)
    return end, np.where(rows["ip_version"] == 4, offset + ip_len, end)


def datagram_lengths(rows: np.ndarray, fragments: np.ndarray) -> np.ndarray:
    """Per row of `rows` (fragments and whole packets): the length of its whole datagram as far as
    the fragment rows `fragments` (of any port) show it: the furthest fragment of its train, exact
    when the last fragment was seen. Whole packets get 0."""
    lengths = np.zeros(len(rows), dtype=np.int64)
    mine = is_fragment(rows)
    if not mine.any():
        return lengths
    group = key_ids(np.concatenate([keys(rows[mine]), keys(fragments)]))
    _, implied = _ends(np.concatenate([rows[mine], fragments]))
    furthest = np.zeros(int(group.max()) + 1, dtype=np.int64)
    np.maximum.at(furthest, group, implied)
    lengths[mine] = furthest[group[: int(mine.sum())]]
    return lengths


def keys(table: np.ndarray) -> np.ndarray:
    """One row of six uint64 per packet: the fragment train key."""
    return np.column_stack([table[name].astype(np.uint64) for name in KEY_FIELDS])


def address(hi: int, lo: int) -> str:
    ip = ipaddress.IPv6Address((int(hi) << 64) | int(lo))
    return str(ip.ipv4_mapped or ip)


def describe_key(row: np.void) -> str:
    return (f"{address(row['ip_src_hi'], row['ip_src_lo'])} -> {address(row['ip_dst_hi'], row['ip_dst_lo'])}"
            f" id {int(row['ip_id'])} proto {int(row['proto'])}")


@dataclass(frozen=True)
class Train:
    """An incomplete fragment train: its rows (sorted by offset) and what is missing."""

    rows: np.ndarray
    has_first: bool
    has_last: bool
    gaps: list[tuple[int, int]]  # missing byte ranges [start, end) between fragments seen
    length: int  # the reassembled IPv4 total length / IPv6 payload length (from the last fragment), else 0

    @property
    def too_long(self) -> bool:
        return self.length > MAX_IP_PAYLOAD

    def describe(self) -> str:
        """What is wrong with the train, for a message."""
        missing = [] if self.has_first else [f"offsets 0-{int(self.rows['frag_offset'][0])}"]
        missing += [f"offsets {start}-{end}" for start, end in self.gaps]
        if not self.has_last:
            missing.append("the last fragment (every fragment seen has MF set)")
        parts = [f"missing {', '.join(missing)}"] if missing else []
        if self.too_long:
            parts.append(f"reassembles to {self.length} bytes, more than {MAX_IP_PAYLOAD}: every receiver drops it")
        return "; ".join(parts)


@dataclass(frozen=True)
class TrainReport:
    """The fragment trains of one port: how many, how many cannot be reassembled and how many of
    those are only a tail, with the first `examples` of them as Train objects."""

    total: int
    incomplete: int
    only_last: int
    examples: list[Train]


def incomplete_trains(table: np.ndarray, examples: int = 5) -> TrainReport:
    """Trains that cannot be reassembled (a fragment is missing, or the last fragment puts the
    datagram beyond 65535 bytes); examples in order of first appearance."""
    rows = table[is_fragment(table)]
    if not len(rows):
        return TrainReport(0, 0, 0, [])
    group = key_ids(keys(rows))
    order = np.lexsort((rows["frag_offset"], group))
    rows, group = rows[order], group[order]
    offset = rows["frag_offset"].astype(np.int64)
    end, length = _ends(rows)
    count = int(group.max()) + 1
    has_first = np.bincount(group, weights=offset == 0, minlength=count) > 0
    last = ~rows["mf"]
    has_last = np.bincount(group, weights=last, minlength=count) > 0
    last_length = np.zeros(count, dtype=np.int64)
    np.maximum.at(last_length, group[last], length[last])
    # The furthest byte covered so far within each train: lifting each train by group * 2**32 (more
    # than any end) keeps the running maximum from carrying over from the train before.
    lift = group.astype(np.int64) << 32
    covered = np.maximum.accumulate(end + lift) - lift
    gap_at = np.flatnonzero((group[1:] == group[:-1]) & (offset[1:] > covered[:-1]))
    gapped = np.zeros(count, dtype=bool)
    gapped[group[gap_at]] = True
    bad = ~has_first | ~has_last | gapped | (last_length > MAX_IP_PAYLOAD)
    starts = np.searchsorted(group, np.arange(count + 1))
    chosen = np.flatnonzero(bad)[np.argsort(rows["frame"][starts[:-1]][bad], kind="stable")][:examples]
    trains = []
    for g in chosen:
        gaps = gap_at[np.searchsorted(group[gap_at], g):np.searchsorted(group[gap_at], g, side="right")]
        trains.append(Train(rows[starts[g]:starts[g + 1]], bool(has_first[g]), bool(has_last[g]),
                            [(int(covered[i]), int(offset[i + 1])) for i in gaps], int(last_length[g])))
    return TrainReport(count, int(bad.sum()), int((bad & has_last & ~has_first).sum()), trains)
