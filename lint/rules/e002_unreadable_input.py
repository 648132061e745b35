"""An input that xennet could not read: permission denied, a device or socket, a file larger than a
config can be, or binary data named on the command line. Nothing in it was analyzed, and
`xennet lint` exits 2 for the first two kinds so that CI notices."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E002"
SLUG = "unreadable-input"
SEVERITY = Severity.ERROR
SUMMARY = "An input could not be read (permissions, not a regular file, too large, or binary)."
RATIONALE = """\
A file that is not read is a file that is not checked: the run says so instead of passing silently."""
FIX = "Make the file readable, or leave it out of the paths given to xennet."
BAD = {"guest.cfg": "\0\0\0\x01binary\0"}
GOOD = {"guest.cfg": 'name = "web"\nvif = [ "bridge=xenbr0" ]\n'}
KINDS = ("unreadable", "too-large", "binary")


def check(model) -> Iterator[Problem]:
    for problem in model.input_problems:
        if problem.kind in KINDS:
            yield Problem(problem.message, problem.location)
