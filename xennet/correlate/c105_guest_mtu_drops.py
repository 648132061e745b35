"""A guest whose NIC's MTU is below its vif's (N135) explains the vif's drops toward the guest (N180)
and the pings to the guest that go unanswered above a size (P140, from the vif's capture): the bridge
delivers the large frames and the guest's NIC refuses them."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.lint.rules import n135_mtu_guest_below_vif as n135
from xennet.lint.rules import n180_vif_drops as n180
from xennet.registry import Problem

from .joins import cases, vif_devices

ID = "C105"
SLUG = "guest-mtu-drops"
SEVERITY = Severity.ERROR
SUMMARY = "A vif drops frames toward its guest (or pings to it go unanswered) and the guest's MTU is below the vif's."
RATIONALE = """\
N135 reads the two MTUs; N180 counts what the vif could not hand to the guest and P140 sees the pings
that got no answer. Nothing is lost inside the bridge, so captures of the bridge's ports look healthy
and the drops look like a slow guest: the MTU inside the guest is the cause."""
FIX = n135.FIX
CAUSE = "N135"
SYMPTOMS = ("N180", "P140")
EXAMPLE_TREES = n135.EXAMPLE_TREES
_COUNTERS = {"dom0/sos_commands/networking/ip_-s_link": n180.BAD["ip_-s_link"]}
BAD = {**n135.BAD, **_COUNTERS}
GOOD = {**n135.GOOD, **_COUNTERS}


def check(model) -> Iterator[Problem]:
    for case in cases(model, CAUSE, SYMPTOMS, vif_devices):
        yield case.root_cause(
            f"the guest behind {case.subject} refuses frames its vif delivers: {case.symptoms()}; the guest's NIC"
            f" has a smaller MTU than the vif ({case.cited()})")
