"""A `nics=` setting.

`nics` is an xm-era option: xend (which warned that it is deprecated) padded the vif list with
default vifs up to that number. xl does not know the key and ignores it: the number of vifs is
the number of entries in `vif = [...]`. A config that relies on `nics=2` with one vif entry gets one
NIC under xl, and a smaller `nics` than vif entries was never honoured by anybody.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..facts import ConfigFormat
from ..vifquery import settings_named, source_text

ID = "X130"
SLUG = "nics-deprecated"
SEVERITY = Severity.WARNING
SUMMARY = "The config sets `nics=`, which xl ignores (the vif list decides)."
RATIONALE = """\
Under xl the guest gets exactly the vifs listed in vif=, whatever nics= says; a config that counted
on nics= to add default NICs silently loses them when it moves from xm to xl."""
FIX = "Remove nics= and list one entry per NIC in vif=, e.g. `vif = [ '', '' ]` for two default vifs."
BAD = {"web.cfg": "name = 'web'\nnics = 2\nvif = [ 'bridge=xenbr0' ]\n"}
GOOD = {"web.cfg": "name = 'web'\nvif = [ 'bridge=xenbr0', 'bridge=xenbr0' ]\n"}
REFERENCES = ("xm create --help_config: nics (DEPRECATED)", "xl.cfg(5): vif")

_EFFECT = {
    ConfigFormat.XL: "xl ignores nics=; the vif list alone decides how many vifs the guest has",
    ConfigFormat.XM: "deprecated: xend padded the vif list up to this count, xl ignores it and creates only"
    " the vifs listed in vif=",
}


def check(model) -> Iterator[Problem]:
    for config, assignment in settings_named(model, "nics"):
        yield Problem(f"`{source_text(config, assignment.location)}`: {_EFFECT[config.format]}", assignment.location)
