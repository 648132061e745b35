"""ICMP and ICMPv6 facts over every captured port: echo requests and whether a reply was seen, the
"fragmentation needed" / "packet too big" messages routers send back, and DF packets too big for
their port. Whole-column numpy over the ports' notable rows (they hold every ICMP packet and every
IP packet above the port limit).

A packet crossing a bridge is captured on several ports: echo requests are counted once (by
requester, target, echo id and sequence number), and a reply seen on any port answers them. A flow
is one requester pinging one target, whatever the echo ids: each `ping` run has its own id, and the
size where replies stop shows across runs (`ping -s 1376`, then `ping -s 1377`). A
fragmented echo message is recognized by its first fragment (the one with the ICMP header) and
sized by its whole datagram: `ping -s 1473` over a 1500 MTU is a 1501-byte request in two pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .captures import CapturedPort, CaptureSet
from .fragments import address, datagram_lengths, is_first_fragment, is_fragment
from .sightings import REPLY_GRACE_NS, Sightings, capture_end, first_rows, gather, groups_of, key_ids, rows_in
from .traffic import PROTO_ICMP, PROTO_ICMPV6, packet_size

TCP = 6
ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
UNREACHABLE, FRAG_NEEDED = 3, 4  # ICMP type 3 code 4: fragmentation needed and DF set
PACKET_TOO_BIG = 2  # ICMPv6 type 2
_SRC, _DST = ("ip_src_hi", "ip_src_lo"), ("ip_dst_hi", "ip_dst_lo")


def is_icmp(table: np.ndarray) -> np.ndarray:
    return ((table["ip_version"] == 4) & (table["proto"] == PROTO_ICMP)) | (
        (table["ip_version"] == 6) & (table["proto"] == PROTO_ICMPV6))


def _is_type(table: np.ndarray, types: dict[int, int]) -> np.ndarray:
    """Whole ICMP messages of these types, and first fragments of fragmented ones."""
    return is_icmp(table) & (~is_fragment(table) | is_first_fragment(table)) & (
        np.where(table["ip_version"] == 4, types[4], types[6]) == table["icmp_type"])


def is_echo_request(table: np.ndarray) -> np.ndarray:
    return _is_type(table, ECHO_REQUEST)


def is_echo_reply(table: np.ndarray) -> np.ndarray:
    return _is_type(table, ECHO_REPLY)


def is_too_big(table: np.ndarray) -> np.ndarray:
    """ICMP "fragmentation needed" and ICMPv6 "packet too big": a router's word that the path MTU is
    smaller than the packet it dropped."""
    v4 = (table["ip_version"] == 4) & (table["icmp_type"] == UNREACHABLE) & (table["icmp_code"] == FRAG_NEEDED)
    v6 = (table["ip_version"] == 6) & (table["icmp_type"] == PACKET_TOO_BIG)
    return is_icmp(table) & ~is_fragment(table) & (v4 | v6)


def _columns(rows: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.column_stack([rows[name].astype(np.uint64) for name in names])


def source(row: np.void) -> str:
    return address(row["ip_src_hi"], row["ip_src_lo"])


def destination(row: np.void) -> str:
    return address(row["ip_dst_hi"], row["ip_dst_lo"])


@dataclass(frozen=True)
class EchoFlow:
    """The echo requests of one requester to one target, each request once (its
    first sighting), in time order; `answered` and `judged` are masks over them. A request is judged
    when answered or sent at least REPLY_GRACE_NS before the end of the capture."""

    requests: Sightings
    answered: np.ndarray
    judged: np.ndarray

    @property
    def requester(self) -> str:
        return source(self.requests.rows[0])

    @property
    def target(self) -> str:
        return destination(self.requests.rows[0])

    @property
    def unanswered(self) -> np.ndarray:
        return self.judged & ~self.answered

    @property
    def not_judged(self) -> int:
        return int((~self.judged).sum())


@dataclass(frozen=True)
class EchoRequests:
    """Every echo request seen on any port, once each, in time order, with its flow (a dense id per
    requester and target) and whether it was answered and judged (see EchoFlow). A capture can hold
    a flow per packet (a scan of many targets): flows are only built when asked for."""

    requests: Sightings
    flow: np.ndarray
    answered: np.ndarray
    judged: np.ndarray

    def flows_with_unanswered(self) -> np.ndarray:
        """Ids of the flows with at least one unanswered judged request, the most unanswered first
        (then the first seen)."""
        unanswered = self.judged & ~self.answered
        if not unanswered.any():
            return np.zeros(0, dtype=np.int64)
        flows = int(self.flow.max()) + 1
        counts = np.bincount(self.flow[unanswered], minlength=flows)
        first = np.full(flows, len(self.flow))
        np.minimum.at(first, self.flow, np.arange(len(self.flow)))
        ids = np.flatnonzero(counts)
        return ids[np.lexsort((first[ids], -counts[ids]))]

    def unanswered_count(self, flows: np.ndarray) -> int:
        """Unanswered judged requests in the flows `flows`."""
        return int((self.judged & ~self.answered & np.isin(self.flow, flows)).sum())

    def echo_flow(self, flow: int) -> EchoFlow:
        index = np.flatnonzero(self.flow == flow)
        return EchoFlow(self.requests.take(index), self.answered[index], self.judged[index])


def _whole_sizes(captures: CaptureSet, sightings: Sightings) -> Sightings:
    """`sightings` with the first fragments sized by their whole datagram."""
    if not is_fragment(sightings.rows).any():
        return sightings  # nothing to size: spare gathering every fragment of every port
    whole = datagram_lengths(sightings.rows, gather(captures, is_fragment).rows)
    return Sightings(sightings.rows, sightings.port, np.where(whole > 0, whole, sightings.size))


def echo_requests(captures: CaptureSet) -> EchoRequests:
    """The echo requests of every port, each once, and their flows."""
    requests = _whole_sizes(captures, gather(captures, is_echo_request))
    request_key = _columns(requests.rows, (*_SRC, *_DST, "icmp_id", "icmp_seq"))
    first = first_rows(request_key)  # rows are in time order: the first row of a key is its first sighting
    requests, request_key = requests.take(first), request_key[first]
    replies = gather(captures, is_echo_reply).rows
    answered = rows_in(request_key, _columns(replies, (*_DST, *_SRC, "icmp_id", "icmp_seq")))
    judged = answered | (requests.rows["time_ns"] <= capture_end(captures) - REPLY_GRACE_NS)
    return EchoRequests(requests, key_ids(request_key[:, :4]), answered, judged)  # requester, target


@dataclass(frozen=True)
class TooBigGroup:
    """The frag-needed / packet-too-big messages one port carried from one sender to one destination
    announcing one MTU."""

    port: CapturedPort
    rows: np.ndarray

    @property
    def sender(self) -> str:
        return source(self.rows[0])

    @property
    def destination(self) -> str:
        return destination(self.rows[0])

    @property
    def mtu(self) -> int:
        return int(self.rows["icmp_mtu"][0])


def too_big_groups(captures: CaptureSet) -> list[TooBigGroup]:
    """Frag-needed / packet-too-big messages per port, sender, destination and next-hop MTU, in
    order of first appearance on each port."""
    groups = []
    for port in captures.ports:
        rows = port.notable[is_too_big(port.notable)]
        if not len(rows):
            continue
        groups += [TooBigGroup(port, rows[index]) for index in groups_of(_columns(rows, (*_SRC, *_DST, "icmp_mtu")))]
    return groups


@dataclass(frozen=True)
class DfOversize:
    """IPv4 packets with DF set above `port.limit` that are not TCP (TCP with DF above the limit is
    an offload super-frame, see oversize.classify), split by whether a frag-needed / packet-too-big
    toward their source was captured on any port. Masks over `port.notable`."""

    port: CapturedPort
    size: np.ndarray
    told: np.ndarray
    untold: np.ndarray


def df_oversize(captures: CaptureSet) -> list[DfOversize]:
    """One DfOversize per port with such packets."""
    warned = _columns(gather(captures, is_too_big).rows, _DST)
    found = []
    for port in captures.ports:
        table = port.notable
        size = packet_size(table, port.link_type)
        over = (table["ip_version"] == 4) & table["df"] & (table["proto"] != TCP) & ~is_fragment(table) & (
            size > port.limit)
        if over.any():
            told = over & rows_in(_columns(table, _SRC), warned)
            found.append(DfOversize(port, size, told, over & ~told))
    return found
