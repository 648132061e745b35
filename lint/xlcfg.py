"""The xl.cfg / xl.conf parser: libxlu's lexer and grammar, reproduced exactly, with locations.

xl reads these files with libxlu (tools/libs/util in Xen): a flex lexer (libxlu_cfg_l.l) and a
bison grammar (libxlu_cfg_y.y). This module accepts exactly the files libxlu accepts and reads
the same values from them; tests/test_libxlu_differential.py holds it to that against the real
library. libxlu's oddities are reproduced on purpose, and commented where they happen: a linter
that disagreed with xl about what a file says would mislead.

The grammar is grammars/xl.lark, turned into LALR(1) tables by lark; the scanner below feeds them
tokens.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from lark import Lark
from lark.parsers.lalr_analysis import Shift

from xennet.findings import Location
from xennet.grammars import load
from xennet.lint.facts import Assignment, ConfigFile, ConfigFormat, ParseProblem, Value, ValueKind

PYTHON_HINT = "Config file looks like it contains Python code. Arbitrary Python is no longer supported."

# The rules of libxlu_cfg_l.l, in an order where Python's first match is flex's longest match.
# Blanks ([ \t], skipped) are taken before each token, so one match is one token.
_RULES = (
    ("IDENT", r"[a-z][._0-9a-z]*"),
    ("NUMBER", r"[0-9][0-9a-fx]*"),
    # A comment belongs to its newline: without one, at the end of the file, it is an error.
    ("NEWLINE", r"\n|\#.*\n"),
    ("STRING", r"'[^'\\\n]*(?:\\.[^'\\\n]*)*'|" r'"[^"\\\n]*(?:\\.[^"\\\n]*)*"'),
    ("OP_ADD", r"\+="),
    ("PUNCT", r"[=;,\[\]]"),
    ("BAD", r"."),
)
_TOKEN = re.compile("[ \t]*(?:" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _RULES) + ")?")
# On a last line without a newline "#" starts no comment: not even trying keeps "# # # ..." linear.
_TOKEN_ON_LAST_LINE = re.compile(_TOKEN.pattern.replace(r"\n|\#.*\n", r"\n"))
_PUNCT = {"=": "EQUALS", ";": "SEMICOLON", ",": "COMMA", "[": "LSQB", "]": "RSQB"}
_PYTHON_CHARS = frozenset("+-.():")  # flex's [+-.():], where "+-." is the range "+,-." and "," is a token
_LEXERR_RUN = re.compile(r"[^ \t\n]*")

_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_STRTOUL_PREFIX = re.compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")

_MAX_STATES = 10000  # bison's YYMAXDEPTH: libxlu's parser fails ("memory exhausted") on reaching it

_EXPECTED = {
    "IDENT": "a name",
    "EQUALS": '"="',
    "OP_ADD": '"+="',
    "STRING": "a quoted string",
    "NUMBER": "a number",
    "LSQB": '"["',
    "RSQB": '"]"',
    "COMMA": '","',
    "SEMICOLON": '";"',
    "NEWLINE": "end of line",
    "$END": "end of file",
}
_ATOM_KINDS = {"STRING": ValueKind.STRING, "NUMBER": ValueKind.NUMBER}


def parse_xl(text: str, path: str) -> ConfigFile:
    """Parse an xl.cfg or xl.conf. Never raises: what cannot be read becomes a ParseProblem.

    Assignments come in file order, `=` and `+=` alike, as written: lint/settings.py says which
    values they make. A statement with a syntax error is left out; the others are kept.
    """
    config = ConfigFile(path, ConfigFormat.XL, lines=_lines(text))
    try:
        config.assignments, config.problems = _Parse(text, path).run()
    except Exception as error:  # a bug here must not take the whole lint run down
        config.problems = [ParseProblem("internal", f"xl parser failed: {error!r}", Location(path))]
    return config


def _lines(text: str) -> tuple[str, ...]:
    """The lines as libxlu counts them (only "\\n" ends one), each without its line ending, so that
    `lines[location.line - 1]` is the line a location points at. Same as splitlines() for LF and
    CRLF files."""
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()
    return tuple(line[:-1] if line.endswith("\r") else line for line in lines)


_FIRST = "$1"  # an action that passes on the value of the rule's first symbol

# The semantic actions of libxlu_cfg_y.y, by (rule, number of symbols of the alternative): what
# a reduction makes. None makes nothing, _FIRST passes on $1, other names are _Facts methods.
_ACTIONS: dict[tuple[str, int], str | None] = {
    ("file", 1): _FIRST,
    ("file", 2): "last_statement",
    ("stmts", 0): "empty",
    ("stmts", 2): "statement",
    ("stmt", 2): _FIRST,
    ("stmt", 1): None,
    ("assignment", 3): "assignment",
    ("endstmt", 1): None,
    ("value", 1): _FIRST,
    ("value", 4): "list",
    ("atom", 1): "atom",
    ("valuelist", 0): "empty",
    ("valuelist", 1): _FIRST,
    ("valuelist", 3): _FIRST,
    ("values", 2): "first_item",
    ("values", 5): "next_item",
    ("nlok", 0): None,
    ("nlok", 2): None,
}


@dataclass(frozen=True)
class _Tables:
    """lark's LALR(1) tables for grammars/xl.lark, as plain dicts for the driver in _Parse.

    `rows[state][symbol]` is (True, state) to shift a token, or to go to after reducing to a rule,
    or (False, (rule, number of symbols, action)) to reduce.
    """

    rows: dict[Any, dict[str, tuple[bool, Any]]]
    start: Any
    end: Any


@functools.cache
def _tables() -> _Tables:
    """Built once per process. lark's generic parse loop costs several times the driver in _Parse
    (which also counts the stack as bison does), hence only the tables are taken from lark."""
    conf = Lark(load("xl"), parser="lalr", lexer="basic", start="file").parse_interactive().parser_state.parse_conf

    def reduction(rule: Any) -> tuple[str, int, str | None]:
        name, size = str(rule.origin.name), len(rule.expansion)
        return name, size, _ACTIONS[name, size]

    rows = {
        state: {
            str(symbol): (True, target) if action is Shift else (False, reduction(target))
            for symbol, (action, target) in row.items()
        }
        for state, row in conf.states.items()
    }
    return _Tables(rows, conf.start_state, conf.end_state)


class _Token(NamedTuple):
    type: str
    text: str  # the source text; for STRING the value, escapes done
    start: int  # offsets in the file's text
    end: int
    line: int
    column: int

    @property
    def end_column(self) -> int:
        return self.column + self.end - self.start


_new_token = tuple.__new__  # _new_token(_Token, fields): NamedTuple's own __new__ is slow for the hot path


class _Facts:
    """The semantic actions that make facts, bottom-up: no tree and no recursion, so huge files
    and deeply nested lists cost no more than their size."""

    def __init__(self, path: str) -> None:
        self.path = path

    def by_name(self) -> dict[str, Callable[[list], Any]]:
        return {name: getattr(self, name) for name in set(_ACTIONS.values()) if name not in (None, _FIRST)}

    def location(self, first: _Token, last: _Token) -> Location:
        return Location(self.path, first.line, first.column, last.line, last.end_column)

    def empty(self, children: list) -> list:
        return []

    def statement(self, children: list) -> list[Assignment]:
        statements, statement = children
        if statement is not None:
            statements.append(statement)
        return statements

    def last_statement(self, children: list) -> list[Assignment]:
        statements, assignment = children
        statements.append(assignment)
        return statements

    def assignment(self, children: list) -> Assignment:
        key, op, value = children
        return Assignment(key.text, op.text, value, self.location(key, key))

    def list(self, children: list) -> Value:
        first, _, items, last = children
        return Value(ValueKind.LIST, tuple(items), self.location(first, last))

    def atom(self, children: list) -> Value:
        kind, text, start, end, line, column = children[0]
        return Value(_ATOM_KINDS[kind], text, Location(self.path, line, column, line, column + end - start))

    def first_item(self, children: list) -> list[Value]:
        return [children[0]]

    def next_item(self, children: list) -> list[Value]:
        items = children[0]
        items.append(children[3])
        return items


class _Unexpected(Exception):
    """The parser cannot take this token here."""


class _StackExhausted(Exception):
    """The parser stack reached bison's limit."""


class _Problems:
    """The problems of one file, at most one a line: later ones on a line are mostly echoes of the
    first (libxlu too keeps quiet on a line after a lexical error)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[ParseProblem] = []
        self._lines: set[int] = set()

    def add(self, message: str, line: int, column: int, end_column: int, hint: str = "") -> None:
        if line in self._lines:
            return
        self._lines.add(line)
        where = Location(self.path, line, column, line, end_column)
        self.found.append(ParseProblem("syntax", message, where, hint))

    def finish(self, likely_python: bool) -> list[ParseProblem]:
        """libxlu warns once per failed file that it looks like Python: that goes on the problem
        with the Python-looking character if it was reported, else on the first."""
        if likely_python and self.found and not any(problem.hint for problem in self.found):
            first = self.found[0]
            self.found[0] = ParseProblem(first.kind, first.message, first.location, PYTHON_HINT)
        return self.found


class _Parse:
    """One run of the scanner and the parser over one file."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.problems = _Problems(path)
        self.likely_python = False
        self._build = _Facts(path).by_name()
        self._tables = _tables()
        self._states = [self._tables.start]
        self._values: list[Any] = []
        self._line = 1
        self._line_start = 0

    def run(self) -> tuple[list[Assignment], list[ParseProblem]]:
        quiet = 0  # bison's yyerrstatus: an error within 3 tokens of the last one is not reported
        skipping = False  # recovering as libxlu's `stmt: error NEWLINE` does
        for token in self._tokens():
            if skipping:
                if token.type == "NEWLINE":
                    skipping, quiet = False, 2
                continue
            try:
                done = self._feed(token)
            except _Unexpected:
                if not quiet:
                    self._syntax_error(token)
                # Back to the state after `stmts`, which sits just above the start state.
                del self._states[2:]
                del self._values[1:]
                skipping = token.type != "NEWLINE"
                quiet = 3 if skipping else 2
            except _StackExhausted:
                message = f"lists nested too deeply: xl gives up at {_MAX_STATES} parser states (about 5000 levels)"
                self.problems.add(message, token.line, token.column, token.end_column)
                break
            else:
                if done is not None:
                    return done, self.problems.finish(self.likely_python)
                if quiet:
                    quiet -= 1
        statements = self._values[0] if self._values else []  # the statements read before the failure
        return statements, self.problems.finish(self.likely_python)

    def _feed(self, token: _Token) -> list[Assignment] | None:
        """Take one token: the reductions it calls for, then its shift. Returns the assignments
        once fed the end of file."""
        rows, end, build = self._tables.rows, self._tables.end, self._build
        states, values, kind = self._states, self._values, token.type
        while True:
            entry = rows[states[-1]].get(kind)
            if entry is None:
                raise _Unexpected
            shift, target = entry
            if shift:
                value = token
            else:
                rule, size, action = target
                if action is _FIRST:
                    value = values[-size]
                elif action is None:
                    value = None
                else:
                    value = build[action](values[-size:] if size else [])
                if size:
                    del states[-size:]
                    del values[-size:]
                target = rows[states[-1]][rule][1]
                if target == end:
                    return value
            states.append(target)
            values.append(value)
            if len(states) >= _MAX_STATES:
                raise _StackExhausted
            if shift:
                return None

    def _syntax_error(self, token: _Token) -> None:
        expected = [text for name, text in _EXPECTED.items() if self._takes(name)]
        message = f"unexpected {self._describe(token)}"
        if expected:
            message += f", expecting {_either(expected)}"
        self.problems.add(message, token.line, token.column, token.end_column)

    def _takes(self, kind: str) -> bool:
        """Whether the parser would shift a `kind` token now. LALR states merge lookaheads (a number
        in a list and one after `=` share a state), so the reductions are tried on a copy."""
        rows, end, states = self._tables.rows, self._tables.end, list(self._states)
        while entry := rows[states[-1]].get(kind):
            shift, target = entry
            if shift:
                return True
            rule, size, _ = target
            del states[len(states) - size :]
            target = rows[states[-1]][rule][1]
            if target == end:
                return True
            states.append(target)
        return False

    def _describe(self, token: _Token) -> str:
        if token.type == "$END":
            return "end of file"
        if token.type == "NEWLINE":
            return "end of line"
        kind = {"IDENT": "name ", "NUMBER": "number ", "STRING": "string "}.get(token.type, "")
        return f'{kind}"{_show(self.text[token.start : token.end])}"'

    def _tokens(self) -> Iterator[_Token]:
        """libxlu's tokens, then the end of file; lexical errors are reported on the way."""
        text, match, match_last = self.text, _TOKEN.match, _TOKEN_ON_LAST_LINE.match
        pos, size = 0, len(text)
        last_line = text.rfind("\n") + 1
        while pos < size:
            found = match(text, pos) if pos < last_line else match_last(text, pos)
            kind = found.lastgroup
            if kind is None:  # blanks up to the end
                break
            pos, end = found.span(kind)
            if kind == "NEWLINE":
                yield _new_token(_Token, ("NEWLINE", "", pos, end, self._line, pos - self._line_start + 1))
                self._line, self._line_start = self._line + 1, end
            elif kind == "STRING":
                yield self._string(pos, end)
            elif kind == "BAD":
                end, newline = self._lexical_error(pos)
                if newline:
                    yield newline
            else:
                value = found.group(kind)
                fields = (_PUNCT.get(value, kind), value, pos, end, self._line, pos - self._line_start + 1)
                yield _new_token(_Token, fields)
            pos = end
        yield _Token("$END", "", size, size, self._line, size - self._line_start + 1)

    def _lexical_error(self, pos: int) -> tuple[int, _Token | None]:
        """libxlu's `lexerr` state: the bad character and the rest of its word make one error.
        Returns where scanning goes on, and the newline token that may end the error.

        Quirk kept: a bad byte that is the very last one of the file is never reported (flex meets
        the end of input before its error rule runs), so "a = 1 )" without a newline is valid. A
        non-ASCII character is several bytes in UTF-8: the rest of it makes the error's word.
        """
        text, char = self.text, self.text[pos]
        python = char in _PYTHON_CHARS
        self.likely_python = self.likely_python or python
        following = text[pos + 1 : pos + 2]
        if not following and char.isascii():
            return pos + 1, None
        end = pos + 1 if following in ("", "\n", " ", "\t") else _LEXERR_RUN.match(text, pos + 1).end()
        column = pos - self._line_start + 1
        message = _lexical_message(char, text[pos:end], following)
        self.problems.add(message, self._line, column, column + end - pos, PYTHON_HINT if python else "")
        if following != "\n":
            return end + (following in (" ", "\t")), None
        newline = _Token("NEWLINE", "", end, end + 1, self._line, end - self._line_start + 1)
        self._line, self._line_start = self._line + 1, end + 1
        return end + 1, newline

    def _string(self, start: int, end: int) -> _Token:
        column = start - self._line_start + 1
        value, error = _dequote(self.text[start:end])
        if error:
            offset, length, message = error
            self.problems.add(message, self._line, column + offset, column + offset + length)
        return _Token("STRING", value, start, end, self._line, column)


def _dequote(raw: str) -> tuple[str, tuple[int, int, str] | None]:
    """libxlu's xlu__cfgl_dequote: the string's value, and (offset, length, message) of its first
    bad escape, where libxlu stops.

    Quirks kept: a numeric escape yields *nothing*. `\\x` always fails (libxlu skips a character
    too many, then demands more digits than it reads). `\\0`..`\\7` take up to 3 following
    characters read by strtoul base 10 (so spaces and a sign count) and fail unless that reads at
    least 2 of them: "\\101" and "\\1 5" are both empty strings, "\\12" is an error.
    """
    if "\0" in raw:
        return "", (0, len(raw), "NUL character in quoted string (xl crashes on it)")
    out: list[str] = []
    pos, close = 1, len(raw) - 1
    while pos < close:
        backslash = raw.find("\\", pos, close)
        if backslash < 0:
            out.append(raw[pos:close])
            break
        out.append(raw[pos:backslash])
        char = raw[backslash + 1]
        pos = backslash + 2
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
            continue
        if "0" <= char <= "7":
            digits = _STRTOUL_PREFIX.match(raw, pos, pos + 3)
            if digits and digits.end() - pos >= 2:
                pos = digits.end()
                continue
            bad = raw[backslash : min(pos + 3, close)]
            message = (
                f'invalid numeric escape "{_show(bad)}" in quoted string: xl wants 2 or 3 more '
                f'digits after "\\{char}", and then drops the whole escape'
            )
        elif char == "x":
            bad = raw[backslash : min(pos + 2, close)]
            message = f'invalid escape "{_show(bad)}" in quoted string: xl rejects every \\x escape'
        else:
            bad = raw[backslash:pos]
            message = f'invalid escape "{_show(bad)}" in quoted string'
        return "".join(out), (backslash, len(bad), message)
    return "".join(out), None


def _lexical_message(char: str, word: str, following: str) -> str:
    near = f' in "{_show(word)}"' if len(word) > 1 else ""
    if char == "\r":
        if following == "\n":
            return "carriage return before end of line: xl reads only Unix (LF) line endings, not CRLF"
        return f"unexpected carriage return{near}"
    if char == "#":
        return "comment at the end of the file without a newline: xl needs the final newline"
    if char in "'\"":
        return f"unterminated quoted string: {_show(word)}"
    if "A" <= char <= "Z":
        return f'unexpected "{char}"{near}: names are lowercase letters, digits, "_" and "."'
    return f'unexpected "{_show(char)}"{near}'


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def _show(text: str, limit: int = 40) -> str:
    """Source text fit for a message: control characters escaped, cut when long."""
    shown = "".join(char if char.isprintable() else repr(char)[1:-1] for char in text[:limit])
    return shown + "..." if len(text) > limit else shown
