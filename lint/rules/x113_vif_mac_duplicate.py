"""The same MAC (compared case-insensitively) on two vifs, in one domain or in different domains.

Two interfaces with one MAC on a bridge make the bridge's forwarding table flap between them: both
guests lose packets, intermittently, which is the hardest kind of fault to find. All files linted
together count as one host (or one network): the check runs across them.

One finding per repeated occurrence (every one after the first), pointing at that vif's `mac=`,
with every other vif that has the address as related locations; so each line that has to change is
flagged, while the first occurrence is taken as the owner of the address. Domains with the same
name or UUID are one guest described twice (a converted config, or a config and its `xm list -l`
record) and do not clash with each other.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..mac import normalize_mac
from ..vifquery import clashes, mac_uses

ID = "X113"
SLUG = "vif-mac-duplicate"
SEVERITY = Severity.ERROR
SUMMARY = "The same MAC address is configured on two vifs."
RATIONALE = """\
Duplicate MACs break both guests in a way that looks like random packet loss: the bridge learns the
address on one port, then on the other. Configs copied from a template with a fixed mac= are the
usual cause."""
FIX = "Give every vif its own MAC (or remove mac= from the copy and let xl generate one)."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3E:5A:01:02,bridge=xenbr0" ]\n',
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3e:5a:01:03,bridge=xenbr0" ]\n',
}
REFERENCES = ("xl-network-configuration(5): mac",)


def check(model) -> Iterator[Problem]:
    for clash in clashes((normalize_mac(octets), use) for use, octets in mac_uses(model)):
        yield Problem(
            f"{clash.use.where}: `{clash.use.field.token.strip()}` repeats the MAC of {clash.others_text}:"
            " the bridge cannot tell the interfaces apart",
            clash.use.field.location,
            related=clash.related,
        )
