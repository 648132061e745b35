"""Bridge netfilter reassembles guests' fragmented (or VLAN-tagged) traffic and the captures of the
bridge's ports show large packets dying there. One root cause that ties N170 (the configuration) to
the capture findings on that bridge's ports: datagrams reassembled above the MTU (P102), oversize
packets (P103), fragment trains that never complete (P110), frames that entered the bridge and never
left (P120), echo requests unanswered above a size (P140).

Two shapes, told apart by the kernel (N170's refragmentation verdict for the bridge):
- the field case: a kernel that forwards the reassembled packet whole (2.6.16-2.6.18 for tagged
  traffic): it dies above the egress MTU;
- a kernel that refragments, on a bridge whose ports differ in MTU (N132 on the same bridge):
  br_netfilter refragments no larger than the largest original fragment and drops the datagram
  whole when that size does not fit the egress port. The MTU mismatch alone would drop the oversized
  fragments; with bridge netfilter whole datagrams vanish, last fragments included, which is what
  the captures show. The root cause names both settings and explains N132 too; C102 (the MTU
  mismatch alone) then stays silent for that bridge (`takes`)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.netfilter import CALL_IPTABLES, Refrag, smallest_port
from xennet.lint.rules import n132_mtu_bridge_ports_differ as n132
from xennet.lint.rules import n170_bridge_nf_fragments as n170
from xennet.pcap.craft import fragments, ipv4_frame, latin1, pcap_bytes
from xennet.registry import Problem

from .joins import Case, bridge_and_ports, cases, cite, findings_about

ID = "C101"
SLUG = "bridge-nf-drops-reassembled"
SEVERITY = Severity.ERROR
SUMMARY = "Captures show large packets dying on a bridge whose netfilter reassembles them and cannot refragment."
RATIONALE = """\
N170 says the configuration can drop large packets on a bridge; the captures of that bridge's ports
say that it does: fragments go in on one vif and a reassembled datagram above the MTU (or nothing)
comes out on the other. Together they are the diagnosis of "ping works up to 1476 bytes and dies at
1477": the fix is the sysctl, not the MTUs. On a kernel that refragments, the same loss on a bridge
whose ports differ in MTU needs both settings to be understood: fragments that fit the ingress port
are reassembled and refragmented no smaller than they came, so whole datagrams die at the smaller
port."""
FIX = n170.FIX
SYMPTOMS = ("P102", "P103", "P110", "P120", "P140")
CAUSE = "N170"

_FRAGMENTS = fragments(3000, 1500, ip_id=7)
_BRIDGE_PORTS = n170.BAD["brctl_show"] + "\t\t\t\t\t\t\tvif3.0\n\t\t\t\t\t\t\tvif4.0\n"
BAD = {
    **n170.BAD,
    "brctl_show": _BRIDGE_PORTS,
    "vif3.0.pcap": latin1(pcap_bytes(_FRAGMENTS)),
    "vif4.0.pcap": latin1(pcap_bytes([ipv4_frame(3000, ip_id=7)])),
}
GOOD = {
    **n170.GOOD,
    "brctl_show": _BRIDGE_PORTS,
    "vif3.0.pcap": latin1(pcap_bytes(_FRAGMENTS)),
    "vif4.0.pcap": latin1(pcap_bytes(_FRAGMENTS)),
}


def check(model) -> Iterator[Problem]:
    kernel = model.dom0.kernel if model.dom0 is not None else None
    which = f"kernel {kernel.value}" if kernel is not None else "a kernel that"
    for case in cases(model, CAUSE, SYMPTOMS, bridge_and_ports):
        mismatch = findings_about(model, n132.ID, case.subject)
        narrow = smallest_port(model.dom0, case.subject) if model.dom0 is not None else None
        if mismatch and narrow is not None and n170.bridge_verdict(model, case.subject) is Refrag.FIXED:
            yield _refragmented_too_large(case, which, mismatch[0], narrow.interface, narrow.value)
            continue
        also = f"; its ports also differ in MTU ({cite(mismatch[0])})" if mismatch else ""
        yield case.root_cause(
            f"large packets die on bridge {case.subject}: {case.symptoms()}; bridge netfilter reassembles their"
            f" fragments there ({case.cited()}) and {which} forwards the reassembled packets whole, above the"
            f" MTU, instead of refragmenting them{also}", also=tuple(mismatch))


def _refragmented_too_large(case: Case, which: str, mismatch, port: str, mtu: int) -> Problem:
    return case.root_cause(
        f"large packets die on bridge {case.subject}: {case.symptoms()}; bridge netfilter reassembles their"
        f" fragments there ({CALL_IPTABLES} = 1: {case.cited()}) and {which} refragments them no larger than"
        f" their largest original fragment, which does not fit {port}'s MTU {mtu} ({cite(mismatch)}): every"
        f" datagram that arrives in fragments above {mtu} bytes is dropped whole, its last fragment included",
        fix=f"{mismatch.fix} Or stop the reassembly: {case.cause.fix}",
        also=(mismatch,))


def takes(model, bridge: str) -> bool:
    """Whether this rule judges the losses on `bridge` (a non-info N170 about it): C102 leaves them to it."""
    return any(found.severity is not Severity.INFO for found in findings_about(model, CAUSE, bridge))
