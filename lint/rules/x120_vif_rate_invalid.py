"""A vif `rate=` that does not parse: `RATE/s` or `RATE/s@INTERVAL`.

RATE is a number with B, KB, MB, GB (bytes) or b, Kb, Mb, Gb (bits); INTERVAL a number with s, ms
or us. xl exits at domain creation on a rate it cannot parse; xend silently falls back to no limit
at all, so the guest gets unlimited bandwidth. The message is the rate parser's own explanation.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..vifquery import field_uses
from ..vifrate import RateError, parse_rate

ID = "X120"
SLUG = "vif-rate-invalid"
SEVERITY = Severity.ERROR
SUMMARY = "A vif's rate= cannot be parsed (e.g. `rate=10M`, missing the unit and /s)."
RATIONALE = """\
A rate limit that does not parse either stops the guest from starting (xl) or is dropped without a
word (xend): the limit someone relied on does not exist."""
FIX = "Write the rate as e.g. `rate=10Mb/s` or `rate=1MB/s@20ms` (see xl-network-configuration(5))."
BAD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,rate=10M" ]\n'}
GOOD = {"web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,rate=10Mb/s" ]\n'}
REFERENCES = ("xl-network-configuration(5): rate", "tools/libs/util/libxlu_vif.c: xlu_vif_parse_rate")


def check(model) -> Iterator[Problem]:
    for use in field_uses(model, "rate"):
        result = parse_rate(use.value.strip())
        if isinstance(result, RateError):
            yield Problem(f"{use.where}: `{use.field.token.strip()}`: {result.message}", use.field.location)
