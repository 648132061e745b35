"""Capture on vif/bridge ports with tcpdump, bounded so that it cannot fill the disk.

One tcpdump per port, all started at once (`tcpdump -i PORT -s SNAPLEN -c COUNT -U -w FILE`); each is
verified listening (its "listening on" line) before the duration starts, and each is stopped with
SIGINT when it ends, so tcpdump writes its last packets and its counts. The size bound is exact
without watching the files: a pcap file is a 24-byte header and, per packet, a 16-byte record
header and at most SNAPLEN bytes, so COUNT = min(--max-packets, (--max-bytes - 24) // (16 + SNAPLEN))
keeps every file at or under --max-bytes.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path

from .manifest import ABSENT, FAILED, OK, SKIPPED, Step, bounded
from .runner import environment, find_program, signal_group

PCAP_HEADER, RECORD_HEADER = 24, 16
MAX_SNAPLEN = 262144  # tcpdump's own maximum
LISTEN_TIMEOUT = 10.0  # seconds for every tcpdump to say it listens
STOP_TIMEOUT = 5.0  # seconds for a tcpdump to exit after SIGINT, else SIGKILL
POLL = 0.05
FOLDER = "captures"


@dataclass(frozen=True)
class CaptureSettings:
    duration: float  # seconds
    patterns: tuple[str, ...]  # fnmatch patterns on interface names
    snaplen: int
    max_packets: int
    max_bytes: int  # per capture file

    @property
    def packet_cap(self) -> int:
        """The -c count: --max-packets, lowered so that a full file stays within --max-bytes."""
        return min(self.max_packets, (self.max_bytes - PCAP_HEADER) // (RECORD_HEADER + self.snaplen))


def matching_ports(interfaces: list[str], patterns: tuple[str, ...]) -> list[str]:
    return [name for name in interfaces if any(fnmatchcase(name, pattern) for pattern in patterns)]


@dataclass
class _Running:
    port: str
    process: subprocess.Popen[bytes]
    step: Step
    log: Path
    pcap: Path
    started: float


@dataclass
class CaptureSession:
    """The tcpdumps of one collect run; `finish` waits out the duration, stops them and returns the steps."""

    settings: CaptureSettings
    running: list[_Running] = field(default_factory=list)
    done: list[Step] = field(default_factory=list)
    listening_since: float = 0.0

    def finish(self) -> list[Step]:
        remaining = self.listening_since + self.settings.duration - time.monotonic()
        if self.running and remaining > 0:
            time.sleep(remaining)
        self.stop()
        return self.done

    def stop(self) -> None:
        """SIGINT every tcpdump still running (SIGKILL after STOP_TIMEOUT) and record what it did."""
        for item in self.running:
            signal_group(item.process, signal.SIGINT)
        for item in self.running:
            try:
                item.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                signal_group(item.process, signal.SIGKILL)
                item.process.wait()
                item.step.note = "did not stop on SIGINT; killed"
            self.done.append(_finished(item))
        self.running = []


def start_captures(ports: list[str], settings: CaptureSettings, staging: Path, logs: Path) -> CaptureSession:
    """Start a tcpdump per port into staging/captures/PORT.pcap (its stderr into the `logs` folder, which
    is not archived) and wait until each listens (or fails)."""
    session = CaptureSession(settings)
    if not ports:
        patterns = ",".join(settings.patterns)
        session.done.append(Step("capture", patterns, SKIPPED, note=f"no interface matches {patterns}"))
        return session
    tcpdump = find_program("tcpdump")
    if tcpdump is None:
        session.done.extend(Step("capture", port, ABSENT, note="tcpdump: command not found") for port in ports)
        return session
    folder = staging / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    try:
        for port in ports:
            try:
                session.running.append(_start(tcpdump, port, settings, folder, logs))
            except OSError as error:
                session.done.append(Step("capture", port, FAILED, note=f"cannot start tcpdump: {error.strerror}"))
        _await_listening(session)
    except BaseException:  # an interrupt while starting: no tcpdump is left running
        session.stop()
        raise
    session.listening_since = time.monotonic()
    return session


def _start(tcpdump: str, port: str, settings: CaptureSettings, folder: Path, logs: Path) -> _Running:
    name = f"{port}.pcap"
    argv = [tcpdump, "-i", port, "-s", str(settings.snaplen), "-c", str(settings.packet_cap), "-U", "-n",
            "-w", str(folder / name)]
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"tcpdump-{port}.log"
    step = Step("capture", port, OK, output=f"{FOLDER}/{name}",
                extra={"command": " ".join(["tcpdump", *argv[1:-1], f"{FOLDER}/{name}"])})
    with open(log, "wb") as stderr:
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                                   env=environment(), start_new_session=True)
    return _Running(port, process, step, log, folder / name, time.monotonic())


def _await_listening(session: CaptureSession) -> None:
    """Wait until each tcpdump has printed "listening on" or exited; one that does neither within
    LISTEN_TIMEOUT is stopped with the others and marked failed. Failed ones leave `running`."""
    deadline = time.monotonic() + LISTEN_TIMEOUT
    waiting = list(session.running)
    while waiting and time.monotonic() < deadline:
        for item in list(waiting):
            if b"listening on" in _log(item):
                waiting.remove(item)
            elif item.process.poll() is not None:
                waiting.remove(item)
                session.running.remove(item)
                item.step.status = FAILED
                item.step.note = "tcpdump exited before it listened"
                session.done.append(_finished(item))
        if waiting:
            time.sleep(POLL)
    for item in waiting:
        item.step.status, item.step.note = FAILED, f"not listening after {LISTEN_TIMEOUT:g} s; stopped"


def _log(item: _Running) -> bytes:
    try:
        return item.log.read_bytes()[:65536]
    except OSError:
        return b""


def _finished(item: _Running) -> Step:
    step = item.step
    step.duration = time.monotonic() - item.started
    step.exit_status = item.process.returncode
    step.stderr = bounded(_log(item).decode("utf-8", "replace"))
    item.log.unlink(missing_ok=True)
    size = item.pcap.stat().st_size if item.pcap.is_file() else 0
    if size:
        step.size = size
        step.extra["packets"] = packets = _count_packets(step.stderr)
        if packets is not None and not step.note:
            step.note = f"{packets} packets captured"
    else:  # tcpdump failed before writing its header
        item.pcap.unlink(missing_ok=True)
        step.output = None
        if step.status == OK:
            step.status = FAILED
    # tcpdump exits 0 on SIGINT; a nonzero status after we asked it to stop is a failure of its own
    if step.status == OK and step.exit_status not in (0, None, -signal.SIGINT):
        step.status = FAILED
    return step


def _count_packets(stderr: str) -> int | None:
    """tcpdump's closing "N packets captured" line."""
    for line in stderr.splitlines():
        words = line.split()
        if len(words) >= 3 and words[1:3] == ["packets", "captured"] and words[0].isdigit():
            return int(words[0])
    return None
