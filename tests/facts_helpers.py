"""Small accessors the parser tests share: records by name, a fact's position and text."""

from __future__ import annotations

from pathlib import Path

from xennet.lint.hostfacts import HostFacts, InterfaceRecord


def by_name(facts: HostFacts) -> dict[str, InterfaceRecord]:
    return {record.name: record for record in facts.interfaces}


def where(fact) -> tuple[int, int]:
    return fact.location.line, fact.location.column


def span(fact) -> tuple[int, int, int, int]:
    location = fact.location
    return (location.line, location.column, location.end_line, location.end_column)


def printed(text: str, fact) -> str:
    """The text from where `fact` (or a record) is located to the end of its line."""
    return text.split("\n")[fact.location.line - 1][fact.location.column - 1 :]


def value(fact):
    return None if fact is None else fact.value


def options(record) -> dict[str, str]:
    return {key: fact.value for key, fact in record.options.items()}


def at(finding) -> tuple[str, int, int]:
    """(file name, line, column) of a finding."""
    location = finding.location
    return Path(location.path).name, location.line, location.column


def related(finding) -> list[tuple[str, int, int]]:
    return [(Path(loc.path).name, loc.line, loc.column) for loc in finding.related]


def spot(name: str, content: str, needle: str, nth: int = 1) -> tuple[str, int, int]:
    """(file name, line, column) of the nth occurrence of `needle` in `content`."""
    index = -1
    for _ in range(nth):
        index = content.index(needle, index + 1)
    line = content.count("\n", 0, index) + 1
    column = index - (content.rfind("\n", 0, index) + 1) + 1
    return Path(name).name, line, column
