"""A file named on the command line that is neither a Xen domain config, xl.conf nor an SXP file.
Files met while walking a folder are only counted as skipped (`-v` lists them); a file the user
named explicitly is reported, because the user expected it to be checked."""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E004"
SLUG = "unrecognized-input"
SEVERITY = Severity.WARNING
SUMMARY = "A file given by name is not a config xennet understands; it was not analyzed."
RATIONALE = """\
Nothing the user gave is silently dropped: a misspelt path or a file of another kind would
otherwise look like a clean result."""
FIX = "Check the path; xennet lint reads xl.cfg, xl.conf, xm (Python) and SXP files."
BAD = {"notes.txt": "Remember to check the bridge on host 3.\n"}
GOOD = {"guest.cfg": 'name = "web"\nvif = [ "bridge=xenbr0" ]\n'}


def check(model) -> Iterator[Problem]:
    for problem in model.input_problems:
        if problem.kind == "unrecognized":
            yield Problem(problem.message, problem.location)
