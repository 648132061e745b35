"""The field case: bridge netfilter reassembles guests' fragmented (or VLAN-tagged) traffic on a
kernel that forwards the reassembled packet whole, and the captures of the bridge's ports show the
packets dying there. One root cause that ties N170 (the configuration) to the capture findings on
that bridge's ports: datagrams reassembled above the MTU (P102), oversize packets (P103), fragment
trains that never complete (P110), frames that entered the bridge and never left (P120), echo
requests unanswered above a size (P140)."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.rules import n170_bridge_nf_fragments as n170
from xennet.pcap.craft import fragments, ipv4_frame, latin1, pcap_bytes
from xennet.registry import Problem

from .joins import bridge_and_ports, cases

ID = "C101"
SLUG = "bridge-nf-drops-reassembled"
SEVERITY = Severity.ERROR
SUMMARY = "Captures show large packets dying on a bridge whose netfilter reassembles them and cannot refragment."
RATIONALE = """\
N170 says the configuration can drop large packets on a bridge; the captures of that bridge's ports
say that it does: fragments go in on one vif and a reassembled datagram above the MTU (or nothing)
comes out on the other. Together they are the diagnosis of "ping works up to 1476 bytes and dies at
1477": the fix is the sysctl, not the MTUs."""
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
        yield case.root_cause(
            f"large packets die on bridge {case.subject}: {case.symptoms()}; bridge netfilter reassembles their"
            f" fragments there ({case.cited()}) and {which} forwards the reassembled packets whole, above the"
            " MTU, instead of refragmenting them")
