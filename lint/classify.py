"""Which host-network source a file is: by its path inside the tree first (the file names of
sosreport, xen-bugtool and a plain copy of /etc), by its content second.

Xen domain configs are not listed here: lint/load.py asks lint/detect.py about them between the
two steps, so that `etc/xen/web01.cfg` is read as a domain config and `etc/xen/scripts/my-bridge`
as a network-script wrapper.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .hostfacts import HostFacts
from .sources import (
    brctl,
    ifcfg,
    ifconfig,
    interfaces,
    ip_link,
    netfilter_rules,
    netstat_i,
    network_bridge_status,
    network_script,
    proc_net,
    routes,
    sysctl,
    system,
    xen_list,
    xenstore,
)

Parser = Callable[[str, str, str], HostFacts]  # (text, path, path inside the tree) -> facts


def _plain(parse: Callable[[str, str], HostFacts]) -> Parser:
    return lambda text, path, _relative: parse(text, path)


@dataclass(frozen=True)
class SourceKind:
    name: str
    parse: Parser
    patterns: tuple[str, ...] = ()  # fnmatch patterns on the path inside the tree ("*/" matches any folder)
    looks_like: Callable[[str], bool] | None = None


def _sos(*names: str) -> tuple[str, ...]:
    """Patterns for command outputs saved by sosreport/xen-bugtool under `sos_commands/*/NAME*`."""
    return tuple(pattern for name in names for pattern in (f"sos_commands/*/{name}", f"*/sos_commands/*/{name}"))


def _anywhere(*patterns: str) -> tuple[str, ...]:
    return tuple(p for pattern in patterns for p in (pattern, f"*/{pattern}"))


def _bugtool(*names: str) -> tuple[str, ...]:
    """Patterns for command outputs saved by xen-bugtool (XenServer/XCP-ng status report) in its
    `bug-report-YYYYMMDDhhmmss/` folder, which xennet removes from an archive's member paths.

    xen-bugtool (github.com/xenserver/status-report, file `xen-bugtool`, construct_filename) names a
    command's output after the command line: the program's basename and its arguments joined by
    "-" (spaces become "-", then "--" becomes "-", "/" becomes "%"), plus ".out" unless the name
    already holds a dot: `ifconfig -a` -> ifconfig-a.out, `ip -s addr` -> ip-s-addr.out, `brctl
    show` -> brctl-show.out, `sysctl -A` -> sysctl-A.out, `ethtool -k vif3.0` -> ethtool-k-vif3.0
    (no .out). Plugins (/etc/xensource/bugtool/CAP/*.xml `<command>`) are named the same way:
    `xm list` -> xm-list.out. Copied files keep their absolute path without the leading "/"
    (etc/sysconfig/network-scripts/ifcfg-eth0, proc/net/vlan/config): `_anywhere` covers them.
    """
    return tuple(p for name in names for p in (name, f"bug-report-*/{name}", f"*/bug-report-*/{name}"))


# /etc/hostname at the top of a tree that is a plain copy of /etc (`cp -a /etc guest3-etc`).
_ETC_COPY_HOSTNAME = ("hostname", "HOSTNAME")

# Order matters for content sniffing: the more specific formats first.
KINDS: tuple[SourceKind, ...] = (
    SourceKind("proc-sys", sysctl.parse_proc_sys, _anywhere("proc/sys/*")),
    SourceKind(
        "ifcfg",
        _plain(ifcfg.parse_ifcfg),
        _anywhere("etc/sysconfig/network-scripts/ifcfg-*", "etc/sysconfig/network/ifcfg-*", "ifcfg-*"),
        ifcfg.looks_like,
    ),
    SourceKind(
        "interfaces",
        _plain(interfaces.parse_interfaces),
        _anywhere("etc/network/interfaces", "etc/network/interfaces.d/*"),
        interfaces.looks_like,
    ),
    SourceKind(
        "sysctl-conf",
        _plain(sysctl.parse_sysctl_conf),
        _anywhere("etc/sysctl.conf", "etc/sysctl.d/*.conf", "run/sysctl.d/*.conf", "usr/lib/sysctl.d/*.conf",
                  "lib/sysctl.d/*.conf", "usr/local/lib/sysctl.d/*.conf"),
        sysctl.looks_like_sysctl_conf,
    ),
    SourceKind(
        "sysctl-a",
        _plain(sysctl.parse_sysctl_output),
        _sos("sysctl_-a*") + _bugtool("sysctl-A.out", "sysctl-a.out"),
        sysctl.looks_like_sysctl_output,
    ),
    SourceKind(
        "network-bridge-status",
        _plain(network_bridge_status.parse_network_bridge_status),
        _sos("network-bridge_status*") + _bugtool("network-bridge-status.out"),
        network_bridge_status.looks_like,
    ),
    SourceKind(
        "ip",
        _plain(ip_link.parse_ip_link),
        _sos("ip_*addr*", "ip_*link*", "ip_-o_*") + _bugtool("ip-*addr*.out", "ip-*link*.out"),
        ip_link.looks_like,
    ),
    SourceKind(
        "ifconfig",
        _plain(ifconfig.parse_ifconfig),
        _sos("ifconfig*") + _bugtool("ifconfig*.out"),
        ifconfig.looks_like,
    ),
    SourceKind(
        "netstat-i",
        _plain(netstat_i.parse_netstat_i),
        _sos("netstat_-i*") + _bugtool("netstat-i*.out"),
        netstat_i.looks_like,
    ),
    SourceKind(
        "brctl",
        _plain(brctl.parse_brctl),
        _sos("brctl_show*", "bridge_*link*") + _bugtool("brctl-show.out", "bridge-*link*.out"),
        brctl.looks_like,
    ),
    SourceKind(
        "routes",
        _plain(routes.parse_routes),
        _sos("route_*", "ip_*route*") + _bugtool("route-*.out", "ip-*route*.out"),
        routes.looks_like,
    ),
    SourceKind(
        "firewall",
        netfilter_rules.parse_rulesets,
        _sos("iptables-save*", "ip6tables-save*", "iptables_*", "ip6tables_*", "nft_*list_ruleset*")
        + _bugtool("iptables-save.out", "ip6tables-save.out", "iptables-*.out", "ip6tables-*.out",
                   "nft-*list-ruleset.out"),
        netfilter_rules.looks_like,
    ),
    SourceKind(
        "proc-net",
        _plain(proc_net.parse_proc_net),
        _anywhere("proc/net/dev", "proc/net/vlan/config") + _sos("ethtool_-k_*") + _bugtool("ethtool-k-*"),
        proc_net.looks_like,
    ),
    SourceKind(
        "xenstore",
        _plain(xenstore.parse_xenstore),
        _sos("xenstore-ls*", "xenstore_ls*") + _bugtool("xenstore-ls*.out"),
        xenstore.looks_like,
    ),
    SourceKind(
        "xen-list",
        _plain(xen_list.parse_xen_list),
        _sos("xl_list*", "xm_list*", "xl_network-list*")
        + _bugtool("xl-list*.out", "xm-list*.out", "xl-network-list*.out", "xm-network-list*.out"),
        xen_list.looks_like,
    ),
    SourceKind(
        "system",
        _plain(system.parse_system),
        _sos("uname_-a*", "lsmod*", "netstat_-s*", "hostname*") + _anywhere("etc/hostname", "etc/HOSTNAME")
        + _bugtool("uname-a.out", "lsmod.out", "netstat-s.out", "hostname.out") + _ETC_COPY_HOSTNAME,
        system.looks_like,
    ),
    # By content only: /etc/xen/scripts also holds Xen's own scripts, which are not wrappers.
    SourceKind("network-script", _plain(network_script.parse_network_script), (), network_script.looks_like),
)


def kind_by_path(relative: str) -> SourceKind | None:
    for kind in KINDS:
        if any(fnmatchcase(relative, pattern) for pattern in kind.patterns):
            return kind
    return None


def kind_by_content(text: str) -> SourceKind | None:
    for kind in KINDS:
        if kind.looks_like is not None and kind.looks_like(text):
            return kind
    return None


def kind_named(name: str) -> SourceKind:
    return next(kind for kind in KINDS if kind.name == name)
