"""Lark grammars shipped as package data; `load(name)` returns a grammar's text."""

from importlib.resources import files


def load(name: str) -> str:
    """Return the text of grammars/NAME.lark."""
    return files(__name__).joinpath(f"{name}.lark").read_text(encoding="utf-8")
