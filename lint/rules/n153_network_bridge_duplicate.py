"""Two network-bridge calls that claim the same NIC (netdev=) or the same bridge (bridge=).

Admins who want a bridge per NIC write a wrapper that calls network-bridge once per NIC; a copied
line that was not fully edited gives two calls for one NIC or one bridge. For the same NIC, the
second run finds the NIC already renamed and enslaved by the first (network-bridge renames ethN to
pethN) and either does nothing or takes the NIC away from the first bridge: one of the two bridges
has no uplink. For the same bridge, two NICs end up in one bridge, which joins their networks (a
loop when both are cabled to the same one).

NICs compare by their name before network-bridge's renaming (netdev=peth0 is eth0). Only written
netdev= and bridge= values are compared; defaults depend on the Xen version. One finding for each
call that repeats an earlier one, at the repeated argument, with the earlier call as related.

It does not fire for calls in a wrapper that xend-config.sxp does not run, nor for bridge=null
(network-bridge then does nothing).
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..model import LintModel
from ..netfilter import ScriptCall, bridge_calls, nic_key

ID = "N153"
SLUG = "network-bridge-duplicate"
SEVERITY = Severity.ERROR
SUMMARY = "Two network-bridge calls claim the same NIC or the same bridge."
RATIONALE = """\
network-bridge assumes it owns its NIC and its bridge. Two calls for one NIC leave one bridge
without an uplink; two calls for one bridge join two networks. Either way some guests lose the
network, and which ones depends on the order the calls run in."""
FIX = "Give every network-bridge call its own netdev= and its own bridge= (and vifnum=)."
BAD = {
    "my-bridges": (
        "#!/bin/sh\n"
        'dir=$(dirname "$0")\n'
        '"$dir/network-bridge" "$@" vifnum=0 netdev=eth0 bridge=xenbr0\n'
        '"$dir/network-bridge" "$@" vifnum=1 netdev=eth0 bridge=xenbr1\n'
    ),
}
GOOD = {
    "my-bridges": (
        "#!/bin/sh\n"
        'dir=$(dirname "$0")\n'
        '"$dir/network-bridge" "$@" vifnum=0 netdev=eth0 bridge=xenbr0\n'
        '"$dir/network-bridge" "$@" vifnum=1 netdev=eth1 bridge=xenbr1\n'
    ),
}
REFERENCES = ("https://wiki.xenproject.org/wiki/Xen_Networking",)

_CLAIMS = (
    ("netdev", "NIC", nic_key),
    ("bridge", "bridge", lambda value: value),
)


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    calls = bridge_calls(host)
    for key, what, normal in _CLAIMS:
        seen: dict[str, list[ScriptCall]] = {}
        for call in calls:
            value = call.arg(key)
            if not value or value == "null":
                continue
            earlier = seen.setdefault(normal(value), [])
            if earlier:
                yield _problem(call, earlier, key, what)
            earlier.append(call)


def _problem(call: ScriptCall, earlier: list[ScriptCall], key: str, what: str) -> Problem:
    value, first = call.arg(key), earlier[0]
    consequence = (
        "the second run finds the NIC already taken by the first bridge, so one of the two bridges has no uplink"
        if key == "netdev"
        else f"both put their NIC into {value}, which joins {first.arg('netdev') or 'one NIC'}'s and"
        f" {call.arg('netdev') or 'another NIC'}'s networks (a loop if they are the same)"
    )
    written = f" (as {key}={first.arg(key)})" if first.arg(key) != value else ""
    return Problem(
        f"{call.where} claims {key}={value}, the {what} that {first.where} already claims{written}: {consequence}",
        call.arg_location(key),
        related=tuple(other.arg_location(key) for other in earlier),
    )
