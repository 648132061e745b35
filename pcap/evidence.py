"""Evidence lines for capture findings: port, frame number, time, addresses, IP id, size."""

from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from .captures import CapturedPort
from .fragments import address

MAX_EXAMPLES = 5  # evidence lines per finding; messages give the full counts
MAX_GROUPS = 10  # findings per rule about flows or addresses; more are summed up in one more finding


def when(time_ns: int) -> str:
    if not time_ns:
        return "no timestamp"
    moment = datetime.fromtimestamp(time_ns / 1e9, tz=timezone.utc)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def packet_line(port: CapturedPort, row: np.void, size: int | None = None) -> str:
    """`vif2.0 frame 7 at <time>: 192.0.2.1 -> 192.0.2.2 id 7 proto 17, IP length 3000`."""
    length = int(size if size is not None else row["ip_len"])
    fragment = f", fragment offset {int(row['frag_offset'])}{' MF' if row['mf'] else ''}" if (
        row["mf"] or row["frag_offset"]) else ""
    return (f"{port.name} frame {int(row['frame'])} at {when(int(row['time_ns']))}: "
            f"{address(row['ip_src_hi'], row['ip_src_lo'])} -> {address(row['ip_dst_hi'], row['ip_dst_lo'])}"
            f" id {int(row['ip_id'])} proto {int(row['proto'])}{' DF' if row['df'] else ''}, IP length {length}"
            f"{fragment}")


def size_range(sizes: np.ndarray, joiner: str = "-") -> str:
    """`1000-1480`, or `1500` when all sizes are equal."""
    low, high = int(sizes.min()), int(sizes.max())
    return str(low) if low == high else f"{low}{joiner}{high}"


def frames(rows: np.ndarray) -> str:
    numbers = [str(int(n)) for n in np.sort(rows["frame"])[:20]]
    return ", ".join(numbers) + (f" and {len(rows) - 20} more" if len(rows) > 20 else "")


def examples(port: CapturedPort, mask: np.ndarray, size: np.ndarray) -> tuple[str, ...]:
    """Evidence lines for the first MAX_EXAMPLES rows of `mask` over `port.notable`."""
    rows = np.flatnonzero(mask)[:MAX_EXAMPLES]
    return tuple(packet_line(port, port.notable[i], int(size[i])) for i in rows)
