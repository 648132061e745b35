"""Turn the paths a user gave into the files to look at, remembering which ones were named explicitly
(an explicitly named file that is not understood is reported; one met while walking a folder is only
counted as skipped), and which host tree each file belongs to (`Candidate.root`).

Host trees. Each folder or archive given is one host tree (a dom0 or a guest), except a case folder:
a folder whose own top level has no host-tree markers (a `sos_commands`, `etc`, `proc` or `sys`
folder, or a file recognized as a host source or config) but which has subfolders that do. Each such
subfolder is a host tree of its own (`case/dom0`, `case/guest3`, ...); the rule is applied one level
down only. The case folder's other files and folders stay inputs of the case folder's own tree:
captures are read as captures, anything else is read or listed as skipped.

An archive (named, or met in a folder) is one host tree of its own, like a folder: each of its members
is a candidate carrying its content, read in memory, with the display path `ARCHIVE!/member/path`
that findings point at. A member the archive reader refused is a candidate too, carrying the reason.

Links are never followed. A link whose target is inside its tree (a sosreport's `hostname ->
sos_commands/general/hostname`) is listed as skipped, and its target is read where it is. A link out
of its tree is skipped too in a folder on disk, and refused (E006) in an archive, which is untrusted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from .archive import ArchiveProblem, Link, Member, archive_kind, read_archive

SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", ".venv", "node_modules"})
TREE_MARKER_DIRS = ("sos_commands", "etc", "proc", "sys")
MEMBER_SEPARATOR = "!/"
OUTSIDE_LINK = "link outside the tree (not followed)"

# Whether a file at a folder's top level is a host source or config xennet reads (see the case folders).
Recognizer = Callable[[str], bool]


@dataclass(frozen=True)
class Candidate:
    path: str  # a file on disk, or `ARCHIVE!/member` for an archive member
    explicit: bool
    root: str | None = None  # the host tree (folder or archive) it was found in; None for a file given by name
    data: bytes | None = None  # an archive member's content
    member: str | None = None  # an archive member's path in its tree (a sosreport's top folder removed)
    refused: str | None = None  # why the archive reader refused this member (or the archive)
    skipped: str | None = None  # why it is not read although it is no problem (a link)

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


def iter_candidates(paths: Iterable[str], recognizes: Recognizer | None = None) -> Iterator[Candidate]:
    """Files under `paths`, folders walked recursively in sorted order, links not followed, archives
    read member by member. `recognizes` tells a case folder from a host tree (see the module's
    docstring); without it only the marker folders count."""
    for path in paths:
        if os.path.isdir(path):
            yield from _walk(path, host_trees_of_case(path, recognizes or _nothing))
        elif archive_kind(path) is not None:
            yield from archive_candidates(path)
        elif os.path.lexists(path):
            yield Candidate(path, explicit=True)
        else:
            raise MissingPathError(path)


def host_trees_of_case(folder: str, recognizes: Recognizer) -> list[str]:
    """The subfolders of `folder` that are host trees when `folder` is a case folder, else []."""
    if is_host_tree(folder, recognizes):
        return []
    return [path for path in _subfolders(folder) if is_host_tree(path, recognizes)]


def is_host_tree(folder: str, recognizes: Recognizer) -> bool:
    """`folder` has a marker folder, or a file xennet reads, at its top level."""
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return False
    if any(entry.name in TREE_MARKER_DIRS and entry.is_dir(follow_symlinks=False) for entry in entries):
        return True  # before any file is read
    return any(entry.is_file(follow_symlinks=False) and archive_kind(entry.path) is None and recognizes(entry.path)
               for entry in entries)


def _subfolders(folder: str) -> list[str]:
    try:
        return sorted(entry.path for entry in os.scandir(folder)
                      if entry.is_dir(follow_symlinks=False) and entry.name not in SKIPPED_DIRS)
    except OSError:
        return []


def _nothing(_path: str) -> bool:
    return False


def _walk(top: str, trees: list[str]) -> Iterator[Candidate]:
    """Every file under `top`; a file under one of `trees` (subfolders of a case folder) belongs to
    that tree, any other to `top`'s."""
    for folder, dirs, files in os.walk(top):
        root = _tree_of(folder, top, trees)
        links = sorted(d for d in dirs if os.path.islink(os.path.join(folder, d)))
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and d not in links)
        for name in sorted([*files, *links]):
            yield from _file_candidates(os.path.join(folder, name), root)


def _tree_of(folder: str, top: str, trees: list[str]) -> str:
    relative = os.path.relpath(folder, top)
    first = os.path.join(top, relative.split(os.sep, 1)[0])
    return first if relative != os.curdir and first in trees else top


def _file_candidates(path: str, root: str) -> Iterator[Candidate]:
    if os.path.islink(path):
        yield Candidate(path, explicit=False, root=root, skipped=_folder_link(path, root))
    elif archive_kind(path) is not None:
        yield from archive_candidates(path)
    else:
        yield Candidate(path, explicit=False, root=root)


def _folder_link(path: str, root: str) -> str:
    """Why the link at `path` is skipped: its target is read where it is in the tree, or not at all."""
    target, tree = os.path.realpath(path), os.path.realpath(root)
    if os.path.commonpath([target, tree]) != tree:
        return OUTSIDE_LINK
    return _link_note(os.path.relpath(target, tree).replace(os.sep, "/"), os.path.exists(target), "tree")


def _link_note(target: str, present: bool, where: str) -> str:
    if present:
        return f"link to {target} (read there)"
    return f"link to {target}, which is not in the {where}"


def archive_candidates(archive: str) -> Iterator[Candidate]:
    """The members of `archive` in archive order. The members are all read before the first is
    yielded: a bundle's single top folder (`sosreport-host-2026.../`) is only known at the end, and
    it is left out of the paths that recognize bundle layouts."""
    items = list(read_archive(archive))
    top = _single_top_folder([item.path for item in items if not isinstance(item, ArchiveProblem)])
    present = _present_paths(items)
    for item in items:
        if isinstance(item, Member):
            inside = item.path.removeprefix(top)
            yield Candidate(member_path(archive, inside), explicit=False, root=archive, data=item.data, member=inside)
        elif isinstance(item, Link):
            note = _link_note(item.target.removeprefix(top), item.target in present, "archive")
            yield Candidate(member_path(archive, item.path.removeprefix(top)), explicit=False, root=archive,
                            member=item.path.removeprefix(top), skipped=note)
        else:
            where = archive if item.member is None else member_path(archive, item.member.removeprefix(top))
            yield Candidate(where, explicit=False, root=archive, refused=item.message)


def _present_paths(items: list[Member | Link | ArchiveProblem]) -> set[str]:
    """The paths of the members and links of an archive, and of the folders that hold them."""
    present: set[str] = set()
    for item in items:
        if not isinstance(item, ArchiveProblem):
            parts = item.path.split("/")
            present.update("/".join(parts[:end]) for end in range(1, len(parts) + 1))
    return present


def member_path(archive: str, member: str) -> str:
    """How findings name a member: `sosreport-dom0.tar.xz!/sos_commands/kernel/sysctl_-a`."""
    return f"{archive}{MEMBER_SEPARATOR}{member.lstrip('/')}"


def _single_top_folder(paths: list[str]) -> str:
    """`top/` when every path is inside the same top folder, else ""."""
    tops = {path.split("/", 1)[0] + "/" for path in paths if "/" in path}
    if len(tops) != 1 or any("/" not in path for path in paths):
        return ""
    return tops.pop()
