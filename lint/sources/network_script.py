"""Admins' network-script wrappers -> NetworkScriptCall facts.

xend runs `(network-script NAME)` from xend-config.sxp (in /etc/xen/scripts) with `start` or `stop`.
To get a bridge per NIC, admins point it at a wrapper that calls the real scripts once per NIC:

    dir=$(dirname "$0")
    "$dir/network-bridge" "$@" vifnum=0 netdev=eth0 bridge=xenbr0
    "$dir/network-bridge" "$@" vifnum=1 netdev=eth1 bridge=xenbr1

Every unconditional call of network-bridge, network-route or network-nat becomes a NetworkScriptCall
whose args are its KEY=VALUE words after quote removal, each with its own location. The scripts
`eval` these words in order (evalVariables in xen-script-common.sh), so a later KEY wins, as in the
dict; words without '=' (start, "$@") choose the command. Assignments written before the script
name (`netdev=eth1 "$dir/network-bridge" start`) reach it through the environment, which the
scripts read as defaults (`netdev=${netdev:-...}`), so they are args too.

What this reader cannot follow is reported as ParseProblem(kind="unmodelled") and never guessed:
if/case statements, loops, functions, groups and subshells (one problem for the whole compound
command, naming the network-script calls inside it), calls after `&&`/`||`, arguments holding
variables or command substitutions (`netdev=$NIC`), command names that are expansions, other
commands given KEY=VALUE words (they may call network-bridge in turn), sourced files, exported
script variables, `set -a` and here-documents. Calls after a top-level `exit` or `exec` never run
and are reported with kind "unreachable". Harmless lines (shebang, comments, assignments such as
`dir=$(dirname "$0")`, `set -e`, `exit`, `echo`, other commands without KEY=VALUE words) are
skipped silently.

Defaults of the scripts when a KEY is not given (xen-project/xen, tools/examples/ and later
tools/hotplug/Linux/):
- network-bridge, first version: vifnum=0, bridge=xenbr${vifnum}, netdev=eth${vifnum}, antispoof=no.
- network-bridge, later tools/examples/: vifnum defaults to the number in the name of the default
  route's device (the last field of `ip route list`'s `default` line), else 0; bridge and netdev as
  before (xenbr${vifnum}, eth${vifnum}).
- network-bridge, tools/hotplug/Linux/ (Xen 4): no vifnum. netdev defaults to the device of the
  default route (`ip route list 0.0.0.0/0`, a name of letters then digits), else eth0; bridge
  defaults to ${netdev}: the NIC is renamed p${netdev} and the bridge takes its name; antispoof=no.
  bridge=null makes the script do nothing.
- network-route: netdev=eth${vifnum} (eth0 without vifnum); it enables ip_forward and proxy_arp
  on netdev.
- network-nat: netdev=eth0, antispoof=no, dhcp=no.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import takewhile

from lark import Lark, Token, Tree

from xennet.findings import Location

from ...grammars import load
from ..facts import ParseProblem
from ..hostfacts import Fact, HostFacts, NetworkScriptCall

SCRIPTS = frozenset({"network-bridge", "network-route", "network-nat"})

# Commands whose KEY=VALUE words are not script variables (echo text, module parameters).
_HARMLESS = frozenset({":", "true", "false", "echo", "printf", "logger", "sleep", "exit", "set", "modprobe", "insmod"})
# What the network scripts read from their arguments, and from the environment as defaults.
_SCRIPT_VARIABLES = frozenset({"vifnum", "netdev", "bridge", "antispoof", "dhcp"})
# network-bridge sources these itself; they only define functions and `set -e`.
_XEN_LIBRARIES = frozenset({"xen-script-common.sh", "xen-network-common.sh"})
_INTERPRETERS = frozenset({"sh", "bash", "dash", "ksh"})
# Reserved words that open a compound command, with the word that closes it.
_OPENERS = {
    "if": "fi",
    "case": "esac",
    "for": "done",
    "while": "done",
    "until": "done",
    "select": "done",
    "{": "}",
    "(": ")",
}
_KEYWORDS = frozenset({*_OPENERS, *_OPENERS.values(), "then", "do", "else", "elif", "function"})
# How a problem names a compound command; loops are named from their keyword ("`for` loop").
_BLOCK_NAMES = {
    "if": "`if` statement",
    "case": "`case` statement",
    "{": "`{ }` group",
    "(": "subshell",
    "function": "function definition",
}

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")
_POSITIONAL = re.compile(r"\$\{?[@*1-9]\}?")  # xend's arguments: start, stop or status
_CALL_LINE = re.compile(r"^[ \t]*(?:exec[ \t]+)?[^\s#]*network-(?:bridge|route|nat)\b", re.MULTILINE)


@cache
def _parser() -> Lark:
    return Lark(load("shell_commands"), parser="lalr", lexer="basic", maybe_placeholders=False)


@cache
def _double_quoted_piece() -> re.Pattern[str]:
    """A piece of a double-quoted string: an escape, an expansion (the grammar's own patterns), or text."""
    names = ("PARAMETER", "COMMAND_SUBSTITUTION", "BACKQUOTED")
    expansion = "|".join(_parser().get_terminal(name).pattern.to_regexp() for name in names)
    return re.compile(rf'(?P<escape>\\[\\$`"\n])|(?P<expansion>{expansion})|(?P<text>[^\\$`]+|[\s\S])')


def looks_like(text: str) -> bool:
    """A line that runs network-bridge, network-route or network-nat."""
    return _CALL_LINE.search(text) is not None


def parse_network_script(text: str, path: str) -> HostFacts:
    """Read the network-script calls of a shell script. Never raises; see the module docstring."""
    splitter = _Splitter(path)
    splitter.run(_parser().parse(text).children)
    reader = _Reader(path)
    for command in splitter.commands:
        reader.read(command)
    reader.finish()
    if splitter.stop is not None:
        reader.facts.problems.append(splitter.stop)
    first_line = text.split("\n", 1)[0]
    if first_line.startswith("#!") and first_line.endswith("\r"):
        message = f"the #! line ends in a carriage return: the kernel finds no interpreter {first_line[2:]!r}"
        where = Location(path, 1, 1, 1, len(first_line) + 1)
        reader.facts.problems.append(ParseProblem("syntax", message, where, hint="DOS line ends; dos2unix fixes them"))
    return reader.facts


@dataclass(frozen=True)
class _Word:
    """A shell word: its pieces after quote removal, each flagged when it is an expansion kept as written."""

    pieces: tuple[tuple[str, bool], ...]
    raw: str
    location: Location

    @classmethod
    def of(cls, tree: Tree, path: str) -> _Word:
        tokens: list[Token] = tree.children
        pieces = tuple(piece for token in tokens for piece in _pieces(token))
        first, last = tokens[0], tokens[-1]
        location = Location(path, first.line, first.column, last.end_line, last.end_column)
        return cls(pieces, "".join(tokens), location)

    @property
    def text(self) -> str:
        return "".join(text for text, _ in self.pieces)

    @property
    def expands(self) -> bool:
        return any(expansion for _, expansion in self.pieces)

    @property
    def positional(self) -> bool:
        """`"$@"`, `$*`, `$1`: the arguments xend gave the wrapper."""
        return len(self.pieces) == 1 and self.pieces[0][1] and _POSITIONAL.fullmatch(self.pieces[0][0]) is not None

    @property
    def base_name(self) -> str | None:
        """The text after the last "/" (`"$dir/network-bridge"` -> network-bridge); None if an expansion is in it."""
        tail: list[str] = []
        for text, expansion in reversed(self.pieces):
            if expansion:
                return None
            tail.append(text.rsplit("/", 1)[-1])
            if "/" in text:
                break
        return "".join(reversed(tail))

    @property
    def key_value(self) -> tuple[str, str | None] | None:
        """(NAME, VALUE) for a NAME=VALUE word; VALUE is None when it holds an expansion."""
        head = ""
        for index, (text, expansion) in enumerate(self.pieces):
            if expansion:
                return None
            if "=" in text:
                name, _, value = (head + text).partition("=")
                rest = self.pieces[index + 1 :]
                if not _NAME.fullmatch(name):
                    return None
                if any(later for _, later in rest):
                    return name, None
                return name, value + "".join(later for later, _ in rest)
            head += text
        return None


def _pieces(token: Token) -> list[tuple[str, bool]]:
    kind, text = token.type, str(token)
    if kind == "SINGLE_QUOTED":
        return [(text[1:-1], False)]
    if kind == "ESCAPED":
        return [(text[1:], False)]
    if kind in ("PARAMETER", "COMMAND_SUBSTITUTION", "BACKQUOTED"):
        return [(text, True)]
    if kind == "DOUBLE_QUOTED":
        pieces = []
        for match in _double_quoted_piece().finditer(text[1:-1]):
            if match["escape"]:
                pieces.append((match["escape"][1].replace("\n", ""), False))
            else:
                pieces.append((match[0], match["expansion"] is not None))
        return pieces
    return [(text, False)]  # PLAIN, DOLLAR


@dataclass
class _Command:
    """A simple command, or `(` / `)` of a subshell (`operator`)."""

    words: list[_Word]
    location: Location
    conditional: bool = False  # after && or ||: runs only if the command before it succeeds or fails
    operator: str = ""
    function_header: bool = False  # `name()`

    @property
    def keywords(self) -> list[str]:
        """The reserved words that start the command: `then {` -> [then, {]; `name()` -> [function]."""
        if self.operator:
            return [self.operator]
        if self.function_header:
            return ["function"]
        words = [word.raw for word in self.words]
        if words[:1] == ["function"]:
            return ["function", *takewhile(_KEYWORDS.__contains__, words[2:])]
        return list(takewhile(_KEYWORDS.__contains__, words))

    @property
    def body(self) -> list[_Word]:
        """The words after the leading reserved words (and after the name of `function NAME`)."""
        if self.operator or self.function_header:
            return []
        skip = len(self.keywords) + (self.words[0].raw == "function")
        return self.words[skip:]


class _Splitter:
    """Groups the tokens of a script into commands, in order; redirections and comments are dropped."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.commands: list[_Command] = []
        self.stop: ParseProblem | None = None  # why reading stopped before the end of the text
        self._words: list[_Word] = []
        self._conditional = False
        self._redirect_target = False
        self._function_header = False

    def run(self, items: list[Tree | Token]) -> None:
        for item in items:
            if isinstance(item, Tree):
                if not self._redirect_target:
                    self._words.append(_Word.of(item, self.path))
                self._redirect_target = False
            elif item.type == "REDIRECT" and "<<" in item:
                self._end(self._conditional)
                self.stop = self._problem("unmodelled", "a here-document: the rest of the file is not read", item)
                return
            elif item.type == "REDIRECT":
                self._redirect_target = True
            elif item.type == "UNTERMINATED":
                self._end(self._conditional)
                self.stop = self._problem("syntax", f"unterminated {item[0]}: the rest of the file is not read", item)
                return
            elif item.type == "OPERATOR":
                self._operator(item)
            elif item.type == "NEWLINE" and self._words:
                self._end(False)
        self._end(False)

    def _operator(self, token: Token) -> None:
        if token == "(" and len(self._words) == 1:
            self._function_header = True
        elif token == ")" and self._function_header:
            self._end(False)
        elif token in ("(", ")"):
            self._end(self._conditional)
            where = self._location(token)
            self.commands.append(_Command([], where, self._conditional, operator=str(token)))
        else:  # ; ;; & && || |
            self._end(token in ("&&", "||") or (token == "|" and self._conditional))

    def _end(self, next_conditional: bool) -> None:
        """Close the command being collected; the next one runs conditionally or not."""
        if self._words:
            first, last = self._words[0].location, self._words[-1].location
            where = Location(self.path, first.line, first.column, last.end_line, last.end_column)
            command = _Command(self._words, where, self._conditional, function_header=self._function_header)
            self.commands.append(command)
        self._words, self._function_header = [], False
        self._conditional = next_conditional

    def _location(self, token: Token) -> Location:
        return Location(self.path, token.line, token.column, token.end_line, token.end_column)

    def _problem(self, kind: str, message: str, token: Token) -> ParseProblem:
        return ParseProblem(kind, message, self._location(token))


@dataclass
class _Block:
    """A compound command being skipped, and the network-script calls inside it."""

    what: str
    start: Location
    end: Location
    closers: list[str] = field(default_factory=list)
    awaiting_body: bool = False  # a function whose body has not started yet
    calls: list[str] = field(default_factory=list)  # "network-bridge (line 4)"

    @classmethod
    def opened_by(cls, command: _Command) -> _Block:
        keyword = command.keywords[0]
        what = _BLOCK_NAMES.get(keyword, f"`{keyword}` loop")
        block = cls(what, command.location, command.location)
        block.feed(command)
        return block

    @property
    def closed(self) -> bool:
        return not self.closers and not self.awaiting_body

    def feed(self, command: _Command) -> None:
        self.end = command.location
        for keyword in command.keywords:
            if keyword == "function":
                self.awaiting_body = True
            elif keyword in _OPENERS:
                self.closers.append(_OPENERS[keyword])
                self.awaiting_body = False
            elif self.closers and keyword == self.closers[-1]:
                self.closers.pop()
        script = _called_script(command.body)
        if script is not None:
            self.calls.append(f"{script} (line {command.location.line})")

    def problem(self, path: str) -> ParseProblem:
        where = Location(path, self.start.line, self.start.column, self.end.end_line, self.end.end_column)
        message = f"{self.what} is not modelled"
        if self.calls:
            message += f"; the network-script calls in it are not read: {', '.join(self.calls)}"
        if not self.closed:
            message += "; it is not closed before the end of the file"
        return ParseProblem("unmodelled", message, where)


def _called_script(words: list[_Word]) -> str | None:
    """The network script a command runs (directly, after exec, or through sh), if any."""
    _, name_word, _ = _command_parts(words)
    name = name_word.base_name if name_word else None
    return name if name in SCRIPTS else None


def _command_parts(words: list[_Word]) -> tuple[list[_Word], _Word | None, list[_Word]]:
    """(leading NAME=VALUE assignments, the word naming what runs, its arguments).

    `exec` and an interpreter (`sh -x script`) are looked through; for `sh -c`, the name is `sh`.
    """
    if words[:1] and words[0].raw == "exec":
        words = words[1:]
    assignments = list(takewhile(lambda word: _ASSIGNMENT.match(word.raw) is not None, words))
    rest = words[len(assignments) :]
    if not rest:
        return assignments, None, []
    name, args = rest[0], rest[1:]
    if name.base_name in _INTERPRETERS:
        options = list(takewhile(lambda word: word.raw.startswith("-"), args))
        if args[len(options) :] and not any("c" in option.raw for option in options):
            name, args = args[len(options)], args[len(options) + 1 :]
    return assignments, name, args


class _Reader:
    """Turns the commands of a script into facts, one command at a time."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.facts = HostFacts()
        self._block: _Block | None = None
        self._exit_line = 0  # the line of a top-level `exit` or `exec`; 0 while the script runs on

    def read(self, command: _Command) -> None:
        if self._block is not None:
            self._block.feed(command)
        elif command.keywords and command.keywords[0] in (*_OPENERS, "function"):
            self._block = _Block.opened_by(command)
        elif command.keywords:
            message = f"`{command.keywords[0]}` without the statement it belongs to"
            self.facts.problems.append(ParseProblem("unmodelled", message, command.location))
        else:
            self._simple(command)
        if self._block is not None and self._block.closed:
            self.finish()

    def finish(self) -> None:
        """Report the compound command being skipped, if any."""
        if self._block is not None:
            self.facts.problems.append(self._block.problem(self.path))
            self._block = None

    def _simple(self, command: _Command) -> None:
        assignments, name_word, args = _command_parts(command.words)
        if name_word is None:
            return  # assignments only
        name = name_word.base_name
        if name in SCRIPTS:
            self._call(command, name, [*assignments, *args])
        elif name is None:
            self._unmodelled(name_word, f"the command `{name_word.raw}` is only known when the script runs")
        elif name in (".", "source"):
            if not args or args[0].base_name not in _XEN_LIBRARIES:
                self._unmodelled(command, f"`{command.words[0].raw}` runs another file in this shell")
        elif name == "export":
            exported = [word for word in args if word.text.split("=", 1)[0] in _SCRIPT_VARIABLES]
            if exported:
                self._unmodelled(exported[0], f"exports `{exported[0].raw}`; network scripts read it as a default")
        elif name == "set" and any(_allexport(word.raw) for word in args):
            self._unmodelled(command, "`set -a` exports later assignments to the network scripts")
        elif name not in _HARMLESS and any(word.key_value for word in args):
            self._unmodelled(command, f"`{name_word.raw}` is given KEY=VALUE arguments; it may call network-bridge")
        if (name == "exit" or command.words[0].raw == "exec") and not command.conditional:
            self._exit_line = self._exit_line or command.location.line

    def _call(self, command: _Command, script: str, words: list[_Word]) -> None:
        if command.conditional:
            self._unmodelled(command, f"{script} runs only if the command before `&&` or `||` succeeds or fails")
            return
        if self._exit_line:
            message = f"{script} is called after the script ends on line {self._exit_line}; it never runs"
            self.facts.problems.append(ParseProblem("unreachable", message, command.location))
            return
        args: dict[str, Fact[str]] = {}
        for word in words:
            key_value = word.key_value
            if word.positional or (key_value is None and not word.expands and "=" not in word.text[1:]):
                continue  # xend's arguments, or the command (start, stop, status)
            if key_value is None and word.expands:
                reason = f"`{word.raw}` may expand to KEY=VALUE arguments"
            elif key_value is None:
                reason = f"`{word.raw}` is not NAME=VALUE; {script} runs it as a command"
            elif key_value[1] is None:
                reason = f"the value of `{word.raw}` is only known when the script runs"
            else:
                args[key_value[0]] = Fact(key_value[1], word.location)
                continue
            self._unmodelled(word, f"{script} call not read: {reason}")
            return
        self.facts.network_calls.append(NetworkScriptCall(script, args, command.location))

    def _unmodelled(self, where: _Command | _Word, message: str) -> None:
        self.facts.problems.append(ParseProblem("unmodelled", message, where.location))


def _allexport(word: str) -> bool:
    """`set -a`, `set -ea`, `set -o allexport`."""
    return word == "allexport" or (word.startswith("-") and not word.startswith("--") and "a" in word)
