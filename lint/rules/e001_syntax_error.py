"""A file that its tool cannot parse: xl (libxlu), xend (Python), the SXP reader, the shell that
sources an ifcfg file, ifupdown, sysctl, or a command output that is not what its name says.

xl refuses to start a domain whose config has a syntax error, so this is always an error. The
location is where the parser stopped; when an xl config looks like Python (xl dropped support for
Python configs), the message says so. Everything else in the file, and every other file, is still
analyzed.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

ID = "E001"
SLUG = "syntax-error"
SEVERITY = Severity.ERROR
SUMMARY = "A config file or command output cannot be parsed by the tool that reads it."
RATIONALE = """\
xl (through libxlu), xend (through Python) and the SXP reader reject the whole file on a syntax
error: the domain does not start, or xend ignores its configuration. A network config line that
the shell or ifupdown cannot read is silently not applied. Other files are still linted."""
FIX = "Correct the syntax at the given line and column."
BAD = {"guest.cfg": 'name = "web"\nmemory = 512MB\nvif = [ "bridge=xenbr0" ]\n'}
GOOD = {"guest.cfg": 'name = "web"\nmemory = 512\nvif = [ "bridge=xenbr0" ]\n'}
REFERENCES = ("xl.cfg(5): Syntax", "https://wiki.xen.org/wiki/PythonInXlConfig")


def check(model) -> Iterator[Problem]:
    for config in model.files:
        for problem in config.problems:
            if problem.kind == "syntax":
                message = f"{config.format.value} syntax error: {problem.message}"
                if problem.hint:
                    message += f" ({problem.hint})"
                yield Problem(message, problem.location)
    for host in model.hosts:
        for problem in host.facts.problems:
            if problem.kind == "syntax":
                yield Problem(problem.message + (f" ({problem.hint})" if problem.hint else ""), problem.location)
