"""The `vlan=` vif setting, as documented by the xl vif VLAN series (xen-devel, v3, May 2024,
docs/man/xl-network-configuration.5.pod.in): one or more terms separated by `/`, each one of

    ID[p|u]            a VLAN ID 1..4094; `p` marks the PVID (implies untagged), `u` untagged
    ID1-ID2[u]         a range, ID1 <= ID2
    ID+STEPxCOUNT[u]   ID, then COUNT more IDs STEP apart

Exactly one ID must be the PVID, except that a spec of one single ID may leave out the `p`.
"""

from __future__ import annotations

import re

VLAN_MIN, VLAN_MAX = 1, 4094
_TERM = re.compile(
    r"(?P<id>\d+)(?:(?P<single>[pu]?)|-(?P<last>\d+)(?P<range_u>u?)|\+(?P<step>\d+)x(?P<count>\d+)(?P<seq_u>u?))"
)


def vlan_error(text: str) -> str | None:
    """Why `text` is not a valid vlan= value, or None when it is."""
    matches = []
    for term in text.split("/"):
        match = _TERM.fullmatch(term)
        if match is None:
            return f"`{term}` is not a VLAN ID, a range ID1-ID2 or a sequence ID+STEPxCOUNT"
        problem = _term_error(term, match)
        if problem:
            return problem
        matches.append(match)
    return _pvid_error(matches)


def _pvid_error(matches: list[re.Match[str]]) -> str | None:
    pvids = sum(match["single"] == "p" for match in matches)
    if pvids > 1:
        return f"{pvids} VLANs are marked as the PVID with `p`; only one can be"
    lone_id = len(matches) == 1 and matches[0]["single"] is not None
    if pvids == 0 and not lone_id:
        return "no VLAN is marked as the PVID: mark one with `p` (only a single VLAN ID may leave it out)"
    return None


def _term_error(term: str, match: re.Match[str]) -> str | None:
    first = int(match["id"])
    if match["last"] is not None:
        last = int(match["last"])
        if last < first:
            return f"the range `{term}` runs backwards"
    elif match["step"] is not None:
        step, count = int(match["step"]), int(match["count"])
        if step == 0 or count == 0:
            return f"the sequence `{term}` needs a step and a count of at least 1"
        last = first + step * count
    else:
        last = first
    for vid in (first, last):
        if not VLAN_MIN <= vid <= VLAN_MAX:
            return f"VLAN ID {vid} in `{term}` is outside {VLAN_MIN}..{VLAN_MAX}"
    return None
