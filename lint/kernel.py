"""The running kernel's release: where a host tree states it, parsed so that releases compare.

A release such as `2.6.18-128.el5xen` is a dotted version (2, 6, 18) followed by a local part
(`-128.el5xen`) that distributions and Xen trees append. Releases compare by the dotted version
only, padded with zeros: 2.6.16 < 2.6.16.6 < 2.6.17. The local part says whose kernel it is
(`el5` for RHEL 5, `xen` for a Xen-patched dom0 kernel) but not which fixes it carries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from xennet.findings import Location

from .host import Host

_RELEASE = re.compile(r"(?P<numbers>\d+(?:\.\d+)+)(?P<local>\S*)")


@dataclass(frozen=True)
class KernelRelease:
    """A parsed release: `numbers` (2, 6, 16, 6) and the rest of the text (`-128.el5xen`)."""

    text: str
    numbers: tuple[int, ...]
    local: str

    def _padded(self, other: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
        width = max(len(self.numbers), len(other))
        return self.numbers + (0,) * (width - len(self.numbers)), other + (0,) * (width - len(other))

    def at_least(self, *version: int) -> bool:
        mine, other = self._padded(version)
        return mine >= other

    def before(self, *version: int) -> bool:
        return not self.at_least(*version)

    @property
    def series(self) -> tuple[int, ...]:
        """The first three numbers: (2, 6, 18) for 2.6.18.8 and for 2.6.18-128.el5xen."""
        return self.numbers[:3]

    @property
    def xen_flavour(self) -> bool:
        """A Xen-patched dom0 kernel (`2.6.18-128.el5xen`, `2.6.18-xen`, `2.6.32.57-xen`)."""
        return "xen" in self.local.lower()


@dataclass(frozen=True)
class KernelFact:
    """The release and the line that states it."""

    release: KernelRelease | None  # None when the text is not a release xennet can read
    text: str
    location: Location


def parse_release(text: str) -> KernelRelease | None:
    """`2.6.18-128.el5xen` -> KernelRelease(numbers=(2, 6, 18), local="-128.el5xen"); None for other text."""
    match = _RELEASE.match(text.strip())
    if match is None:
        return None
    numbers = tuple(int(part) for part in match["numbers"].split("."))
    return KernelRelease(text.strip(), numbers, match["local"])


def running_kernel(host: Host) -> KernelFact | None:
    """The release of the host's running kernel: `uname -a`, else `kernel.osrelease` of the running
    sysctls; None when the tree says neither."""
    if host.kernel is not None:
        return KernelFact(parse_release(host.kernel.value), host.kernel.value, host.kernel.location)
    for reading in host.running_sysctls().get("kernel.osrelease", []):
        return KernelFact(parse_release(reading.value), reading.value, reading.location)
    return None
