"""A running domain's configured vif has no device in dom0.

Every vif of a running domain has a backend device in dom0: vifD.N made by netback (with
vifD.N-emu or tapD.N next to it for an HVM guest's emulated NIC), or the name set by `vifname=`.
When a listed domain has none for a vif, its backend was never created (netback not loaded, a
driver domain that is not dom0) or the hotplug script removed it after a failure: the guest sees no
NIC, or a NIC whose link never comes up.

A domain counts as running when `xl list`, `xm list` or xenstore lists it with an ID, not shut
down, crashed or dying. It does not fire unless the tree holds a complete interface listing of dom0
(`ip addr`/`ip link` with link lines, /proc/net/dev, `ifconfig -a`): `brctl show` alone lists only
bridge ports, and `ip -o addr` only interfaces with an address. Vifs whose `backend=` names a driver
domain are skipped. The location is the vif; related are the domain's line in the list
and the listing.
"""

from __future__ import annotations

from collections.abc import Iterator

from xennet.findings import Location, Severity
from xennet.registry import Problem

from ..hostquery import dom0_vifs, short
from ..vifhost import inventory, is_up, served_by_dom0

ID = "N106"
SLUG = "vif-device-missing"
SEVERITY = Severity.ERROR
SUMMARY = "A running domain's configured vif has no backend device in dom0."
RATIONALE = """\
Without its backend device a vif carries nothing: the guest runs without network although its
config looks right. The hotplug log says why the device was not made or was removed."""
FIX = "Check /var/log/xen/xen-hotplug.log and `dmesg` for netback errors, then re-attach the vif (`xl network-attach`)."
_LIST = (
    "Name                                        ID   Mem VCPUs\tState\tTime(s)\n"
    "Domain-0                                     0  2048     4     r-----     512.3\n"
    "web                                          3  1024     1     -b----      40.0\n"
)
_LO = (
    "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN qlen 1000\n"
    "    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
    "4: xenbr0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue state UP qlen 1000\n"
    "    link/ether 00:1e:c9:4d:2a:10 brd ff:ff:ff:ff:ff:ff\n"
)
BAD = {
    "web.cfg": 'name = "web"\nvif = [ "mac=00:16:3e:5a:01:02,bridge=xenbr0" ]\n',
    "xl_list": _LIST,
    "ip_address": _LO,
}
GOOD = {
    **BAD,
    "ip_address": _LO
    + "7: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq master xenbr0 state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n",
}
REFERENCES = ("Linux drivers/net/xen-netback/xenbus.c: backend_create_xenvif", "xl(1): network-attach")


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    inv = inventory(model, host)
    if not inv.listing_paths:
        return
    for dv in dom0_vifs(model):
        running = host.running_domain(dv.domain.name)
        if running is None or not is_up(running.domid, running.state) or not served_by_dom0(dv.vif):
            continue
        names = host.vif_device_names(dv.domain, dv.vif)
        if names and not any(name in host.interfaces and host.interfaces[name].seen_running for name in names):
            listings = ", ".join(short(Location(p)) for p in inv.listing_paths)
            yield Problem(
                f"{dv.domain.label} runs as domain {running.domid} ({short(running.location)}) but dom0 has no"
                f" device for its vif {dv.vif.devid} ({' / '.join(names)}; {listings} lists dom0's interfaces)",
                dv.vif.location,
                related=(running.location, *inv.listings),
            )
