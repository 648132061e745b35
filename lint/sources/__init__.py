"""Parsers of host network sources (ifcfg, Debian interfaces, sysctl, command outputs, network-bridge
wrapper scripts). Each module exposes `parse_*(text, path) -> HostFacts` and `looks_like(text) -> bool`
for recognizing its input by content."""
