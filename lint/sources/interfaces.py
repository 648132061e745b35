"""Debian /etc/network/interfaces (ifupdown and ifupdown2) -> one InterfaceRecord per interface name.

Read as ifupdown's config.c and ifupdown2's networkinterfaces.py read it (grammars/interfaces.lark):
`auto` / `allow-*` / `no-auto-down` / `no-scripts` lines list interfaces, `iface NAME [FAMILY
[METHOD]]` opens a stanza whose option lines follow, `mapping` opens a stanza of `script` and
`map` lines, `source` and `source-directory` include other files. The stanzas of one name (inet
and inet6, or several for more addresses) make ONE record.

What becomes a field (option names are compared with '_' read as '-', as ifupdown2 does):
- kind: "loopback" (method loopback), "bridge" (bridge-ports), "bond" (bond-slaves), "vlan"
  (vlan-raw-device, vlan-id, or a NAME.VID name, which ifupdown turns into a VLAN of NAME whatever
  else the stanza says), "tunnel" (methods tunnel, v4tunnel, 6to4).
- addresses: `address A/P`, or `address A` with the stanza's `netmask` (dotted or a prefix length);
  with neither, `ip addr add` gives /32 (IPv4) or /128 (IPv6).
- ports: bridge-ports / bond-slaves words, repeated lines appended, `none` meaning no port. A list
  with patterns (`glob swp1-52`, `regex ...`, `all`) keeps its plain names in `ports` and the
  whole list, as written, in options under the option's name.
- mtu, hwaddress ([ether] MAC), the first gateway, vlan-raw-device (parent), vlan-id, bond-master.
Every other option goes to `options`; an option given again is appended after a newline, as
ifupdown does, and its location then runs from the first value to the last. The names on `auto`,
`allow-CLASS`, `no-auto-down` and `no-scripts` lines get that word as an option with the value
"yes" (and a record, even without a stanza).

ifupdown refuses the whole file on a misplaced option (one before any stanza), an option without
a value or an iface line without a name; those lines become syntax problems and are skipped.
"""

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from functools import cache
from pathlib import PurePosixPath

from lark import Lark, Token, Tree

from xennet.findings import Location

from ...grammars import load
from ..facts import ParseProblem
from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ..mac import normalize_mac, parse_mac

SOURCE = "interfaces"

_FAMILIES = frozenset({"inet", "inet6", "ipx", "can", "link"})
_TUNNEL_METHODS = frozenset({"tunnel", "v4tunnel", "6to4"})
_MAPPING_OPTIONS = frozenset({"script", "map"})
# Words of a port list that make the next word a pattern (ifupdown2), or that are patterns.
_PATTERN_PREFIXES = frozenset({"glob", "regex"})
_PATTERN_WORDS = frozenset({"noglob", "noregex", "all"})
_DOTTED_VLAN = re.compile(r"(.+)\.([0-9]{1,9})")
_VLAN_PLUS_VID = re.compile(r"vlan([0-9]{1,9})")
_DIGITS = re.compile(r"[0-9]{1,9}")  # int() refuses over 4300 digits
# source-directory reads only run-parts-like names (ifupdown's directory_filter).
_RUN_PARTS_NAME = re.compile(r"[A-Za-z0-9_-]+")
_STANZA_LINE = re.compile(r"(?:iface|mapping|auto|allow-\S+|source|source-dir\S*|no-auto-down|no-scripts)(?:\s|$)")
_DEFINING_LINE = re.compile(r"(?:iface|mapping|auto|allow-\S+|source-dir\S*)\s+\S")
_COMMENTED_IFACE = re.compile(r"^[ \t]*#+[ \t]*iface[ \t]+\S+[ \t]+inet6?[ \t]+\S", re.MULTILINE)
# Inputs that hold a copy of /etc/network/ may keep interfaces.d next to the interfaces file.
_ETC_NETWORK = "/etc/network/"


@cache
def _parser() -> Lark:
    return Lark(load("interfaces"), parser="lalr", lexer="contextual", maybe_placeholders=False)


def looks_like(text: str) -> bool:
    """True when the first statement opens a stanza (ifupdown rejects anything else) and some line
    defines interfaces; a file of comments only counts when it shows `iface NAME inet ...`."""
    lines = [line.strip() for line in text.split("\n")]
    significant = [line for line in lines if line and not line.startswith("#")]
    if not significant:
        return bool(_COMMENTED_IFACE.search(text))
    return bool(_STANZA_LINE.match(significant[0])) and any(_DEFINING_LINE.match(line) for line in significant)


def parse_interfaces(text: str, path: str) -> HostFacts:
    """The interfaces one interfaces(5) file describes. Never raises; `source` lines are not
    followed here (see source_directives and resolve_sources)."""
    reader = _Reader(path)
    for line in _parser().parse(text + "\n").children:
        if isinstance(line, Tree):
            reader.read(line)
    reader.close_stanza()
    return HostFacts(interfaces=[iface.finish() for iface in reader.interfaces.values()], problems=reader.problems)


def source_directives(text: str, path: str) -> list[Fact[str]]:
    """The file's `source PATTERN...` and `source-directory DIR...` lines, in order, as
    "source PATTERN..." / "source-directory DIR..." with the location of the whole line."""
    directives = []
    for line in _parser().parse(text + "\n").children:
        if isinstance(line, Tree) and line.data == "source" and len(line.children) > 1:
            keyword, *words = line.children
            kind = "source" if keyword == "source" else "source-directory"
            value = " ".join(_text(word) for word in words)
            directives.append(Fact(f"{kind} {value}", _span(path, keyword, words[-1])))
    return directives


def resolve_sources(path: str, directives: list[Fact[str]], available: Iterable[str]) -> list[str]:
    """The files of `available` (the user's inputs) that the directives of the interfaces file at
    `path` include, in ifupdown's order, without `path` itself and without repeats.

    `source` takes shell globs, `source-directory` the files of a directory whose names are
    run-parts-like (letters, digits, '_' and '-'); either is relative to the directory of `path`.
    The live filesystem is never read: an absolute pattern is looked for under every root that
    holds `path` (a support bundle's copy of /), and a pattern under /etc/network/ also next to
    `path` (a copy of /etc/network itself).
    """
    files = [(PurePosixPath(posixpath.normpath(name)), name) for name in dict.fromkeys(available)]
    home = PurePosixPath(posixpath.normpath(path))
    found: list[str] = []
    for directive in directives:
        kind, _, patterns = directive.value.partition(" ")
        for pattern in patterns.split():
            matches = [
                (file, name)
                for file, name in files
                if name not in found and file != home and _includes(kind, pattern, file, home)
            ]
            found.extend(name for _, name in sorted(matches, key=lambda match: match[0].parts))
    return found


def _includes(kind: str, pattern: str, file: PurePosixPath, home: PurePosixPath) -> bool:
    if kind == "source-directory":
        if not _RUN_PARTS_NAME.fullmatch(file.name):
            return False
        file = file.parent
    if not pattern.startswith("/"):
        return _matches(file.parts, _beside(home, pattern))
    absolute = PurePosixPath(posixpath.normpath(pattern)).parts[1:]
    root = len(file.parts) - len(absolute)
    under_root = root >= 0 and home.parent.parts[:root] == file.parts[:root] and _matches(file.parts[root:], absolute)
    near_home = pattern.startswith(_ETC_NETWORK) and _matches(file.parts, _beside(home, pattern[len(_ETC_NETWORK) :]))
    return under_root or near_home


def _beside(home: PurePosixPath, pattern: str) -> tuple[str, ...]:
    """The parts of a pattern relative to the directory of the interfaces file."""
    return PurePosixPath(posixpath.normpath(str(home.parent / pattern))).parts


def _matches(parts: tuple[str, ...], pattern: tuple[str, ...]) -> bool:
    """Component-wise shell glob; as for the shell, '*' does not match a leading '.'."""
    return len(parts) == len(pattern) and all(
        fnmatchcase(part, glob) and (glob.startswith(".") or not part.startswith("."))
        for part, glob in zip(parts, pattern, strict=True)
    )


def _text(token: Token) -> str:
    """A word with its backslash-newline continuations removed."""
    return str(token).replace("\\\n", "")


def _location(path: str, token: Token) -> Location:
    return _span(path, token, token)


def _span(path: str, first: Token, last: Token) -> Location:
    return Location(path, first.line or 0, first.column or 0, last.end_line or 0, last.end_column or 0)


def _fact(path: str, words: list[Token]) -> Fact[str]:
    return Fact(" ".join(_text(word) for word in words), _span(path, words[0], words[-1]))


@dataclass
class _Interface:
    """One name's record while the file is read, with where each kind shows."""

    record: InterfaceRecord
    has_stanza: bool = False
    evidence: dict[str, Location] = field(default_factory=dict)

    def add_option(self, key: str, fact: Fact[str]) -> None:
        """Set an option, or append it after a newline when the file gives it again."""
        old = self.record.options.get(key)
        if old is not None:
            start, end = old.location, fact.location
            fact = Fact(
                f"{old.value}\n{fact.value}",
                Location(start.path, start.line, start.column, end.end_line, end.end_column),
            )
        self.record.options[key] = fact

    def finish(self) -> InterfaceRecord:
        record = self.record
        if self.has_stanza:
            self._vlan_from_name()
        kind = next((kind for kind in ("loopback", "bridge", "bond", "vlan", "tunnel") if kind in self.evidence), None)
        if kind is not None:
            record.kind = Fact(kind, self.evidence[kind])
        return record

    def _vlan_from_name(self) -> None:
        """ifupdown makes NAME.VID a VLAN of NAME (VID read in base 10: eth0.0201 is VLAN 201);
        vlanVID names take their ID from the name when a raw device is given."""
        record = self.record
        dotted = _DOTTED_VLAN.fullmatch(record.name)
        plus_vid = _VLAN_PLUS_VID.fullmatch(record.name) if record.parent is not None else None
        if dotted is not None and record.parent is None:
            record.parent = Fact(dotted.group(1), self._name_part(*dotted.span(1)))
        number = dotted.span(2) if dotted else plus_vid.span(1) if plus_vid else None
        if number is None:
            return
        first, last = number
        if record.vlan_id is None:
            record.vlan_id = Fact(int(record.name[first:last]), self._name_part(first, last))
        self.evidence.setdefault("vlan", record.location)

    def _name_part(self, first: int, last: int) -> Location:
        where = self.record.location
        return Location(where.path, where.line, where.column + first, where.line, where.column + last)


@dataclass
class _Stanza:
    """An open `iface` stanza: its addresses get the stanza's netmask when it closes."""

    interface: _Interface
    addresses: list[Fact[str]] = field(default_factory=list)
    netmask: Fact[str] | None = None


class _Reader:
    """Walks the lines in order the way ifupdown does: stanza keywords open and close stanzas."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.interfaces: dict[str, _Interface] = {}
        self.problems: list[ParseProblem] = []
        self.stanza: _Stanza | None = None
        self.in_mapping = False

    def read(self, line: Tree) -> None:
        words: list[Token] = line.children  # type: ignore[assignment]
        if line.data == "option":
            self._option(words[0], words[1:])
            return
        self.close_stanza()
        self.in_mapping = line.data == "mapping"
        if line.data == "iface":
            self._iface(words[0], words[1:])
        elif line.data == "listing":
            for word in words[1:]:
                self._interface(word).add_option(_text(words[0]), Fact("yes", _location(self.path, word)))
        elif line.data == "source" and len(words) == 1:
            self._problem(f"`{words[0]}` without a file name", words[0], "ifupdown2 reports an error")

    def close_stanza(self) -> None:
        stanza, self.stanza = self.stanza, None
        if stanza is None:
            return
        interface, netmask_used = stanza.interface, False
        for address in stanza.addresses:
            netmask = stanza.netmask.value if stanza.netmask and "/" not in address.value else None
            value = _address(address.value, netmask)
            if value is None:
                interface.add_option("address", address)
                continue
            interface.record.addresses.append(Fact(value, address.location))
            netmask_used = netmask_used or netmask is not None
        if stanza.netmask is not None and not netmask_used:
            interface.add_option("netmask", stanza.netmask)

    def _interface(self, name: Token) -> _Interface:
        text = _text(name)
        if text not in self.interfaces:
            record = InterfaceRecord(name=text, source=SOURCE, location=_location(self.path, name))
            self.interfaces[text] = _Interface(record)
        return self.interfaces[text]

    def _iface(self, keyword: Token, words: list[Token]) -> None:
        if not words:
            self._problem("iface line without an interface name", keyword, "ifupdown refuses the whole file")
            return
        name, family, method = [*words, None, None][:3]
        interface = self._interface(name)
        if not interface.has_stanza:
            interface.has_stanza = True
            interface.record.location = _location(self.path, name)
        self.stanza = _Stanza(interface)
        if family is not None and _text(family) not in _FAMILIES and _text(family) != "inherits":
            hint = "ifupdown knows inet, inet6, ipx, can and link, and refuses the whole file"
            self._problem(f"unknown address family `{_text(family)}`", family, hint)
        if method is not None and _text(method) == "loopback":
            interface.evidence.setdefault("loopback", _location(self.path, method))
        if method is not None and _text(method) in _TUNNEL_METHODS:
            interface.evidence.setdefault("tunnel", _location(self.path, method))

    def _option(self, key_token: Token, values: list[Token]) -> None:
        key = _text(key_token).replace("_", "-")
        if self.in_mapping and key in _MAPPING_OPTIONS:
            return
        if self.stanza is None:
            hint = "ifupdown refuses the whole file (misplaced option)"
            self._problem(f"misplaced option `{key}`: not inside an iface stanza", key_token, hint)
            return
        if not values:
            hint = "ifupdown refuses the whole file (option with empty value)"
            self._problem(f"option `{key}` has no value", key_token, hint)
            return
        self._set(self.stanza, key, values)

    def _set(self, stanza: _Stanza, key: str, values: list[Token]) -> None:
        interface, record = stanza.interface, stanza.interface.record
        fact = _fact(self.path, values)
        words = [Fact(_text(word), _location(self.path, word)) for word in values]
        if key == "address":
            stanza.addresses.extend(words)
        elif key == "netmask":
            stanza.netmask = fact
        elif key == "gateway" and record.gateway is None:
            record.gateway = fact
        elif key == "mtu" and _DIGITS.fullmatch(fact.value):
            record.mtu = Fact(int(fact.value), fact.location)
        elif key == "hwaddress" and (mac := _mac(words)) is not None:
            record.mac = mac
        elif key in ("bridge-ports", "bond-slaves"):
            interface.evidence.setdefault("bridge" if key == "bridge-ports" else "bond", fact.location)
            names, has_patterns = _port_names(words)
            record.ports.extend(names)
            if has_patterns:
                interface.add_option(key, fact)
        elif key == "bond-master":
            record.master = fact
        elif key == "vlan-raw-device":
            record.parent = fact
            interface.evidence.setdefault("vlan", fact.location)
        elif key == "vlan-id" and _DIGITS.fullmatch(fact.value):
            record.vlan_id = Fact(int(fact.value), fact.location)
            interface.evidence.setdefault("vlan", fact.location)
        else:
            interface.add_option(key, fact)

    def _problem(self, message: str, token: Token, hint: str) -> None:
        self.problems.append(ParseProblem("syntax", message, _location(self.path, token), hint=hint))


def _port_names(words: list[Fact[str]]) -> tuple[list[Fact[str]], bool]:
    """The plain interface names of a port list, and whether it also has patterns."""
    names, has_patterns, pattern_next = [], False, False
    for word in words:
        if pattern_next or word.value in _PATTERN_PREFIXES | _PATTERN_WORDS:
            has_patterns = True
            pattern_next = word.value in _PATTERN_PREFIXES
        elif word.value != "none":
            names.append(word)
    return names, has_patterns


def _mac(words: list[Fact[str]]) -> Fact[str] | None:
    """`hwaddress [ether] MAC`, lower-case; None for `random` or anything else."""
    if len(words) == 2 and words[0].value == "ether":
        words = words[1:]
    octets = parse_mac(words[0].value) if len(words) == 1 else None
    return Fact(normalize_mac(octets), words[0].location) if octets is not None else None


def _address(text: str, netmask: str | None) -> str | None:
    """ADDR/PREFIX, or None when it is not an address."""
    try:
        interface = ipaddress.ip_interface(f"{text}/{netmask}" if netmask else text)
    except ValueError:
        return None
    return f"{interface.ip}/{interface.network.prefixlen}"
