"""MAC address facts: parsing the text of a `mac=` field into octets."""

from __future__ import annotations

import re

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}$")
XEN_OUI = (0x00, 0x16, 0x3E)


def parse_mac(text: str) -> tuple[int, ...] | None:
    """Six octets for `00:16:3e:12:34:56` (case-insensitive), None for anything else."""
    if not _MAC.match(text):
        return None
    return tuple(int(part, 16) for part in text.split(":"))


def normalize_mac(octets: tuple[int, ...]) -> str:
    return ":".join(f"{octet:02x}" for octet in octets)


def is_multicast(octets: tuple[int, ...]) -> bool:
    return bool(octets[0] & 0x01)


def is_locally_administered(octets: tuple[int, ...]) -> bool:
    return bool(octets[0] & 0x02)
