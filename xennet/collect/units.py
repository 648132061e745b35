"""Durations (`30s`, `2m`, `500ms`, `1.5`) and sizes (`100M`, `1G`, `64k`, `4096`) as the collect
options take them. Both raise ValueError with a message fit for a one-line usage error."""

from __future__ import annotations

import math
import re

_NUMBER = r"(?P<number>\d+(?:\.\d*)?|\.\d+)"
_DURATION = re.compile(_NUMBER + r"\s*(?P<unit>ms|s|m|h|)")
_SIZE = re.compile(_NUMBER + r"\s*(?P<unit>[kKmMgG]?)(?:i?B)?")
_SECONDS = {"ms": 0.001, "s": 1.0, "": 1.0, "m": 60.0, "h": 3600.0}
_BYTES = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_duration(text: str) -> float:
    """Seconds of a duration; a plain number is seconds. Zero and negative durations are refused."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a duration: write e.g. 30s, 2m, 500ms or 30 (seconds)")
    seconds = float(match["number"]) * _SECONDS[match["unit"]]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"{text!r}: the duration must be above zero")
    return seconds


def parse_size(text: str) -> int:
    """Bytes of a size; K, M and G are powers of 1024 (`100M`, `100MB` and `100MiB` alike)."""
    match = _SIZE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a size: write e.g. 100M, 1G, 64k or 4096 (bytes)")
    size = float(match["number"]) * _BYTES[match["unit"].lower()]
    if not math.isfinite(size):
        raise ValueError(f"{text!r}: the size is too large")
    return int(size)
