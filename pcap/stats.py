"""Per-port statistics for the report (not a rule): counts, sizes, fragments."""

from __future__ import annotations

from itertools import pairwise

import numpy as np

from .captures import CapturedPort
from .fragments import is_fragment
from .oversize import ip_size

# Frame-size histogram bin edges (wire length in bytes); the last bin is everything from 9019 up.
SIZE_BINS = (0, 64, 128, 256, 512, 1024, 1519, 1523, 9019)


def port_stats(port: CapturedPort) -> dict[str, object]:
    """packets, bytes (wire), frame-size histogram over SIZE_BINS, fragments, largest IP length."""
    table = port.table
    wirelen = table["wirelen"].astype(np.int64)
    counts = np.bincount(np.searchsorted(SIZE_BINS, wirelen, side="right") - 1, minlength=len(SIZE_BINS))
    labels = [f"{low}-{high - 1}" for low, high in pairwise(SIZE_BINS)] + [f"{SIZE_BINS[-1]}+"]
    return {
        "port": port.name,
        "mtu": port.mtu.value,
        "mtu_origin": port.mtu.origin,
        "packets": len(table),
        "bytes": int(wirelen.sum()),
        "frame_sizes": dict(zip(labels, (int(c) for c in counts), strict=True)),
        "fragments": int(is_fragment(table).sum()),
        "largest_ip_length": int(ip_size(port).max()) if len(table) else 0,  # BIG TCP's 0 length counted
    }
