"""Which frames that entered the bridge on one captured port left it on another: facts for rules
that compare the ports of one dom0 bridge (each capture file is one port, all stamped by the same
dom0 clock). Only the ports whose role is compared (CaptureSet.compared: bridge ports, and unknown
ones without a host model) take part: a capture on the bridge device sees each forwarded frame at
the instant its ingress port does, and a guest's own capture sees the guest's frames before its
vif, so either would stand in for a port in the MAC learning below.

MAC learning, as the bridge does it: a frame seen on several ports (the same traffic fingerprint
within WINDOW_NS) entered the bridge by the port where it has the earliest time. Each such frame is
a vote for its source MAC living behind that port; a MAC lives behind the port with the most votes.
A MAC without votes (never seen crossing) lives behind the only port where it is a source. A tie of
votes (a guest migrated, a loop) or a MAC that is a source on several ports without votes is not
placed, and its frames are not judged. Frames seen at the same instant on two ports vote for neither.

A frame seen on port A whose source MAC lives behind A entered the bridge there. It has to leave by
port B when its destination MAC lives behind B, or when it is broadcast and A and B are bridged (a
frame was seen on both). Multicast is not expected anywhere: bridge multicast snooping (on by
default) forwards a group only to the ports with listeners. The frame left on B when the same
fingerprint appears on B within WINDOW_NS after it, or, for IP, the same datagram in another shape
(fragmented, refragmented or reassembled on the way: rules P102, P111, P112 judge those).

Everything is whole-column numpy: a few sorts per pair of ports, no Python loop per packet.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

import numpy as np

from .captures import CapturedPort, CaptureSet

WINDOW_NS = 1_000_000_000  # how long after entering a frame may take to leave, and to count as the same
BROADCAST = 0xFFFF_FFFF_FFFF
GROUP_BIT = 1 << 40  # the I/G bit of the first octet of a 48-bit MAC: multicast and broadcast
NOWHERE = -1  # the home of a MAC that is not placed behind any port


def nearest(query_key: np.ndarray, query_time: np.ndarray, key: np.ndarray, time: np.ndarray,
            after: bool) -> np.ndarray:
    """Per query, the index of the row of (key, time) with the same key and the nearest time at or
    after the query's (`after`), or at or before it; -1 when there is none.

    Queries and rows are sorted together by (key, time), a running minimum (maximum) over the
    positions of the rows finds the next (previous) row of each query."""
    count = len(query_key)
    if not count or not len(key):
        return np.full(count, -1, dtype=np.int64)
    keys = np.concatenate([query_key, key])
    times = np.concatenate([query_time, time])
    is_row = np.arange(len(keys)) >= count
    # at equal times a row counts as at-or-after (at-or-before) the query: sort it behind (in front)
    order = np.lexsort((is_row if after else ~is_row, times, keys))
    position = np.arange(len(order))
    row_at = np.where(is_row[order], position, len(order) if after else -1)
    closest = np.minimum.accumulate(row_at[::-1])[::-1] if after else np.maximum.accumulate(row_at)
    sorted_at = np.empty_like(position)
    sorted_at[order] = position
    found = closest[sorted_at[:count]]
    valid = (found >= 0) & (found < len(order))
    found = np.where(valid, found, 0)
    valid &= keys[order][found] == query_key
    return np.where(valid, order[found] - count, -1)


def nearest_within(query_key: np.ndarray, query_time: np.ndarray, key: np.ndarray, time: np.ndarray,
                   after: bool, window_ns: int) -> np.ndarray:
    """`nearest`, kept only when the row is at most `window_ns` away from its query."""
    found = nearest(query_key, query_time, key, time, after)
    if not len(time):
        return found
    gap = time[np.maximum(found, 0)] - query_time
    return np.where((found >= 0) & ((gap if after else -gap) <= window_ns), found, -1)


def copies_within(port: CapturedPort, other: CapturedPort, window_ns: int = WINDOW_NS) -> np.ndarray:
    """Per row of `port.traffic`, the first row of `other.traffic` with the same fingerprint at most
    `window_ns` after it (or at the same time), -1 when there is none."""
    mine, theirs = port.traffic, other.traffic
    return nearest_within(mine["fingerprint"], mine["time_ns"], theirs["fingerprint"], theirs["time_ns"], True,
                          window_ns)


def _earlier_copies(port: CapturedPort, other: CapturedPort, window_ns: int) -> np.ndarray:
    """Per row of `port.traffic`, whether `other` has the same fingerprint at most `window_ns` before
    it or at the same time."""
    mine, theirs = port.traffic, other.traffic
    return nearest_within(mine["fingerprint"], mine["time_ns"], theirs["fingerprint"], theirs["time_ns"], False,
                          window_ns) >= 0


def _other_shape(port: CapturedPort, other: CapturedPort, rows: np.ndarray, window_ns: int) -> np.ndarray:
    """Per index in `rows` (of `port.traffic`), the frame number on `other` of the same IP datagram in
    another shape at most `window_ns` after it, 0 when there is none: for a fragment any IP row with
    its datagram key, for a whole packet a fragment (a whole packet with the same key is another
    packet: IP ids repeat)."""
    mine, theirs = port.traffic, other.traffic
    result = np.zeros(len(rows), dtype=np.uint64)
    fragment = mine["fragment"][rows]
    whole = (mine["datagram"][rows] != 0) & ~fragment
    for asking, candidates in ((fragment, theirs["datagram"] != 0), (whole, theirs["fragment"])):
        query, target = rows[asking], np.flatnonzero(candidates)
        found = nearest_within(mine["datagram"][query], mine["time_ns"][query], theirs["datagram"][target],
                               theirs["time_ns"][target], True, window_ns)
        result[np.flatnonzero(asking)[found >= 0]] = theirs["frame"][target[found[found >= 0]]]
    return result


@dataclass(frozen=True)
class MacHomes:
    """The port (index into the list of ports) each source MAC lives behind, NOWHERE if not placed."""

    macs: np.ndarray  # sorted 48-bit MACs
    port: np.ndarray  # per MAC, its port index or NOWHERE

    def of(self, macs: np.ndarray) -> np.ndarray:
        """The home port of each of `macs`, NOWHERE for MACs never seen as a source."""
        if not len(self.macs):
            return np.full(len(macs), NOWHERE)
        at = np.minimum(np.searchsorted(self.macs, macs), len(self.macs) - 1)
        return np.where(self.macs[at] == macs, self.port[at], NOWHERE)


Copies = dict[tuple[int, int], np.ndarray]  # (a, b) -> copies_within(ports[a], ports[b]) per ordered pair


def all_copies(ports: list[CapturedPort], window_ns: int = WINDOW_NS) -> Copies:
    """copies_within for every ordered pair of ports, by port index."""
    return {(a, b): copies_within(ports[a], ports[b], window_ns) for a, b in permutations(range(len(ports)), 2)}


def mac_homes(ports: list[CapturedPort], window_ns: int = WINDOW_NS, copies: Copies | None = None) -> MacHomes:
    """Bridge-style MAC learning over the captures (see the module docstring). `copies` is
    all_copies(ports, window_ns), when the caller has it already."""
    copies = all_copies(ports, window_ns) if copies is None else copies
    sources = [np.fromiter(port.summary.sources, dtype=np.uint64) for port in ports]
    macs = np.unique(np.concatenate(sources)) if sources else np.zeros(0, dtype=np.uint64)
    votes = np.zeros((len(macs), len(ports)), dtype=np.int64)
    seen_on = np.zeros((len(macs), len(ports)), dtype=bool)
    for index, port in enumerate(ports):
        seen_on[np.searchsorted(macs, sources[index]), index] = True
        voters = port.traffic["eth_src"][_entered_here(index, ports, copies, window_ns)]
        voters = voters[voters != 0]
        np.add.at(votes[:, index], np.searchsorted(macs, voters), 1)
    best = votes.max(axis=1, initial=0)
    winners = (votes == best[:, None]).sum(axis=1)
    home = np.where((best > 0) & (winners == 1), votes.argmax(axis=1), NOWHERE)
    only_port = seen_on.sum(axis=1) == 1
    home = np.where((best == 0) & only_port, seen_on.argmax(axis=1), home)
    return MacHomes(macs, home)


def _entered_here(index: int, ports: list[CapturedPort], copies: Copies, window_ns: int) -> np.ndarray:
    """Rows of ports[index] seen later on another port and on no other port before (or at the same time)."""
    port = ports[index]
    later = np.zeros(len(port.traffic), dtype=bool)
    earlier = np.zeros(len(port.traffic), dtype=bool)
    for other_index, other in enumerate(ports):
        if other_index != index:
            later |= copies[index, other_index] >= 0
            earlier |= _earlier_copies(port, other, window_ns)
    return later & ~earlier


@dataclass(frozen=True)
class Delivery:
    """The frames that entered the bridge on `ingress` and had to leave by `egress`, judged inside
    the time span `egress`'s capture covers."""

    ingress: CapturedPort
    egress: CapturedPort
    rows: np.ndarray  # ingress.traffic rows, in capture order
    copy: np.ndarray  # per row, the frame number of the copy on egress (0: it never left there)
    outside_span: int  # expected rows left out: egress was not being captured around them

    @property
    def lost(self) -> np.ndarray:
        return self.copy == 0


def deliveries(captures: CaptureSet, window_ns: int = WINDOW_NS) -> list[Delivery]:
    """One Delivery per ordered pair of compared ports with at least one frame expected on the second one."""
    ports = [port for port in captures.compared if len(port.traffic)]
    if len(ports) < 2:
        return []
    copies = all_copies(ports, window_ns)
    homes = mac_homes(ports, window_ns, copies)
    bridged = {(a, b): bool((copies[a, b] >= 0).any() or (copies[b, a] >= 0).any()) for a, b in copies}
    entered = [homes.of(port.traffic["eth_src"]) == index for index, port in enumerate(ports)]
    unicast_to = [np.where((port.traffic["eth_dst"] & np.uint64(GROUP_BIT)) == 0, homes.of(port.traffic["eth_dst"]),
                           NOWHERE) for port in ports]
    found = []
    for a, b in copies:
        ingress, egress = ports[a], ports[b]
        rows = ingress.traffic
        broadcast = (rows["eth_dst"] == BROADCAST) & bridged[a, b]
        expected = entered[a] & ((unicast_to[a] == b) | broadcast)
        inside = expected & (rows["time_ns"] >= egress.summary.first_ns) & (
            rows["time_ns"] + window_ns <= egress.summary.last_ns)
        if not inside.any():
            continue
        same = copies[a, b][inside]
        copy = np.where(same >= 0, egress.traffic["frame"][np.maximum(same, 0)], np.uint64(0))
        missing = copy == 0
        copy[missing] = _other_shape(ingress, egress, np.flatnonzero(inside)[missing], window_ns)
        found.append(Delivery(ingress, egress, rows[inside], copy, int(expected.sum() - inside.sum())))
    return found


def home_port(captures: CaptureSet, mac: int, window_ns: int = WINDOW_NS) -> CapturedPort | None:
    """The compared port the unicast `mac` lives behind (MAC learning over the captures, as for
    `deliveries`), or None when it is not placed or fewer than two ports were compared."""
    ports = [port for port in captures.compared if len(port.traffic)]
    if len(ports) < 2 or mac & GROUP_BIT:
        return None
    homes = captures.derived("mac homes", lambda: mac_homes(ports, window_ns))
    home = int(homes.of(np.array([mac], dtype=np.uint64))[0])
    return ports[home] if home != NOWHERE else None
