"""Facts that the config parsers produce. Parsers fill these; rules read them; nothing here judges.

Every value keeps the Location it was read from so that a finding can point at the exact line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from xennet.findings import Location


class ValueKind(str, Enum):
    STRING = "string"
    NUMBER = "number"
    LIST = "list"
    UNKNOWN = "unknown"  # an xm (Python) expression that cannot be evaluated without running the file


@dataclass(frozen=True)
class Value:
    """A config value. `data` is str for STRING, the source text for NUMBER (as libxlu keeps it),
    a tuple of Values for LIST, and a short description of the expression for UNKNOWN."""

    kind: ValueKind
    data: object
    location: Location

    @property
    def is_known(self) -> bool:
        return self.kind is not ValueKind.UNKNOWN

    def as_python(self) -> object:
        """The plain Python value (lists become lists); UNKNOWN becomes None."""
        if self.kind is ValueKind.LIST:
            return [item.as_python() for item in self.data]  # type: ignore[attr-defined]
        if self.kind is ValueKind.UNKNOWN:
            return None
        return self.data

    @property
    def items(self) -> tuple[Value, ...]:
        return self.data if self.kind is ValueKind.LIST else ()  # type: ignore[return-value]


@dataclass(frozen=True)
class Assignment:
    """`key = value` or `key += value`, in file order."""

    key: str
    op: str  # "=" or "+="
    value: Value
    location: Location  # of the key


@dataclass(frozen=True)
class ParseProblem:
    """Something a parser could not read. `kind` names what went wrong ("syntax", "encoding",
    "binary", "unreadable", "too-large", ...); `hint` adds context such as "looks like Python"."""

    kind: str
    message: str
    location: Location
    hint: str = ""


class ConfigFormat(str, Enum):
    XL = "xl"  # xl.cfg / xl.conf, read by libxlu
    XM = "xm"  # Python syntax, run by xend with execfile
    SXP = "sxp"  # S-expressions: xend-config.sxp, xm list -l, xend domain records


@dataclass
class ConfigFile:
    """One parsed config file: its assignments in order and what could not be read.

    For SXP files, `sexprs` holds the top-level S-expressions and `assignments` is empty.
    """

    path: str
    format: ConfigFormat
    assignments: list[Assignment] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)
    sexprs: list[SExpr] = field(default_factory=list)
    lines: tuple[str, ...] = ()  # the source text split into lines (for messages and suppressions)
    # For XM files only: what xl (libxlu) would say about the same text. Empty when xl reads it too.
    xl_problems: list[ParseProblem] = field(default_factory=list)


@dataclass(frozen=True)
class Atom:
    """An SXP atom or quoted string."""

    text: str
    quoted: bool
    location: Location


@dataclass(frozen=True)
class SExpr:
    """An SXP list `(head item ...)`; items are Atoms or SExprs."""

    items: tuple[Atom | SExpr, ...]
    location: Location

    @property
    def head(self) -> str | None:
        first = self.items[0] if self.items else None
        return first.text if isinstance(first, Atom) else None

    def children(self, head: str) -> list[SExpr]:
        return [item for item in self.items if isinstance(item, SExpr) and item.head == head]

    def child(self, head: str) -> SExpr | None:
        found = self.children(head)
        return found[0] if found else None

    def atom_value(self, head: str) -> Atom | None:
        """The value atom of a `(head value)` child, if it has exactly one atom value."""
        node = self.child(head)
        if node is None or len(node.items) != 2 or not isinstance(node.items[1], Atom):
            return None
        return node.items[1]
