"""Copy configuration files into the bundle at their own path (`etc/xen/web01.cfg`).

Only contents are stored, as regular files: a symlink to a regular file (an `/etc/xen/auto/` entry)
is stored with its target's content, a symlink to a folder is not followed (no loops, nothing
outside the tree), and FIFOs, sockets and devices are skipped (opening a FIFO would block).
Sizes are bounded: a file is cut at MAX_FILE_BYTES, a tree stops at MAX_TREE_FILES.
"""

from __future__ import annotations

import glob
import os
import stat
import time
from pathlib import Path

from .manifest import ABSENT, FAILED, OK, SKIPPED, Step

MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_TREE_FILES = 2000


def copy_files(patterns: tuple[str, ...], root: str, staging: Path) -> list[Step]:
    """Copy what each pattern (relative to `root`, usually "/") names into `staging` at the same
    relative path; a pattern that names nothing gives one `absent` step."""
    steps: list[Step] = []
    for pattern in patterns:
        found = _expand(pattern, root)
        if not found:
            steps.append(Step("file", _host_path(root, pattern), ABSENT, note="no such file"))
        for relative in found[:MAX_TREE_FILES]:
            steps.append(copy_file(root, relative, staging))
        if len(found) > MAX_TREE_FILES:
            steps.append(Step("file", _host_path(root, pattern), SKIPPED,
                              note=f"{len(found) - MAX_TREE_FILES} more files not copied (at most {MAX_TREE_FILES})"))
    return steps


def _host_path(root: str, relative: str) -> str:
    return os.path.join(root, relative)


def _expand(pattern: str, root: str) -> list[str]:
    """Relative paths of the entries the pattern names: a glob, or a whole tree for "folder/"."""
    if not pattern.endswith("/"):
        return sorted(os.path.relpath(path, root) for path in glob.glob(glob.escape(root) + os.sep + pattern))
    top = os.path.join(root, pattern)
    if not os.path.isdir(top) or os.path.islink(top.rstrip("/")):
        return []
    entries = []
    for folder, folders, files in os.walk(top):  # does not follow symlinked folders; lists them in `folders`
        folders.sort()
        links = [name for name in folders if os.path.islink(os.path.join(folder, name))]
        entries.extend(os.path.relpath(os.path.join(folder, name), root) for name in sorted(files + links))
    return entries


def copy_file(root: str, relative: str, staging: Path) -> Step:
    """Store one file's content (bounded) at `relative` under staging."""
    source = _host_path(root, relative)
    start = time.monotonic()
    step = Step("file", source, OK)
    try:
        info = os.lstat(source)
        if stat.S_ISLNK(info.st_mode):
            target = os.path.realpath(source)
            info = os.stat(source)
            step.note = f"symlink to {target}: its content is stored"
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            step.status, step.note = SKIPPED, f"{step.note + '; ' if step.note else ''}{kind}: not copied"
            return step
        with open(source, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        step.status, step.stderr = (ABSENT if isinstance(error, FileNotFoundError) else FAILED), str(error)
        return step
    step.truncated = len(data) > MAX_FILE_BYTES
    if step.truncated:
        data = data[:MAX_FILE_BYTES]
        step.note = f"{step.note + '; ' if step.note else ''}cut at {MAX_FILE_BYTES} bytes"
    destination = staging / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    step.output, step.size, step.duration = relative, len(data), time.monotonic() - start
    return step
