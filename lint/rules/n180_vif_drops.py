"""Packets dropped on a vif's backend device in dom0 (vifD.N, vifD.N-emu, tapD.N).

The counters are dom0's view: TX is toward the guest, RX is from the guest. The severity depends on
the facts:

- info: a PV vif (vifD.N) that dropped packets toward the guest and sent none, while the same vif's
  emulated NIC (vifD.N-emu or tapD.N) is there and carries traffic. An HVM guest without PV
  drivers uses the emulated NIC; netback's vif has no frontend connected, so every frame the bridge
  floods to it is counted as a TX drop. The classic XenLinux netback (linux-2.6.18-xen, the dom0
  kernels of RHEL 5, SLES and XenServer) keeps the device's carrier on and tracks the frontend with
  a flag of its own, and its netif_be_start_xmit drops while that flag is off; upstream xen-netback
  counts the same drop in xenvif_start_xmit. Expected until the guest loads its PV drivers.
- warning: otherwise, a direction whose drops are more than 1% of its packets (dropped divided by
  sent plus dropped); the message gives the counts and the ratio. Drops toward the guest mean the
  guest does not take its packets fast enough (a full ring, a frontend busy or stuck, a rate=
  limit); drops from the guest mean dom0 cannot forward them (the bridge, netfilter, a full
  backlog).

Counters come from `ip -s link`, `ifconfig` or /proc/net/dev, packets and drops of a direction from
one output. Nothing fires without counters. The location is the drop counter; related are the
packet counter and the emulated NIC.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from xennet.findings import Severity
from xennet.registry import Problem

from ..host import Host, Interface
from ..hostfacts import Fact
from ..vifhost import counter_pair, emulated_twins, traffic, vif_devices

ID = "N180"
SLUG = "vif-drops"
SEVERITY = Severity.WARNING
SUMMARY = "A vif drops more than 1% of its packets (info: the expected drops of an HVM guest's unused PV vif)."
RATIONALE = """\
Drops on a vif are lost guest traffic that no error message reports: retransmissions and slow
connections inside the guest. Telling the harmless case (the unused PV vif of an HVM guest) from the
real one saves a long hunt."""
FIX = (
    "Look at the guest's load and ring size (drops toward the guest) or at dom0's bridge and netfilter"
    " (drops from the guest); check rate= on the vif."
)
LIMIT = 0.01
_DIRECTIONS = {"tx": "toward the guest (TX)", "rx": "from the guest (RX)"}
_RX = "    RX: bytes  packets  errors  dropped overrun mcast\n"
_TX = "    TX: bytes  packets  errors  dropped carrier collsns\n"
_HEAD = (
    "7: vif3.0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc mq state UP qlen 32\n"
    "    link/ether fe:ff:ff:ff:ff:ff brd ff:ff:ff:ff:ff:ff\n"
)
BAD = {"ip_-s_link": _HEAD + _RX + "    2812033    19822    0       0       0       0\n"
       + _TX + "    9120344    20310    0       412     0       0\n"}
GOOD = {"ip_-s_link": _HEAD + _RX + "    2812033    19822    0       0       0       0\n"
        + _TX + "    9120344    20310    0       3       0       0\n"}
REFERENCES = (
    "linux-2.6.18-xen drivers/xen/netback/common.h: netback_carrier_on/off (netback's own carrier flag)",
    "Linux drivers/net/xen-netback/interface.c: xenvif_start_xmit (drop: tx_dropped++)",
)


def check(model) -> Iterator[Problem]:
    host = model.dom0
    if host is None:
        return
    for device, match in vif_devices(host):
        expected = _unused_pv_vif(host, device, match)
        if expected is not None:
            yield expected
        for direction in _DIRECTIONS:
            if expected is None or direction != "tx":
                problem = _ratio(device, direction)
                if problem is not None:
                    yield problem


def _unused_pv_vif(host: Host, device: Interface, match: re.Match[str]) -> Problem | None:
    pair = counter_pair(device, "tx")
    if match["prefix"] != "vif" or match["emu"] or pair is None or pair[0].value or not pair[1].value:
        return None
    twins = [twin for twin in emulated_twins(host, match) if (traffic(twin) or 0) > 0 or traffic(twin) is None]
    if not twins:
        return None
    twin = twins[0]
    count = traffic(twin)
    used = f", {count} packets" if count is not None else ""
    return Problem(
        f"{device.name} dropped {pair[1].value} packets toward the guest and sent none, while the emulated"
        f" NIC {twin.name} is in use{used}: the HVM guest runs without PV network drivers, so netback has no"
        " frontend and drops what the bridge floods to it; expected",
        pair[1].location,
        related=_related(pair, twin.location),
        severity=Severity.INFO,
        subject=device.name,
    )


def _ratio(device: Interface, direction: str) -> Problem | None:
    pair = counter_pair(device, direction)
    if pair is None or not pair[1].value:
        return None
    packets, dropped = pair[0].value, pair[1].value
    ratio = dropped / (packets + dropped)
    if ratio <= LIMIT:
        return None
    return Problem(
        f"{device.name} dropped {dropped} of {packets + dropped} packets {_DIRECTIONS[direction]}:"
        f" {ratio:.1%}, above {LIMIT:.0%}",
        pair[1].location,
        related=_related(pair),
        subject=device.name,  # root causes (C105) join the drops to the vif's other findings
    )


def _related(pair: tuple[Fact[int], Fact[int]], *more) -> tuple:
    return tuple(loc for loc in (pair[0].location, *more) if loc != pair[1].location)
