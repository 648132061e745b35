"""SXP parser: xend-config.sxp, `xm list -l` output and xend domain records -> SExpr facts.

Follows xend's reader (tools/python/xen/xend/sxp.py) through grammars/sxp.lark, plus one thing
xend does not do: a backslash-newline is a line continuation, because libvirt's test loader
(virtTestLoadFile) joins such lines and its *.sexpr files are written that way. Continuations are
removed before parsing; every location still points at the original line and column.

Locations are 1-based; `end_column` is exclusive (the column just after the last character).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters

from xennet.findings import Location

from ..grammars import load
from .facts import Atom, ConfigFile, ConfigFormat, ParseProblem, SExpr

_CONTINUATION = "\\\n"

# xend's string escapes. An unknown escape keeps the backslash and DROPS the escaped character,
# exactly as xend's state_escape does, so '\.' reads as '\' (a trap for regexes in xend-config).
_ESCAPES = {"a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r"}
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)", re.DOTALL)

_STRAY_HINT = "xend rejects the file; libvirt ignores everything after the first complete list"
_OPEN_HINT = "xend rejects the file (unexpected EOF); libvirt closes the list at the end silently"


class _BadEscape(ValueError):
    """An octal escape above \\377, which xend rejects."""

    def __init__(self, message: str, token: Token) -> None:
        super().__init__(message)
        self.message = message
        self.token = token


@cache
def _parser() -> Lark:
    return Lark(load("sxp"), parser="lalr", lexer="basic", maybe_placeholders=False)


@dataclass(frozen=True)
class _Source:
    """The text with continuations removed, and the way back to original lines and columns."""

    joined: str
    cuts: tuple[int, ...]  # joined offsets at which a backslash-newline was removed
    line_starts: tuple[int, ...]  # original offsets at which each line starts

    @classmethod
    def of(cls, text: str) -> _Source:
        pieces = text.split(_CONTINUATION)
        cuts, offset = [], 0
        for piece in pieces[:-1]:
            offset += len(piece)
            cuts.append(offset)
        joined = "".join(pieces)
        if joined.endswith("\\"):  # a continuation cut short by the end of the file
            joined = joined[:-1]
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        return cls(joined, tuple(cuts), tuple(starts))

    def _original_offset(self, offset: int) -> int:
        return offset + len(_CONTINUATION) * bisect_right(self.cuts, offset)

    def _line_column(self, original_offset: int) -> tuple[int, int]:
        index = bisect_right(self.line_starts, original_offset) - 1
        return index + 1, original_offset - self.line_starts[index] + 1

    def location(self, path: str, start: int, end: int) -> Location:
        """Location of joined[start:end] in the original text (`end` past the text is clamped)."""
        end = min(end, len(self.joined))
        line, column = self._line_column(self._original_offset(start))
        if end <= start:
            return Location(path, line, column, line, column)
        end_line, last_column = self._line_column(self._original_offset(end - 1))
        return Location(path, line, column, end_line, last_column + 1)


def parse_sxp(text: str, path: str) -> ConfigFile:
    """Parse SXP text. Never raises: what cannot be read becomes a ParseProblem.

    Unbalanced parentheses are reported and then read the way libvirt reads them (a list still
    open at the end of the file is closed there, a ')' with no '(' is skipped), so that the facts
    of a file with one missing ')' are not lost. xend itself rejects such files.
    """
    config = ConfigFile(path=path, format=ConfigFormat.SXP, lines=_split_lines(text))
    source = _Source.of(text)
    try:
        tokens = list(_parser().lex(source.joined))
    except UnexpectedCharacters as error:
        config.problems.append(_lexical_problem(error, source, path))
        return config
    balanced, balance_problems = _balance(tokens, source, path)
    config.problems.extend(balance_problems)
    try:
        tree = _parser().parse(balanced)
        config.sexprs = [_build(child, source, path) for child in tree.children if isinstance(child, Tree)]
        config.problems.extend(_stray_atoms(tree, source, path))
    except _BadEscape as error:
        where = source.location(path, error.token.start_pos, error.token.end_pos)
        config.problems.append(ParseProblem("syntax", error.message, where))
    except RecursionError:
        config.problems.append(ParseProblem("too-large", "lists are nested too deeply to read", Location(path)))
    return config


def _split_lines(text: str) -> tuple[str, ...]:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return tuple(line.rstrip("\r") for line in lines)


def _build(node: Tree | Token, source: _Source, path: str) -> Atom | SExpr:
    if isinstance(node, Token):
        location = source.location(path, node.start_pos, node.end_pos)
        if node.type == "STRING":
            return Atom(_unescape(node), quoted=True, location=location)
        return Atom(str(node), quoted=False, location=location)
    open_paren, *items, close_paren = node.children
    return SExpr(
        items=tuple(_build(item, source, path) for item in items),
        location=source.location(path, open_paren.start_pos, close_paren.end_pos),
    )


def _stray_atoms(tree: Tree, source: _Source, path: str) -> list[ParseProblem]:
    """Atoms outside any list: xend reads them as values of their own, but no Xen file has them."""
    return [
        ParseProblem(
            "syntax",
            f"{str(token)!r} is outside any list",
            source.location(path, token.start_pos, token.end_pos),
            hint="text after the last ')' or a missing '('",
        )
        for token in tree.children
        if isinstance(token, Token)
    ]


def _unescape(token: Token) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code[0] == "x" and len(code) > 1:
            return chr(int(code[1:], 16))
        if code[0] in "01234567":
            value = int(code, 8)
            if value > 0xFF:
                raise _BadEscape(f"invalid octal escape \\{code}: out of range", token)
            return chr(value)
        if code in "\\'\"":
            return code
        return _ESCAPES.get(code, "\\")

    return _ESCAPE_RE.sub(replace, str(token)[1:-1])


def _lexical_problem(error: UnexpectedCharacters, source: _Source, path: str) -> ParseProblem:
    char = source.joined[error.pos_in_stream]
    where = source.location(path, error.pos_in_stream, error.pos_in_stream + 1)
    if char in "'\"":
        return ParseProblem("syntax", f"unterminated string: no closing {char}", where)
    message = f"invalid character {char!r}: xend accepts only printable ASCII outside strings"
    return ParseProblem("syntax", message, where)


def _balance(tokens: list[Token], source: _Source, path: str) -> tuple[str, list[ParseProblem]]:
    """The joined text with stray ')' blanked out and missing ')' appended, and the problems."""
    problems, stray, opened = [], [], []
    for token in tokens:
        if token.type == "LPAR":
            opened.append(token.start_pos)
        elif token.type == "RPAR" and opened:
            opened.pop()
        elif token.type == "RPAR":
            stray.append(token.start_pos)
            where = source.location(path, token.start_pos, token.end_pos)
            problems.append(ParseProblem("syntax", "')' without a matching '('", where, hint=_STRAY_HINT))
    if opened:
        where = source.location(path, opened[-1], opened[-1] + 1)
        count = f" ({len(opened)} lists are open at the end of the file)" if len(opened) > 1 else ""
        problems.append(ParseProblem("syntax", f"'(' is never closed{count}", where, hint=_OPEN_HINT))
    chars = list(source.joined)
    for offset in stray:
        chars[offset] = " "
    return "".join(chars) + "\n" + ")" * len(opened), problems
