"""xm domain config parser. xend ran these files with execfile(), so they are Python: read them
with Python's `ast` and evaluate only constants, NEVER execute anything.

Every top-level `name = expr` (also `name += expr` and `a, b = 1, 2`) becomes an Assignment. Values
fold constant expressions the way Python would (strings, numbers, lists, `+ - * / // %`, `%`
formatting, names assigned earlier in the file); anything that needs the file to run (calls,
attributes, undefined names such as xm_vars' `vmid`) is UNKNOWN with the expression as data.
Settings assigned inside `if`/`for`/`try`/`with` blocks are UNKNOWN too: which branch runs is
decided at run time. `None` is UNKNOWN "None" (xend's "not set"); bools are NUMBER "1"/"0"; `/` on
two ints floors, as in the Python 2 that xend used.

Locations are 1-based; `end_column` is exclusive (the column just after the last character).
"""

from __future__ import annotations

import ast
import operator
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from xennet.findings import Location

from .facts import Assignment, ConfigFile, ConfigFormat, ParseProblem, Value, ValueKind

_DESCRIPTION_LIMIT = 80
_SIZE_LIMIT = 100_000  # the longest string or list that folding may build
_INT_BITS_LIMIT = 1024  # the widest int (str() refuses ints over 4300 digits)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BOM = "\ufeff"  # Python 2 took a UTF-8 BOM as an encoding mark; Python 3 rejects it in a str
_BLOCKS = (ast.If, ast.For, ast.While, ast.Try, ast.With)
# %-format specs with a width or precision big enough to build a huge string, or taken from `*`.
_HUGE_FORMAT = re.compile(r"%[^a-zA-Z%]*(?:\*|\d{5,})")


@dataclass(frozen=True)
class _Unknown:
    """An expression that cannot be evaluated without running the file."""

    text: str


def parse_xm(text: str, path: str) -> ConfigFile:
    """Parse an xm config. Never raises: a Python syntax error becomes a ParseProblem."""
    text = text.removeprefix(_BOM)
    config = ConfigFile(path=path, format=ConfigFormat.XM, lines=_split_lines(text))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes such as "\d" warn, as in Python 2
            tree = ast.parse(text, filename=path)
    except SyntaxError as error:
        config.problems.append(_syntax_problem(error, path))
        return config
    except (ValueError, RecursionError, MemoryError) as error:  # NUL bytes, absurd nesting
        config.problems.append(ParseProblem("syntax", str(error) or type(error).__name__, Location(path)))
        return config
    config.assignments = list(_Reader(text, path).read(tree))
    return config


def _split_lines(text: str) -> tuple[str, ...]:
    lines = _LINE_BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return tuple(lines)


def _syntax_problem(error: SyntaxError, path: str) -> ParseProblem:
    line, column = error.lineno or 0, error.offset or 0
    end_line, end_column = error.end_lineno or line, error.end_offset or column
    if (end_line, end_column) <= (line, column):
        end_line, end_column = line, column + 1 if column else 0
    return ParseProblem(
        "syntax",
        error.msg,
        Location(path, line, column, end_line, end_column),
        hint="xm configs are Python programs (xend ran them with Python 2)",
    )


class _Reader:
    """Walks the module top to bottom, remembering the values of the names assigned so far."""

    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.known: dict[str, object] = {}

    def read(self, tree: ast.Module) -> Iterator[Assignment]:
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    yield from self._assign(target, statement.value, "=")
            elif isinstance(statement, ast.AugAssign):
                yield from self._augment(statement)
            elif isinstance(statement, _BLOCKS):
                yield from self._block(statement)
            else:
                self._forget_bound_names(statement)

    def _assign(self, target: ast.expr, node: ast.expr, op: str) -> Iterator[Assignment]:
        if isinstance(target, ast.Name):
            value = self._evaluate(node)
            self.known[target.id] = value
            yield self._assignment(target, op, value, node)
        elif isinstance(target, (ast.Tuple, ast.List)):
            parts = node.elts if isinstance(node, (ast.Tuple, ast.List)) else None
            if parts is not None and len(parts) == len(target.elts):
                for sub_target, part in zip(target.elts, parts, strict=True):
                    yield from self._assign(sub_target, part, op)
            else:
                self._forget_bound_names(target)
                for name in _names(target):
                    yield self._assignment(name, op, _Unknown(self._describe(node)), node)
        else:  # `a.b = ...`, `a[0] = ...` change a value in ways we do not follow
            self._forget_bound_names(target)

    def _augment(self, statement: ast.AugAssign) -> Iterator[Assignment]:
        """`key += value` keeps its own value, as in xl. `key *= 2` and the like become `key = ...` with
        an UNKNOWN value: the earlier assignment is not dead, yet `=` would say so. Later references
        still see the folded result."""
        target = statement.target
        if not isinstance(target, ast.Name):
            self._forget_bound_names(target)
            return
        value = self._evaluate(statement.value)
        combined = _apply(statement.op, self.known.get(target.id, _NOT_CONSTANT), value)
        if combined is _NOT_CONSTANT:
            combined = _Unknown(self._describe(statement))
        self.known[target.id] = combined
        if isinstance(statement.op, ast.Add):
            yield self._assignment(target, "+=", value, statement.value)
        else:
            yield self._assignment(target, "=", _Unknown(self._describe(statement)), statement.value)

    def _block(self, block: ast.stmt) -> Iterator[Assignment]:
        where = f"inside `{type(block).__name__.lower()}` at line {block.lineno}"
        statements = [node for node in ast.walk(block) if isinstance(node, (ast.Assign, ast.AugAssign))]
        for node in sorted(statements, key=lambda node: (node.lineno, node.col_offset)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            op = "+=" if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add) else "="
            why = f"{self._describe(node.value)} ({where})"
            for target in targets:
                for name in _names(target):
                    yield self._assignment(name, op, _Unknown(why), node.value)
        self._forget_bound_names(block)

    def _forget_bound_names(self, node: ast.AST) -> None:
        """Names that a statement binds without a plain assignment (import, def, for, ...)."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.known.pop(sub.id, None)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.known.pop(sub.name, None)
            elif isinstance(sub, ast.alias):
                self.known.pop((sub.asname or sub.name).split(".")[0], None)

    def _assignment(self, target: ast.Name, op: str, value: object, node: ast.expr) -> Assignment:
        return Assignment(key=target.id, op=op, value=self._value(value, node), location=self._where(target))

    def _value(self, value: object, node: ast.expr) -> Value:
        """A fact for `value`; list items point at their own literal when `node` spells the list."""
        location = self._where(node)
        if isinstance(value, bool):
            return Value(ValueKind.NUMBER, "1" if value else "0", location)
        if isinstance(value, (int, float)):
            return Value(ValueKind.NUMBER, str(value), location)
        if isinstance(value, str):
            return Value(ValueKind.STRING, value, location)
        if isinstance(value, (list, tuple)):
            spelled = isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == len(value)
            nodes = node.elts if spelled else [node] * len(value)  # type: ignore[attr-defined]
            return Value(ValueKind.LIST, tuple(self._value(v, n) for v, n in zip(value, nodes, strict=True)), location)
        description = value.text if isinstance(value, _Unknown) else repr(value)  # None
        return Value(ValueKind.UNKNOWN, description, location)

    def _where(self, node: ast.expr) -> Location:
        return Location(
            self.path,
            node.lineno,
            node.col_offset + 1,
            node.end_lineno or node.lineno,
            (node.end_col_offset or node.col_offset) + 1,
        )

    def _describe(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.text, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= _DESCRIPTION_LIMIT else text[: _DESCRIPTION_LIMIT - 3] + "..."

    def _evaluate(self, node: ast.expr) -> object:
        """The Python value of a constant expression (lists may hold _Unknown items), or _Unknown."""
        try:
            value = self._fold(node)
        except RecursionError:
            value = _NOT_CONSTANT
        return _Unknown(self._describe(node)) if value is _NOT_CONSTANT else value

    def _fold(self, node: ast.expr) -> object:
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float, type(None))):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple)):
            items = [self._evaluate(item) for item in node.elts]
            return items if isinstance(node, ast.List) else tuple(items)
        if isinstance(node, ast.Name):
            value = self.known.get(node.id, _NOT_CONSTANT)
            return _NOT_CONSTANT if isinstance(value, _Unknown) else value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._fold(node.operand)
            if _is_number(operand):
                return -operand if isinstance(node.op, ast.USub) else +operand  # type: ignore[operator]
        if isinstance(node, ast.BinOp):
            return _apply(node.op, self._fold(node.left), self._fold(node.right))
        if isinstance(node, ast.Subscript):
            return _index(self._fold(node.value), self._fold(node.slice))
        return _NOT_CONSTANT


_NOT_CONSTANT = _Unknown("")


def _names(target: ast.expr) -> list[ast.Name]:
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [name for item in target.elts for name in _names(item)]
    return []


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float))  # bool is an int, as in Python


def _is_known(value: object) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_is_known(item) for item in value)
    return not isinstance(value, _Unknown)


def _floor_or_true_division(left: float, right: float) -> float:
    """Python 2's `/`: floor division for two ints."""
    if isinstance(left, int) and isinstance(right, int):
        return left // right
    return left / right


_NUMBER_OPS: dict[type[ast.operator], Callable[[float, float], object]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _floor_or_true_division,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}


def _apply(op: ast.operator, left: object, right: object) -> object:
    """`left op right` for the operations a config plausibly uses, or _NOT_CONSTANT."""
    try:
        result = _operate(op, left, right)
    except (KeyError, ArithmeticError, TypeError, ValueError):
        return _NOT_CONSTANT
    if isinstance(result, int) and result.bit_length() > _INT_BITS_LIMIT:
        return _NOT_CONSTANT
    if isinstance(result, (str, list, tuple)) and len(result) > _SIZE_LIMIT:
        return _NOT_CONSTANT
    return result


def _operate(op: ast.operator, left: object, right: object) -> object:
    if _is_number(left) and _is_number(right):
        return _NUMBER_OPS[type(op)](left, right)  # type: ignore[arg-type]
    if isinstance(op, ast.Add) and type(left) is type(right) and isinstance(left, (str, list, tuple)):
        return left + right  # type: ignore[operator]
    formatting = isinstance(op, ast.Mod) and isinstance(left, str) and not isinstance(right, list)
    if formatting and _is_known(right) and not _HUGE_FORMAT.search(left):
        return left % right  # type: ignore[operator]
    return _NOT_CONSTANT


def _index(container: object, key: object) -> object:
    if isinstance(container, (str, list, tuple)) and type(key) is int and -len(container) <= key < len(container):
        return container[key]
    return _NOT_CONSTANT
