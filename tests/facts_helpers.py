"""Small accessors the parser tests share: records by name, a fact's position and text."""

from __future__ import annotations

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
