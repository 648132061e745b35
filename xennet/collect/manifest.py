"""The manifest: one record per step (a command run, a file copied, a port captured) saying what
happened, so a bundle from a host without Xen tools or with a failing command is still explained."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from xennet import __version__

FORMAT = "xennet-collect"
VERSION = 1
STDERR_CHARS = 4096  # kept of a step's stderr
OK, FAILED, ABSENT, SKIPPED = "ok", "failed", "absent", "skipped"
_SOURCE_KEYS = {"command": "command", "file": "file", "capture": "port"}


@dataclass
class Step:
    """What one step did. `kind` is "command", "file" or "capture"; `source` the command line, the file's
    path on the host, or the captured port; `output` the stored file's path inside the bundle folder
    (None: nothing stored); `exit_status` a command's exit status (negative: killed by that signal)."""

    kind: str
    source: str
    status: str
    output: str | None = None
    exit_status: int | None = None
    stderr: str = ""
    note: str = ""
    duration: float = 0.0
    size: int = 0
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        record: dict[str, Any] = {"kind": self.kind, _SOURCE_KEYS[self.kind]: self.source, "status": self.status}
        if self.exit_status is not None:
            record["exit_status"] = self.exit_status
        record.update(
            stderr=bounded(self.stderr), note=self.note, duration_s=round(self.duration, 3), output=self.output,
            bytes=self.size, truncated=self.truncated, **self.extra,
        )
        return record

    def summary(self) -> str:
        """One line for the terminal: `absent   xl list -l: command not found`."""
        detail = self.note or (f"exit status {self.exit_status}" if self.status == FAILED else "")
        return f"{self.status:<8} {self.kind} {self.source}" + (f": {detail}" if detail else "")


def bounded(text: str, limit: int = STDERR_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more characters]"


def render(steps: list[Step], header: dict[str, Any]) -> str:
    """manifest.json: the format, xennet's version, `header` (host, times, options), counts by status,
    then every step in the order run."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "xennet_version": __version__,
        **header,
        "counts": dict(Counter(step.status for step in steps)),
        "steps": [step.as_json() for step in steps],
    }
    return json.dumps(document, indent=2) + "\n"
