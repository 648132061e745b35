"""Write the bundle: a tar.gz of the staging folder under one top folder, atomically.

The archive is written to a hidden temporary file next to the destination and renamed over it only
once complete, so a failure or an interrupt never leaves half an archive under the final name. Its
members are regular files only (no folder entries, no links, no devices), with relative paths,
owned by root, mode 0644; the archive itself is mode 0600: it holds domain configs and xenstore,
which may carry passwords.
"""

from __future__ import annotations

import os
import tarfile
import tempfile
import time
from pathlib import Path


def bundle_files(staging: Path) -> list[Path]:
    """The regular files under staging, sorted (symlinks and anything else are left out)."""
    files = []
    for folder, folders, names in os.walk(staging):
        folders.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                files.append(path)
    return files


def write_archive(staging: Path, top: str, destination: Path) -> None:
    """Write every regular file under staging as `TOP/RELATIVE/PATH` into the tar.gz `destination`.
    Raises OSError when it cannot be written; nothing is left behind then."""
    handle, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    try:
        with os.fdopen(handle, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            now = time.time()
            for path in bundle_files(staging):
                _add(archive, path, f"{top}/{path.relative_to(staging).as_posix()}", now)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _add(archive: tarfile.TarFile, path: Path, name: str, mtime: float) -> None:
    with open(path, "rb") as handle:
        info = tarfile.TarInfo(name)
        info.size = os.fstat(handle.fileno()).st_size
        info.mode, info.mtime = 0o644, int(mtime)
        info.uid = info.gid = 0
        info.uname = info.gname = "root"
        archive.addfile(info, handle)
