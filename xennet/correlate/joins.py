"""What the root-cause rules share: finding a configuration finding about a bridge together with the
capture findings about that bridge's ports, and wording the root cause that explains them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

from xennet.findings import Finding, Severity
from xennet.registry import Problem


@dataclass(frozen=True)
class BridgeCase:
    """A finding about a bridge (`cause`) and the findings about the bridge or its ports (`seen`)."""

    cause: Finding
    bridge: str
    seen: list[Finding]

    def ports(self) -> str:
        """`vif3.0, vif4.0`: the ports the symptoms are about."""
        return ", ".join(dict.fromkeys(found.subject for found in self.seen))

    def symptoms(self) -> str:
        """`2 reassembled-datagram, 1 lost-between-ports finding(s)`."""
        counts: dict[str, int] = {}
        for found in self.seen:
            counts[found.slug] = counts.get(found.slug, 0) + 1
        return ", ".join(f"{count} {slug}" for slug, count in counts.items()) + " finding(s)"

    def cited(self) -> str:
        """`N170, sysctl.conf:1`: the cause as a message cites it."""
        location = self.cause.location
        return f"{self.cause.rule_id}, {os.path.basename(location.path)}:{location.line}"

    def root_cause(self, message: str) -> Problem:
        """The root cause: at the cause's location, with its fix, explaining the cause and the symptoms."""
        related = (*self.cause.related, *(found.location for found in self.seen))
        return Problem(message, self.cause.location, related=tuple(dict.fromkeys(related)), fix=self.cause.fix,
                       subject=self.bridge, explains=(self.cause, *self.seen))


def bridge_cases(model, cause_rule: str, symptom_rules: tuple[str, ...]) -> Iterator[BridgeCase]:
    """Each non-info finding of `cause_rule` (its subject a bridge of dom0) that has findings of
    `symptom_rules` about the bridge or one of its ports."""
    host = model.dom0
    for cause in model.findings:
        if cause.rule_id != cause_rule or cause.severity is Severity.INFO or not cause.subject:
            continue
        ports = {cause.subject, *(host.ports(cause.subject) if host is not None else ())}
        seen = [found for found in model.findings if found.rule_id in symptom_rules and found.subject in ports]
        if seen:
            yield BridgeCase(cause, cause.subject, seen)
