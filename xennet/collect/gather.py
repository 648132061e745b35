"""Run a collect plan: every command, the per-device and per-domain commands, the file copies and the
captures, each recorded as a manifest Step. Nothing stops the run but the end of the plan: a command
that is missing, fails, hangs or floods is recorded and the next one runs.

The captures start as soon as the interface names are known (right after `ip -j link`) and run
while the other commands do, so a 30 s capture adds at most 30 s to the whole run.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .capture import CaptureSession, CaptureSettings, matching_ports, start_captures
from .commands import (
    BASE_COMMANDS,
    DOMAIN_LIST_COMMAND,
    FILES,
    LINK_COMMAND,
    Command,
    device_commands,
    domain_commands,
    domain_names,
    interface_names,
)
from .files import copy_files
from .manifest import ABSENT, FAILED, OK, Step
from .runner import COMMAND_TIMEOUT, Outcome, run_command

Report = Callable[[str], None]  # a line about progress
SYS_NET = "/sys/class/net"


@dataclass(frozen=True)
class Plan:
    """What to gather. `commands` are run in order (tests add failing ones); `files` are patterns
    relative to `root`; `capture` None: no captures."""

    commands: tuple[Command, ...] = BASE_COMMANDS
    files: tuple[str, ...] = FILES
    root: str = "/"
    capture: CaptureSettings | None = None
    timeout: float = COMMAND_TIMEOUT


def gather(plan: Plan, staging: Path, logs: Path, report: Report) -> list[Step]:
    """Run the plan, storing outputs under `staging` (the bundle folder) and tcpdump's logs under `logs`;
    `report` is given a line as each step ends and when the captures start. The captures are stopped
    even when this raises."""
    steps: list[Step] = []

    def record(step: Step) -> None:
        steps.append(step)
        report(step.summary())

    session: CaptureSession | None = None
    texts: dict[Command, str] = {}
    try:
        if LINK_COMMAND not in plan.commands:
            session = _start_captures(plan, _sys_interfaces(), staging, logs, report)
        for command in plan.commands:
            step, texts[command] = run_step(command, staging, plan.timeout)
            record(step)
            if command == LINK_COMMAND and session is None:
                interfaces = interface_names(texts[command]) or _sys_interfaces()
                session = _start_captures(plan, interfaces, staging, logs, report)
        interfaces = interface_names(texts.get(LINK_COMMAND, "")) or _sys_interfaces()
        domains = domain_names(texts.get(DOMAIN_LIST_COMMAND, ""))
        for command in [*device_commands(interfaces), *domain_commands(domains)]:
            record(run_step(command, staging, plan.timeout)[0])
        for step in copy_files(plan.files, plan.root, staging):
            record(step)
        if session is not None:
            for step in session.finish():
                record(step)
            session = None
    finally:
        if session is not None:
            session.stop()
    return steps


def _start_captures(plan: Plan, interfaces: list[str], staging: Path, logs: Path,
                    report: Report) -> CaptureSession | None:
    if plan.capture is None:
        return None
    session = start_captures(matching_ports(interfaces, plan.capture.patterns), plan.capture, staging, logs)
    if session.running:
        ports = ", ".join(item.port for item in session.running)
        report(f"capturing on {ports} for {plan.capture.duration:g} s")
    return session


def _sys_interfaces() -> list[str]:
    """The interface names of this network namespace when `ip -j link` gave none."""
    try:
        return sorted(os.listdir(SYS_NET))
    except OSError:
        return []


def run_step(command: Command, staging: Path, timeout: float = COMMAND_TIMEOUT) -> tuple[Step, str]:
    """Run one command (or its fallback when its binary is missing), store its output when it printed
    any (a failing command's partial output is kept too) and return its step and output text."""
    outcome = run_command(command.argv, timeout)
    if not outcome.found and command.fallback is not None:
        text = command.fallback.read()
        if text is not None:
            step = Step("command", command.line, OK, note=f"{outcome.note}; {command.fallback.description} instead")
            _store(step, command.output, text.encode(), staging)
            return step, text
        outcome.note = f"{outcome.note}; could not {command.fallback.description} either"
    step = Step("command", command.line, _status(outcome), exit_status=outcome.returncode, stderr=outcome.stderr,
                note=outcome.note, duration=outcome.duration, truncated=outcome.truncated)
    if outcome.stdout:
        _store(step, command.output, outcome.stdout, staging)
    return step, outcome.stdout.decode("utf-8", "replace")


def _status(outcome: Outcome) -> str:
    if not outcome.found:
        return ABSENT
    if not outcome.started or (outcome.returncode is None and not outcome.truncated) or outcome.returncode:
        return FAILED
    return OK


def _store(step: Step, relative: str, data: bytes, staging: Path) -> None:
    destination = staging / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.write_bytes(data)
    step.output, step.size = relative, len(data)
