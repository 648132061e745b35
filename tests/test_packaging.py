"""A regular (non-editable) install must ship every package: the editable install the tests run
from would hide a package missing from pyproject.toml's list."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_in_pyproject() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(setuptools["packages"])
    folders = {folder: name for name, folder in setuptools["package-dir"].items()}
    found = set()
    for init in ROOT.glob("**/__init__.py"):
        relative = init.parent.relative_to(ROOT).as_posix()
        top = relative.split("/")[0]
        if top not in ("xennet", "lint", "pcap", "grammars"):
            continue
        mapped = next((name + relative[len(folder):].replace("/", ".") for folder, name in
                       sorted(folders.items(), key=lambda item: -len(item[0]))
                       if relative == folder or relative.startswith(folder + "/")), None)
        found.add(mapped)
    assert found == listed
