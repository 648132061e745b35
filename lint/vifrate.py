"""The `rate=` of a vif spec, read as xl reads it: libxlu's xlu_vif_parse_rate
(tools/libs/util/libxlu_vif.c).

The syntax is `RATE/s[@INTERVAL]`. RATE is a number, an optional K, M or G (powers of 1000) and B
for bytes or b for bits. INTERVAL is a number and s, ms or us (a bare number is seconds); it is
50ms when left out. Netback is handed the bytes allowed per interval.

libxlu's quirks are kept, because what xl does is what counts:
- numbers are read with strtoull base 0, so a leading 0 means octal ("010MB/s" is 8 MB/s) and
  reading stops at an 8 or 9 after it: whatever follows is then taken for the unit;
- the 2^32 limit is on the numbers as written, before their units; the bytes per interval may be
  larger, and may be 0, since they are rounded down ("1B/s@1us").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UINT32_MAX = 2**32 - 1
_UINT64_MAX = 2**64 - 1
_USECS_PER_SEC = 1_000_000
_DEFAULT_INTERVAL_USECS = 50_000

_RATE = re.compile(r"[0-9]+[GMK]?[Bb]/s")
_INTERVAL = re.compile(r"[0-9]+[mu]?s?")
_STRTOULL_BASE0 = re.compile(r"0[0-7]*|[0-9]+")  # for text known to start with a digit and hold no 'x'
_MULTIPLIERS = {"G": 1000**3, "M": 1000**2, "K": 1000}


@dataclass(frozen=True)
class Rate:
    """A valid rate, as libxl_device_nic carries it."""

    bytes_per_interval: int
    interval_usecs: int


@dataclass(frozen=True)
class RateError:
    """Why xl refuses a rate."""

    message: str


def parse_rate(text: str) -> Rate | RateError:
    """Read a vif `rate=` value, accepting exactly what xl accepts."""
    rate, at, interval = text.partition("@")
    if not rate:
        return RateError(f'no rate before "@" in vif rate "{text}"' if at else "empty vif rate")
    if not _RATE.fullmatch(rate):
        return RateError(
            f'invalid vif rate "{text}": expected a number, an optional K, M or G, then B (bytes) or '
            'b (bits) and "/s", e.g. "10MB/s"'
        )
    bytes_per_sec, unit = _read_number(rate)
    if not 0 < bytes_per_sec <= _UINT32_MAX:
        return RateError(f'vif rate "{text}" {_out_of_range(rate, bytes_per_sec)}')
    bytes_per_sec *= _MULTIPLIERS.get(unit[0], 1)
    if unit[0] == "b" or unit[1] == "b":
        bytes_per_sec //= 8

    interval_usecs = _DEFAULT_INTERVAL_USECS
    if at:
        usecs = _interval_usecs(interval)
        if isinstance(usecs, str):
            return RateError(f'vif rate "{text}": {usecs}')
        interval_usecs = usecs

    if bytes_per_sec > _UINT64_MAX // interval_usecs:
        return RateError(f'vif rate "{text}" overflows: bytes per second times interval exceeds 2^64')
    return Rate(bytes_per_sec * interval_usecs // _USECS_PER_SEC, interval_usecs)


def _interval_usecs(interval: str) -> int | str:
    """The interval in microseconds, or what is wrong with it."""
    if not _INTERVAL.fullmatch(interval):
        return f'invalid interval "{interval}" after "@": expected a number and s, ms or us, e.g. "@50ms"'
    usecs, unit = _read_number(interval)
    if not 0 < usecs <= _UINT32_MAX:
        return f'interval "{interval}" {_out_of_range(interval, usecs)}'
    if unit[:1] in ("", "s"):
        usecs *= _USECS_PER_SEC
    elif unit[0] == "m":
        usecs *= 1000
    if usecs > _UINT32_MAX:
        return f'interval "{interval}" is too long: more than {_UINT32_MAX} microseconds'
    return usecs


def _read_number(text: str) -> tuple[int, str]:
    """strtoull(text, &rest, 0) for text that starts with a digit: the value and the rest."""
    digits = _STRTOULL_BASE0.match(text).group()
    value = int(digits, 8) if digits.startswith("0") else int(digits)
    return value, text[len(digits) :]


def _out_of_range(text: str, value: int) -> str:
    """Why a number read from `text` (value 0 or over 2^32 - 1) is refused, said of the value."""
    if value > _UINT32_MAX:
        return f"is too large: the number must be at most {_UINT32_MAX} before its unit"
    if text[:1] == "0" and text[1:2].isdigit():
        return "reads as 0: a leading 0 makes xl read the number as octal"
    return "is zero"
