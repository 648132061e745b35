"""A guest whose MAC drifted from its vif's mac= (N110, from the guest's own files) is seen sending
from that other MAC on its vif (P160, from the capture): one root cause, the guest's MAC setting."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.rules import n110_guest_mac_mismatch as n110
from xennet.pcap.rules import p160_vif_source_mac as p160
from xennet.registry import Problem

from .joins import cases, vif_devices

ID = "C103"
SLUG = "guest-mac-drift-seen"
SEVERITY = Severity.ERROR
SUMMARY = "A guest runs with another MAC than its vif's mac=, and its vif's capture shows it sending from that MAC."
RATIONALE = """\
N110 reads the mismatch in the guest's bundle; P160 sees it on the wire. Together they say that the
traffic from an unexpected source MAC is the guest's own and why: the guest was cloned or its MAC
pinned inside it, so port security, anti-spoofing rules, DHCP reservations and peers' ARP caches
that expect the configured MAC fail it."""
FIX = n110.FIX
CAUSE = "N110"
SYMPTOMS = ("P160",)
EXAMPLE_TREES = ("dom0", "guest")
_GUEST = {
    "guest/sos_commands/general/hostname": f"{p160._GUEST}\n",
    "guest/sos_commands/networking/ip_address": "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc"
    f" pfifo_fast state UP qlen 1000\n    link/ether {p160._USED} brd ff:ff:ff:ff:ff:ff\n",
}
BAD = {**p160.BAD, **_GUEST}
GOOD = {**p160.GOOD, **_GUEST, "guest/sos_commands/networking/ip_address": _GUEST[
    "guest/sos_commands/networking/ip_address"].replace(p160._USED, p160._CONFIGURED)}


def check(model) -> Iterator[Problem]:
    for case in cases(model, CAUSE, SYMPTOMS, vif_devices):
        yield case.root_cause(
            f"the guest behind {case.subject} sends from a MAC its vif does not configure: {case.symptoms()};"
            f" the guest's own files show it running with that MAC ({case.cited()})")
