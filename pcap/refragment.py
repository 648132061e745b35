"""The same IP datagram on two ports in different shapes: fragmented differently (something between
the ports reassembled and cut it again), or whole on one and fragmented on the other (something
between them fragmented it). Facts only; rules P111 and P112 judge them.

Only the compared ports (CaptureSet.compared) are matched: a bridge device's capture shows what
bridge netfilter reassembled, and a guest's own capture what the guest sent before its vif, neither
of them a hop between ports.

A datagram is recognised by its key (traffic.datagram_key: source, destination, IP id, protocol)
within WINDOW_NS: IP ids repeat, so trains further apart are other datagrams. A train's geometry is
compared by its fragment size, the largest IP length among its fragments with MF set (every
fragment but the last is cut to that size): a lost fragment does not change it, so trains that
only differ by losses (rule P110) are not taken for refragmented ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

from .captures import CapturedPort, CaptureSet
from .crossport import WINDOW_NS, nearest_within
from .fragments import is_fragment
from .traffic import datagram_key


@dataclass(frozen=True)
class Trains:
    """The fragment trains of one port, one entry per datagram key, in order of first fragment."""

    port: CapturedPort
    datagram: np.ndarray  # traffic.datagram_key
    first_ns: np.ndarray  # time of its first fragment
    first_row: np.ndarray  # index into port.notable of its first fragment
    fragments: np.ndarray  # number of fragments seen
    step: np.ndarray  # the fragment size (see the module docstring); 0 when only the last fragment was seen
    largest: np.ndarray  # the largest IP length among its fragments


def trains(port: CapturedPort) -> Trains:
    table = port.notable
    at = np.flatnonzero(is_fragment(table))
    rows = table[at]
    keys, first, group, count = np.unique(datagram_key(rows), return_index=True, return_inverse=True,
                                          return_counts=True)
    group = group.ravel()
    order = np.argsort(first, kind="stable")
    step = np.zeros(len(keys), dtype=np.int64)
    np.maximum.at(step, group[rows["mf"]], rows["ip_len"][rows["mf"]].astype(np.int64))
    largest = np.zeros(len(keys), dtype=np.int64)
    np.maximum.at(largest, group, rows["ip_len"].astype(np.int64))
    return Trains(port, keys[order], rows["time_ns"][first][order], at[first][order], count[order], step[order],
                  largest[order])


@dataclass(frozen=True)
class Refragmented:
    """Datagrams fragmented on `first` and, at most a window later, with another fragment size on `then`."""

    first: Trains
    then: Trains
    first_index: np.ndarray  # train indices into `first`
    then_index: np.ndarray  # the same datagrams' train indices into `then`


def compared_trains(captures: CaptureSet) -> list[Trains]:
    """The trains of every compared port, in capture-set order (computed once per run)."""
    return captures.derived("trains", lambda: [trains(port) for port in captures.compared])


def refragmented(captures: CaptureSet, window_ns: int = WINDOW_NS) -> list[Refragmented]:
    """One entry per ordered pair of compared ports with refragmented datagrams; a datagram seen at the
    same time on both ports counts for the pair in capture-set order."""
    per_port = compared_trains(captures)
    found = []
    for a, b in permutations(range(len(per_port)), 2):
        first, then = per_port[a], per_port[b]
        match = nearest_within(first.datagram, first.first_ns, then.datagram, then.first_ns, True, window_ns)
        matched = np.flatnonzero(match >= 0)
        other = match[matched]
        same_time = then.first_ns[other] == first.first_ns[matched]
        step, other_step = first.step[matched], then.step[other]
        keep = (~same_time | (a < b)) & (step > 0) & (other_step > 0) & (step != other_step)
        if keep.any():
            found.append(Refragmented(first, then, matched[keep], other[keep]))
    return found


@dataclass(frozen=True)
class FragmentedOnTheWay:
    """Datagrams seen whole on `whole` and, at most a window later, as fragments on `fragmented`."""

    whole: CapturedPort
    fragmented: Trains
    index: np.ndarray  # train indices into `fragmented`
    whole_rows: np.ndarray  # per train, the whole datagram's row of `whole.traffic`


def fragmented_on_the_way(captures: CaptureSet, window_ns: int = WINDOW_NS) -> list[FragmentedOnTheWay]:
    """One entry per (whole port, fragmenting port) pair of compared ports with such datagrams. The whole datagram must
    be seen before (or with) the first fragment and fit its own port: one above its port's limit, or
    after the fragments, was reassembled from them (rule P102)."""
    per_port = compared_trains(captures)
    found = []
    for a, b in permutations(range(len(per_port)), 2):
        whole, fragmented = per_port[a].port, per_port[b]
        rows = whole.traffic
        candidates = np.flatnonzero((rows["datagram"] != 0) & ~rows["fragment"] & (rows["size"] <= whole.limit))
        match = nearest_within(fragmented.datagram, fragmented.first_ns, rows["datagram"][candidates],
                               rows["time_ns"][candidates], False, window_ns)
        index = np.flatnonzero(match >= 0)
        if len(index):
            found.append(FragmentedOnTheWay(whole, fragmented, index, candidates[match[index]]))
    return found
