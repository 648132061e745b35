"""What xl makes of an xl.cfg's assignments: libxlu's semantics over the parser's facts.

The last assignment to a key wins. `key += value` joins the key's current value and the new one:
string to string, list to list (libxlu keeps numbers as their text, so they join like strings).
Joining a list and a string is an error that makes xl reject the whole file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from xennet.lint.facts import Assignment, Value, ValueKind

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
# strtol(text, &end, 0) that reads the whole text: C's leading spaces, a sign, then 0x hex, 0 octal or decimal.
_STRTOL_BASE0 = re.compile(r"[ \t\n\v\f\r]*([+-]?)(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))")


def effective_settings(assignments: Iterable[Assignment]) -> dict[str, Value]:
    """The value each key ends up with, as libxlu's lookups find it.

    A `+=` that libxlu would reject (list with string) is skipped, keeping the earlier value;
    `concat_mismatches` reports it. A `+=` with no earlier value is a plain assignment. A joined
    string is a STRING: libxlu refuses to read a number from a setting made with `+=`.
    """
    return _replay(assignments)[0]


def concat_mismatches(assignments: Iterable[Assignment]) -> list[tuple[Assignment, Assignment]]:
    """Each `+=` that joins a list and a string, as (assignment that made the current value, the `+=`)."""
    return _replay(assignments)[1]


def xl_number(text: str) -> int | None:
    """The number xl reads from a value (libxlu: strtol base 0 over the whole text), or None.

    "0x1f" is hex and "017" octal; "08", "1e5", "" and values outside a C long are not numbers.
    """
    found = _STRTOL_BASE0.fullmatch(text)
    if not found:
        return None
    sign, hexadecimal, octal, decimal = found.groups()
    if hexadecimal:
        value = int(hexadecimal, 16)
    elif octal:
        value = int(octal, 8)
    else:
        value = int(decimal)
    value = -value if sign == "-" else value
    return value if _LONG_MIN <= value <= _LONG_MAX else None


def _replay(assignments: Iterable[Assignment]) -> tuple[dict[str, Value], list[tuple[Assignment, Assignment]]]:
    values: dict[str, Value] = {}
    made_by: dict[str, Assignment] = {}
    mismatches: list[tuple[Assignment, Assignment]] = []
    for assignment in assignments:
        key, value = assignment.key, assignment.value
        previous = values.get(key)
        if assignment.op == "+=" and previous is not None:
            joined = _join(previous, value)
            if joined is None:
                mismatches.append((made_by[key], assignment))
                continue
            value = joined
        values[key] = value
        made_by[key] = assignment
    return values, mismatches


def _join(previous: Value, added: Value) -> Value | None:
    """libxlu's xlu__cfg_concat_vals; the result is where the `+=` value is, as in libxlu."""
    if (previous.kind is ValueKind.LIST) != (added.kind is ValueKind.LIST):
        return None
    if added.kind is ValueKind.LIST:
        return Value(ValueKind.LIST, previous.items + added.items, added.location)
    return Value(ValueKind.STRING, f"{previous.data}{added.data}", added.location)
