"""A `vif2=` setting (netchannel2 network devices).

netchannel2 was an experimental second-generation network driver of the Xen 3.4 era; xend took
`vif2` entries, but the driver never reached upstream Linux and is gone. xl prints "WARNING: vif2:
netchannel2 is deprecated and not supported by xl" and creates no device for them.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import settings_named, source_text

ID = "X131"
SLUG = "vif2-deprecated"
SEVERITY = Severity.WARNING
SUMMARY = "The config sets `vif2=` (netchannel2), which xl does not support."
RATIONALE = """\
The NICs described by vif2= do not exist under xl: a guest that relied on them comes up without
that network."""
FIX = "Describe those NICs as ordinary vifs in vif= (front_mac= becomes mac=, bridge= stays)."
BAD = {"web.cfg": "name = 'web'\nvif2 = [ 'front_mac=00:16:3e:5a:01:02,bridge=xenbr0' ]\n"}
GOOD = {"web.cfg": "name = 'web'\nvif = [ 'mac=00:16:3e:5a:01:02,bridge=xenbr0' ]\n"}
REFERENCES = ("tools/xl/xl_parse.c: parse_config_data (vif2 warning)",)


def check(model) -> Iterator[Problem]:
    for config, assignment in settings_named(model, "vif2"):
        yield Problem(
            f"`{source_text(config, assignment.location)}`: netchannel2 is gone; xl warns and creates no device"
            " for vif2 entries",
            assignment.location,
        )
