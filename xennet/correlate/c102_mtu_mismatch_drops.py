"""Frames lost between two ports of a bridge whose ports have different MTUs: N132 (the MTUs in the
host model) explains P120 (the frames that entered on one port and never left on the other) and
P103 (frames above a port's MTU). Not for a bridge whose netfilter reassembles fragments (a
non-info N170 about it): C101 explains that loss with both settings."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.rules import n132_mtu_bridge_ports_differ as n132
from xennet.pcap.craft import GUEST_A, GUEST_B, ipv4_frame, latin1, pcap_bytes
from xennet.registry import Problem

from . import c101_bridge_nf_drops as c101
from .joins import bridge_and_ports, cases

ID = "C102"
SLUG = "mtu-mismatch-drops"
SEVERITY = Severity.ERROR
SUMMARY = "Captures show frames lost on a bridge whose ports have different MTUs."
RATIONALE = """\
A bridge forwards a frame to a port only if it fits that port's MTU; anything larger is dropped
without an ICMP error. When the captures show frames above a size entering on one port and never
leaving on another, and the host model shows those ports with different MTUs, the MTU mismatch is
the cause: fix the MTUs, not the guests' traffic. When bridge netfilter also reassembles fragments on
that bridge (N170), C101 reports the loss instead, naming both settings."""
FIX = n132.FIX
CAUSE = "N132"
SYMPTOMS = ("P103", "P120", "P140")

_START = 1_700_000_000.0
_SIZES = (1000, 1400, 1500, 2000, 3000)
_FROM_A = [ipv4_frame(size, ip_id=i + 1, src="198.18.0.1", dst="198.18.0.2", eth_src=GUEST_A, eth_dst=GUEST_B)
           for i, size in enumerate(_SIZES)]
_FROM_B = [ipv4_frame(100, ip_id=100 + i, src="198.18.0.2", dst="198.18.0.1", eth_src=GUEST_B, eth_dst=GUEST_A)
           for i in range(2)]
_A_TIMES = [_START + 1 + i / 100 for i in range(len(_SIZES))]


def _captures(delivered: tuple[int, ...]) -> dict[str, str]:
    """vif1.0 (guest A) sends _SIZES to guest B on vif2.0, which gets those listed in `delivered`."""
    passed = [(time + 0.0001, frame) for time, frame, size in zip(_A_TIMES, _FROM_A, _SIZES, strict=True)
              if size in delivered]
    on_b = [(_START, _FROM_B[0]), *passed, (_START + 5, _FROM_B[1])]
    on_a = [(_START + 0.0001, _FROM_B[0]), *zip(_A_TIMES, _FROM_A, strict=True), (_START + 5.0001, _FROM_B[1])]
    return {name: latin1(pcap_bytes([frame for _, frame in timed], times=[time for time, _ in timed]))
            for name, timed in (("vif1.0.pcap", on_a), ("vif2.0.pcap", on_b))}


BAD = {**n132.BAD, **_captures(delivered=(1000, 1400, 1500))}
GOOD = {"ip_address": n132.BAD["ip_address"].replace("mtu 1500", "mtu 9000"), **_captures(delivered=_SIZES)}


def check(model) -> Iterator[Problem]:
    for case in cases(model, CAUSE, SYMPTOMS, bridge_and_ports):
        if c101.takes(model, case.subject):
            continue  # bridge netfilter reassembles there too: C101 names both settings
        yield case.root_cause(
            f"frames are lost on bridge {case.subject}: {case.symptoms()}; the bridge's ports have different"
            f" MTUs ({case.cited()}) and the bridge drops every frame above the egress port's MTU")
