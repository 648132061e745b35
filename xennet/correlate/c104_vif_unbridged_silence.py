"""A vif that is a port of no bridge (N104, from dom0's bridge listing) explains why the guest's ARP
requests and pings on that vif get no answer (P150, P140, from the capture): nothing carries the
guest's frames beyond its vif."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.rules import n104_vif_not_on_bridge as n104
from xennet.pcap.craft import ARP_REQUEST, arp_frame, latin1, pcap_bytes
from xennet.registry import Problem

from .joins import cases, vif_devices

ID = "C104"
SLUG = "unbridged-vif-unanswered"
SEVERITY = Severity.ERROR
SUMMARY = "A guest's ARP requests or pings go unanswered on a vif that is a port of no bridge."
RATIONALE = """\
N104 shows the vif outside the bridge in dom0's bundle; P150/P140 show the guest asking and nobody
answering on that vif. The guest is not at fault, nor its peers, nor a firewall: its frames never
reach the bridge. The classic cause is a restart of dom0's network that recreated the bridge
without the running guests' vifs."""
FIX = n104.FIX
CAUSE = "N104"
SYMPTOMS = ("P140", "P150")
_T = 1_700_000_000.0
_ASK = arp_frame(ARP_REQUEST, "00:16:3e:5a:01:02", "198.18.0.3", "198.18.0.1")
BAD = {**n104.BAD, "vif3.0.pcap": latin1(pcap_bytes([_ASK, _ASK, _ASK], times=[_T, _T + 1, _T + 2]))}
GOOD = {**n104.GOOD, "vif3.0.pcap": BAD["vif3.0.pcap"]}


def check(model) -> Iterator[Problem]:
    for case in cases(model, CAUSE, SYMPTOMS, vif_devices):
        yield case.root_cause(
            f"the guest behind {case.subject} gets no answers because its vif is on no bridge: {case.symptoms()};"
            f" dom0 shows the vif outside the bridge ({case.cited()})")
