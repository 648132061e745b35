"""The vif keys that xl and xend know, from their sources.

xl: tools/xl/xl_parse.c `parse_nic_config` (Xen 4.17+). Keys match as the exact prefix `key=`
(case-sensitive); `trusted` and `untrusted` are bare flags compared with strcmp. Anything else is
printed as "unrecognized argument" and ignored. `vlan` comes from the vif VLAN series posted to
xen-devel (v3, May 2024, docs/man/xl-network-configuration.5.pod.in); xl versions without it
treat it like any unknown key.

xend: tools/python/xen/xm/create.py `configure_vifs` (Xen 3.2-4.4; `be_mac` from Xen 3.0). Keys
and values are stripped; an unknown key stops xm with "Invalid vif option".
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_COLO_SOCKS = (
    "mirror",
    "compare_sec_in",
    "compare_pri_in",
    "compare_notify",
    "redirector0",
    "redirector1",
    "redirector2",
    "sec_redirector0",
    "sec_redirector1",
)
_COLO_FILTERS = ("redirector0", "redirector1", "sec_redirector0", "sec_redirector1")

COLO_KEYS = frozenset(
    {f"colo_sock_{sock}_{part}" for sock in _COLO_SOCKS for part in ("id", "ip", "port")}
    | {f"colo_filter_{name}_{part}" for name in _COLO_FILTERS for part in ("queue", "indev", "outdev")}
    | {"colo_filter_mirror_queue", "colo_filter_mirror_outdev", "colo_filter_sec_rewriter0_queue"}
    | {"colo_compare_pri_in", "colo_compare_sec_in", "colo_compare_out", "colo_compare_notify_dev"}
    | {"colo_checkpoint_host", "colo_checkpoint_port"}
)

XL_KEYS = _words(
    "type mac bridge netdev gatewaydev ip script backend vifname model rate forwarddev accel devid mtu vlan"
)
XL_KEYS |= COLO_KEYS
XL_FLAGS = _words("trusted untrusted")

XEND_KEYS = _words("backend bridge ip mac script type vifname rate model accel policy label be_mac")

# key -> what xl does with it (xl_parse.c prints both messages at domain creation)
DEPRECATED = {
    "netdev": "deprecated: xl warns and uses it as `gatewaydev`; write `gatewaydev=` instead",
    "accel": 'xl does not support vif accelerators and ignores it (it prints "the accel parameter for vifs is'
    ' currently not supported")',
}
