"""Shared test helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from xennet.lint.runner import LintResult
from xennet.registry import select_rules
from xennet.report.rules_doc import lint_example, write_example

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def write_files(folder: Path, files: dict[str, str]) -> list[str]:
    """Write {name: content} under folder (content as Latin-1 bytes when it is not ASCII, so tests can
    write invalid UTF-8 and NULs) and return the paths in the given order."""
    return write_example(folder, files)


def lint_files(
    folder: Path, files: dict[str, str], select: tuple[str, ...] = (), trees: tuple[str, ...] = ()
) -> LintResult:
    """Write the files and lint them with the selected rules (all by default): each file named
    explicitly, or, when `trees` names sub-folders, each of those folders as one host tree; with the
    site facts of a `.xennet.toml` among the files, as rule examples have them."""
    return lint_example(folder, files, trees, select_rules(select))


@pytest.fixture
def broken_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """tmp/broken: a copy of fixtures/broken (configs with real-world mistakes) to edit and add config
    files to; the current folder is tmp."""
    shutil.copytree(FIXTURES / "broken", tmp_path / "broken")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
