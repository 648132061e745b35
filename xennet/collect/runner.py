"""Run one command, bounded: a deadline, a cap on the output kept, its stderr kept apart.

A command that hangs (xenstore-ls on a wedged xenstored) or floods (a runaway loop) is killed with its
whole process group; the run goes on with the next command. LC_ALL=C keeps outputs in the English
forms the parsers read; the sbin folders are searched even when PATH lacks them (sudo, cron).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass

COMMAND_TIMEOUT = 60.0  # seconds
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
MAX_STDERR_BYTES = 64 * 1024
READ_BYTES = 65536
SBIN = ("/usr/local/sbin", "/usr/sbin", "/sbin")


@dataclass
class Outcome:
    """What a command did. `started` False: it did not run (`note` says why; `found` False: no binary).
    `returncode` is None when it was killed for its deadline or its output size (`note` says which)."""

    found: bool
    started: bool
    returncode: int | None = None
    stdout: bytes = b""
    stderr: str = ""
    duration: float = 0.0
    truncated: bool = False
    note: str = ""


def search_path() -> str:
    parts = [part for part in os.environ.get("PATH", "").split(os.pathsep) if part]
    return os.pathsep.join([*parts, *(folder for folder in SBIN if folder not in parts)])


def find_program(name: str) -> str | None:
    return shutil.which(name, path=search_path())


def environment() -> dict[str, str]:
    return {**os.environ, "PATH": search_path(), "LC_ALL": "C", "LANG": "C"}


def run_command(argv: Sequence[str], timeout: float = COMMAND_TIMEOUT, max_output: int = MAX_OUTPUT_BYTES) -> Outcome:
    """Run argv (its first word looked up on the PATH and the sbin folders) with no stdin."""
    program = find_program(argv[0])
    if program is None:
        return Outcome(found=False, started=False, note=f"{argv[0]}: command not found")
    start = time.monotonic()
    try:
        process = subprocess.Popen([program, *argv[1:]], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, env=environment(), start_new_session=True)
    except OSError as error:
        return Outcome(found=True, started=False, note=f"cannot start {argv[0]}: {error.strerror}")
    outcome = _drain(process, start + timeout, max_output)
    outcome.duration = time.monotonic() - start
    if outcome.note.startswith("timed out"):
        outcome.note = f"timed out after {timeout:g} s; killed"
    return outcome


def _drain(process: subprocess.Popen[bytes], deadline: float, max_output: int) -> Outcome:
    """Read stdout and stderr together until both close, the deadline passes or stdout passes max_output;
    in the last two cases the process group is killed."""
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = bytearray(), bytearray()
    buffers = {process.stdout.fileno(): (stdout, max_output + 1), process.stderr.fileno(): (stderr, MAX_STDERR_BYTES)}
    note = ""
    with selectors.DefaultSelector() as selector:
        for stream in (process.stdout, process.stderr):
            selector.register(stream, selectors.EVENT_READ)
        while selector.get_map() and not note:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                note = "timed out"
                break
            for key, _events in selector.select(remaining):
                chunk = os.read(key.fd, READ_BYTES)
                if not chunk:
                    selector.unregister(key.fileobj)
                    continue
                buffer, limit = buffers[key.fd]
                buffer.extend(chunk[: max(0, limit - len(buffer))])  # stderr beyond its cap is read and dropped
                if len(stdout) > max_output:
                    note = f"output cut at {max_output} bytes; killed"
    process.stdout.close()
    process.stderr.close()
    try:  # a command that closed its output may still run
        process.wait(0 if note else max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        note = note or "timed out"
    if note:
        signal_group(process, signal.SIGKILL)
    returncode = process.wait()
    return Outcome(found=True, started=True, returncode=None if note else returncode, stdout=bytes(stdout[:max_output]),
                   stderr=stderr.decode("utf-8", "replace"), truncated=len(stdout) > max_output, note=note)


def signal_group(process: subprocess.Popen[bytes], number: int) -> None:
    """Send a signal to the process group of a process started with start_new_session, unless it has exited
    (its group may be gone, or its number taken by another)."""
    if process.poll() is None:
        with contextlib.suppress(OSError):
            os.killpg(process.pid, number)
