"""A domain config in xm's Python syntax that xl cannot read.

xend ran domain configs as Python (`execfile`), so `memory = 4096 * 2` or `name = "vm%d" % vmid`
worked. xend was removed in Xen 4.5; xl reads configs with libxlu, which has no expressions at
all and rejects the whole file. The finding points at the first thing xl stops at. Files that
only use the common subset (plain `key = value` lines) are not reported: both tools read them.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..facts import ConfigFormat

ID = "X003"
SLUG = "python-config"
SEVERITY = Severity.WARNING
SUMMARY = "An xm (Python) domain config uses Python that xl cannot read."
RATIONALE = """\
On any Xen since 4.5 the domain will not start: `xl create` fails with a parse error and the
warning "Config file looks like it contains Python code". The config only works on a host that
still runs xend."""
FIX = "Compute the values and write them as plain xl syntax (`memory = 8192`), see xl.cfg(5)."
BAD = {"db01.cfg": 'name = "db01"\nmemory = 4096 * 2\nvif = [ "bridge=xenbr0" ]\n'}
GOOD = {"db01.cfg": 'name = "db01"\nmemory = 8192\nvif = [ "bridge=xenbr0" ]\n'}
REFERENCES = ("https://wiki.xen.org/wiki/PythonInXlConfig", "xl.cfg(5)")


def check(model) -> Iterator[Problem]:
    for config in model.files:
        if config.format is not ConfigFormat.XM or not config.xl_problems or config.problems:
            continue
        first = config.xl_problems[0]
        yield Problem(
            f"this is Python for xend (xm), which Xen 4.5 removed; xl rejects the file here: {first.message}",
            first.location,
        )
