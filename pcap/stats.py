"""Per-port statistics for the report (not a rule): counts, sizes, fragments."""

from __future__ import annotations

from .captures import CapturedPort
from .evidence import when


def port_stats(port: CapturedPort) -> dict[str, object]:
    """packets, bytes (wire), frame-size histogram, fragments, largest IP length, VLAN tagging,
    source MACs, the time span, the MTU and its origin."""
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
        "vlan_tagged": sum(seen.packets for tags, seen in summary.vlan_tags.items() if tags),
        "vlan_ids": {str(vid): seen.packets for vid, seen in sorted(summary.vlan_ids.items())},
        "source_macs": len(summary.sources),
        "first": when(summary.first_ns) if summary.packets else None,
        "last": when(summary.last_ns) if summary.packets else None,
    }
