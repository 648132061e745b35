"""Turn the paths a user gave into the files to look at, remembering which ones were named explicitly
(an explicitly named file that is not understood is reported; one met while walking a folder is only
counted as skipped)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"})


@dataclass(frozen=True)
class Candidate:
    path: str
    explicit: bool
    root: str | None = None  # the folder argument it was found under; None for a file given by name

    @property
    def relative(self) -> str:
        """The path inside its tree (`sos_commands/networking/ip_-d_address`), or the file's name."""
        if self.root is None:
            return os.path.basename(self.path)
        return os.path.relpath(self.path, self.root).replace(os.sep, "/")


class MissingPathError(Exception):
    """A path the user gave does not exist."""


def iter_candidates(paths: Iterable[str]) -> Iterator[Candidate]:
    """Files under `paths`, folders walked recursively in sorted order, symlinked folders not followed."""
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(path)
        elif os.path.lexists(path):
            yield Candidate(path, explicit=True)
        else:
            raise MissingPathError(path)


def _walk(root: str) -> Iterator[Candidate]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            yield Candidate(os.path.join(folder, name), explicit=False, root=root)
