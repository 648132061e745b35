"""Frames that entered the bridge on one captured port and never left on the captured port they had
to leave by (the port behind which their destination MAC lives, every bridged port for broadcast)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from xennet.findings import Severity
from xennet.lint.mac import normalize_mac
from xennet.registry import Problem

from ..craft import GUEST_A, GUEST_B, ipv4_frame, latin1, pcap_bytes
from ..crossport import Delivery, deliveries
from ..evidence import MAX_EXAMPLES, size_range, when
from ..oversize import mtu_text

ID = "P120"
SLUG = "lost-between-ports"
SEVERITY = Severity.ERROR
SUMMARY = "Frames entered the bridge on one captured port and never left on the port they had to leave by."
RATIONALE = """\
Captured on both vifs of a conversation, a frame that enters dom0's bridge from one guest and is
not seen on the other guest's vif within a second was dropped inside dom0: by netfilter on the
bridge (br_netfilter, ebtables), by an MTU smaller than the frame on the way out, or by a full
queue. When the lost frames are exactly the big ones, the size where loss starts names the MTU to
look for. Frames are only judged while both captures were running."""
FIX = ("Compare the MTU of the two vifs, the bridge and the guests with the size where loss starts; check"
       " ebtables/iptables on the bridge (bridge-nf-call-iptables) and the vifs' drop counters.")
_START = 1_700_000_000.0
_SENT = [ipv4_frame(1000 + 200 * i, ip_id=i + 1) for i in range(3)]
_SENT_TIMES = [_START + 1 + i / 100 for i in range(3)]
_REPLIES = [ipv4_frame(100, src="192.0.2.2", dst="192.0.2.1", ip_id=100 + i, eth_src=GUEST_B, eth_dst=GUEST_A)
            for i in range(2)]
BAD = {
    "vif1.0.pcap": latin1(pcap_bytes(_SENT, times=_SENT_TIMES)),
    "vif2.0.pcap": latin1(pcap_bytes(_REPLIES, times=[_START, _START + 3])),
}
GOOD = {
    "vif1.0.pcap": BAD["vif1.0.pcap"],
    "vif2.0.pcap": latin1(pcap_bytes([_REPLIES[0], *_SENT, _REPLIES[1]],
                                     times=[_START, *(t + 0.001 for t in _SENT_TIMES), _START + 3])),
}


def check(model) -> Iterator[Problem]:
    if model.captures is None:
        return
    for delivery in deliveries(model.captures):
        lost = delivery.lost
        if not lost.any():
            continue
        ingress, egress = delivery.ingress, delivery.egress
        message = (f"{ingress.name} -> {egress.name}: {int(lost.sum())} of {len(lost)} frame(s) never left on"
                   f" {egress.name}: {_sizes(delivery)}")
        if delivery.outside_span:
            message += (f"; {delivery.outside_span} more frame(s) outside the time span of {egress.name}'s capture"
                        " were not judged")
        yield Problem(message, ingress.location, related=(egress.location,), evidence=_evidence(delivery),
                      subject=egress.name)


def _sizes(delivery: Delivery) -> str:
    """How the sizes of lost and delivered frames relate: a clean threshold, or both ranges."""
    rows, lost = delivery.rows, delivery.lost
    unit = "IP length" if (rows["datagram"] != 0).all() else "size"
    lost_sizes, delivered_sizes = rows["size"][lost], rows["size"][~lost]
    if not len(delivered_sizes):
        return f"none was delivered ({unit} {size_range(lost_sizes)})"
    if lost_sizes.min() > delivered_sizes.max():
        return (f"every frame with {unit} >= {int(lost_sizes.min())} was lost, all <= {int(delivered_sizes.max())}"
                f" were delivered ({delivery.egress.name}: {mtu_text(delivery.egress)})")
    return f"lost frames have {unit} {size_range(lost_sizes)}, delivered ones {size_range(delivered_sizes)}"


def _evidence(delivery: Delivery) -> tuple[str, ...]:
    """The first lost frames and, for contrast, the largest delivered one."""
    rows, lost = delivery.rows, delivery.lost
    delivered = np.flatnonzero(~lost)
    shown = np.flatnonzero(lost)[: MAX_EXAMPLES - (1 if len(delivered) else 0)]
    lines = [f"{_frame_line(delivery, i)}, not seen on {delivery.egress.name}" for i in shown]
    if len(delivered):
        largest = delivered[np.argmax(rows["size"][delivered])]
        lines.append(f"{_frame_line(delivery, largest)}, left as {delivery.egress.name} frame"
                     f" {int(delivery.copy[largest])}")
    return tuple(lines)


def _frame_line(delivery: Delivery, index: int) -> str:
    row = delivery.rows[index]
    return (f"{delivery.ingress.name} frame {int(row['frame'])} at {when(int(row['time_ns']))}: size"
            f" {int(row['size'])}, {_mac(row['eth_src'])} -> {_mac(row['eth_dst'])}")


def _mac(value: np.uint64) -> str:
    return normalize_mac(tuple(int(value).to_bytes(6, "big")))
