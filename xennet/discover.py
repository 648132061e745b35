"""Turn the paths a user gave into the files to look at, remembering which ones were named explicitly
(an explicitly named file that is not understood is reported; one met while walking a folder is only
counted as skipped).

An archive (named, or met in a folder) is one host tree of its own, like a folder: each of its members
is a candidate carrying its content, read in memory, with the display path `ARCHIVE!/member/path`
that findings point at. A member the archive reader refused is a candidate too, carrying the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .archive import Member, archive_kind, read_archive

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"})
MEMBER_SEPARATOR = "!/"


@dataclass(frozen=True)
class Candidate:
    path: str  # a file on disk, or `ARCHIVE!/member` for an archive member
    explicit: bool
    root: str | None = None  # the folder or archive it was found in; None for a file given by name
    data: bytes | None = None  # an archive member's content
    member: str | None = None  # an archive member's path in its tree (a sosreport's top folder removed)
    refused: str | None = None  # why the archive reader refused this member (or the archive)

    @property
    def relative(self) -> str:
        """The path inside its tree (`sos_commands/networking/ip_-d_address`), or the file's name."""
        if self.member is not None:
            return self.member
        if self.root is None:
            return os.path.basename(self.path)
        return os.path.relpath(self.path, self.root).replace(os.sep, "/")


class MissingPathError(Exception):
    """A path the user gave does not exist."""


def iter_candidates(paths: Iterable[str]) -> Iterator[Candidate]:
    """Files under `paths`, folders walked recursively in sorted order, symlinked folders not followed,
    archives read member by member."""
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(path)
        elif archive_kind(path) is not None:
            yield from archive_candidates(path)
        elif os.path.lexists(path):
            yield Candidate(path, explicit=True)
        else:
            raise MissingPathError(path)


def _walk(root: str) -> Iterator[Candidate]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            path = os.path.join(folder, name)
            if not os.path.islink(path) and archive_kind(path) is not None:
                yield from archive_candidates(path)
            else:
                yield Candidate(path, explicit=False, root=root)


def archive_candidates(archive: str) -> Iterator[Candidate]:
    """The members of `archive` in archive order. The members are all read before the first is
    yielded: a bundle's single top folder (`sosreport-host-2026.../`) is only known at the end, and
    it is left out of the paths that recognize bundle layouts."""
    items = list(read_archive(archive))
    top = _single_top_folder([item.path for item in items if isinstance(item, Member)])
    for item in items:
        if isinstance(item, Member):
            inside = item.path.removeprefix(top)
            yield Candidate(member_path(archive, inside), explicit=False, root=archive, data=item.data, member=inside)
        else:
            where = archive if item.member is None else member_path(archive, item.member.removeprefix(top))
            yield Candidate(where, explicit=False, root=archive, refused=item.message)


def member_path(archive: str, member: str) -> str:
    """How findings name a member: `sosreport-dom0.tar.xz!/sos_commands/kernel/sysctl_-a`."""
    return f"{archive}{MEMBER_SEPARATOR}{member.lstrip('/')}"


def _single_top_folder(paths: list[str]) -> str:
    """`top/` when every path is inside the same top folder, else ""."""
    tops = {path.split("/", 1)[0] + "/" for path in paths if "/" in path}
    if len(tops) != 1 or any("/" not in path for path in paths):
        return ""
    return tops.pop()
