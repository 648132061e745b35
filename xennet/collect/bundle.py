"""Make one bundle: gather into a temporary folder next to the destination (captures can be large, so
they go to the disk the user chose, not to a tmpfs /tmp), add manifest.json, write the archive and
remove the temporary folder, whatever happens."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from .gather import Plan, Report, gather
from .manifest import Step, render
from .writer import write_archive

MANIFEST = "manifest.json"


def collect(plan: Plan, destination: Path, top: str, report: Report) -> list[Step]:
    """Gather `plan` and write it to `destination` as a tar.gz whose one top folder is `top`.
    Raises OSError when the temporary folder or the archive cannot be written."""
    started = datetime.now(timezone.utc)
    workdir = Path(tempfile.mkdtemp(prefix=".xennet-collect-", dir=destination.parent))
    try:
        staging = workdir / "bundle"
        staging.mkdir()
        steps = gather(plan, staging, workdir / "logs", report)
        header = {
            "hostname": socket.gethostname(),
            "folder": top,
            "started": started.isoformat(timespec="seconds"),
            "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "root": os.geteuid() == 0,
            "capture": None if plan.capture is None else {**asdict(plan.capture),
                                                          "packet_cap": plan.capture.packet_cap},
        }
        (staging / MANIFEST).write_text(render(steps, header), encoding="utf-8")
        write_archive(staging, top, destination)
        return steps
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
