"""Sysctl settings: `sysctl -a` output, sysctl.conf / sysctl.d files and /proc/sys trees -> Sysctl facts.

Keys are kept in sysctl(8)'s dotted form, the form `sysctl -a` prints: components joined by '.', a
'.' inside a component (a VLAN interface such as eth0.100) written as '/'. A key written with '/'
separators is converted the way systemd-sysctl reads it: when the first separator is '/', dots and
slashes are interchanged, so `net/ipv4/conf/eth0.100/rp_filter` and `net.ipv4.conf.eth0/100.rp_filter`
are the same key. Glob keys (`net.ipv4.conf.*.rp_filter`) are kept as written, not expanded.

Two kinds of settings are kept apart. Files (sources "sysctl.conf" and "sysctl.d") say what is
applied at boot, and a later file overrides an earlier one: `effective_sysctls` picks the winner per
key. `sysctl -a` output and /proc/sys files (sources "sysctl-a" and "proc-sys") describe the running
kernel at the time of the bundle: `running_sysctls` returns them, and no file overrides them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from xennet.findings import Location

from ..facts import ParseProblem
from ..hostfacts import HostFacts, Sysctl

CONFIG_SOURCES = ("sysctl.conf", "sysctl.d")
RUNNING_SOURCES = ("sysctl-a", "proc-sys")

# systemd-sysctl's directories, most important first: a file masks files of the same name in the
# directories after it. Matched at the end of a path, so that a bundle's root prefix does not matter.
_DIRECTORIES = (
    ("etc", "sysctl.d"),
    ("run", "sysctl.d"),
    ("usr", "local", "lib", "sysctl.d"),
    ("usr", "lib", "sysctl.d"),
    ("lib", "sysctl.d"),
)
_SYSCTL_CONF = ("etc", "sysctl.conf")

# `sysctl -a` on Linux and NetBSD prints `key = value`; FreeBSD and macOS print `key: value`.
_OUTPUT_LINE = re.compile(r"(?P<key>[^\s=]+) = ?(?P<value>.*)")
_BSD_OUTPUT_LINE = re.compile(r"(?P<key>[^\s:=]+\.[^\s:=]+): ?(?P<value>.*)")
# The top-level directories of /proc/sys: what tells a sysctl.conf line from other `key = value` files.
_CONF_LINE = re.compile(r"\s*-?\s*(?:abi|crypto|debug|dev|fs|kernel|net|sunrpc|user|vm)[./][^\s=]*\s*=")
# Keys the kernel shows but nobody can set (mode 0444 in /proc/sys): only `sysctl -a` output has them.
_READ_ONLY_KEYS = frozenset({
    "kernel.osrelease", "kernel.ostype", "kernel.version", "kernel.random.boot_id", "kernel.random.entropy_avail",
    "fs.file-nr", "fs.inode-state", "fs.dentry-state", "kern.osrelease", "kern.ostype", "kern.version",
})


def parse_sysctl_output(text: str, path: str) -> HostFacts:
    """Parse `sysctl -a` output (source "sysctl-a"). Values are kept verbatim, tabs included.

    The kernel prints a multi-line value (dev.cdrom.info) as one `key = line` per line; such
    consecutive lines become one Sysctl whose value joins the lines with newlines and whose
    location spans them (as jc's sysctl parser joins them). FreeBSD continues a value on lines
    without a key; those are joined the same way. Other lines without a key are problems, for
    example sysctl's error messages mixed into its output.
    """
    facts, lines = HostFacts(), _lines(text)
    runs: list[_Run] = []
    for number, line in enumerate(lines, start=1):
        match = _OUTPUT_LINE.fullmatch(line) or _BSD_OUTPUT_LINE.fullmatch(line)
        if match is not None and runs and runs[-1].key == match["key"]:
            runs[-1].add(match["value"], number)
        elif match is not None:
            runs.append(_Run(match["key"], [match["value"]], number, number, bsd=match.re is _BSD_OUTPUT_LINE))
        elif runs and runs[-1].bsd:
            runs[-1].add(line, number)
        elif line.strip():
            hint = "an error message of sysctl mixed into its output" if line.startswith("sysctl:") else ""
            where = Location(path, number, 1, number, len(line) + 1)
            facts.problems.append(ParseProblem("syntax", f"not a `key = value` line: {line[:60]!r}", where, hint))
    for run in runs:
        where = Location(path, run.first, 1, run.last, len(lines[run.last - 1]) + 1)
        facts.sysctls.append(Sysctl(run.key, "\n".join(run.values), "sysctl-a", where))
    return facts


def parse_sysctl_conf(text: str, path: str) -> HostFacts:
    """Parse a sysctl.conf or sysctl.d file as systemd-sysctl and `sysctl -p` read it.

    Blank lines and lines whose first non-blank character is '#' or ';' are ignored; `key = value`
    has optional blanks around '=', and the value is stripped. A leading '-' (`-key = value`) sets
    `ignore_errors`. The source is "sysctl.d" for a file in a directory named sysctl.d, otherwise
    "sysctl.conf". `order` is filled from the path (see `sysctl_order`) and the line number, and
    stays () for a file systemd-sysctl does not read.
    """
    facts = HostFacts()
    source = "sysctl.d" if PurePosixPath(path).parent.name == "sysctl.d" else "sysctl.conf"
    rank = _precedence(path)
    for number, line in enumerate(_lines(text), start=1):
        stripped = line.strip()
        if not stripped or stripped[0] in "#;":
            continue
        column = len(line) - len(line.lstrip()) + 1
        where = Location(path, number, column, number, column + len(stripped))
        key, equals, value = stripped.removeprefix("-").partition("=")
        if not equals or not key.strip():
            facts.problems.append(_not_an_assignment(stripped, where))
            continue
        order = (*rank, number) if rank else ()
        ignore_errors = stripped.startswith("-")
        facts.sysctls.append(Sysctl(normalize_key(key.strip()), value.strip(), source, where, order, ignore_errors))
    return facts


def parse_proc_sys(text: str, path: str, path_in_tree: str) -> HostFacts:
    """Parse one file of a /proc/sys tree copied into a bundle (source "proc-sys").

    The arguments follow lint/classify.py's Parser convention: (text, path, path inside the tree).

    The key comes from `path_in_tree` after its last `proc/sys/`: `proc/sys/net/bridge/bridge-nf-call-iptables`
    gives net.bridge.bridge-nf-call-iptables, and a dot in a directory name (eth0.100) becomes '/'.
    The value is the file's text without its trailing newline. Raises ValueError when the path
    has no proc/sys/ part.
    """
    parts = PurePosixPath(path_in_tree).parts
    starts = [i + 2 for i in range(len(parts) - 2) if parts[i : i + 2] == ("proc", "sys")]
    if not starts:
        raise ValueError(f"{path_in_tree!r} is not in a proc/sys tree")
    key = ".".join(part.replace(".", "/") for part in parts[starts[-1] :])
    value = text.rstrip("\n")
    lines = value.split("\n")
    where = Location(path, 1, 1, len(lines), len(lines[-1]) + 1)
    return HostFacts(sysctls=[Sysctl(key, value, "proc-sys", where)])


def normalize_key(key: str) -> str:
    """The dotted form of a key written with '.' or '/' separators (systemd-sysctl's rule)."""
    separators = [char for char in key if char in "./"]
    if not separators or separators[0] == ".":
        return key
    return key.strip("/").translate(str.maketrans("./", "/."))


def sysctl_order(paths: Iterable[str]) -> list[str]:
    """The files systemd-sysctl applies, in the order it applies them; later settings win.

    Files named *.conf in /etc/sysctl.d, /run/sysctl.d, /usr/local/lib/sysctl.d, /usr/lib/sysctl.d
    and /lib/sysctl.d are merged by name: a file masks the files of the same name in the directories
    after it in that list (/etc/sysctl.d/50-default.conf masks /usr/lib/sysctl.d/50-default.conf).
    The remaining files are applied sorted by name, whatever their directory, and /etc/sysctl.conf
    last, as `sysctl --system` (procps), early systemd and RHEL 7's patched systemd 219 do. Newer
    systemd reads /etc/sysctl.conf only through the distributions' /etc/sysctl.d/99-sysctl.conf
    symlink, so there a file named after "99-sysctl.conf" would override it.

    Paths may carry a bundle's root prefix (`bundle/etc/sysctl.d/x.conf`); give one host's files per
    call. Paths systemd-sysctl does not read (other directories, names not ending in .conf) are
    left out: their settings never apply at boot.
    """
    chosen: dict[tuple[int, str], tuple[int, str]] = {}
    for path in paths:
        rank = _precedence(path)
        if rank is None:
            continue
        stage, name, priority = rank
        if (stage, name) not in chosen or priority > chosen[stage, name][0]:
            chosen[stage, name] = (priority, path)
    return [path for _, (_, path) in sorted(chosen.items())]


def effective_sysctls(sysctls: Iterable[Sysctl]) -> dict[str, Sysctl]:
    """The setting that wins at boot per key, among settings read from sysctl files.

    Settings of the running kernel (sources "sysctl-a", "proc-sys") are ignored here: see
    `running_sysctls`. Settings from files that `sysctl_order` leaves out (masked, or never read)
    are ignored too. Keys are compared exactly: a glob key is one key of its own and is not matched
    against others (systemd lets an explicit key override a glob whatever their order).
    """
    configured = [sysctl for sysctl in sysctls if sysctl.source in CONFIG_SOURCES]
    applied = set(sysctl_order(dict.fromkeys(sysctl.location.path for sysctl in configured)))
    winners: dict[str, Sysctl] = {}
    for sysctl in sorted((s for s in configured if s.location.path in applied), key=lambda s: s.order):
        winners[sysctl.key] = sysctl
    return winners


def running_sysctls(sysctls: Iterable[Sysctl]) -> dict[str, list[Sysctl]]:
    """Every reading of the running kernel per key (sources "sysctl-a", "proc-sys"), in input order.

    They are snapshots of the same kernel, so none overrides another; when two disagree, the
    bundle was taken while the value changed, and a rule should show both.
    """
    readings: dict[str, list[Sysctl]] = {}
    for sysctl in sysctls:
        if sysctl.source in RUNNING_SOURCES:
            readings.setdefault(sysctl.key, []).append(sysctl)
    return readings


def looks_like_sysctl_output(text: str) -> bool:
    """`key = value` lines and no comments: many of them (real `sysctl -a` output has hundreds of
    lines), or fewer with a read-only key that only the kernel prints (an excerpt of the output,
    such as `sysctl -a | grep -e bridge -e osrelease`; sysctl.conf cannot set these keys)."""
    lines = [line for line in _lines(text)[:200] if line.strip()]
    if not lines or any(line.lstrip().startswith(("#", ";")) for line in lines):
        return False
    matches = [_OUTPUT_LINE.fullmatch(line) or _BSD_OUTPUT_LINE.fullmatch(line) for line in lines]
    keyed = [match["key"] for match in matches if match is not None]
    if len(lines) >= 20:
        return len(keyed) >= 0.9 * len(lines)
    return len(keyed) == len(lines) and any(key in _READ_ONLY_KEYS for key in keyed)


def looks_like_sysctl_conf(text: str) -> bool:
    """Every line is blank, a comment or an assignment to a key under a /proc/sys top-level directory."""
    lines = [line for line in _lines(text) if line.strip() and line.lstrip()[0] not in "#;"]
    if not lines or looks_like_sysctl_output(text):
        return False
    return all(_CONF_LINE.match(line) for line in lines)


@dataclass
class _Run:
    """Consecutive output lines of one key."""

    key: str
    values: list[str]
    first: int
    last: int
    bsd: bool  # printed as `key: value`, where a value continues on lines without a key

    def add(self, value: str, line: int) -> None:
        self.values.append(value)
        self.last = line


def _lines(text: str) -> list[str]:
    """The lines of the text, without line ends; a final newline does not start another line."""
    return [line.removesuffix("\r") for line in text.removesuffix("\n").split("\n")]


def _precedence(path: str) -> tuple[int, str, int] | None:
    """(stage, file name, directory priority) of a file systemd-sysctl reads; None for other files.

    Stage 0 holds the sysctl.d files, sorted by name; stage 1 is /etc/sysctl.conf. Among files of
    the same name, the highest priority masks the others.
    """
    parts = PurePosixPath(path).parts
    if parts[-2:] == _SYSCTL_CONF:
        return (1, "", 0)
    if not parts or not parts[-1].endswith(".conf"):
        return None
    for index, directory in enumerate(_DIRECTORIES):
        if parts[-1 - len(directory) : -1] == directory:
            return (0, parts[-1], len(_DIRECTORIES) - index)
    return None


def _not_an_assignment(line: str, where: Location) -> ParseProblem:
    hint = ""
    if line.startswith("-") and "=" not in line:
        hint = "newer systemd reads `-KEY` alone as excluding KEY from glob settings; procps sysctl rejects it"
    return ParseProblem("syntax", f"not a `key = value` line: {line[:60]!r}", where, hint)
