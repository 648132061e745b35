"""Site facts: what the user's configuration (`[tool.xennet.site]`) says the network should be.

They are not read from the inputs: xennet/config.py parses them from `.xennet.toml` or
`pyproject.toml`, the runner puts them on the model, and the rules that compare against the site
read them there. Each value keeps the config file line it came from, so that a finding can cite it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .hostfacts import Fact


@dataclass(frozen=True)
class SiteFacts:
    """`allowed_ouis`: MAC prefixes (three octets) the site uses besides Xen's 00:16:3e; `kernel`: the
    dom0's kernel release, used when the inputs do not state it (no uname, no kernel.osrelease)."""

    allowed_ouis: tuple[Fact[tuple[int, int, int]], ...] = ()
    kernel: Fact[str] | None = None
    bridge_mtu: dict[str, Fact[int]] = field(default_factory=dict)

    def allows_oui(self, octets: tuple[int, ...]) -> bool:
        return any(octets[:3] == oui.value for oui in self.allowed_ouis)
