"""The same `vifname=` on two vifs, in one domain or in different domains.

A vifname is the backend interface's name in dom0, and one name can exist only once: the second vif
to come up fails to get it and stays without network (or, with a rename-based hotplug script,
takes over the first one's name). One finding per repeated occurrence with the others as related
locations; domains with the same name or UUID are one guest described twice and do not clash.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import clashes, field_uses

ID = "X125"
SLUG = "vifname-duplicate"
SEVERITY = Severity.ERROR
SUMMARY = "Two vifs are given the same vifname."
RATIONALE = """\
Interface names are unique in dom0: whichever guest starts second loses its network, and which one
that is depends on boot order. Copied configs with a fixed vifname are the usual cause."""
FIX = "Give each vif its own vifname (or drop vifname= and use the default vifDOMID.DEVID)."
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,vifname=vif-web" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3e:5a:01:03,vifname=vif-web" ]\n',
}
GOOD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,vifname=vif-web" ]\n',
    "db.cfg": 'name = "db"\nvif = [ "mac=00:16:3e:5a:01:03,vifname=vif-db" ]\n',
}
REFERENCES = ("xl-network-configuration(5): vifname",)


def check(model) -> Iterator[Problem]:
    for clash in clashes((use.value.strip(), use) for use in field_uses(model, "vifname")):
        yield Problem(
            f"{clash.use.where}: `{clash.use.field.token.strip()}` is also the vifname of {clash.others_text}:"
            " only one interface can have the name",
            clash.use.field.location,
            related=clash.related,
        )
