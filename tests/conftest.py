"""Shared test helpers."""

from __future__ import annotations

from pathlib import Path

import pytest

from xennet.lint.runner import LintResult, lint_paths
from xennet.registry import select_rules

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write_files(folder: Path, files: dict[str, str]) -> list[str]:
    """Write {name: content} under folder (content as Latin-1 bytes when it is not ASCII, so tests can
    write invalid UTF-8 and NULs) and return the paths in the given order."""
    paths = []
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("latin-1") if not content.isascii() else content.encode())
        paths.append(str(path))
    return paths


def lint_files(
    folder: Path, files: dict[str, str], select: tuple[str, ...] = (), trees: tuple[str, ...] = ()
) -> LintResult:
    """Write the files and lint them with the selected rules (all by default): each file named
    explicitly, or, when `trees` names sub-folders, each of those folders as one host tree."""
    paths = write_files(folder, files)
    if trees:
        paths = [str(folder / tree) for tree in trees]
    return lint_paths(paths, select_rules(select))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
