"""What identifies a finding across runs, for baselines and SARIF's partialFingerprints.

Like ruff's fingerprints (rule + path + message) and unlike GitHub's default one (a hash of the
line's text), the identity leaves out the finding's own line and column, and the line numbers its
message quotes (`sysctl_-a:7`, `web01.cfg:7:32`, `line 4`) are replaced by `#`: adding or removing
lines above a finding, in its file or in another one it quotes, keeps its identity, and so does the
order the findings come in. Every other number in the message stays: `vif 0` and `vif 1`, VLAN 3
and VLAN 4, two MACs, are different findings. The message is xennet's own wording, so a release
that rewords a rule's message changes that rule's identities.
"""

from __future__ import annotations

import hashlib
import re

from xennet.findings import Finding

_LINE_WORDS = (re.compile(r"\blines? \d+(?:\s*-\s*\d+)?\b"), "line #")


def _line_references(finding: Finding) -> list[tuple[re.Pattern[str], str]]:
    """(pattern, replacement) for the ways a message quotes the lines of the files it involves:
    `NAME:LINE[:COL]` for the base name of every location of the finding (its own, related ones, those
    of the findings it explains), and `line N`."""
    locations = [finding.location, *finding.related]
    for explained in finding.explains:
        for inner in explained.flattened():
            locations += [inner.location, *inner.related]
    names = sorted({loc.path.rsplit("/", 1)[-1] for loc in locations} - {""}, key=len, reverse=True)
    references = [(re.compile(rf"(?<![\w.-]){re.escape(name)}:\d+(?::\d+)?(?!\d)"), f"{name}:#") for name in names]
    return [*references, _LINE_WORDS]


def identity(finding: Finding, path: str) -> str:
    """The rule ID, `path` (the finding's path as the caller names it: as given, or relative to a
    baseline's folder) and the message without the line numbers it quotes."""
    message = finding.message
    for pattern, replacement in _line_references(finding):
        message = pattern.sub(lambda _match, text=replacement: text, message)
    return "\0".join((finding.rule_id, path, message))


def digest(text: str) -> str:
    """The SHA-256 of an identity, in hex."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
