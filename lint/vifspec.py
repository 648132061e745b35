"""One parser for vif specifications, whatever file they came from.

xl (libxl's parse_nic_config) and xm (xend's create.py) read the same `key=value,...` string
differently, and the difference matters: xl splits with strtok(",") (empty items vanish), skips
leading spaces and KEEPS trailing ones (`bridge=xenbr0 ` names a bridge "xenbr0 "); xend strips
both sides of the key and the value. SXP records carry the fields as `(key value)` nodes instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from xennet.findings import Location

from .facts import Atom, SExpr


class VifSyntax(str, Enum):
    XL = "xl"
    XM = "xm"
    SXP = "sxp"


@dataclass(frozen=True)
class VifField:
    """One `key=value` (or bare flag such as `trusted`) of a vif spec.

    `value` is None for a bare flag. `token` is the item as the tool saw it (xl: leading spaces
    removed, trailing spaces kept), `location` points at its first character where that can be
    known exactly, else at the whole spec string.
    """

    key: str
    value: str | None
    token: str
    location: Location


@dataclass(frozen=True)
class VifSpec:
    """One vif of a domain. `devid` is its index in the vif list (Xen's default DEVID)."""

    devid: int
    syntax: VifSyntax
    fields: tuple[VifField, ...]
    location: Location
    text: str | None = None  # the spec string; None for SXP records

    def get(self, key: str) -> VifField | None:
        """The field that takes effect for `key`: the last one, as in xl and xend."""
        found = [f for f in self.fields if f.key == key]
        return found[-1] if found else None

    def value(self, key: str) -> str | None:
        found = self.get(key)
        return found.value if found else None


def _split_xl(text: str) -> list[tuple[str, int]]:
    """xl: strtok(text, ","), then skip leading spaces of each item. Returns (item, offset)."""
    items = []
    offset = 0
    for raw in text.split(","):
        if raw:
            stripped = raw.lstrip(" ")
            items.append((stripped, offset + len(raw) - len(stripped)))
        offset += len(raw) + 1
    return [(item, pos) for item, pos in items if item]


def _split_xm(text: str) -> list[tuple[str, int]]:
    """xend: text.split(","), each item stripped; empty items are ignored."""
    items = []
    offset = 0
    for raw in text.split(","):
        stripped = raw.strip()
        if stripped:
            items.append((stripped, offset + len(raw) - len(raw.lstrip())))
        offset += len(raw) + 1
    return items


def _field_from_item(item: str, syntax: VifSyntax, location: Location) -> VifField:
    key, sep, value = item.partition("=")
    if syntax is VifSyntax.XM:
        key, value = key.strip(), value.strip()
    return VifField(key=key, value=value if sep else None, token=item, location=location)


def parse_vif_string(
    text: str,
    devid: int,
    syntax: VifSyntax,
    location: Location,
    source_line: str | None = None,
) -> VifSpec:
    """Parse a vif spec string found at `location` (the opening quote of the string literal).

    When `source_line` shows the literal verbatim (one line, no escapes), each field gets its exact
    column; otherwise every field points at the string itself.
    """
    splitter = _split_xl if syntax is VifSyntax.XL else _split_xm
    exact = _literal_is_verbatim(text, location, source_line)
    fields = []
    for item, offset in splitter(text):
        if exact:
            column = location.column + 1 + offset
            loc = Location(location.path, location.line, column, location.line, column + len(item))
        else:
            loc = location
        fields.append(_field_from_item(item, syntax, loc))
    return VifSpec(devid=devid, syntax=syntax, fields=tuple(fields), location=location, text=text)


def _literal_is_verbatim(text: str, location: Location, source_line: str | None) -> bool:
    if source_line is None or not location.column or location.end_line not in (0, location.line):
        return False
    start = location.column  # 1-based column of the quote; text starts right after it
    return source_line[start : start + len(text)] == text


def parse_vif_sexpr(node: SExpr, devid: int) -> VifSpec:
    """A `(vif (mac '..') (bridge '..') ...)` record of xend or `xm list -l`."""
    fields = []
    for item in node.items[1:]:
        if not isinstance(item, SExpr) or item.head is None:
            continue
        values = [a.text for a in item.items[1:] if isinstance(a, Atom)]
        value = " ".join(values) if values else None
        key = item.head
        token = key if value is None else f"{key}={value}"
        fields.append(VifField(key=key, value=value, token=token, location=item.location))
    return VifSpec(devid=devid, syntax=VifSyntax.SXP, fields=tuple(fields), location=node.location)


def parse_script_args(command: str) -> tuple[str, dict[str, str]]:
    """`network-bridge netdev=eth1 bridge=xenbr1` -> ("network-bridge", {"netdev": "eth1", ...}).

    Used for xend-config.sxp's `(network-script '...')` and `(vif-script '...')`.
    """
    words = command.split()
    if not words:
        return "", {}
    args = {}
    for word in words[1:]:
        key, sep, value = word.partition("=")
        if sep:
            args[key] = value
    return words[0], args
