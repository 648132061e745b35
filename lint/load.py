"""Read one file, decide whether it is a Xen config and which syntax, and parse it.

Never raises: whatever goes wrong becomes a ParseProblem (an E finding later) or a "skipped" entry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from xennet.findings import Location
from xennet.suppress import BadSuppression, Suppression, scan

from .classify import SourceKind, kind_by_content, kind_by_path, kind_named
from .detect import detect_format
from .facts import ConfigFile, ConfigFormat, ParseProblem
from .hostfacts import HostFacts
from .sxp import parse_sxp
from .xlcfg import parse_xl
from .xmcfg import parse_xm

MAX_INPUT_BYTES = 32 * 1024 * 1024
_PARSERS = {ConfigFormat.XL: parse_xl, ConfigFormat.XM: parse_xm, ConfigFormat.SXP: parse_sxp}


@dataclass
class Loaded:
    """The outcome for one file: a parsed Xen config or host facts, or why there is neither."""

    config: ConfigFile | None = None
    facts: HostFacts | None = None
    kind: str = ""  # the Xen config format or the host source kind that read the file
    problems: list[ParseProblem] = field(default_factory=list)  # could not be analyzed: report
    skipped: str | None = None  # not a Xen config, met while walking a folder: count
    suppressions: list[Suppression] = field(default_factory=list)  # its `# xennet: disable=` comments
    bad_suppressions: list[BadSuppression] = field(default_factory=list)


def load_input(path: str, explicit: bool, relative: str | None = None, kind: str | None = None,
               data: bytes | None = None) -> Loaded:
    """Read and parse one input. `relative` is its path inside the tree the user gave (used to
    recognize bundle layouts such as `sos_commands/networking/ip_-d_address`); `kind` forces a
    host source kind (a file that an interfaces file sources, whatever its name); `data` is the
    content when it was already read (an archive member), and then `path` is only its name."""
    if data is None:
        read = _read(path, explicit)
        if isinstance(read, Loaded):
            return read
        data = read
    if len(data) > MAX_INPUT_BYTES:
        return Loaded(problems=[_too_large(path, len(data))])
    if b"\0" in data:
        return _not_analyzed(path, explicit, "binary file", "binary")
    text, encoding_problem = _decode(data, path)
    relative = relative if relative is not None else os.path.basename(path)
    source = kind_named(kind) if kind else kind_by_path(relative)
    fmt = detect_format(path, text) if source is None else None
    if source is None and fmt is None:
        source = kind_by_content(text)
    if source is None and fmt is None:
        return _not_analyzed(path, explicit, "not a Xen config or a network source xennet reads", "unrecognized")
    loaded = _parse(text, path, relative, source, fmt)
    if encoding_problem is not None:
        (loaded.facts or loaded.config).problems.insert(0, encoding_problem)  # type: ignore[union-attr]
    loaded.suppressions, loaded.bad_suppressions = scan(text, path)
    return loaded


def _parse(text: str, path: str, relative: str, source: SourceKind | None, fmt: ConfigFormat | None) -> Loaded:
    """Host facts when `source` names a host source kind, else the Xen config in format `fmt`."""
    if source is not None:
        return Loaded(facts=source.parse(text, path, relative), kind=source.name)
    assert fmt is not None
    config = _PARSERS[fmt](text, path)
    if fmt is ConfigFormat.XM:
        config.xl_problems = parse_xl(text, path).problems
    return Loaded(config=config, kind=fmt.value)


def _read(path: str, explicit: bool) -> bytes | Loaded:
    """The file's content, or why it cannot be analyzed."""
    try:
        if not os.path.isfile(path):
            return _not_analyzed(path, explicit, "not a regular file", "unreadable")
        size = os.path.getsize(path)
        if size > MAX_INPUT_BYTES:
            return Loaded(problems=[_too_large(path, size)])
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as error:
        return Loaded(problems=[ParseProblem("unreadable", f"cannot read file: {error.strerror}", Location(path))])


def _too_large(path: str, size: int) -> ParseProblem:
    return ParseProblem(
        "too-large",
        f"file is {size} bytes, more than the {MAX_INPUT_BYTES} bytes a config may have; not analyzed",
        Location(path),
    )


def _not_analyzed(path: str, explicit: bool, why: str, kind: str) -> Loaded:
    if explicit:
        return Loaded(problems=[ParseProblem(kind, f"{why}; not analyzed", Location(path))])
    return Loaded(skipped=why)


def _decode(data: bytes, path: str) -> tuple[str, ParseProblem | None]:
    """UTF-8, or UTF-8 with replacement characters and a problem pointing at the first bad byte."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as error:
        before = data[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        problem = ParseProblem(
            "encoding",
            f"invalid UTF-8 byte 0x{data[error.start]:02x}; the file was read with replacement characters",
            Location(path, line, column),
        )
        return data.decode("utf-8", errors="replace"), problem
