"""A `# xennet: disable=` comment that suppressed nothing (ruff's RUF100 for xennet).

Judged after the suppressions were applied (lint/runner.py runs this rule last), and only for codes
whose rules ran: a comment for a rule left out with --select or --ignore is not called unused.
`--no-suppressions` turns the comments, and with them this rule, off.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem
from xennet.suppress import unused_codes

ID = "E007"
SLUG = "unused-suppression"
SEVERITY = Severity.WARNING
SUMMARY = "A `# xennet: disable=` comment names a rule that reports nothing where the comment applies."
RATIONALE = """\
A suppression outlives the problem it hid: once the config is fixed, the comment stays and would
silently hide the next, unrelated problem of that rule on the same line. Stale comments also tell
the reader something about the file that is no longer true."""
FIX = "Delete the comment (or the codes that suppress nothing); keep only suppressions that hide a finding."
BAD = {"web.cfg": 'name = "web"\n# xennet: disable=X101\nvif = [ "mac=00:16:3e:00:00:01,bridge=xenbr0" ]\n'}
GOOD = {"web.cfg": 'name = "web"\n# xennet: disable=X114 -- the lab uses this vendor range\n'
        'vif = [ "mac=00:11:22:33:44:55,bridge=xenbr0" ]\n'}


def check(model) -> Iterator[Problem]:
    for suppression in model.suppressions:
        unused = unused_codes(suppression, model.rules_run)
        if not unused:
            continue
        where = "in this file" if suppression.whole_file else "on this line or the next" if suppression.own_line \
            else "on this line"
        yield Problem(
            f"`{suppression.comment}` suppresses nothing: no {', '.join(unused)} finding {where}",
            suppression.location,
        )
