"""A bridge whose own `nf_call_iptables` is on while `net.bridge.bridge-nf-call-iptables` is 0.

Kernels of the 3.x series and later give each bridge its own nf_call_iptables switch (`ip link
set dev BR type bridge nf_call_iptables 1`, /sys/class/net/BR/bridge/nf_call_iptables), and
br_netfilter hands a bridge's IPv4 to iptables when either the global sysctl or the bridge's own
switch is on. Setting the sysctl
to 0, the usual fix for bridged guests that iptables or conntrack disturb (see N170), then changes
nothing for that bridge. `ip -d link` prints the switch (`bridge ... nf_call_iptables 1`).

It does not fire when the tree has no `ip -d link` output (the per-bridge switch is then unknown),
nor when the sysctl is 1 or absent from the tree.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..hostquery import short
from ..model import LintModel
from ..netfilter import CALL_IPTABLES, current_setting, is_off

ID = "N171"
SLUG = "bridge-nf-per-bridge-option"
SEVERITY = Severity.WARNING
SUMMARY = "A bridge's own nf_call_iptables is 1 while net.bridge.bridge-nf-call-iptables is 0."
RATIONALE = """\
The per-bridge switch overrides the sysctl in one direction only: either one being on sends the
bridge's traffic through iptables. Turning the sysctl off looks like it took bridged traffic out of
iptables (and conntrack's defragmentation) while this bridge still goes through it."""
FIX = "Turn the bridge's own switch off too: `ip link set dev BRIDGE type bridge nf_call_iptables 0`."
_IP_D_LINK = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0 minmtu 0 maxmtu 0 \n"
    "5: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP mode DEFAULT group default"
    " qlen 1000\n"
    "    link/ether 00:16:3e:4d:2a:10 brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 65535 \n"
    "    bridge forward_delay 0 hello_time 200 max_age 2000 ageing_time 30000 stp_state 0 priority 32768"
    " vlan_filtering 0 vlan_protocol 802.1Q bridge_id 8000.0:16:3e:4d:2a:10 nf_call_iptables {value}"
    " nf_call_ip6tables 0 nf_call_arptables 0 addrgenmode eui64 numtxqueues 1 numrxqueues 1\n"
)
BAD = {
    "ip_-d_link": _IP_D_LINK.format(value=1),
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 0\n",
}
GOOD = {
    "ip_-d_link": _IP_D_LINK.format(value=0),
    "etc/sysctl.conf": "net.bridge.bridge-nf-call-iptables = 0\n",
}
REFERENCES = (
    "Linux net/bridge/br_netfilter_hooks.c: `if (!brnf_call_iptables && !br_opt_get(br, BROPT_NF_CALL_IPTABLES))`",
    "ip-link(8): bridge nf_call_iptables",
)


def check(model: LintModel) -> Iterator[Problem]:
    host = model.dom0
    setting = current_setting(host, CALL_IPTABLES) if host is not None else None
    if host is None or setting is None or not is_off(setting):
        return
    for bridge in host.bridges():
        option = bridge.option("nf_call_iptables")
        if option is not None and option.value.strip() == "1":
            yield Problem(
                f"bridge {bridge.name} has its own nf_call_iptables 1 ({short(option.location)}) while"
                f" {CALL_IPTABLES} = 0 ({short(setting.location)}): br_netfilter calls iptables when either"
                f" is on, so {bridge.name}'s traffic still goes through iptables",
                option.location,
                related=(setting.location,),
                fix=f"`ip link set dev {bridge.name} type bridge nf_call_iptables 0` (and where the bridge is"
                " configured, so that it stays off)",
            )
