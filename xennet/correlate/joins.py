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
        return cite(self.cause)

    def root_cause(self, message: str, fix: str | None = None, also: tuple[Finding, ...] = ()) -> Problem:
        """The root cause: at the cause's location, with its fix (or `fix`), explaining the cause, the
        findings `also` (a second configuration finding it joins) and the symptoms, related to every
        location they name."""
        explained = (*also, *self.seen)
        related = (*self.cause.related, *(where for found in explained for where in (found.location, *found.related)))
        return Problem(message, self.cause.location, related=tuple(dict.fromkeys(related)), fix=fix or self.cause.fix,
                       subject=self.subject, explains=(self.cause, *explained))


def cite(finding: Finding) -> str:
    """`N132, ip_address:5`: a finding as a message cites it."""
    return f"{finding.rule_id}, {os.path.basename(finding.location.path)}:{finding.location.line}"


def findings_about(model, rule_id: str, subject: str) -> list[Finding]:
    """The findings of `rule_id` whose subject is `subject`."""
    return [found for found in model.findings if found.rule_id == rule_id and found.subject == subject]


def bridge_and_ports(dom0: Host | None, bridge: str) -> set[str]:
    """A bridge reaches itself and its ports."""
    return {bridge, *(dom0.ports(bridge) if dom0 is not None else ())}


def vif_devices(_dom0: Host | None, device: str) -> set[str]:
    """A vif device reaches the ports a capture may name it by: vifD.N, its HVM twin vifD.N-emu and
    the old qemu-dm tapD.N."""
    return {device, f"{device}-emu", device.replace("vif", "tap", 1)}


def cases(model, cause_rule: str, symptom_rules: tuple[str, ...], reach: Reach) -> Iterator[Case]:
    """Each non-info finding of `cause_rule` with a subject that has findings of `symptom_rules`
    about what it reaches (their subject, or another thing they involve)."""
    for cause in model.findings:
        if cause.rule_id != cause_rule or cause.severity is Severity.INFO or not cause.subject:
            continue
        subjects = reach(model.dom0, cause.subject)
        seen = [found for found in model.findings if found.rule_id in symptom_rules and found.is_about(subjects)]
        if seen:
            yield Case(cause, seen)
