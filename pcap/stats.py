"""Per-port statistics for the report (not a rule): counts, sizes, fragments."""

from __future__ import annotations

from .captures import CapturedPort


def port_stats(port: CapturedPort) -> dict[str, object]:
    """packets, bytes (wire), frame-size histogram, fragments, largest IP length, MTU and its origin."""
    summary = port.summary
    return {
        "port": port.name,
        "mtu": port.mtu.value,
        "mtu_origin": port.mtu.origin,
        "packets": summary.packets,
        "bytes": summary.bytes,
        "frame_sizes": summary.frame_size_counts(),
        "fragments": summary.fragments,
        "largest_ip_length": summary.largest_ip,  # BIG TCP's 0 length counted as what the frame holds
    }
