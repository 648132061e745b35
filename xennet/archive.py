"""Read a bundle archive (tar, compressed tar, zip) member by member in memory, never extracting it.

Archives come from customers and are untrusted. A member is refused, with an ArchiveProblem naming it,
when its path is absolute or climbs out with `..`, when it is a link that points out of the archive
(an absolute target, or `..` above the archive's root), a device or a FIFO, or when it is too large or
compressed so well that it is a decompression bomb. A link whose target stays inside the archive (a
sosreport's `hostname -> sos_commands/general/hostname`) is a Link: it is not followed, the target is
read as its own member. Reading then goes on with the next member. A damaged archive keeps the
members read before the damage, and a problem says where it broke. Problems are data, not exceptions.

The kind of archive is recognized by its content (magic numbers), not by its name. Python has no
zstd module: `.tar.zst` is decompressed by the `zstd` command, streamed into tarfile.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import posixpath
import shutil
import stat
import subprocess
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import IO

MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024  # of all members of one archive, declared sizes
MAX_RATIO = 200  # uncompressed : compressed, above it a member is a decompression bomb
RATIO_FLOOR_BYTES = 1024 * 1024  # smaller members are not judged by their ratio (buffering blurs it)
MAX_LINK_TARGET_BYTES = 4096  # PATH_MAX: a zip symlink's content is its target
READ_BYTES = 1024 * 1024  # a member is read this much at a time, so a bomb is caught early
BOMB = f"compressed more than {MAX_RATIO}:1 (a decompression bomb); not read"
OVER_TOTAL = f"the archive holds more than {MAX_TOTAL_BYTES} bytes; this member and the rest were not read"
TAR_MAGIC_OFFSET = 257
HEAD_BYTES = 512

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
_COMPRESSED: dict[str, bytes] = {"gz": b"\x1f\x8b", "xz": b"\xfd7zXZ\x00", "bz2": b"BZh", "zst": ZSTD_MAGIC}
_OPENERS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gz": lambda raw: gzip.GzipFile(fileobj=raw),
    "xz": lambda raw: lzma.LZMAFile(raw),  # noqa: SIM115 - closed with the archive file
    "bz2": lambda raw: bz2.BZ2File(raw),
}
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
# a compressed file so named is a tar even when its start cannot be decompressed (the damage is reported)
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst", ".tzst", ".tar.zstd")
_DAMAGE = (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error, lzma.LZMAError, ValueError)


@dataclass(frozen=True)
class Member:
    """A regular file of an archive: its path inside the archive (as stored, `./` removed) and content."""

    path: str
    data: bytes


@dataclass(frozen=True)
class ArchiveProblem:
    """A member that was refused (`member` set), or the archive itself (`member` None: damaged, or
    not readable here)."""

    archive: str
    member: str | None
    message: str


@dataclass(frozen=True)
class Link:
    """A symlink or hardlink member whose target is inside the archive: `target` is the path it resolves
    to, from the archive's root (`./` and `..` resolved), so the target member is read, not the link."""

    path: str
    target: str


ArchiveItem = Member | Link | ArchiveProblem


def archive_kind(path: str) -> str | None:
    """"zip", "tar", "tar.gz", "tar.xz", "tar.bz2" or "tar.zst" when `path` is a regular file holding
    such an archive, else None. A compressed file is a tar when it decompresses to one or is named like
    one (a damaged `.tar.gz` is reported as damaged, not taken for an unknown file); a rotated
    `messages.1.gz` is not an archive."""
    try:
        if not os.path.isfile(path):
            return None
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError:
        return None
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if _is_tar_header(head):
        return "tar"
    compression = next((name for name, magic in _COMPRESSED.items() if head.startswith(magic)), None)
    if compression is None:
        return None
    named_tar = path.lower().endswith(TAR_SUFFIXES)
    if compression == "zst" and shutil.which("zstd") is None:
        return "tar.zst" if named_tar else None
    return f"tar.{compression}" if named_tar or _is_tar_header(_decompressed_head(path, compression)) else None


def _is_tar_header(head: bytes) -> bool:
    return head[TAR_MAGIC_OFFSET:TAR_MAGIC_OFFSET + 5] == b"ustar"


def _decompressed_head(path: str, compression: str) -> bytes:
    """The first block of the decompressed stream, or b"" when it cannot be decompressed."""
    try:
        if compression == "zst":
            return _zstd_head(path)
        with open(path, "rb") as raw:
            return _OPENERS[compression](raw).read(HEAD_BYTES)
    except (*_DAMAGE, subprocess.SubprocessError):
        return b""


def _zstd_head(path: str) -> bytes:
    """The first block zstd writes; zstd is stopped there, the rest is never decompressed."""
    with open(path, "rb") as raw, subprocess.Popen(
        ["zstd", "-dc"], stdin=raw, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    ) as zstd:
        assert zstd.stdout is not None
        head = zstd.stdout.read(HEAD_BYTES)
        zstd.kill()
        return head


def read_archive(path: str) -> Iterator[ArchiveItem]:
    """The regular-file members of the archive at `path`, in archive order, and a problem for each
    member refused and for damage. `path` must be an archive (`archive_kind` is not None)."""
    kind = archive_kind(path)
    if kind == "zip":
        yield from _read_zip(path)
    elif kind == "tar.zst":
        yield from _read_zstd_tar(path)
    elif kind is not None:
        yield from _read_tar(path, kind.partition(".")[2])
    else:
        yield ArchiveProblem(path, None, "not an archive xennet reads (tar, tar.gz/xz/bz2/zst, zip)")


def _read_tar(path: str, compression: str) -> Iterator[ArchiveItem]:
    try:
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below, after the generator ends
    except OSError as error:
        yield ArchiveProblem(path, None, f"cannot read archive: {error.strerror}")
        return
    with raw:
        stream = _OPENERS[compression](raw) if compression else raw
        yield from _tar_members(path, stream, "r:", raw.fileno())


def _read_zstd_tar(path: str) -> Iterator[ArchiveItem]:
    """zstd decompresses into a pipe that tarfile reads as a stream. zstd reads the file through our
    descriptor, whose offset it shares: that offset is the compressed position, for the bomb check."""
    if shutil.which("zstd") is None:
        yield ArchiveProblem(path, None, ".tar.zst needs the zstd command (apt-get install zstd); not analyzed")
        return
    with open(path, "rb", buffering=0) as raw, subprocess.Popen(
        ["zstd", "-dc"], stdin=raw, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as zstd:
        assert zstd.stdout is not None and zstd.stderr is not None
        complete = yield from _tar_members(path, zstd.stdout, "r|", raw.fileno())
        zstd.stdout.close()  # after an early stop zstd ends on a broken pipe, which is no damage
        error = zstd.stderr.read().decode("utf-8", errors="replace").strip()
        if zstd.wait() != 0 and complete:
            yield ArchiveProblem(path, None, f"damaged archive: zstd: {error or 'failed'}")


def _tar_members(path: str, stream: IO[bytes], mode: str, compressed_fd: int) -> Generator[ArchiveItem, None, bool]:
    """Walk a tar stream; returns whether it was read to its end (not stopped, no damage reported).
    `compressed_fd` is the archive file's descriptor: its offset tells how many compressed bytes were
    consumed, so a member's compression ratio can be judged while it is read."""
    total = 0
    last = reading = None
    try:
        with tarfile.open(fileobj=stream, mode=mode) as tar:
            for info in tar:
                reading = info.name
                total += info.size if info.isreg() else 0
                if total > MAX_TOTAL_BYTES:
                    yield ArchiveProblem(path, info.name, OVER_TOTAL)
                    return False
                item = _tar_member(path, tar, info, lambda: os.lseek(compressed_fd, 0, os.SEEK_CUR))
                if item is not None:
                    yield item
                last, reading = info.name, None
    except _DAMAGE as error:
        if reading or last:
            where = f"in member {reading}" if reading else f"after member {last}"
            yield ArchiveProblem(path, None, f"damaged archive: it breaks {where} ({_reason(error)});"
                                 " the members before were read")
        else:
            yield ArchiveProblem(path, None, f"damaged archive: it breaks before its first member ({_reason(error)})")
        return False
    return True


def _tar_member(path: str, tar: tarfile.TarFile, info: tarfile.TarInfo,
                compressed_at: Callable[[], int]) -> ArchiveItem | None:
    """The member, or why it is refused; None for a folder (structure, not content)."""
    if info.issym() or info.islnk():
        return _link(path, info.name, info.linkname, "symlink" if info.issym() else "hardlink")
    refused = _refused_tar_member(info)
    if refused is not None:
        return ArchiveProblem(path, info.name, refused)
    handle = tar.extractfile(info)
    if handle is None:
        return None
    return _bounded_read(path, info.name, handle, compressed_at)


def _bounded_read(archive: str, name: str, handle: IO[bytes], compressed_at: Callable[[], int]) -> ArchiveItem:
    """Read one member a block at a time; refuse it as soon as its ratio says it is a bomb."""
    start = compressed_at()
    data = bytearray()
    while block := handle.read(READ_BYTES):
        data += block
        if len(data) > RATIO_FLOOR_BYTES and len(data) > MAX_RATIO * max(1, compressed_at() - start):
            return ArchiveProblem(archive, name, BOMB)
    return Member(_clean(name), bytes(data))


def _refused_tar_member(info: tarfile.TarInfo) -> str | None:
    """Why a tar member is not read, or None for a regular file or a folder with a safe path."""
    if info.ischr() or info.isblk() or info.isfifo():
        return "device file or FIFO; not read"
    if not (info.isreg() or info.isdir()):
        return "unsupported member type; not read"
    if info.size > MAX_MEMBER_BYTES:
        return _too_large(info.size)
    return _unsafe_path(info.name)


def _link(archive: str, name: str, target: str, kind: str) -> Link | ArchiveProblem:
    """A Link when both the member and its target stay inside the archive, else why it is refused.
    A symlink's target is relative to the link's folder; a tar hardlink names another member."""
    unsafe = _unsafe_path(name)
    if unsafe is not None:
        return ArchiveProblem(archive, name, unsafe)
    base = posixpath.dirname(_clean(name)) if kind == "symlink" else ""
    target = target.replace("\\", "/")
    resolved = posixpath.normpath(posixpath.join(base, target))
    if _is_absolute(target) or resolved.split("/")[0] == "..":
        return ArchiveProblem(archive, name, f"{kind} to {target} points out of the archive; not followed")
    return Link(_clean(name), _clean(resolved))


def _unsafe_path(name: str) -> str | None:
    parts = name.replace("\\", "/").split("/")
    if _is_absolute(name):
        return "absolute path; not read"
    if ".." in parts:
        return "path climbs out of the archive with `..`; not read"
    return None


def _is_absolute(name: str) -> bool:
    """`/etc/passwd`, `\\share\\x` or `C:...`."""
    return name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":")


def _clean(name: str) -> str:
    """`./etc/xen/a.cfg` -> `etc/xen/a.cfg`."""
    return "/".join(part for part in name.split("/") if part not in ("", "."))


def _read_zip(path: str) -> Iterator[ArchiveItem]:
    try:
        archive = zipfile.ZipFile(path)
    except (*_DAMAGE, RuntimeError) as error:
        yield ArchiveProblem(path, None, f"damaged archive: its members cannot be listed ({_reason(error)})")
        return
    total = 0
    with archive:
        for info in archive.infolist():
            if stat.S_ISLNK(info.external_attr >> 16):
                yield _zip_link(path, archive, info)
                continue
            refused = _refused_zip_member(info)
            if refused is not None:
                yield ArchiveProblem(path, info.filename, refused)
                continue
            if info.is_dir():
                continue
            total += info.file_size
            if total > MAX_TOTAL_BYTES:
                yield ArchiveProblem(path, info.filename, OVER_TOTAL)
                return
            yield _zip_member(path, archive, info)


def _refused_zip_member(info: zipfile.ZipInfo) -> str | None:
    mode = info.external_attr >> 16
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "device file or FIFO; not read"
    if info.file_size > MAX_MEMBER_BYTES:
        return _too_large(info.file_size)
    if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(1, info.compress_size):
        return BOMB
    return _unsafe_path(info.filename)


def _zip_member(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> ArchiveItem:
    """zipfile stops at the declared size and checks the CRC, so a member that lies about its size fails."""
    try:
        with archive.open(info) as handle:
            return Member(_clean(info.filename), handle.read(MAX_MEMBER_BYTES))
    except (*_DAMAGE, RuntimeError, NotImplementedError) as error:
        return ArchiveProblem(path, info.filename, f"damaged member: {_reason(error)}; not read")


def _zip_link(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Link | ArchiveProblem:
    """A zip symlink stores its target as its content."""
    if info.file_size > MAX_LINK_TARGET_BYTES:
        return ArchiveProblem(path, info.filename, f"symlink with a {info.file_size}-byte target; not followed")
    read = _zip_member(path, archive, info)
    if isinstance(read, ArchiveProblem):
        return read
    return _link(path, info.filename, read.data.decode("utf-8", errors="replace"), "symlink")


def _too_large(size: int) -> str:
    return f"member of {size} bytes, more than the {MAX_MEMBER_BYTES} bytes allowed; not read"


def _reason(error: BaseException) -> str:
    return str(error) or type(error).__name__
