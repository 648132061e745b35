"""ifcfg-* files (RHEL network-scripts, SUSE sysconfig/network) -> one InterfaceRecord per file.

The files are shell: initscripts `source` them in bash, and NetworkManager (ifcfg-rh) and wicked
follow the shell's quoting. So the values are what bash assigns (grammars/ifcfg.lark):

- `KEY==value` sets KEY to "=value"; a problem says so, because other readers drop the '='.
- `KEY = value` is not an assignment: bash runs `KEY` as a command and KEY stays unset.
- A quote that is never closed makes bash stop at the end of the file; NetworkManager skips just
  that line. That line is reported and the rest of the file is still read, as NetworkManager does.
- Windows line ends: bash keeps the CR in every value; it is reported once and ignored.
- `$VAR` and `$(...)` are kept as written: the scripts' environment is not known here.

An empty value is the same as no value for the scripts and wicked, so empty variables are dropped.
Variables that become no field of the record stay in `options` under their own names, with the
evidence of the kind (TYPE, VLAN, BRIDGE=yes, BONDING_MASTER, ...). Locations point at the value
as written (quotes included); list items and parts of names point at their own characters.
"""

from __future__ import annotations

import ipaddress
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters

from xennet.findings import Location

from ...grammars import load
from ..facts import ParseProblem
from ..hostfacts import Fact, HostFacts, InterfaceRecord
from ..mac import normalize_mac, parse_mac

SOURCE = "ifcfg"

_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?=)")
# The parts of a word: '...', "...", \x, plain text (the lexer has checked the quotes).
_PARTS = re.compile(r"""'([^']*)'|"((?:[^"\\]|\\[\s\S])*)"|\\([\s\S])|([^'"\\]+)""")
# Inside "...", a backslash escapes only $ ` " \ and newline (which it removes).
_DOUBLE_QUOTED = re.compile(r'\\([$`"\\\n])|([^\\]+|\\)')
_DIGITS = re.compile(r"[0-9]{1,9}")  # int() refuses over 4300 digits
_WORDS = re.compile(r"[^ \t\n]+")
# initscripts: DEVICE=eth0.3 (PHYSDEV eth0, VID 3) or vlan3 with PHYSDEV; the ID is read in base 10.
_DOTTED_VLAN = re.compile(r"(.+)\.([0-9]{1,9})")
_VLAN_PLUS_VID = re.compile(r"vlan([0-9]{1,9})")
_IFCFG_KEY = re.compile(
    r"^[ \t]*(?:export[ \t]+)?(DEVICE|BOOTPROTO|ONBOOT|STARTMODE|TYPE|DEVICETYPE|HWADDR|MACADDR|IPADDR\w*|"
    r"NETMASK|PREFIX|BRIDGE|BRIDGE_PORTS|VLAN|PHYSDEV|ETHERDEVICE|MASTER|SLAVE|BONDING_\w+|TEAM_\w+|NM_CONTROLLED)"
    r"[ \t]*=",
    re.MULTILINE,
)
_ANY_KEY = re.compile(r"^[ \t]*(?:export[ \t]+)?[A-Za-z_][A-Za-z0-9_]*[ \t]*=", re.MULTILINE)

# Evidence of the kind, first match wins: (kind, variable, lower-case value or None for any value).
# initscripts treat a file with BONDING_OPTS as a bond master; wicked and YaST need BONDING_MASTER.
_KIND_EVIDENCE: tuple[tuple[str, str, str | None], ...] = (
    ("vlan", "VLAN", "yes"),
    ("vlan", "TYPE", "vlan"),
    ("vlan", "ETHERDEVICE", None),
    ("bridge", "TYPE", "bridge"),
    ("bridge", "BRIDGE", "yes"),
    ("bond", "TYPE", "bond"),
    ("bond", "BONDING_MASTER", "yes"),
    ("bond", "BONDING_OPTS", None),
    ("team", "DEVICETYPE", "team"),
    ("team", "TEAM_CONFIG", None),
    ("team", "TYPE", "team"),
    ("tap", "TUNNEL", "tap"),
    ("tunnel", "TUNNEL", None),
    ("phys", "TYPE", "ethernet"),
    ("other", "TYPE", None),
)
_BOOLEANS = ("yes", "no")


@cache
def _parser() -> Lark:
    return Lark(load("ifcfg"), parser="lalr", lexer="basic", maybe_placeholders=False)


def looks_like(text: str) -> bool:
    """True for shell assignments of upper-case variables, at least one of them an ifcfg key."""
    significant = [line for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")]
    if not significant or not _IFCFG_KEY.search(text):
        return False
    assignments = len(_ANY_KEY.findall(text))
    return assignments >= 0.8 * len(significant)


def parse_ifcfg(text: str, path: str) -> HostFacts:
    """The interface that one ifcfg file describes. Never raises: bad lines become ParseProblems."""
    source = _Source(text.replace("\r\n", " \n"), path, _line_starts(text))
    problems = _crlf_problems(text, source)
    tree, unclosed = _parse(source.text)
    problems.extend(_unclosed_quote(source, offset) for offset in unclosed)
    variables: dict[str, _Value] = {}
    for command in tree.children:
        if isinstance(command, Tree):
            problems.extend(_run(command, source, variables))
    record = _Record(source, {key: value for key, value in variables.items() if value.text}).build()
    return HostFacts(interfaces=[record], problems=problems)


def _line_starts(text: str) -> tuple[int, ...]:
    return (0, *(match.end() for match in re.finditer("\n", text)))


@dataclass(frozen=True)
class _Source:
    """The text as parsed (a CR before a newline turned into a blank) and the way to lines and columns."""

    text: str
    path: str
    line_starts: tuple[int, ...]

    def location(self, start: int, end: int) -> Location:
        """Location of text[start:end]; `end_column` is exclusive."""
        line, column = self._line_column(start)
        if end <= start:
            return Location(self.path, line, column, line, column)
        end_line, last_column = self._line_column(end - 1)
        return Location(self.path, line, column, end_line, last_column + 1)

    def _line_column(self, offset: int) -> tuple[int, int]:
        index = bisect_right(self.line_starts, offset) - 1
        return index + 1, offset - self.line_starts[index] + 1


@dataclass(frozen=True)
class _Value:
    """A value after quote removal: its text, the file offset of each character, and the span of
    the value as written."""

    text: str
    offsets: tuple[int, ...]
    start: int
    end: int

    def __add__(self, more: _Value) -> _Value:
        return _Value(self.text + more.text, self.offsets + more.offsets, more.start, more.end)


def _crlf_problems(text: str, source: _Source) -> list[ParseProblem]:
    first_cr = text.find("\r\n")
    if first_cr < 0:
        return []
    message = "Windows line ends (CR LF): bash keeps the CR at the end of every value"
    hint = "the network scripts then look for devices such as 'eth0\\r'; convert the file with dos2unix"
    return [ParseProblem("syntax", message, source.location(first_cr, first_cr + 1), hint=hint)]


def _parse(text: str) -> tuple[Tree, list[int]]:
    """The parse tree, and the offsets of quotes that are never closed. Each such quote's line is
    blanked out and the text parsed again, so that the other lines are still read."""
    unclosed: list[int] = []
    while True:
        try:
            return _parser().parse(text + "\n"), unclosed
        except UnexpectedCharacters as error:
            offset = error.pos_in_stream
            unclosed.append(offset)
            start = text.rfind("\n", 0, offset) + 1
            end = text.find("\n", offset)
            end = len(text) if end < 0 else end
            text = text[:start] + " " * (end - start) + text[end:]


def _unclosed_quote(source: _Source, offset: int) -> ParseProblem:
    quote = "double" if source.text[offset] == '"' else "single"
    return ParseProblem(
        "syntax",
        f"unterminated {quote} quote: bash looks for the closing quote up to the end of the file and fails there",
        source.location(offset, offset + 1),
        hint="the network scripts lose every setting from here on; NetworkManager skips only this line",
    )


def _decode(token: Token, start: int = 0) -> _Value:
    """The text of token[start:] as bash reads it (quotes and escapes removed)."""
    chars: list[str] = []
    offsets: list[int] = []

    def keep(text: str, at: int) -> None:
        chars.append(text)
        offsets.extend(range(at, at + len(text)))

    base = token.start_pos
    for part in _PARTS.finditer(str(token), start):
        group = part.lastindex or 0  # 1 '...', 2 "...", 3 \x, 4 plain
        at = base + part.start(group)
        if group == 2:
            for piece in _DOUBLE_QUOTED.finditer(part.group(2)):
                escape, text = piece.groups()
                if escape is None:
                    keep(text, at + piece.start(2))
                elif escape != "\n":
                    keep(escape, at + piece.start(1))
        elif part.group(group) != "\n":  # \<newline> joins lines
            keep(part.group(group), at)
    return _Value("".join(chars), tuple(offsets), base + start, token.end_pos)


def _run(command: Tree, source: _Source, variables: dict[str, _Value]) -> Iterator[ParseProblem]:
    """Carry out one simple command the way bash would for the variables it sets."""
    tokens: list[Token] = command.children  # type: ignore[assignment]
    operator = next((token for token in tokens if token.type == "OPERATOR"), None)
    if operator is not None:
        yield ParseProblem(
            "unsupported",
            f"shell operator `{operator}`: only assignments are read from ifcfg files; the command is skipped",
            source.location(operator.start_pos, operator.end_pos),
        )
        return
    leading = 0
    while leading < len(tokens) and tokens[leading].type == "ASSIGNMENT":
        leading += 1
    if leading == len(tokens):
        for token in tokens:
            yield from _assign(token, source, variables)
        return
    verb = tokens[leading]
    if _decode(verb).text == "export":
        for token in tokens[leading + 1 :]:
            if token.type == "ASSIGNMENT":
                yield from _assign(token, source, variables)
        return
    yield _command_problem(tokens, leading, source)


def _assign(token: Token, source: _Source, variables: dict[str, _Value]) -> Iterator[ParseProblem]:
    match = _ASSIGNMENT.match(token)
    assert match is not None  # the lexer made it an ASSIGNMENT
    name, operator = match.groups()
    value = _decode(token, match.end())
    if operator == "+=" and name in variables:
        value = variables[name] + value
    variables[name] = value
    if str(token)[match.end() :].startswith("="):
        yield ParseProblem(
            "syntax",
            f"`{name}==`: bash sets {name} to {value.text!r}, with the second '=' in the value",
            source.location(value.start, value.end),
            hint="a doubled '='? other readers (insights-core) drop it",
        )


def _command_problem(tokens: list[Token], leading: int, source: _Source) -> ParseProblem:
    """`KEY = value`, `KEY= value` or any other command: bash runs it and sets no variable."""
    verb = tokens[leading]
    where = source.location(verb.start_pos, verb.end_pos)
    after = str(tokens[leading + 1]) if leading + 1 < len(tokens) else ""
    if leading:
        name = str(tokens[leading - 1]).rstrip("=+")
        message = f"`{name}= {verb}`: bash runs `{verb}` as a command, with {name} set only for it"
        return ParseProblem("syntax", message, where, hint=f"bash allows no blank after '='; {name} stays unset")
    if after.startswith("="):
        message = f"`{verb} {after[:1]}`: bash runs `{verb}` as a command and {verb} stays unset"
        hint = "bash allows no blanks around '='; insights-core reads the line as an assignment"
        return ParseProblem("syntax", message, where, hint=hint)
    return ParseProblem("syntax", f"not an assignment: bash runs `{verb}` as a command", where)


class _Record:
    """Turns the variables of one file into its InterfaceRecord; what no field takes becomes options."""

    def __init__(self, source: _Source, variables: dict[str, _Value]) -> None:
        self.source = source
        self.variables = variables
        self.taken: set[str] = set()

    def build(self) -> InterfaceRecord:
        device = self._take("DEVICE")
        if device is not None:
            name, location = device.text, self._location(device)
        else:
            name, location = _name_from_path(self.source.path), Location(self.source.path)
        record = InterfaceRecord(name=name, source=SOURCE, location=location)
        record.kind = self._kind(name, device)
        if record.kind is not None and record.kind.value == "vlan":
            self._vlan(record, device)
        record.master = self._master()
        record.ports = self._ports()
        record.mtu = self._mtu()
        record.mac = self._mac()
        record.addresses = list(self._addresses())
        gateway = self._take("GATEWAY")
        record.gateway = self._fact(gateway) if gateway is not None else None
        record.options = {key: self._fact(value) for key, value in self.variables.items() if key not in self.taken}
        return record

    def _take(self, key: str) -> _Value | None:
        value = self.variables.get(key)
        if value is not None:
            self.taken.add(key)
        return value

    def _location(self, value: _Value, first: int = 0, last: int | None = None) -> Location:
        """Location of the whole value, or of characters [first:last] of its text."""
        if first == 0 and last is None:
            return self.source.location(value.start, value.end)
        last = len(value.text) if last is None else last
        return self.source.location(value.offsets[first], value.offsets[last - 1] + 1)

    def _fact(self, value: _Value, first: int = 0, last: int | None = None) -> Fact[str]:
        return Fact(value.text[first:last], self._location(value, first, last))

    def _kind(self, name: str, device: _Value | None) -> Fact[str] | None:
        for kind, key, wanted in _KIND_EVIDENCE:
            value = self.variables.get(key)
            if value is not None and (wanted is None or value.text.lower() == wanted):
                return Fact(kind, self._location(value))
        if "PHYSDEV" in self.variables and "VLAN_ID" in self.variables:
            return Fact("vlan", self._location(self.variables["PHYSDEV"]))
        if name == "lo":
            return Fact("loopback", self._location(device) if device else Location(self.source.path))
        return None

    def _vlan(self, record: InterfaceRecord, device: _Value | None) -> None:
        """Parent and ID: PHYSDEV / ETHERDEVICE and VLAN_ID, else from the name (eth0.3, vlan3)."""
        dotted = _DOTTED_VLAN.fullmatch(record.name)
        plus_vid = _VLAN_PLUS_VID.fullmatch(record.name)
        parent = self._take("PHYSDEV") or self._take("ETHERDEVICE")
        if parent is not None:
            record.parent = self._fact(parent)
        elif dotted:
            record.parent = self._name_part(record.name, device, 0, dotted.end(1))
        vlan_id = self.variables.get("VLAN_ID")
        number = dotted.span(2) if dotted else plus_vid.span(1) if plus_vid else None
        if vlan_id is not None and _DIGITS.fullmatch(vlan_id.text):
            self.taken.add("VLAN_ID")
            record.vlan_id = Fact(int(vlan_id.text), self._location(vlan_id))
        elif number is not None:
            part = self._name_part(record.name, device, *number)
            record.vlan_id = Fact(int(part.value), part.location)

    def _name_part(self, name: str, device: _Value | None, first: int, last: int) -> Fact[str]:
        if device is None:
            return Fact(name[first:last], Location(self.source.path))
        return self._fact(device, first, last)

    def _master(self) -> Fact[str] | None:
        """The bond (MASTER with SLAVE=yes, as initscripts require), team or bridge this is a port of."""
        slave = self.variables.get("SLAVE")
        is_slave = slave is not None and slave.text.lower() == "yes"
        for key, usable in (("MASTER", is_slave), ("TEAM_MASTER", True), ("BRIDGE", True)):
            value = self.variables.get(key)
            if value is not None and usable and value.text.lower() not in _BOOLEANS:
                self.taken.add(key)
                return self._fact(value)
        return None

    def _ports(self) -> list[Fact[str]]:
        """SUSE: BRIDGE_PORTS='eth0 eth1', BONDING_SLAVE0='eth0' (wicked takes any suffix)."""
        ports: list[Fact[str]] = []
        for key, value in self.variables.items():
            if key == "BRIDGE_PORTS" or key.startswith("BONDING_SLAVE"):
                self.taken.add(key)
                ports.extend(self._words(value))
        return ports

    def _words(self, value: _Value) -> list[Fact[str]]:
        return [self._fact(value, word.start(), word.end()) for word in _WORDS.finditer(value.text)]

    def _mtu(self) -> Fact[int] | None:
        value = self.variables.get("MTU")
        if value is None or not _DIGITS.fullmatch(value.text):
            return None
        self.taken.add("MTU")
        return Fact(int(value.text), self._location(value))

    def _mac(self) -> Fact[str] | None:
        """HWADDR (the NIC to match), else MACADDR or SUSE LLADDR (the address to set)."""
        for key in ("HWADDR", "MACADDR", "LLADDR"):
            value = self.variables.get(key)
            if value is not None and (octets := parse_mac(value.text)) is not None:
                self.taken.add(key)
                return Fact(normalize_mac(octets), self._location(value))
        return None

    def _addresses(self) -> Iterator[Fact[str]]:
        """IPADDR[suffix] with PREFIX/PREFIXLEN/NETMASK[suffix] or IPADDR='a/p'; IPV6ADDR(_SECONDARIES)."""
        for key, value in self.variables.items():
            if not key.startswith("IPADDR"):
                continue
            suffix = key[len("IPADDR") :]
            masks = (f"PREFIX{suffix}", f"PREFIXLEN{suffix}", f"NETMASK{suffix}")
            mask_key = None if "/" in value.text else next((m for m in masks if m in self.variables), None)
            address = _address(value.text, self.variables[mask_key].text if mask_key else None)
            if address is not None:
                self.taken.update(k for k in (key, mask_key) if k)
                yield Fact(address, self._location(value))
        for key in ("IPV6ADDR", "IPV6ADDR_SECONDARIES"):
            value = self.variables.get(key)
            words = self._words(value) if value is not None else []
            addresses = [_address(word.value, None) for word in words]
            if words and all(addresses):
                self.taken.add(key)
                yield from (Fact(str(address), word.location) for word, address in zip(words, addresses, strict=True))


def _address(text: str, mask: str | None) -> str | None:
    """ADDR/PREFIX of an address and its optional mask (a prefix length or a netmask); None when it is
    no address. Without any prefix, initscripts use the classful netmask (ipcalc) for IPv4 and /64
    for IPv6."""
    try:
        interface = ipaddress.ip_interface(f"{text}/{mask}" if mask else text)
    except ValueError:
        return None
    prefix = interface.network.prefixlen
    if "/" not in text and mask is None:
        prefix = _classful_prefix(int(interface.ip) >> 24) if interface.version == 4 else 64
    return f"{interface.ip}/{prefix}"


def _classful_prefix(first_octet: int) -> int:
    return 8 if first_octet < 128 else 16 if first_octet < 192 else 24 if first_octet < 224 else 32


def _name_from_path(path: str) -> str:
    """ifcfg-eth0 -> eth0 (SUSE always names the interface so; RHEL when DEVICE is missing)."""
    name = PurePath(path).name
    return name.split("ifcfg-", 1)[1] if "ifcfg-" in name else name
