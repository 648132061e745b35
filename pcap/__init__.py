"""Capture readers, packet tables and detectors (family P). Filled by the capture-engine issue."""
