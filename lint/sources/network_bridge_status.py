"""`network-bridge status` output: Xen's tools/hotplug/Linux/network-bridge (show_status) prints,
between two lines of '=', `ip addr show NETDEV`, `ip addr show BRIDGE`, `brctl show BRIDGE`,
`ip route list` and `route -n`, the last three each after a line holding one space.

The output is cut into sections at blank lines and '=' lines, and each section goes to the parser
whose looks_like claims it (ip_link, brctl, routes): wrappers and other Xen versions print the same
commands in other orders. A section is handed over padded with as many empty lines as come before
it, so that the locations of the facts are those of the whole file without shifting them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from itertools import groupby

from xennet.findings import Location

from ..facts import ParseProblem
from ..hostfacts import HostFacts
from . import brctl, ip_link, routes

_RULE = re.compile(r"\s*={10,}\s*")
_SECTIONS: tuple[tuple[Callable[[str], bool], Callable[[str, str], HostFacts]], ...] = (
    (ip_link.looks_like, ip_link.parse_ip_link),
    (brctl.looks_like, brctl.parse_brctl),
    (routes.looks_like, routes.parse_routes),
)
_NOT_A_SECTION = "not `ip addr`, `brctl show`, `ip route` or `route -n` output"


def looks_like(text: str) -> bool:
    """True when the text starts with a line of '=' and holds a section that one of the parsers reads."""
    first = next((line for line in text.split("\n") if line.strip()), "")
    return _RULE.fullmatch(first) is not None and any(_parser(section) for _, section in _sections(text))


def parse_network_bridge_status(text: str, path: str) -> HostFacts:
    """The interfaces, bridges and routes of the sections; a section no parser reads is a problem."""
    facts = HostFacts()
    sections = list(_sections(text))
    unread = []
    for start, section in sections:
        parse = _parser(section)
        if parse is None:
            where = Location(path, start, end_line=start + section.count("\n") - 1)
            unread.append(ParseProblem("syntax", _NOT_A_SECTION, where))
        else:
            facts.merge(parse("\n" * (start - 1) + section, path))
    if unread and len(unread) == len(sections):  # another kind of file: one problem says so
        unread = [ParseProblem("unrecognized", "not `network-bridge status` output", Location(path, sections[0][0]))]
    facts.problems.extend(unread)
    return facts


def _sections(text: str) -> Iterator[tuple[int, str]]:
    """(number of its first line, text) of each run of lines between blank lines and '=' lines."""
    numbered = enumerate(text.split("\n"), 1)
    for is_content, run in groupby(numbered, key=lambda item: bool(item[1].strip()) and not _RULE.fullmatch(item[1])):
        if is_content:
            lines = list(run)
            yield lines[0][0], "\n".join(line for _, line in lines) + "\n"


def _parser(section: str) -> Callable[[str, str], HostFacts] | None:
    return next((parse for looks, parse in _SECTIONS if looks(section)), None)
