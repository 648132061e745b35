"""What the root-cause rules share: finding a configuration finding (the cause) together with the
capture findings about the same thing (a bridge and its ports, or one vif), and wording the root
cause that explains them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xennet.findings import Finding, Severity
from xennet.lint.host import Host
from xennet.registry import Problem

Reach = Callable[[Host | None, str], set[str]]  # (dom0, the cause's subject) -> the subjects it explains


@dataclass(frozen=True)
class Case:
    """A finding about a bridge or a vif (`cause`) and the findings about what it reaches (`seen`)."""

    cause: Finding
    seen: list[Finding]

    @property
    def subject(self) -> str:
        return self.cause.subject

    def symptoms(self) -> str:
        """Each symptom's first statement and rule, `vif3.0 -> vif4.0: 10 of 15 frame(s) never left
        on vif4.0 (P120); ...`: the message up to its first `; ` holds what was counted."""
        return "; ".join(f"{found.message.split('; ', 1)[0]} ({found.rule_id})" for found in self.seen)

    def cited(self) -> str:
        """`N170, sysctl.conf:1`: the cause as a message cites it."""
        location = self.cause.location
        return f"{self.cause.rule_id}, {os.path.basename(location.path)}:{location.line}"

    def root_cause(self, message: str) -> Problem:
        """The root cause: at the cause's location, with its fix, explaining the cause and the symptoms,
        related to every location they name."""
        related = (*self.cause.related, *(where for found in self.seen for where in (found.location, *found.related)))
        return Problem(message, self.cause.location, related=tuple(dict.fromkeys(related)), fix=self.cause.fix,
                       subject=self.subject, explains=(self.cause, *self.seen))


def bridge_and_ports(dom0: Host | None, bridge: str) -> set[str]:
    """A bridge reaches itself and its ports."""
    return {bridge, *(dom0.ports(bridge) if dom0 is not None else ())}


def vif_devices(_dom0: Host | None, device: str) -> set[str]:
    """A vif device reaches the ports a capture may name it by: vifD.N, its HVM twin vifD.N-emu and
    the old qemu-dm tapD.N."""
    return {device, f"{device}-emu", device.replace("vif", "tap", 1)}


def cases(model, cause_rule: str, symptom_rules: tuple[str, ...], reach: Reach) -> Iterator[Case]:
    """Each non-info finding of `cause_rule` with a subject that has findings of `symptom_rules`
    whose subjects it reaches."""
    for cause in model.findings:
        if cause.rule_id != cause_rule or cause.severity is Severity.INFO or not cause.subject:
            continue
        subjects = reach(model.dom0, cause.subject)
        seen = [found for found in model.findings if found.rule_id in symptom_rules and found.subject in subjects]
        if seen:
            yield Case(cause, seen)
