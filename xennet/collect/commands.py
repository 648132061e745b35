"""What `xennet collect` gathers: the commands (stored under the sosreport names that xennet's
path-based recognition reads, lint/classify.py) and the files (stored at their own path).

Some commands depend on what an earlier one found: `ethtool -k` runs per vif/tap device of
`ip -j link`, `xl network-list` per domain of `xl list`. A command may have a fallback that gives
the same text without its binary (`lsmod` from /proc/modules, `hostname` from /proc/sys).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

# iproute2 names its JSON keys "ifname"; a vif or tap device gets per-device commands.
GUEST_PORT_PATTERNS = ("vif*", "tap*")
_UNSAFE = re.compile(r"[^\w.\-]+")
_DOM0 = "Domain-0"


@dataclass(frozen=True)
class Fallback:
    """Text that stands in for a command whose binary is missing; `read` returns None when it cannot."""

    description: str
    read: Callable[[], str | None]


@dataclass(frozen=True)
class Command:
    """One command to run; its output is stored at `sos_commands/PLUGIN/NAME` (NAME: the command line
    with spaces as `_`, as sosreport names it)."""

    argv: tuple[str, ...]
    plugin: str
    fallback: Fallback | None = None

    @property
    def line(self) -> str:
        return " ".join(self.argv)

    @property
    def output(self) -> str:
        return f"sos_commands/{self.plugin}/{sos_name(self.argv)}"


def sos_name(argv: tuple[str, ...]) -> str:
    """("ip", "-j", "addr") -> "ip_-j_addr": sosreport's file name for a command (anything but letters,
    digits, `.`, `-` and `_` becomes `_`, so a domain name cannot climb out of the folder)."""
    name = _UNSAFE.sub("_", "_".join(argv)).lstrip(".")
    return name or "_"


def _read_text(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def lsmod_from_proc(path: str = "/proc/modules") -> str | None:
    """/proc/modules in lsmod's layout (its header and `%-19s %8lu  %d %s` rows), so the lsmod parser
    reads it: `nf_nat 49152 2 xt_MASQUERADE,nft_chain_nat, Live 0x0` -> `nf_nat  49152  2 xt_MASQUERADE,...`."""
    text = _read_text(path)
    if text is None:
        return None
    rows = ["Module                  Size  Used by"]
    for line in text.splitlines():
        words = line.split()
        if len(words) < 3:
            continue
        users = words[3].rstrip(",") if len(words) > 3 and words[3] != "-" else ""
        rows.append(f"{words[0]:<19} {words[1]:>8}  {words[2]} {users}".rstrip())
    return "\n".join(rows) + "\n"


def hostname_from_proc(path: str = "/proc/sys/kernel/hostname") -> str | None:
    return _read_text(path)


BASE_COMMANDS: tuple[Command, ...] = (
    Command(("hostname",), "general", Fallback("read /proc/sys/kernel/hostname", hostname_from_proc)),
    Command(("ip", "-j", "-d", "-s", "link"), "networking"),
    Command(("ip", "-j", "addr"), "networking"),
    Command(("ip", "-j", "route"), "networking"),
    Command(("bridge", "-j", "-d", "link"), "networking"),
    Command(("sysctl", "-a"), "kernel"),
    Command(("uname", "-a"), "kernel"),
    Command(("lsmod",), "kernel", Fallback("read /proc/modules", lsmod_from_proc)),
    # The rulesets say whether conntrack (and with it the defragmenter) hooks dom0's packets: since
    # Linux 4.10 only a rule that uses it does (lint/sources/netfilter_rules.py); sosreport's names.
    Command(("iptables-save",), "firewall_tables"),
    Command(("ip6tables-save",), "firewall_tables"),
    Command(("nft", "list", "ruleset"), "firewall_tables"),
    Command(("xl", "list"), "xen"),
    Command(("xl", "list", "-l"), "xen"),
    Command(("xenstore-ls", "-f"), "xen"),
)
LINK_COMMAND = BASE_COMMANDS[1]  # its interface names choose the per-device commands and capture ports
# its domain names choose the per-domain commands
DOMAIN_LIST_COMMAND = next(command for command in BASE_COMMANDS if command.argv == ("xl", "list"))

# Copied at their own path; a trailing "/" copies the whole tree. /proc/net/vlan/config is the VLAN
# table of the kernel's 8021q module (absent when it is not loaded).
FILES: tuple[str, ...] = (
    "etc/xen/",
    "etc/sysconfig/network-scripts/ifcfg-*",
    "etc/sysconfig/network/ifcfg-*",
    "etc/network/interfaces",
    "etc/network/interfaces.d/*",
    "etc/sysctl.conf",
    "etc/sysctl.d/*",
    "run/sysctl.d/*",
    "usr/lib/sysctl.d/*",
    "etc/hostname",
    "proc/net/vlan/config",
)


def interface_names(ip_json: str) -> list[str]:
    """The interface names of `ip -j link` output; [] when it is not that JSON."""
    try:
        records = json.loads(ip_json)
    except ValueError:
        return []
    if not isinstance(records, list):
        return []
    names = (record.get("ifname") for record in records if isinstance(record, dict))
    return [name for name in names if isinstance(name, str)]


def domain_names(xl_list: str) -> list[str]:
    """The guest names of `xl list` output (the header and Domain-0 left out)."""
    names = []
    for line in xl_list.splitlines()[1:]:
        words = line.split()
        if len(words) >= 2 and words[1].isdigit() and words[0] != _DOM0:
            names.append(words[0])
    return names


def device_commands(interfaces: list[str]) -> list[Command]:
    """`ethtool -k` for each vif and tap device: its offloads explain frames above the MTU."""
    ports = [name for name in interfaces if any(fnmatchcase(name, pattern) for pattern in GUEST_PORT_PATTERNS)]
    return [Command(("ethtool", "-k", name), "networking") for name in ports]


def domain_commands(domains: list[str]) -> list[Command]:
    return [Command(("xl", "network-list", name), "xen") for name in domains]
